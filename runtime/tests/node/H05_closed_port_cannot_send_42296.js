// H05: A closed port could still send (#42296).
// The repro: port1.onmessage set; port2.close(); port2.postMessage('asdf') must not
// be delivered. Also checked from inside a worker, and with receiveMessageOnPort.
const { Worker, MessageChannel, receiveMessageOnPort } = require('worker_threads');

function sameThread() {
  return new Promise((resolve) => {
    const ch = new MessageChannel();
    let hey = 0;
    ch.port1.onmessage = () => { hey++; };
    ch.port1.on('close', () => {
      console.log('same thread: delivered after close', hey);
      resolve();
    });
    ch.port2.close();
    ch.port2.postMessage('asdf');
  });
}

function sync() {
  const ch = new MessageChannel();
  ch.port2.close();
  ch.port2.postMessage('asdf');
  console.log('receiveMessageOnPort on peer', String(receiveMessageOnPort(ch.port1)));
  ch.port1.close();
}

function inWorker() {
  return new Promise((resolve) => {
    const { port1, port2 } = new MessageChannel();
    const got = [];
    port1.on('message', (m) => got.push(m));
    port1.on('close', () => {
      console.log('worker: main received', JSON.stringify(got));
      resolve();
    });
    new Worker(`
      const { workerData } = require('worker_threads');
      workerData.postMessage('before close');
      workerData.close();
      workerData.postMessage('after close');
    `, { eval: true, workerData: port2, transferList: [port2] });
  });
}

(async () => {
  await sameThread();
  sync();
  await inWorker();
})();

/* expect:
same thread: delivered after close 0
receiveMessageOnPort on peer undefined
worker: main received ["before close"]
*/
// expect-exit: 0
