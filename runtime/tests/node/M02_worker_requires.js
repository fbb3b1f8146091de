// A worker started from its own file (`new Worker(__filename)`, absolute as in Node)
// requires a file next to it and a package from node_modules, and reports to main.
const { Worker, isMainThread, parentPort } = require('worker_threads');
if (isMainThread) {
  const w = new Worker(__filename);
  w.on('message', (m) => console.log('main got', m));
  w.on('exit', (c) => console.log('exit', c));
} else {
  const lib = require('./M01_modules/lib');
  const { createRequire } = require('module');
  const cond = createRequire(__dirname + '/M01_modules/x.js')('cond');
  parentPort.postMessage(lib.name + ' ' + cond);
}
/* expect:
main got lib cond via require
exit 0
*/
// expect-exit: 0
