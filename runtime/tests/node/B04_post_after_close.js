// B4: port.close(); port.postMessage(x): the peer never receives x.
const { MessageChannel } = require('worker_threads');

const { port1, port2 } = new MessageChannel();
const got = [];
port2.on('message', (m) => got.push(m));
port2.on('close', () => {
  console.log('peer closed; received', JSON.stringify(got));
  afterPeerClosed();
});
port1.postMessage('before-close');
port1.close();
try {
  port1.postMessage('after-close');
  console.log('postMessage after close did not throw');
} catch (e) {
  console.log('threw', e.name, String(e.code), e.message);
}
function afterPeerClosed() {
  try {
    port1.postMessage('after-close-event');
    console.log('postMessage on closed port did not throw');
  } catch (e) {
    console.log('threw', e.name, String(e.code), e.message);
  }
  setTimeout(() => console.log('final received', JSON.stringify(got)), 20);
}

/* expect:
postMessage after close did not throw
peer closed; received ["before-close"]
postMessage on closed port did not throw
final received ["before-close"]
*/
// expect-exit: 0
