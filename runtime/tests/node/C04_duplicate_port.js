// C4: The same port twice -> DataCloneError "Transfer list contains duplicate MessagePort".
const { MessageChannel, receiveMessageOnPort } = require('worker_threads');

const { port1, port2 } = new MessageChannel();
const other = new MessageChannel();
try {
  port1.postMessage(other.port1, [other.port1, other.port1]);
  console.log('no throw');
} catch (e) {
  console.log('threw', e.name, String(e.code), e.message);
}
console.log('delivered', String(receiveMessageOnPort(port2)));
// the port was not transferred: it still works
other.port1.postMessage('still works');
console.log('other.port2 got', JSON.stringify(receiveMessageOnPort(other.port2)));
other.port1.close();
port1.close();

/* expect:
threw DataCloneError 25 Transfer list contains duplicate MessagePort
delivered undefined
other.port2 got {"message":"still works"}
*/
// expect-exit: 0
