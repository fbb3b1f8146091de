// H08: postMessage is not observed while the receiver is blocked in Atomics.wait — delivery needs the event loop (#25630, by design).
// The worker has a 'message' listener, posts 'ready' and blocks in Atomics.wait on cell 1
// (10 s timeout). Main, on 'ready', posts 'ping' to the worker, THEN sets cell 1 and notifies.
// So when the worker's wait returns, 'ping' has certainly been posted. The worker then blocks
// once more (50 ms, timed-out) and finishes its synchronous code; only afterwards does the
// 'message' listener run. The worker sends its event log to main.
const { Worker } = require('worker_threads');

const sab = new SharedArrayBuffer(8);
const i32 = new Int32Array(sab);
const w = new Worker(`
  const { parentPort, workerData } = require('worker_threads');
  const i32 = new Int32Array(workerData);
  const log = [];
  parentPort.on('message', (m) => {
    log.push('message handler: ' + m);
    parentPort.postMessage(log);
    parentPort.close();
  });
  parentPort.postMessage('ready');
  const r1 = Atomics.wait(i32, 1, 0, 10000);
  log.push('first wait returned before its timeout: ' + (r1 !== 'timed-out') + ', ping posted: ' + (Atomics.load(i32, 1) === 1));
  const r2 = Atomics.wait(i32, 0, 0, 50);
  log.push('second wait: ' + r2);
  log.push('synchronous code done');
`, { eval: true, workerData: sab });
w.on('message', (m) => {
  if (m === 'ready') {
    w.postMessage('ping');
    Atomics.store(i32, 1, 1);
    Atomics.notify(i32, 1);
    return;
  }
  for (const l of m) console.log(l);
});
w.on('exit', (code) => console.log('exit', code));

/* expect:
first wait returned before its timeout: true, ping posted: true
second wait: timed-out
synchronous code done
message handler: ping
exit 0
*/
// expect-exit: 0
