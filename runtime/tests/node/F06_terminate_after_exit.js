// F6: terminate() after exit resolves undefined.
const { Worker } = require('worker_threads');

const w = new Worker(`process.exitCode = 5;`, { eval: true });
w.on('exit', (code) => {
  console.log('exit', code);
  const p = w.terminate();
  console.log('terminate() returns a Promise', p instanceof Promise);
  p.then((v) => {
    console.log('terminate() after exit resolved', String(v));
    return w.terminate();
  }).then((v) => {
    console.log('second terminate() resolved', String(v));
  });
});

/* expect:
exit 5
terminate() returns a Promise true
terminate() after exit resolved undefined
second terminate() resolved undefined
*/
// expect-exit: 0
