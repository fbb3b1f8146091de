// worker.js
import { parentPort } from 'worker_threads';

parentPort?.on('message', (data) => {
  parentPort?.postMessage('done');
});
