// B1: port2.close() fires 'close' on both ports.
// The two 'close' events are collected and printed sorted (their relative order is not part of the claim).
// NOTE: 'close' listeners do not keep the loop alive. In node v20, when nothing else
// keeps the loop alive, only port2's 'close' is observed before the process exits
// (port1's never fires). So an interval keeps the process alive until both have fired.
const { MessageChannel } = require('worker_threads');

const { port1, port2 } = new MessageChannel();
const seen = [];
let count1 = 0;
let count2 = 0;
const keepAlive = setInterval(() => {}, 1000);
function check() {
  if (seen.length === 2) {
    console.log('close events', JSON.stringify(seen.slice().sort()));
    setTimeout(() => {
      console.log('close counts', count1, count2);
      clearInterval(keepAlive);
    }, 20);
  }
}
port1.on('close', () => { count1++; seen.push('port1'); check(); });
port2.on('close', () => { count2++; seen.push('port2'); check(); });
port2.close();
console.log('close() returned synchronously, events so far', seen.length);

/* expect:
close() returned synchronously, events so far 0
close events ["port1","port2"]
close counts 1 1
*/
// expect-exit: 0
