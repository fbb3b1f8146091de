// main.js — structured clone is a deep copy: changing the original after postMessage does
// not reach the worker.
import { Worker } from 'worker_threads';

const worker = new Worker('./worker.js');

const obj = { name: 'kim', data: [1, 2, 3] };
worker.postMessage(obj);  // 객체 복사됨 (원본과 별개)

obj.name = 'lee';  // Worker에 영향 없음
obj.data.push(4);
worker.on('message', (copy) => {
  console.log('worker saw', JSON.stringify(copy), 'main has', JSON.stringify(obj));
  worker.terminate();
});
