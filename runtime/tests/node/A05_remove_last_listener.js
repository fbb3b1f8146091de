// A5: Removing the last listener stops the port; a listener added later still gets the buffered messages.
// While the port is stopped (no 'message' listener) it does not keep the loop alive,
// so a timer keeps the process running until the new listener is attached.
const { MessageChannel } = require('worker_threads');

const { port1, port2 } = new MessageChannel();
const log = [];
function first(m) {
  log.push('first:' + m);
  port2.off('message', first);
  console.log('listeners after off', port2.listenerCount('message'));
  port1.postMessage('b');
  port1.postMessage('c');
  setTimeout(attachSecond, 50);
}
port2.on('message', first);
port1.postMessage('a');

function attachSecond() {
  console.log('while stopped', JSON.stringify(log));
  port2.on('message', (m) => {
    log.push('second:' + m);
    if (log.length === 3) {
      console.log('final', JSON.stringify(log));
      port2.close();
    }
  });
}

/* expect:
listeners after off 0
while stopped ["first:a"]
final ["first:a","second:b","second:c"]
*/
// expect-exit: 0
