// H03: Several SABs in one message were merged (#28559).
// Five SABs of different sizes go to a worker in one message (and two more in workerData);
// the worker reports their sizes and fills each with a distinct value; main checks each.
const { Worker } = require('worker_threads');

const sabs = [4, 8, 16, 32, 64].map((n) => new SharedArrayBuffer(n));
const wd = [new SharedArrayBuffer(12), new SharedArrayBuffer(20)];
const w = new Worker(`
  const { parentPort, workerData } = require('worker_threads');
  parentPort.once('message', (list) => {
    const all = list.concat(workerData);
    const sizes = all.map((s) => s.byteLength);
    let distinct = true;
    for (let i = 0; i < all.length; i++)
      for (let j = i + 1; j < all.length; j++)
        if (all[i] === all[j]) distinct = false;
    all.forEach((s, i) => new Uint8Array(s).fill(i + 1));
    parentPort.postMessage({ sizes, distinct });
  });
`, { eval: true, workerData: wd });
w.on('message', (m) => {
  console.log('worker saw sizes', JSON.stringify(m.sizes), 'distinct objects', m.distinct);
  const fills = sabs.concat(wd).map((s) => {
    const u = new Uint8Array(s);
    return u.every((x) => x === u[0]) ? u[0] : -1;
  });
  console.log('main sees fill values', JSON.stringify(fills));
});
w.on('exit', (c) => console.log('exit', c));
w.postMessage(sabs);

/* expect:
worker saw sizes [4,8,16,32,64,12,20] distinct objects true
main sees fill values [1,2,3,4,5,6,7]
exit 0
*/
// expect-exit: 0
