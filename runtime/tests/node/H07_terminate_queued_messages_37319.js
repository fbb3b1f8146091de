// H07: Messages queued during terminate() with no listener kept the loop alive forever (fixed in PR #37319).
// Case 1 (Node's test-worker-terminate-ref-public-port): the worker posts in an endless
// loop; main handles one message with once('message') (so no listener remains) and calls
// terminate(). Case 2: no 'message' listener ever; terminate() once the worker is flooding.
// The test is that the process exits on its own after both 'exit' events.
const { Worker } = require('worker_threads');

const flood = `
  const p = require('worker_threads').parentPort;
  while (true) p.postMessage({});
`;

function case1() {
  return new Promise((resolve) => {
    const w = new Worker(flood, { eval: true });
    w.once('message', () => w.terminate());
    w.once('exit', (code) => {
      console.log('case 1 exit', code, 'message listeners', w.listenerCount('message'));
      resolve();
    });
  });
}

function case2() {
  return new Promise((resolve) => {
    const sab = new SharedArrayBuffer(4);
    const flag = new Int32Array(sab);
    const w = new Worker(`
      const { parentPort, workerData } = require('worker_threads');
      Atomics.store(new Int32Array(workerData), 0, 1);
      Atomics.notify(new Int32Array(workerData), 0);
      while (true) parentPort.postMessage({});
    `, { eval: true, workerData: sab });
    let exitCode = null;
    w.once('exit', (code) => { exitCode = code; });
    w.once('online', () => {
      Atomics.wait(flag, 0, 0, 1000); // until the worker is flooding
      w.terminate().then((code) => {
        console.log('case 2 exit', exitCode, 'terminate() resolved', code);
        resolve();
      });
    });
  });
}

(async () => {
  await case1();
  await case2();
  console.log('both done; the process must now exit');
})();

/* expect:
case 1 exit 1 message listeners 0
case 2 exit 1 terminate() resolved 1
both done; the process must now exit
*/
// expect-exit: 0
