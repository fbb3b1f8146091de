// B3: A worker that posts, posts again, then closes: the parent receives both (10,000 rounds, none lost). Node's fix: closing appends a close marker to the queue so earlier messages drain first.
// Part 1: one worker runs ROUNDS rounds; each round creates a MessageChannel, transfers
// port2 to the parent, then posts twice on port1 and closes port1 immediately.
// The parent must see both messages on every port, and both before that port's 'close'.
// Part 2: WORKERS short-lived workers each post twice on parentPort and then close it.
const { Worker } = require('worker_threads');
const ROUNDS = 10000;
const WORKERS = 20;

function part1() {
  return new Promise((resolve) => {
    const src = `
      const { parentPort, MessageChannel, workerData } = require('worker_threads');
      for (let i = 0; i < workerData; i++) {
        const { port1, port2 } = new MessageChannel();
        parentPort.postMessage({ i, port: port2 }, [port2]);
        port1.postMessage(i * 2);
        port1.postMessage(i * 2 + 1);
        port1.close();
      }
    `;
    const w = new Worker(src, { eval: true, workerData: ROUNDS });
    let received = 0;
    let closed = 0;
    let bad = 0;
    let exitCode = null;
    function maybeDone() {
      if (exitCode !== null && closed === ROUNDS) {
        console.log('part1 worker exit', exitCode);
        console.log('part1 rounds', ROUNDS, 'received', received, 'closed', closed, 'bad', bad);
        resolve();
      }
    }
    w.on('message', ({ i, port }) => {
      const got = [];
      port.on('message', (m) => { got.push(m); received++; });
      port.on('close', () => {
        if (got.length !== 2 || got[0] !== i * 2 || got[1] !== i * 2 + 1) bad++;
        closed++;
        maybeDone();
      });
    });
    w.on('exit', (code) => {
      exitCode = code;
      maybeDone();
    });
  });
}

function part2() {
  return new Promise((resolve) => {
    const src = `
      const { parentPort, workerData } = require('worker_threads');
      parentPort.postMessage(workerData * 2);
      parentPort.postMessage(workerData * 2 + 1);
      parentPort.close();
    `;
    let ok = 0;
    let exits = 0;
    for (let k = 0; k < WORKERS; k++) {
      const got = [];
      const w = new Worker(src, { eval: true, workerData: k });
      w.on('message', (m) => got.push(m));
      w.on('exit', (code) => {
        if (code === 0 && got.length === 2 && got[0] === k * 2 && got[1] === k * 2 + 1) ok++;
        if (++exits === WORKERS) {
          console.log('part2 workers', WORKERS, 'both messages received', ok);
          resolve();
        }
      });
    }
  });
}

(async () => {
  await part1();
  await part2();
})();

/* expect:
part1 worker exit 0
part1 rounds 10000 received 20000 closed 10000 bad 0
part2 workers 20 both messages received 20
*/
// expect-exit: 0
