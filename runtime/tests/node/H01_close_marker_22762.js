// H01: Messages sent just before the peer's close() were lost (nodejs/node #22762, fixed by queuing a close marker).
// Shape of Node's regression test: each round the main thread creates a MessageChannel and
// transfers port2 to a worker; the worker posts 'first', 'last' on it and closes it
// immediately. Main must receive first, last, then 'close' - every round.
const { Worker, MessageChannel } = require('worker_threads');
const ROUNDS = 5000;

const w = new Worker(`
  require('worker_threads').parentPort.on('message', ({ port }) => {
    port.postMessage('first');
    port.postMessage('last');
    port.close();
  });
`, { eval: true });

function round() {
  return new Promise((resolve) => {
    const { port1, port2 } = new MessageChannel();
    const seq = [];
    port1.on('message', (m) => seq.push(m));
    port1.on('close', () => { seq.push('close'); resolve(seq.join(',')); });
    w.postMessage({ port: port2 }, [port2]);
  });
}

(async () => {
  const counts = {};
  for (let i = 0; i < ROUNDS; i++) {
    const s = await round();
    counts[s] = (counts[s] || 0) + 1;
  }
  console.log('rounds', ROUNDS);
  console.log('sequences', JSON.stringify(counts));
  const code = await w.terminate();
  console.log('terminate', code);
})();

/* expect:
rounds 5000
sequences {"first,last,close":5000}
terminate 1
*/
// expect-exit: 0
