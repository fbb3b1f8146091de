// G3: BroadcastChannel: the sender does not get its own message; same-name channels do; other names do not. Posting on a closed channel -> DOMException InvalidStateError "BroadcastChannel is closed".
// NOTE: node v20's message has a trailing period: "BroadcastChannel is closed." (code 11).
// Same thread: a, b named 'x', c named 'y'. Cross thread: a worker with its own 'x' channel
// replies over BroadcastChannel once it has received the main thread's message.
const { Worker, BroadcastChannel } = require('worker_threads');

const a = new BroadcastChannel('x');
const b = new BroadcastChannel('x');
const c = new BroadcastChannel('y');
const got = { a: [], b: [], c: [] };
a.onmessage = (ev) => got.a.push(ev.data);
b.onmessage = (ev) => got.b.push(ev.data);
c.onmessage = (ev) => got.c.push(ev.data);

const src = `
  const { BroadcastChannel, parentPort } = require('worker_threads');
  const bc = new BroadcastChannel('x');
  bc.onmessage = (ev) => {
    if (ev.data === 'from a') {
      bc.postMessage('from worker');
      bc.close();
    }
  };
  parentPort.postMessage('listening');
`;
const w = new Worker(src, { eval: true });
w.on('message', () => {
  a.postMessage('from a');
});
// Report once the worker has exited and the expected deliveries arrived (or after a 10 s
// fallback), plus a short grace period in which nothing else may arrive.
let exitCode = null;
let reported = false;
function maybeReport(force) {
  if (reported) return;
  if (!force && (exitCode === null || got.a.length < 1 || got.b.length < 2)) return;
  reported = true;
  clearTimeout(fallback);
  setTimeout(report, 20);
}
const fallback = setTimeout(() => maybeReport(true), 10000);
a.addEventListener('message', () => maybeReport(false));
b.addEventListener('message', () => maybeReport(false));
w.on('exit', (code) => { exitCode = code; maybeReport(false); });

function report() {
  console.log('a (sender) got', JSON.stringify(got.a.slice().sort()));
  console.log('b (same name) got', JSON.stringify(got.b.slice().sort()));
  console.log('c (other name) got', JSON.stringify(got.c));
  console.log('worker exit', exitCode);
  a.close();
  b.close();
  c.close();
  try {
    a.postMessage('after close');
    console.log('no throw');
  } catch (e) {
    console.log('threw', e.name, String(e.code), e.message);
  }
}

/* expect:
a (sender) got ["from worker"]
b (same name) got ["from a","from worker"]
c (other name) got []
worker exit 0
threw InvalidStateError 11 BroadcastChannel is closed.
*/
// expect-exit: 0
