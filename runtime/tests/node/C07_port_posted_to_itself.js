// C7: port2.postMessage(x, [port1, ab]) (a port posted to its own channel): a warning "The target port was posted to itself, and the communication channel was lost"; ab is detached; nothing is delivered.
// The warning is emitted with process.emitWarning and goes to stderr; only stdout is checked:
// postMessage does not throw, ab is detached, no 'message' fires on either port, both
// ports get 'close', and later posts on either handle are silently dropped.
const { MessageChannel } = require('worker_threads');

const { port1, port2 } = new MessageChannel();
const ab = new ArrayBuffer(8);
const got = [];
const closes = [];
port1.on('message', () => got.push('port1'));
port2.on('message', () => got.push('port2'));
port1.on('close', () => { closes.push('port1'); if (closes.length === 2) setTimeout(report, 20); });
port2.on('close', () => { closes.push('port2'); if (closes.length === 2) setTimeout(report, 20); });
try {
  port2.postMessage({ x: 1 }, [port1, ab]);
  console.log('postMessage did not throw');
} catch (e) {
  console.log('threw', e.name, String(e.code), e.message);
}
console.log('ab.byteLength', ab.byteLength);
// reported 20 ms after both ports have emitted 'close'
function report() {
  console.log('delivered', JSON.stringify(got));
  console.log('closes', JSON.stringify(closes.slice().sort()));
  port1.postMessage('a');
  port2.postMessage('b');
  setTimeout(() => {
    console.log('delivered later', JSON.stringify(got));
  }, 30);
}

/* expect:
postMessage did not throw
ab.byteLength 0
delivered []
closes ["port1","port2"]
delivered later []
*/
// expect-exit: 0
