// G1: A grandchild's uncaught error reaches the top level as an 'error' event, exit code 1.
// The child starts a grandchild and adds no 'error' listener to it; the grandchild throws.
// The unhandled 'error' event becomes the child's uncaught exception, which the main thread
// receives as the child's 'error' event.
const { Worker } = require('worker_threads');

const grandchild = `
  throw new TypeError('grandchild failed');
`;
const child = `
  const { Worker, workerData } = require('worker_threads');
  const g = new Worker(workerData, { eval: true });
  g.on('exit', (code) => require('worker_threads').parentPort.postMessage('grandchild exit ' + code));
`;
const w = new Worker(child, { eval: true, workerData: grandchild });
const messages = [];
const events = [];
w.on('message', (m) => messages.push(m));
w.on('error', (e) => events.push('error: ' + e.name + ' | ' + e.message + ' | instanceof Error ' + (e instanceof Error)));
w.on('exit', (code) => {
  events.push('child exit ' + code);
  console.log('messages from child', JSON.stringify(messages));
  for (const e of events) console.log(e);
});

/* expect:
messages from child []
error: TypeError | grandchild failed | instanceof Error true
child exit 1
*/
// expect-exit: 0
