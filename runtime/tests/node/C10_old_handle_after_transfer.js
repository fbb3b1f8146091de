// C10: The old handle of a transferred port: postMessage silently does nothing.
const { MessageChannel, receiveMessageOnPort } = require('worker_threads');

const a = new MessageChannel();
const carrier = new MessageChannel();
carrier.port1.postMessage(a.port2, [a.port2]);
const moved = receiveMessageOnPort(carrier.port2).message;
console.log('new handle is a different object', moved !== a.port2);

try {
  a.port2.postMessage('from old handle');
  console.log('old handle postMessage did not throw');
} catch (e) {
  console.log('threw', e.name, String(e.code), e.message);
}
console.log('peer got from old handle', String(receiveMessageOnPort(a.port1)));

moved.postMessage('from new handle');
console.log('peer got from new handle', JSON.stringify(receiveMessageOnPort(a.port1)));

a.port1.postMessage('to moved port');
console.log('new handle receives', JSON.stringify(receiveMessageOnPort(moved)));

a.port1.close();
carrier.port1.close();

/* expect:
new handle is a different object true
old handle postMessage did not throw
peer got from old handle undefined
peer got from new handle {"message":"from new handle"}
new handle receives {"message":"to moved port"}
*/
// expect-exit: 0
