// D2: Several distinct SABs in one message stay distinct.
// Message [s1, s2, s1, {a: s1, b: s2}]: identities are preserved within the message, and
// a worker writing different values into each shows they do not alias.
const { Worker } = require('worker_threads');

const s1 = new SharedArrayBuffer(4);
const s2 = new SharedArrayBuffer(4);
const s3 = new SharedArrayBuffer(8);
const src = `
  const { parentPort } = require('worker_threads');
  parentPort.once('message', (m) => {
    const [a, b, a2, obj, c] = m;
    const out = {
      aIsA2: a === a2,
      aIsObjA: a === obj.a,
      bIsObjB: b === obj.b,
      aIsB: a === b,
      sizes: [a.byteLength, b.byteLength, c.byteLength],
    };
    new Int32Array(a)[0] = 111;
    new Int32Array(b)[0] = 222;
    new Int32Array(c)[1] = 333;
    parentPort.postMessage(out);
  });
`;
const w = new Worker(src, { eval: true });
w.on('message', (m) => {
  console.log('worker view', JSON.stringify(m));
  console.log('main s1', new Int32Array(s1)[0], 's2', new Int32Array(s2)[0], 's3', JSON.stringify(Array.from(new Int32Array(s3))));
});
w.on('exit', (code) => console.log('exit', code));
w.postMessage([s1, s2, s1, { a: s1, b: s2 }, s3]);

/* expect:
worker view {"aIsA2":true,"aIsObjA":true,"bIsObjB":true,"aIsB":false,"sizes":[4,4,8]}
main s1 111 s2 222 s3 [0,333]
exit 0
*/
// expect-exit: 0
