// C2: A typed array whose .buffer is transferred arrives intact.
const { MessageChannel, receiveMessageOnPort } = require('worker_threads');

const { port1, port2 } = new MessageChannel();
const buf = new ArrayBuffer(32);
const u32 = new Uint32Array(buf);
for (let i = 0; i < u32.length; i++) u32[i] = 1000 + i;
const view = new Uint8Array(buf, 4, 8); // a view with an offset into the same buffer
const f64 = new Float64Array([1.5, -2.25]);

port1.postMessage({ u32, view, f64 }, [buf, f64.buffer]);
console.log('sender after: u32.length', u32.length, 'view.length', view.length, 'buf.byteLength', buf.byteLength, 'f64.length', f64.length);

const { message } = receiveMessageOnPort(port2);
console.log('u32', message.u32.constructor.name, message.u32.length, JSON.stringify(Array.from(message.u32)));
console.log('view', message.view.constructor.name, 'byteOffset', message.view.byteOffset, 'length', message.view.length, JSON.stringify(Array.from(message.view)));
console.log('same buffer on receiver', message.u32.buffer === message.view.buffer, 'byteLength', message.u32.buffer.byteLength);
console.log('f64', message.f64.constructor.name, JSON.stringify(Array.from(message.f64)));
port1.close();

/* expect:
sender after: u32.length 0 view.length 0 buf.byteLength 0 f64.length 0
u32 Uint32Array 8 [1000,1001,1002,1003,1004,1005,1006,1007]
view Uint8Array byteOffset 4 length 8 [233,3,0,0,234,3,0,0]
same buffer on receiver true byteLength 32
f64 Float64Array [1.5,-2.25]
*/
// expect-exit: 0
