// C6: A closed port in the transfer list -> DataCloneError "MessagePort in transfer list is already detached", and an ArrayBuffer earlier in the same list is NOT detached (detach happens only after a successful serialization).
const { MessageChannel, receiveMessageOnPort } = require('worker_threads');

const { port1, port2 } = new MessageChannel();
const dead = new MessageChannel();
dead.port1.close();
const ab = new ArrayBuffer(4);
try {
  port1.postMessage({ ab, p: dead.port1 }, [ab, dead.port1]);
  console.log('no throw');
} catch (e) {
  console.log('threw', e.name, String(e.code), e.message);
}
console.log('ab.byteLength', ab.byteLength);
console.log('delivered', String(receiveMessageOnPort(port2)));
port1.close();

/* expect:
threw DataCloneError 25 MessagePort in transfer list is already detached
ab.byteLength 4
delivered undefined
*/
// expect-exit: 0
