// D1: A SAB posted without a transfer list is shared: writes on either side are visible to the other.
// Handshake by messages (no timing): worker writes, tells main; main reads and writes, tells
// worker; worker reads and reports.
const { Worker } = require('worker_threads');

const sab = new SharedArrayBuffer(8);
const v = new Int32Array(sab);
const src = `
  const { parentPort, workerData } = require('worker_threads');
  const v = new Int32Array(workerData.sab);
  parentPort.on('message', (m) => {
    if (m === 'start') {
      Atomics.store(v, 0, 42);
      parentPort.postMessage('worker wrote v[0]=42');
    } else if (m === 'check') {
      parentPort.postMessage('worker reads v[1]=' + Atomics.load(v, 1));
      parentPort.close();
    }
  });
`;
const w = new Worker(src, { eval: true, workerData: { sab } });
w.on('message', (m) => {
  console.log(m);
  if (m === 'worker wrote v[0]=42') {
    console.log('main reads v[0]=' + Atomics.load(v, 0));
    Atomics.store(v, 1, 7);
    console.log('main wrote v[1]=7');
    w.postMessage('check');
  }
});
w.on('exit', (code) => console.log('exit', code));
w.postMessage('start');

/* expect:
worker wrote v[0]=42
main reads v[0]=42
main wrote v[1]=7
worker reads v[1]=7
exit 0
*/
// expect-exit: 0
