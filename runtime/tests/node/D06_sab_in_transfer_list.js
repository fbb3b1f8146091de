// D6: A SAB in the transfer list -> TypeError ERR_INVALID_TRANSFER_OBJECT "Found invalid object in transferList" (not "cannot be transferred").
const { Worker, MessageChannel, receiveMessageOnPort } = require('worker_threads');

const { port1, port2 } = new MessageChannel();
const sab = new SharedArrayBuffer(4);
function attempt(label, fn) {
  try {
    fn();
    console.log(label, 'no throw');
  } catch (e) {
    console.log(label, 'threw', e.name, String(e.code), e.message);
  }
}
attempt('postMessage', () => port1.postMessage(sab, [sab]));
console.log('delivered', String(receiveMessageOnPort(port2)));
attempt('structuredClone', () => structuredClone(sab, { transfer: [sab] }));
attempt('new Worker transferList', () => {
  const w = new Worker('', { eval: true, workerData: sab, transferList: [sab] });
  w.terminate();
});
console.log('sab still usable', sab.byteLength);
port1.close();

/* expect:
postMessage threw TypeError ERR_INVALID_TRANSFER_OBJECT Found invalid object in transferList
delivered undefined
structuredClone threw TypeError ERR_INVALID_TRANSFER_OBJECT Found invalid object in transferList
new Worker transferList threw TypeError ERR_INVALID_TRANSFER_OBJECT Found invalid object in transferList
sab still usable 4
*/
// expect-exit: 0
