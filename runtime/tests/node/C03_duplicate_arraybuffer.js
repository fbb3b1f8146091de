// C3: The same ArrayBuffer twice in the transfer list -> DataCloneError "Transfer list contains duplicate ArrayBuffer"; nothing is delivered and the buffer stays attached.
const { MessageChannel, receiveMessageOnPort } = require('worker_threads');

const { port1, port2 } = new MessageChannel();
const ab = new ArrayBuffer(8);
try {
  port1.postMessage(ab, [ab, ab]);
  console.log('no throw');
} catch (e) {
  console.log('postMessage threw', e.name, String(e.code), e.message);
}
console.log('byteLength', ab.byteLength);
console.log('delivered', String(receiveMessageOnPort(port2)));
try {
  structuredClone(ab, { transfer: [ab, ab] });
  console.log('no throw');
} catch (e) {
  console.log('structuredClone threw', e.name, String(e.code), e.message);
}
console.log('byteLength', ab.byteLength);
port1.close();

/* expect:
postMessage threw DataCloneError 25 Transfer list contains duplicate ArrayBuffer
byteLength 8
delivered undefined
structuredClone threw DataCloneError 25 Transfer list contains duplicate ArrayBuffer
byteLength 8
*/
// expect-exit: 0
