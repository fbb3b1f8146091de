// F9: Exceeding resourceLimits.maxOldGenerationSizeMb -> 'error' with code ERR_WORKER_OUT_OF_MEMORY ("Worker terminated due to reaching memory limit: JS heap out of memory"), exit code 1; the rest of the process carries on.
// After the OOM worker is gone, the main thread runs a timer, a structuredClone and a
// fresh worker to show it still works.
const { Worker } = require('worker_threads');

const src = `
  const keep = [];
  for (;;) keep.push({ a: new Array(1000).fill(keep.length) });
`;
const w = new Worker(src, { eval: true, resourceLimits: { maxOldGenerationSizeMb: 16 } });
const events = [];
w.on('error', (e) => {
  events.push('error ' + [e.name, String(e.code), e.message].join(' | '));
});
w.on('exit', (code) => {
  events.push('exit ' + code);
  for (const e of events) console.log(e);
  setTimeout(() => {
    console.log('main timer still fires');
    console.log('main structuredClone', JSON.stringify(structuredClone({ ok: [1, 2] })));
    const w2 = new Worker(`require('worker_threads').parentPort.postMessage(6 * 7);`, { eval: true });
    w2.on('message', (m) => console.log('new worker answered', m));
    w2.on('exit', (c) => console.log('new worker exit', c));
  }, 10);
});

/* expect:
error Error | ERR_WORKER_OUT_OF_MEMORY | Worker terminated due to reaching memory limit: JS heap out of memory
exit 1
main timer still fires
main structuredClone {"ok":[1,2]}
new worker answered 42
new worker exit 0
*/
// expect-exit: 0
