// B2: Calling port1.close() inside the first handler still delivers the messages already queued.
const { MessageChannel } = require('worker_threads');

const { port1, port2 } = new MessageChannel();
port2.postMessage(1);
port2.postMessage(2);
port2.postMessage(3);
const log = [];
port1.on('message', (m) => {
  log.push('message ' + m);
  if (m === 1) {
    port1.close();
    log.push('closed in handler');
  }
});
port1.on('close', () => {
  log.push('close');
  for (const l of log) console.log(l);
});

/* expect:
message 1
closed in handler
message 2
message 3
close
*/
// expect-exit: 0
