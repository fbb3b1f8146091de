// G2: A port passed two levels down through workerData + transferList still reaches the main thread.
// main -> child (workerData.port, transferList) -> grandchild (same) -> posts on the port.
// The grandchild also receives a reply from main over the same port, then closes it.
const { Worker, MessageChannel } = require('worker_threads');

const grandchild = `
  const { workerData } = require('worker_threads');
  const port = workerData.port;
  port.postMessage({ from: 'grandchild', depth: workerData.depth });
  port.once('message', (m) => {
    port.postMessage('grandchild got ' + m);
    port.close();
  });
`;
const child = `
  const { Worker, workerData } = require('worker_threads');
  const g = new Worker(workerData.grandchild, {
    eval: true,
    workerData: { port: workerData.port, depth: workerData.depth + 1 },
    transferList: [workerData.port],
  });
  g.on('exit', (code) => require('worker_threads').parentPort.postMessage('grandchild exit ' + code));
`;
const { port1, port2 } = new MessageChannel();
const w = new Worker(child, { eval: true, workerData: { port: port2, depth: 1, grandchild }, transferList: [port2] });
const log = [];
port1.on('message', (m) => {
  log.push('port: ' + JSON.stringify(m));
  if (typeof m === 'object') port1.postMessage('hello from main');
});
const childMsgs = [];
let portClosed = false;
let exitCode = null;
function report() {
  if (!portClosed || exitCode === null) return;
  for (const l of log) console.log(l);
  console.log('port closed', portClosed);
  console.log('child said', JSON.stringify(childMsgs));
  console.log('child exit', exitCode);
}
w.on('message', (m) => childMsgs.push(m));
port1.on('close', () => { portClosed = true; report(); });
w.on('exit', (code) => { exitCode = code; report(); });

/* expect:
port: {"from":"grandchild","depth":2}
port: "grandchild got hello from main"
port closed true
child said ["grandchild exit 0"]
child exit 0
*/
// expect-exit: 0
