// F11: An ArrayBuffer or SharedArrayBuffer too large to allocate throws a RangeError (test262
// built-ins/SharedArrayBuffer/allocation-limit.js); it is not an out-of-memory of the heap.
// V8 calls the near-heap-limit callback as a last resort when a backing store cannot be
// allocated, with the heap nowhere near its limit: the process must carry on, in main and
// in a worker.
const { Worker } = require('worker_threads');

for (const C of [ArrayBuffer, SharedArrayBuffer]) {
  try {
    new C(7 * 1125899906842624);
    console.log(C.name, 'allocated');
  } catch (e) {
    console.log(C.name, e.constructor.name, e.message);
  }
}
const w = new Worker(`
  const { parentPort } = require('worker_threads');
  try { new SharedArrayBuffer(9007199254740992 - 1); parentPort.postMessage('allocated'); }
  catch (e) { parentPort.postMessage(e.constructor.name); }
`, { eval: true });
w.on('message', (m) => console.log('worker', m));
w.on('exit', (code) => console.log('worker exit', code));

/* expect:
ArrayBuffer RangeError Array buffer allocation failed
SharedArrayBuffer RangeError Array buffer allocation failed
worker RangeError
worker exit 0
*/
// expect-exit: 0
