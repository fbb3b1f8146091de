// B9: In the same tick after close(), receiveMessageOnPort still drains what was queued; later it returns undefined.
// "Later" here means a timer callback after the port's 'close' event has fired.
// NOTE: node v20.20.2 SEGFAULTS (exit 139) when receiveMessageOnPort(port) is called
// synchronously inside that port's own 'close' listener; this test therefore defers the
// call with setTimeout. A re-implementation should return undefined there too.
const { MessageChannel, receiveMessageOnPort } = require('worker_threads');

const { port1, port2 } = new MessageChannel();
port1.postMessage(1);
port1.postMessage(2);
port1.postMessage(3);
port2.on('close', () => {
  console.log('close event');
  setTimeout(() => {
    console.log('after close event', String(receiveMessageOnPort(port2)));
  }, 0);
});
port2.close();
console.log('same tick', JSON.stringify(receiveMessageOnPort(port2)));
console.log('same tick', JSON.stringify(receiveMessageOnPort(port2)));
// message 3 is left queued and is dropped with the port

/* expect:
same tick {"message":1}
same tick {"message":2}
close event
after close event undefined
*/
// expect-exit: 0
