// H02: Duplicate entries in the transfer list crashed the process (#25786).
// Every variant must throw a catchable DataCloneError, leave the objects usable, and the
// process must go on (a final worker round trip proves it).
const { Worker, MessageChannel, receiveMessageOnPort } = require('worker_threads');

function attempt(label, fn) {
  try {
    fn();
    console.log(label, 'no throw');
  } catch (e) {
    console.log(label, 'threw', e.name, String(e.code), e.message);
  }
}

const { port1, port2 } = new MessageChannel();
const ab = new ArrayBuffer(8);
const other = new MessageChannel();

attempt('postMessage [ab, ab]', () => port1.postMessage(ab, [ab, ab]));
attempt('postMessage [ab, ab, ab] nested', () => port1.postMessage({ x: [ab, ab] }, [ab, ab, ab]));
attempt('postMessage [port, port]', () => port1.postMessage(other.port1, [other.port1, other.port1]));
attempt('structuredClone [ab, ab]', () => structuredClone(ab, { transfer: [ab, ab] }));
attempt('new Worker transferList [ab, ab]', () => {
  const w = new Worker('', { eval: true, workerData: ab, transferList: [ab, ab] });
  w.terminate();
});
attempt('new Worker transferList [port, port]', () => {
  const w = new Worker('', { eval: true, workerData: other.port1, transferList: [other.port1, other.port1] });
  w.terminate();
});
console.log('ab.byteLength', ab.byteLength, 'delivered', String(receiveMessageOnPort(port2)));
other.port1.postMessage('other still works');
console.log('other', JSON.stringify(receiveMessageOnPort(other.port2)));
other.port1.close();
port1.close();

const w = new Worker(`
  const { parentPort, workerData } = require('worker_threads');
  parentPort.postMessage(workerData.byteLength);
`, { eval: true, workerData: ab, transferList: [ab] });
w.on('message', (m) => console.log('worker got buffer of', m, 'sender now', ab.byteLength));
w.on('exit', (c) => console.log('exit', c));

/* expect:
postMessage [ab, ab] threw DataCloneError 25 Transfer list contains duplicate ArrayBuffer
postMessage [ab, ab, ab] nested threw DataCloneError 25 Transfer list contains duplicate ArrayBuffer
postMessage [port, port] threw DataCloneError 25 Transfer list contains duplicate MessagePort
structuredClone [ab, ab] threw DataCloneError 25 Transfer list contains duplicate ArrayBuffer
new Worker transferList [ab, ab] threw DataCloneError 25 Transfer list contains duplicate ArrayBuffer
new Worker transferList [port, port] threw DataCloneError 25 Transfer list contains duplicate MessagePort
ab.byteLength 8 delivered undefined
other {"message":"other still works"}
worker got buffer of 8 sender now 0
exit 0
*/
// expect-exit: 0
