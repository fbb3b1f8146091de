// C1: After postMessage(ab, [ab]), ab.byteLength === 0; the receiver sees the original length.
// Checked on a same-thread channel and towards a worker.
const { Worker, MessageChannel } = require('worker_threads');

const { port1, port2 } = new MessageChannel();
const ab = new ArrayBuffer(16);
new Uint8Array(ab).fill(7);
port2.once('message', (m) => {
  console.log('channel receiver byteLength', m.byteLength, 'byte[15]', new Uint8Array(m)[15]);
  port2.close();
  toWorker();
});
port1.postMessage(ab, [ab]);
console.log('sender byteLength after transfer', ab.byteLength);

function toWorker() {
  const src = `
    const { parentPort } = require('worker_threads');
    parentPort.once('message', (m) => {
      parentPort.postMessage([m.byteLength, new Uint8Array(m)[1023]]);
    });
  `;
  const w = new Worker(src, { eval: true });
  const big = new ArrayBuffer(1024);
  new Uint8Array(big)[1023] = 99;
  w.postMessage(big, [big]);
  console.log('sender byteLength after transfer to worker', big.byteLength);
  w.on('message', (m) => console.log('worker saw', JSON.stringify(m)));
  w.on('exit', (code) => console.log('exit', code));
}

/* expect:
sender byteLength after transfer 0
channel receiver byteLength 16 byte[15] 7
sender byteLength after transfer to worker 0
worker saw [1024,99]
exit 0
*/
// expect-exit: 0
