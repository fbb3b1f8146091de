// D3: A SAB (and a transferred ArrayBuffer) created in a worker stays usable after that worker exits.
const { Worker } = require('worker_threads');

const src = `
  const { parentPort } = require('worker_threads');
  const sab = new SharedArrayBuffer(1024 * 1024);
  const ab = new ArrayBuffer(4096);
  new Int32Array(sab).fill(5);
  new Uint8Array(ab).fill(9);
  parentPort.postMessage({ sab, ab }, [ab]);
`;
const w = new Worker(src, { eval: true });
let got = null;
w.on('message', (m) => { got = m; });
w.on('exit', (code) => {
  console.log('worker exit', code);
  setTimeout(() => {
    const s = new Int32Array(got.sab);
    const a = new Uint8Array(got.ab);
    let sumS = 0;
    for (let i = 0; i < s.length; i++) { s[i] += 1; sumS += s[i]; }
    let sumA = 0;
    for (let i = 0; i < a.length; i++) { a[i] += 1; sumA += a[i]; }
    console.log('sab byteLength', got.sab.byteLength, 'sum after +1', sumS);
    console.log('ab byteLength', got.ab.byteLength, 'sum after +1', sumA);
    // hand the SAB to a second worker after the first is gone
    const w2 = new Worker(`
      const { parentPort, workerData } = require('worker_threads');
      const s = new Int32Array(workerData);
      parentPort.postMessage(Atomics.add(s, 0, 100));
    `, { eval: true, workerData: got.sab });
    w2.on('message', (old) => console.log('second worker saw', old, 'main now sees', Atomics.load(s, 0)));
    w2.on('exit', (c) => console.log('second worker exit', c));
  }, 20);
});

/* expect:
worker exit 0
sab byteLength 1048576 sum after +1 1572864
ab byteLength 4096 sum after +1 40960
second worker saw 6 main now sees 106
second worker exit 0
*/
// expect-exit: 0
