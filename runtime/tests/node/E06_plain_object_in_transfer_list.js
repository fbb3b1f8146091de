// E6: A plain object in the transfer list -> TypeError ERR_INVALID_TRANSFER_OBJECT.
const { MessageChannel, receiveMessageOnPort } = require('worker_threads');

const { port1, port2 } = new MessageChannel();
function attempt(label, fn) {
  try {
    fn();
    console.log(label, 'no throw');
  } catch (e) {
    console.log(label, 'threw', e.name, String(e.code), e.message);
  }
}
attempt('postMessage(1, [{}])', () => port1.postMessage(1, [{}]));
attempt('postMessage(1, [1])', () => port1.postMessage(1, [1]));
attempt('structuredClone(1, {transfer:[{}]})', () => structuredClone(1, { transfer: [{}] }));
console.log('delivered', String(receiveMessageOnPort(port2)));
port1.close();

/* expect:
postMessage(1, [{}]) threw TypeError ERR_INVALID_TRANSFER_OBJECT Found invalid object in transferList
postMessage(1, [1]) threw TypeError ERR_INVALID_TRANSFER_OBJECT Found invalid object in transferList
structuredClone(1, {transfer:[{}]}) threw TypeError ERR_INVALID_TRANSFER_OBJECT Found invalid object in transferList
delivered undefined
*/
// expect-exit: 0
