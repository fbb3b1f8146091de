// A4: A message posted before any listener exists is delivered when on('message') is attached later.
const { MessageChannel } = require('worker_threads');

const { port1, port2 } = new MessageChannel();
port1.postMessage('early-1');
port1.postMessage('early-2');
console.log('posted before listener');

setTimeout(() => {
  console.log('attaching listener');
  const got = [];
  port2.on('message', (m) => {
    got.push(m);
    if (got.length === 3) {
      console.log('received', JSON.stringify(got));
      port2.close();
    }
  });
  port1.postMessage('late-3');
}, 30);

/* expect:
posted before listener
attaching listener
received ["early-1","early-2","late-3"]
*/
// expect-exit: 0
