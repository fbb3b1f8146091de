// Cloned: primitives, Object, Array, Date, RegExp, Map, Set, ArrayBuffer, typed arrays, Error (name, message, stack), BigInt, boxed primitives; shared: SharedArrayBuffer.
// Every value is cloned twice: with structuredClone, and by a round trip through a worker
// (main -> worker -> main, i.e. two serializations). Each result is summarised as a string
// and both paths must give the same summary; each summary is printed once.
// NOTE: doc lists "Error (name, message, stack)". In node v20 the name survives only for the
// standard constructors (Error, EvalError, RangeError, ReferenceError, SyntaxError, TypeError,
// URIError): a subclass or a custom .name comes back as name 'Error' (its stack string, which
// starts "MyErr: ...", is kept as is); own extra properties (.code, .extra) are dropped;
// .cause IS cloned.
const { Worker } = require('worker_threads');

class Foo { constructor() { this.a = 1; } get g() { return 2; } }
class MyErr extends Error { constructor(m) { super(m); this.name = 'MyErr'; this.extra = 1; } }
const err = new RangeError('bad range', { cause: 'why' });
const renamed = new Error('q');
renamed.name = 'TypeError';
const custom = new Error('c');
custom.name = 'Custom';
custom.code = 'E_X';
const sparse = [1, , 3];
sparse.extra = 'x';
const circ = { name: 'c' };
circ.self = circ;
const re = /a+b/gi;
re.lastIndex = 3;
const ab = new ArrayBuffer(4);
new Uint8Array(ab).set([1, 2, 3, 4]);

const values = [
  ['undefined', undefined],
  ['null', null],
  ['true', true],
  ['-0', -0],
  ['NaN', NaN],
  ['Infinity', -Infinity],
  ['string', 'h\u00e9llo \ud83d\ude00'],
  ['bigint', 12345678901234567890n],
  ['object', { a: 1, nested: { b: [1, 2] } }],
  ['class instance', new Foo()],
  ['circular', circ],
  ['sparse array', sparse],
  ['Date', new Date(86400000)],
  ['RegExp', re],
  ['Map', new Map([[1, 'one'], ['k', { v: 2 }]])],
  ['Set', new Set([1, 'a', 1])],
  ['ArrayBuffer', ab],
  ['Uint8Array', new Uint8Array([1, 255])],
  ['Int16Array', new Int16Array([-2, 3])],
  ['Float32Array', new Float32Array([0.5])],
  ['Float64Array', new Float64Array([Math.PI])],
  ['BigInt64Array', new BigInt64Array([-5n])],
  ['Uint8ClampedArray', new Uint8ClampedArray([300, -5])],
  ['subarray view', new Uint8Array(new ArrayBuffer(8), 2, 3)],
  ['DataView', new DataView(new ArrayBuffer(4), 1, 2)],
  ['RangeError with cause', err],
  ['Error subclass', new MyErr('sub')],
  ['Error renamed TypeError', renamed],
  ['Error custom name + code', custom],
  ['Number box', new Number(3)],
  ['String box', new String('s')],
  ['Boolean box', new Boolean(false)],
  ['BigInt box', Object(7n)],
];

function summarize(label, orig, c) {
  const t = typeof c;
  if (c === null || (t !== 'object' && t !== 'function')) {
    if (t === 'number') return 'number ' + (Object.is(c, -0) ? '-0' : String(c));
    return t + ' ' + String(c);
  }
  const proto = Object.getPrototypeOf(c);
  const ctor = proto && proto.constructor ? proto.constructor.name : 'null-proto';
  const same = c === orig;
  let detail;
  if (c instanceof Error) {
    detail = JSON.stringify({
      name: c.name, message: c.message,
      hasCause: 'cause' in c, cause: c.cause,
      stackFirstLine: typeof c.stack === 'string' ? c.stack.split('\n')[0] : typeof c.stack,
      stackEqual: c.stack === orig.stack,
      extra: String(c.extra), code: String(c.code),
      keys: Object.keys(c),
    });
  } else if (c instanceof Date) {
    detail = String(c.getTime());
  } else if (c instanceof RegExp) {
    detail = JSON.stringify([c.source, c.flags, c.lastIndex]);
  } else if (c instanceof Map) {
    detail = JSON.stringify([...c]);
  } else if (c instanceof Set) {
    detail = JSON.stringify([...c]);
  } else if (c instanceof ArrayBuffer) {
    detail = c.byteLength + ' ' + JSON.stringify(Array.from(new Uint8Array(c)));
  } else if (ArrayBuffer.isView(c)) {
    const items = c instanceof DataView ? [] : Array.from(c, (x) => String(x));
    detail = JSON.stringify({ byteOffset: c.byteOffset, byteLength: c.byteLength, bufferLength: c.buffer.byteLength, items });
  } else if (c instanceof Number || c instanceof String || c instanceof Boolean || (typeof BigInt !== 'undefined' && c instanceof BigInt)) {
    detail = typeof c.valueOf() + ' ' + String(c.valueOf());
  } else if (Array.isArray(c)) {
    detail = JSON.stringify({ length: c.length, has1: 1 in c, items: c, extra: c.extra });
  } else if (label === 'circular') {
    detail = 'self===clone ' + (c.self === c) + ' name ' + c.name;
  } else {
    detail = JSON.stringify(c) + ' getter g: ' + String(c.g);
  }
  return 'object ' + ctor + ' sameObject=' + same + ' ' + detail;
}

