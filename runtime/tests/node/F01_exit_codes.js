// F1: process.exitCode = 42 -> exit code 42; process.exit(42) wins over an exitCode of 99; exit(0) -> 0.
// Each case runs in its own worker, one after the other; the code comes from the 'exit' event.
const { Worker } = require('worker_threads');

const cases = [
  ['exitCode = 42', 'process.exitCode = 42;'],
  ['exitCode = 99 then exit(42)', 'process.exitCode = 99; process.exit(42);'],
  ['exit(0)', 'process.exit(0);'],
  ['exitCode = 99 then exit()', 'process.exitCode = 99; process.exit();'],
  ['falls off the end', 'const x = 1;'],
  ['exit(3) stops the rest', "process.exit(3); require('worker_threads').parentPort.postMessage('unreachable');"],
];

function run([label, body]) {
  return new Promise((resolve) => {
    const w = new Worker(body, { eval: true });
    let messages = 0;
    w.on('message', () => messages++);
    w.on('exit', (code) => {
      console.log(label + ' -> exit ' + code + (messages ? ' messages ' + messages : ''));
      resolve();
    });
  });
}

(async () => {
  for (const c of cases) await run(c);
  console.log('main exitCode', String(process.exitCode));
})();

/* expect:
exitCode = 42 -> exit 42
exitCode = 99 then exit(42) -> exit 42
exit(0) -> exit 0
exitCode = 99 then exit() -> exit 99
falls off the end -> exit 0
exit(3) stops the rest -> exit 3
main exitCode undefined
*/
// expect-exit: 0
