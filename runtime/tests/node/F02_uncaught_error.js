// F2: An uncaught error -> 'error' event with that error, exit code 1; timers no longer fire; the 'exit' listener runs once.
// The worker arms a 30 ms timer that would post 'late timer fired', then throws from a 0 ms
// timer. The main thread waits 200 ms after 'exit' to show the late timer never fired.
const { Worker } = require('worker_threads');

const src = `
  const { parentPort } = require('worker_threads');
  setTimeout(() => parentPort.postMessage('late timer fired'), 30);
  setInterval(() => parentPort.postMessage('interval fired'), 40);
  parentPort.postMessage('before throw');
  setTimeout(() => {
    const e = new RangeError('boom');
    e.extra = 'x';
    throw e;
  }, 0);
`;
const w = new Worker(src, { eval: true });
const events = [];
const messages = [];
let exitCount = 0;
w.on('message', (m) => messages.push(m));
w.on('error', (e) => {
  events.push('error: ' + [e.name, e.message, e instanceof Error, e.constructor.name].join(' '));
});
w.on('exit', (code) => {
  exitCount++;
  events.push('exit: ' + code);
  setTimeout(() => {
    console.log('messages', JSON.stringify(messages));
    for (const e of events) console.log(e);
    console.log('exit listener calls', exitCount);
  }, 200);
});

/* expect:
messages ["before throw"]
error: RangeError boom true RangeError
exit: 1
exit listener calls 1
*/
// expect-exit: 0
