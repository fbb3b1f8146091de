// F4/F5: terminate() interrupts an endless loop, an endless microtask loop, and an endless Atomics.wait; exit code 1.
// Each worker posts 'ready' right before entering its endless state; the main thread then
// calls terminate(). Both the 'exit' code and the value terminate() resolves with are printed.
const { Worker } = require('worker_threads');

const cases = [
  ['endless loop', `for (;;) {}`],
  ['endless microtask loop', `const spin = () => Promise.resolve().then(spin); spin();`],
  ['endless queueMicrotask loop', `const spin = () => queueMicrotask(spin); spin();`],
  ['endless Atomics.wait', `Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0);`],
  ['endless async loop', `(async () => { for (;;) await null; })();`],
];

function run([label, body]) {
  return new Promise((resolve) => {
    const src = `require('worker_threads').parentPort.postMessage('ready');\n` + body;
    const w = new Worker(src, { eval: true });
    let exitCode = null;
    let resolved;
    let n = 0;
    const finish = () => {
      if (++n === 2) {
        console.log(label + ': exit event ' + exitCode + ', terminate() resolved ' + resolved);
        resolve();
      }
    };
    w.on('exit', (code) => { exitCode = code; finish(); });
    w.once('message', () => {
      w.terminate().then((v) => { resolved = v; finish(); });
    });
  });
}

(async () => {
  for (const c of cases) await run(c);
})();

/* expect:
endless loop: exit event 1, terminate() resolved 1
endless microtask loop: exit event 1, terminate() resolved 1
endless queueMicrotask loop: exit event 1, terminate() resolved 1
endless Atomics.wait: exit event 1, terminate() resolved 1
endless async loop: exit event 1, terminate() resolved 1
*/
// expect-exit: 0
