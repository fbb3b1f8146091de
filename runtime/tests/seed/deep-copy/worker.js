import { parentPort } from 'worker_threads';

parentPort.once('message', (obj) => {
  parentPort.postMessage(obj);
});
