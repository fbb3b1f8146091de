// C8/C9: A transferred port works at its new owner, and messages queued on it before the transfer arrive there, in order, before later ones.
// port2 gets two messages queued, is then transferred to a worker (workerData +
// transferList); two more are posted afterwards. The worker echoes what it saw back over
// the same port, proving it works in both directions at the new owner.
const { Worker, MessageChannel } = require('worker_threads');

const { port1, port2 } = new MessageChannel();
port1.postMessage('queued-1');
port1.postMessage('queued-2');

const src = `
  const { workerData } = require('worker_threads');
  const port = workerData.port;
  const got = [];
  port.on('message', (m) => {
    got.push(m);
    if (got.length === 4) {
      port.postMessage(got);
      port.close();
    }
  });
`;
const w = new Worker(src, { eval: true, workerData: { port: port2 }, transferList: [port2] });
port1.postMessage('later-3');
port1.postMessage('later-4');
port1.on('message', (m) => console.log('worker received, in order:', JSON.stringify(m)));
// 'close' on port1 and the worker's 'exit' may come in either order: report both at the end.
let closed = false;
let exitCode = null;
function report() {
  if (closed && exitCode !== null) console.log('channel closed', closed, 'exit', exitCode);
}
port1.on('close', () => { closed = true; report(); });
w.on('exit', (code) => { exitCode = code; report(); });

/* expect:
worker received, in order: ["queued-1","queued-2","later-3","later-4"]
channel closed true exit 0
*/
// expect-exit: 0
