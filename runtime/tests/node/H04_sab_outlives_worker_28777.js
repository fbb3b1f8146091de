// H04: A SAB outliving the worker that created it crashed (#28777).
// Ten workers each create a SAB, write into it, hand it to main and exit. After all have
// exited, main reads and writes every SAB, then passes them all to a fresh worker which sums
// them; then that worker exits too and main reads them once more.
const { Worker } = require('worker_threads');
const N = 10;

function maker(i) {
  return new Promise((resolve) => {
    const w = new Worker(`
      const { parentPort, workerData } = require('worker_threads');
      const sab = new SharedArrayBuffer(4096);
      new Int32Array(sab).fill(workerData);
      parentPort.postMessage(sab);
    `, { eval: true, workerData: i + 1 });
    let sab = null;
    w.on('message', (m) => { sab = m; });
    w.on('exit', (code) => resolve({ sab, code }));
  });
}

(async () => {
  const made = [];
  for (let i = 0; i < N; i++) made.push(await maker(i));
  console.log('creator exit codes', JSON.stringify(made.map((m) => m.code)));
  const firsts = made.map((m) => {
    const v = new Int32Array(m.sab);
    v[1] += 100;
    return v[0] + ':' + v[1] + ':' + v[1023];
  });
  console.log('after creators exited', JSON.stringify(firsts));
  const sabs = made.map((m) => m.sab);
  const summer = new Worker(`
    const { parentPort, workerData } = require('worker_threads');
    let total = 0;
    for (const s of workerData) { const v = new Int32Array(s); for (let i = 0; i < v.length; i++) total += v[i]; Atomics.store(v, 2, -1); }
    parentPort.postMessage(total);
  `, { eval: true, workerData: sabs });
  summer.on('message', (t) => console.log('summing worker total', t));
  summer.on('exit', (code) => {
    console.log('summing worker exit', code);
    console.log('main reads v[2] written by summer', JSON.stringify(sabs.map((s) => new Int32Array(s)[2])));
  });
})();

/* expect:
creator exit codes [0,0,0,0,0,0,0,0,0,0]
after creators exited ["1:101:1","2:102:2","3:103:3","4:104:4","5:105:5","6:106:6","7:107:7","8:108:8","9:109:9","10:110:10"]
summing worker total 57320
summing worker exit 0
main reads v[2] written by summer [-1,-1,-1,-1,-1,-1,-1,-1,-1,-1]
*/
// expect-exit: 0
