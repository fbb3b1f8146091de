// A1: receiveMessageOnPort is FIFO: empty queue -> undefined; two posts -> {message: m1}, {message: m2}, then undefined. It does not fire 'message' listeners.
// A 'message' listener is attached (which starts the port) but messages are pulled
// synchronously first; the listener must never fire for them.
const { MessageChannel, receiveMessageOnPort } = require('worker_threads');

const { port1, port2 } = new MessageChannel();
let fired = 0;
port2.on('message', () => { fired++; });

console.log('empty', String(receiveMessageOnPort(port2)));
port1.postMessage('m1');
port1.postMessage({ k: 'm2' });
const r1 = receiveMessageOnPort(port2);
const r2 = receiveMessageOnPort(port2);
const r3 = receiveMessageOnPort(port2);
console.log('r1', JSON.stringify(r1), JSON.stringify(Object.keys(r1)));
console.log('r2', JSON.stringify(r2));
console.log('r3', String(r3));

setTimeout(() => {
  console.log('listener fired', fired);
  port1.close();
}, 20);

/* expect:
empty undefined
r1 {"message":"m1"} ["message"]
r2 {"message":{"k":"m2"}}
r3 undefined
listener fired 0
*/
// expect-exit: 0
