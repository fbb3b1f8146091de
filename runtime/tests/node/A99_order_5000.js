// Order: 5000 messages posted in a row arrive in order.
// Checked twice: on a same-thread MessageChannel, and main -> worker -> main.
const { Worker, MessageChannel } = require('worker_threads');
const N = 5000;

function sameThread() {
  return new Promise((resolve) => {
    const { port1, port2 } = new MessageChannel();
    let next = 0;
    let inOrder = true;
    port2.on('message', (m) => {
      if (m !== next) inOrder = false;
      next++;
      if (next === N) {
        console.log('channel: received', next, 'in order', inOrder);
        port2.close();
        resolve();
      }
    });
    for (let i = 0; i < N; i++) port1.postMessage(i);
  });
}

function viaWorker() {
  return new Promise((resolve) => {
    const src = `
      const { parentPort, workerData } = require('worker_threads');
      let next = 0, inOrder = true;
      parentPort.on('message', (m) => {
        if (m !== next) inOrder = false;
        next++;
        if (next === workerData) {
          parentPort.postMessage({ count: next, inOrder });
          for (let i = 0; i < workerData; i++) parentPort.postMessage(i);
          parentPort.close();
        }
      });
    `;
    const w = new Worker(src, { eval: true, workerData: N });
    let summary = null;
    let next = 0;
    let inOrder = true;
    w.on('message', (m) => {
      if (summary === null) { summary = m; return; }
      if (m !== next) inOrder = false;
      next++;
    });
    w.on('exit', (code) => {
      console.log('worker saw', JSON.stringify(summary));
      console.log('main got back', next, 'in order', inOrder);
      console.log('exit', code);
      resolve();
    });
    for (let i = 0; i < N; i++) w.postMessage(i);
  });
}

(async () => {
  await sameThread();
  await viaWorker();
})();

/* expect:
channel: received 5000 in order true
worker saw {"count":5000,"inOrder":true}
main got back 5000 in order true
exit 0
*/
// expect-exit: 0
