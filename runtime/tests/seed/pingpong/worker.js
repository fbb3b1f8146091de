import { parentPort } from 'worker_threads';

parentPort.on('message', (n) => {
  if (n === 'stop') {
    parentPort.close();
    return;
  }
  parentPort.postMessage(n + 1);
});
