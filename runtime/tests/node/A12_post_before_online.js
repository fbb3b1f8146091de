// A12: Messages posted to a worker before it is online are queued and delivered.
const { Worker } = require('worker_threads');

const src = `
const { parentPort } = require('worker_threads');
const got = [];
parentPort.on('message', (m) => {
  got.push(m);
  if (got.length === 3) {
    parentPort.postMessage(got);
    parentPort.close();
  }
});
`;
const w = new Worker(src, { eval: true });
let online = false;
w.on('online', () => { online = true; });
w.postMessage('m1');
w.postMessage({ n: 2 });
w.postMessage([3]);
console.log('posted 3 messages, online yet:', online);
w.on('message', (m) => console.log('worker received', JSON.stringify(m)));
w.on('exit', (code) => console.log('exit', code));

/* expect:
posted 3 messages, online yet: false
worker received ["m1",{"n":2},[3]]
exit 0
*/
// expect-exit: 0
