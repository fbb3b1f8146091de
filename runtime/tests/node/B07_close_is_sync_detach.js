// B7: Closing is synchronous for transfer purposes: right after close() the port counts as detached.
const { MessageChannel, receiveMessageOnPort } = require('worker_threads');

const { port1, port2 } = new MessageChannel();
const carrier = new MessageChannel();
port1.close();
try {
  carrier.port1.postMessage({ p: port1 }, [port1]);
  console.log('transfer of just-closed port: no throw');
} catch (e) {
  console.log('transfer of just-closed port threw', e.name, String(e.code), e.message);
}
console.log('carrier got', String(receiveMessageOnPort(carrier.port2)));
try {
  structuredClone(port1, { transfer: [port1] });
  console.log('structuredClone transfer: no throw');
} catch (e) {
  console.log('structuredClone transfer threw', e.name, String(e.code), e.message);
}
carrier.port1.close();

/* expect:
transfer of just-closed port threw DataCloneError 25 MessagePort in transfer list is already detached
carrier got undefined
structuredClone transfer threw DataCloneError 25 MessagePort in transfer list is already detached
*/
// expect-exit: 0
