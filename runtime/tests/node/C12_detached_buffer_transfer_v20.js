// C12: (v20) A detached ArrayBuffer in the transfer list is ignored; cloning a detached buffer without transfer -> DataCloneError "An ArrayBuffer is detached and could not be cloned." (v21+ throws for the transfer case too.)
const { MessageChannel, receiveMessageOnPort } = require('worker_threads');

const { port1, port2 } = new MessageChannel();
const ab = new ArrayBuffer(8);
port1.postMessage(ab, [ab]); // detach it
receiveMessageOnPort(port2);
console.log('detached byteLength', ab.byteLength);

function attempt(label, fn) {
  try {
    fn();
    console.log(label, 'no throw');
  } catch (e) {
    console.log(label, 'threw', e.name, String(e.code), e.message);
  }
}

attempt('postMessage("y", [detached])', () => port1.postMessage('y', [ab]));
console.log('delivered', JSON.stringify(receiveMessageOnPort(port2)));
attempt('structuredClone(1, {transfer:[detached]})', () => structuredClone(1, { transfer: [ab] }));
attempt('postMessage(detached)', () => port1.postMessage(ab));
console.log('delivered', String(receiveMessageOnPort(port2)));
attempt('structuredClone(detached)', () => structuredClone(ab));
attempt('postMessage(detached, [detached])', () => port1.postMessage(ab, [ab]));
const r = receiveMessageOnPort(port2);
console.log('delivered ArrayBuffer', r.message instanceof ArrayBuffer, 'byteLength', r.message.byteLength);
port1.close();

/* expect:
detached byteLength 0
postMessage("y", [detached]) no throw
delivered {"message":"y"}
structuredClone(1, {transfer:[detached]}) no throw
postMessage(detached) threw DataCloneError 25 An ArrayBuffer is detached and could not be cloned.
delivered undefined
structuredClone(detached) threw DataCloneError 25 An ArrayBuffer is detached and could not be cloned.
postMessage(detached, [detached]) no throw
delivered ArrayBuffer true byteLength 0
*/
// expect-exit: 0
