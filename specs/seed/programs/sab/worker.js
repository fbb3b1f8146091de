// worker.js
import { workerData } from 'worker_threads';

const sharedArray = new Int32Array(workerData.sharedBuffer);

setInterval(() => {
  Atomics.add(sharedArray, 0, 1); // 메인에서도 변경 보임!
}, 50);
