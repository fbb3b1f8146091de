// A10: An endless on('message') -> postMessage ping-pong does not starve timers: one wake-up processes at most max(queue length at start, 1000) messages, then yields to the loop (a timer fired after exactly 1000 in the v20 probe).
// Part 1: the handler re-posts to its own port, so the queue never drains; a single
// wake-up runs exactly 1000 handlers before the event loop gets a turn.
// Part 2: 1500 messages are queued before the first wake-up, and every handler re-posts:
// the limit is then the queue length at start, 1500.
// Determinism: the setTimeout(..., 0) is scheduled inside the FIRST handler (not at
// top level), followed by a 5 ms synchronous sleep (Atomics.wait), so the timer is
// surely due when the first batch ends, and cannot fire before the first batch starts.
// NOTE: with the timer scheduled at top level, Node v20 printed 0 in ~1 of 8 runs
// (the timer can already be due in the loop's first timers phase), hence this shape.
const { MessageChannel } = require('worker_threads');

const sleeper = new Int32Array(new SharedArrayBuffer(4));

function run(label, preload) {
  return new Promise((resolve) => {
    const { port1, port2 } = new MessageChannel();
    let count = 0;
    let stopped = false;
    port2.on('message', (m) => {
      if (stopped) return;
      count++;
      if (count === 1) {
        setTimeout(() => {
          stopped = true;
          console.log(label, 'timer fired after', count, 'messages');
          port1.close();
          resolve();
        }, 0);
        Atomics.wait(sleeper, 0, 0, 5); // synchronous 5 ms sleep
      }
      port1.postMessage(m + 1);
    });
    for (let i = 0; i < preload; i++) port1.postMessage(0);
  });
}

(async () => {
  await run('queue=1:', 1);
  await run('queue=1500:', 1500);
})();

/* expect:
queue=1: timer fired after 1000 messages
queue=1500: timer fired after 1500 messages
*/
// expect-exit: 0
