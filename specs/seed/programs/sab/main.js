// 메인 스레드
import { Worker } from 'worker_threads';

const sharedBuffer = new SharedArrayBuffer(4);
const sharedArray = new Int32Array(sharedBuffer);
sharedArray[0] = 0;

const worker = new Worker('./worker.js', {
  workerData: { sharedBuffer }
});

setInterval(() => {
  console.log('Main sees:', Atomics.load(sharedArray, 0));
}, 100);
