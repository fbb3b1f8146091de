// D7: Across threads Atomics.wait returns "ok" after Atomics.notify (which returns the count woken, e.g. 1), "timed-out", or "not-equal".
// Determinism: the worker announces 'ready' then blocks in Atomics.wait(i32, 0, 0) with no
// timeout. The main thread calls Atomics.notify(i32, 0, 1) repeatedly (sleeping 1 ms between
// tries) until it returns 1, i.e. until it actually woke the waiting worker.
// Then the worker does a 20 ms wait on an unchanged cell ("timed-out") and a wait with a
// wrong expected value ("not-equal").
const { Worker } = require('worker_threads');

const sab = new SharedArrayBuffer(16);
const i32 = new Int32Array(sab);
const src = `
  const { parentPort, workerData } = require('worker_threads');
  const i32 = new Int32Array(workerData);
  parentPort.postMessage('ready');
  const r1 = Atomics.wait(i32, 0, 0);
  const r2 = Atomics.wait(i32, 1, 0, 20);
  const r3 = Atomics.wait(i32, 2, 5, 1000);
  parentPort.postMessage([r1, r2, r3]);
`;
const w = new Worker(src, { eval: true, workerData: sab });
const nap = new Int32Array(new SharedArrayBuffer(4));
w.on('message', (m) => {
  if (m === 'ready') {
    let woken = 0;
    let tries = 0;
    while (woken === 0 && tries < 5000) {
      woken = Atomics.notify(i32, 0, 1);
      if (woken === 0) Atomics.wait(nap, 0, 0, 1);
      tries++;
    }
    console.log('notify returned', woken);
    console.log('notify with nobody waiting returns', Atomics.notify(i32, 3, 1));
    return;
  }
  console.log('wait after notify:', m[0]);
  console.log('wait with timeout:', m[1]);
  console.log('wait on wrong value:', m[2]);
});
w.on('exit', (code) => console.log('exit', code));

/* expect:
notify returned 1
notify with nobody waiting returns 0
wait after notify: ok
wait with timeout: timed-out
wait on wrong value: not-equal
exit 0
*/
// expect-exit: 0
