// D8: Atomics.waitAsync settles free-running: a notify from the same thread, a notify from
// a worker, and a timeout all resolve the promise (test262 built-ins/Atomics/waitAsync).
// V8 settles it with a task posted to the waiting isolate's platform task runner, which
// the event loop must run. As in Node, a pending waitAsync does not keep the process alive:
// the last one never settles and the process still ends.
const { Worker } = require('worker_threads');

const i32 = new Int32Array(new SharedArrayBuffer(16));
const keepAlive = setInterval(() => {}, 1000); // a pending waitAsync alone would not
const same = Atomics.waitAsync(i32, 0, 0);
console.log('same thread: async', same.async);
same.value.then((v) => {
  console.log('same thread:', v);
  const timed = Atomics.waitAsync(i32, 1, 0, 20);
  return timed.value;
}).then((v) => {
  console.log('timeout:', v);
  const cross = Atomics.waitAsync(i32, 2, 0);
  const w = new Worker(`
    const { workerData } = require('worker_threads');
    const i32 = new Int32Array(workerData);
    setTimeout(() => Atomics.notify(i32, 2), 20);
  `, { eval: true, workerData: i32.buffer });
  w.on('exit', (code) => console.log('worker exit', code));
  return cross.value;
}).then((v) => {
  console.log('other thread:', v);
  clearInterval(keepAlive);
  Atomics.waitAsync(i32, 3, 0).value.then(() => console.log('never settles'));
});
console.log('notified', Atomics.notify(i32, 0));

/* expect:
same thread: async true
notified 1
same thread: ok
timeout: timed-out
other thread: ok
worker exit 0
*/
// expect-exit: 0