const src = `
  const { parentPort } = require('worker_threads');
  parentPort.on('message', (m) => parentPort.postMessage(m));
`;
const w = new Worker(src, { eval: true });
let i = 0;
let mismatches = 0;
function next() {
  if (i === values.length) {
    console.log('mismatches between structuredClone and worker round trip', mismatches);
    shared();
    return;
  }
  w.postMessage(values[i][1]);
}
function onValue(viaWorker) {
  const [label, v] = values[i];
  const a = summarize(label, v, structuredClone(v));
  const b = summarize(label, v, viaWorker);
  if (a !== b) {
    mismatches++;
    console.log(label, 'MISMATCH worker:', b);
  }
  console.log(label + ':', a);
  i++;
  next();
}
w.on('message', onValue);
next();

function shared() {
  w.off('message', onValue);
  const sab = new SharedArrayBuffer(4);
  const c = structuredClone(sab);
  new Int32Array(c)[0] = 9;
  console.log('SharedArrayBuffer: clone is new object', c !== sab, 'shares memory', new Int32Array(sab)[0] === 9);
  w.once('message', (back) => {
    new Int32Array(back)[0] = 10;
    console.log('SharedArrayBuffer via worker shares memory', new Int32Array(sab)[0] === 10);
    w.terminate().then((code) => console.log('terminated', code));
  });
  w.postMessage(sab);
}

/* expect:
undefined: undefined undefined
null: object null
true: boolean true
-0: number -0
NaN: number NaN
Infinity: number -Infinity
string: string héllo 😀
bigint: bigint 12345678901234567890
object: object Object sameObject=false {"a":1,"nested":{"b":[1,2]}} getter g: undefined
class instance: object Object sameObject=false {"a":1} getter g: undefined
circular: object Object sameObject=false self===clone true name c
sparse array: object Array sameObject=false {"length":3,"has1":false,"items":[1,null,3],"extra":"x"}
Date: object Date sameObject=false 86400000
RegExp: object RegExp sameObject=false ["a+b","gi",0]
Map: object Map sameObject=false [[1,"one"],["k",{"v":2}]]
Set: object Set sameObject=false [1,"a"]
ArrayBuffer: object ArrayBuffer sameObject=false 4 [1,2,3,4]
Uint8Array: object Uint8Array sameObject=false {"byteOffset":0,"byteLength":2,"bufferLength":2,"items":["1","255"]}
Int16Array: object Int16Array sameObject=false {"byteOffset":0,"byteLength":4,"bufferLength":4,"items":["-2","3"]}
Float32Array: object Float32Array sameObject=false {"byteOffset":0,"byteLength":4,"bufferLength":4,"items":["0.5"]}
Float64Array: object Float64Array sameObject=false {"byteOffset":0,"byteLength":8,"bufferLength":8,"items":["3.141592653589793"]}
BigInt64Array: object BigInt64Array sameObject=false {"byteOffset":0,"byteLength":8,"bufferLength":8,"items":["-5"]}
Uint8ClampedArray: object Uint8ClampedArray sameObject=false {"byteOffset":0,"byteLength":2,"bufferLength":2,"items":["255","0"]}
subarray view: object Uint8Array sameObject=false {"byteOffset":2,"byteLength":3,"bufferLength":8,"items":["0","0","0"]}
DataView: object DataView sameObject=false {"byteOffset":1,"byteLength":2,"bufferLength":4,"items":[]}
RangeError with cause: object RangeError sameObject=false {"name":"RangeError","message":"bad range","hasCause":true,"cause":"why","stackFirstLine":"RangeError: bad range","stackEqual":true,"extra":"undefined","code":"undefined","keys":[]}
Error subclass: object Error sameObject=false {"name":"Error","message":"sub","hasCause":false,"stackFirstLine":"MyErr: sub","stackEqual":true,"extra":"undefined","code":"undefined","keys":[]}
Error renamed TypeError: object TypeError sameObject=false {"name":"TypeError","message":"q","hasCause":false,"stackFirstLine":"TypeError: q","stackEqual":true,"extra":"undefined","code":"undefined","keys":[]}
Error custom name + code: object Error sameObject=false {"name":"Error","message":"c","hasCause":false,"stackFirstLine":"Custom: c","stackEqual":true,"extra":"undefined","code":"undefined","keys":[]}
Number box: object Number sameObject=false number 3
String box: object String sameObject=false string s
Boolean box: object Boolean sameObject=false boolean false
BigInt box: object BigInt sameObject=false bigint 7
mismatches between structuredClone and worker round trip 0
SharedArrayBuffer: clone is new object true shares memory true
SharedArrayBuffer via worker shares memory true
terminated 1
*/
// expect-exit: 0
