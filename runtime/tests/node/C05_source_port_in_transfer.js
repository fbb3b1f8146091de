// C5: port1.postMessage(x, [port1]) -> DataCloneError (code 25) "Transfer list contains source port"; both ports keep working.
const { MessageChannel } = require('worker_threads');

const { port1, port2 } = new MessageChannel();
const ab = new ArrayBuffer(4);
try {
  port1.postMessage('x', [port1]);
  console.log('no throw');
} catch (e) {
  console.log('threw', e.name, String(e.code), e.message);
}
try {
  port1.postMessage('y', [ab, port1]);
  console.log('no throw');
} catch (e) {
  console.log('threw', e.name, String(e.code), e.message);
}
console.log('ab.byteLength', ab.byteLength);

const log = [];
port2.on('message', (m) => {
  log.push('port2 got ' + m);
  port2.postMessage('pong');
});
port1.on('message', (m) => {
  log.push('port1 got ' + m);
  for (const l of log) console.log(l);
  port1.close();
});
port1.postMessage('ping');

/* expect:
threw DataCloneError 25 Transfer list contains source port
threw DataCloneError 25 Transfer list contains source port
ab.byteLength 4
port2 got ping
port1 got pong
*/
// expect-exit: 0
