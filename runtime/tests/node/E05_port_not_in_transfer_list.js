// E5: A MessagePort inside the message but not in the transfer list -> TypeError ERR_MISSING_TRANSFERABLE_IN_TRANSFER_LIST "Object that needs transfer was found in message but not listed in transferList".
const { MessageChannel, receiveMessageOnPort } = require('worker_threads');

const { port1, port2 } = new MessageChannel();
const other = new MessageChannel();
function attempt(label, fn) {
  try {
    fn();
    console.log(label, 'no throw');
  } catch (e) {
    console.log(label, 'threw', e.name, String(e.code), e.message);
  }
}
attempt('postMessage({p})', () => port1.postMessage({ p: other.port1 }));
attempt('postMessage(port)', () => port1.postMessage(other.port1));
attempt('structuredClone({p})', () => structuredClone({ p: other.port1 }));
console.log('delivered', String(receiveMessageOnPort(port2)));
// the port was not moved and still works
other.port1.postMessage('ok');
console.log('other channel', JSON.stringify(receiveMessageOnPort(other.port2)));
other.port1.close();
port1.close();

/* expect:
postMessage({p}) threw TypeError ERR_MISSING_TRANSFERABLE_IN_TRANSFER_LIST Object that needs transfer was found in message but not listed in transferList
postMessage(port) threw TypeError ERR_MISSING_TRANSFERABLE_IN_TRANSFER_LIST Object that needs transfer was found in message but not listed in transferList
structuredClone({p}) threw TypeError ERR_MISSING_TRANSFERABLE_IN_TRANSFER_LIST Object that needs transfer was found in message but not listed in transferList
delivered undefined
other channel {"message":"ok"}
*/
// expect-exit: 0
