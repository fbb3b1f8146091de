// F10: postMessage to an exited worker silently does nothing.
// NOTE: after exit the Worker's public port is gone and postMessage returns early, so an
// ArrayBuffer in the transfer list is NOT detached (byteLength stays 8).
const { Worker } = require('worker_threads');

const w = new Worker(`
  const { parentPort } = require('worker_threads');
  parentPort.on('message', (m) => parentPort.postMessage('echo ' + m));
  parentPort.once('message', () => parentPort.close());
`, { eval: true });
const got = [];
w.on('message', (m) => got.push(m));
w.on('exit', (code) => {
  console.log('exit', code, 'got', JSON.stringify(got));
  try {
    w.postMessage('after exit');
    w.postMessage({ big: new ArrayBuffer(8) });
    const ab = new ArrayBuffer(8);
    w.postMessage(ab, [ab]);
    console.log('postMessage after exit did not throw; transferred ab.byteLength', ab.byteLength);
  } catch (e) {
    console.log('threw', e.name, String(e.code), e.message);
  }
  setTimeout(() => console.log('still got', JSON.stringify(got)), 30);
});
w.postMessage('one');

/* expect:
exit 0 got ["echo one"]
postMessage after exit did not throw; transferred ab.byteLength 8
still got ["echo one"]
*/
// expect-exit: 0
