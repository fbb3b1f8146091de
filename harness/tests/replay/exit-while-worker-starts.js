const { Worker } = require('worker_threads');
const sab = new SharedArrayBuffer(16);
const w = new Worker(`
  const { workerData } = require('worker_threads');
  const i = new Int32Array(workerData);
  Atomics.wait(i, 0, 0);
`, { eval: true, workerData: sab });
setTimeout(() => { console.log('bye'); process.exit(0); }, 5);
