import { parentPort } from 'worker_threads';

parentPort.once('message', ({ sab }) => {
  Atomics.store(new Int32Array(sab), 0, 7);
  parentPort.postMessage('written');
});
