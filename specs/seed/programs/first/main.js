// main.js
import { Worker } from 'worker_threads';

const worker = new Worker('./worker.js');
worker.postMessage({ data: 'heavy task' });
worker.on('message', (result) => console.log(result));
