// A ping-pong in the seed's style: main and worker bounce a counter through their entangled
// port pair until it reaches 1000, then both sides stop and the program exits.
import { Worker } from 'worker_threads';

const worker = new Worker('./worker.js');
worker.on('message', (n) => {
  if (n >= 1000) {
    console.log('final', n);
    worker.postMessage('stop');
    return;
  }
  worker.postMessage(n + 1);
});
worker.on('exit', (code) => console.log('worker exit', code));
worker.postMessage(0);
