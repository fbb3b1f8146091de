// The `$262` host for test262 on worker_threads (INTERPRETING.md, "Host-Defined
// Functions"), one file that runs unchanged under `node` and `heddle-node`.
//
// The runner (run.mjs) writes a temporary program: this file followed by
// `__t262_main(<payload>);`, where the payload holds the test's source, the harness files
// its frontmatter includes (read from test262's harness/ at run time) and its flags. Only
// worker_threads, timers, console, process, structuredClone and performance are used,
// which both runtimes provide (Heddle has no `fs` or `vm`: hence the payload, and no
// `createRealm`).
//
// What the program prints, for the runner:
//   T262:DONE                       a synchronous test completed
//   Test262:AsyncTestComplete       an async test called $DONE() (doneprintHandle.js)
//   Test262:AsyncTestFailure:...    an async test called $DONE(error)
//   T262:ERROR <name>: <message>    the test threw (phase parse or runtime)
//   T262:PHASE <parse|runtime>      where that error came from
//   T262:AGENT-ERROR ...            an agent threw; the test fails
'use strict';

const { Worker, MessageChannel, receiveMessageOnPort } = require('worker_threads');

// Shared cells of the host state (one Int32Array over a SharedArrayBuffer shared with
// every agent).
const SEQ = 0; // next report sequence number (agents take one with Atomics.add)
const STARTED = 1; // agents that are running their script
const ACKS = 2; // broadcasts retrieved by agents, all broadcasts counted
const SLEEP = 3; // never written: Atomics.wait on it is a sleep
const STATE_CELLS = 4;

const sleepCell = new Int32Array(new SharedArrayBuffer(4));
function sleep(ms) {
  Atomics.wait(sleepCell, 0, 0, Number(ms));
}
function monotonicNow() {
  return performance.now();
}

// The agent side: started with `new Worker(<this function's source>, { eval: true })`, so
// it must not close over anything of the main side.
function agentMain() {
  const { workerData } = require('worker_threads');
  const { src, bcPort, repPort, state } = workerData;
  const cells = new Int32Array(state);
  const sleepCell = new Int32Array(new SharedArrayBuffer(4));
  let left = false;
  const agent = {
    receiveBroadcast(callback) {
      bcPort.on('message', (m) => {
        Atomics.add(cells, 2 /* ACKS */, 1);
        Atomics.notify(cells, 2 /* ACKS */);
        callback(m.sab, m.num);
      });
    },
    report(value) {
      const seq = Atomics.add(cells, 0 /* SEQ */, 1);
      repPort.postMessage({ seq, value: String(value) });
    },
    leaving() {
      if (left) return;
      left = true;
      bcPort.unref();
    },
    sleep(ms) {
      Atomics.wait(sleepCell, 0, 0, Number(ms));
    },
    monotonicNow() {
      return performance.now();
    },
  };
  globalThis.$262 = { agent, global: globalThis };
  globalThis.print = (...args) => console.log(...args);
  Atomics.add(cells, 1 /* STARTED */, 1);
  Atomics.notify(cells, 1 /* STARTED */);
  (0, eval)(src);
}
const AGENT_SOURCE = '(' + agentMain.toString() + ')();';

function makeHost() {
  const state = new SharedArrayBuffer(STATE_CELLS * 4);
  const cells = new Int32Array(state);
  const agents = []; // { worker, bcPort, repPort }
  const pending = new Map(); // seq -> report string, received but not yet returned
  let nextSeq = 0;
  let broadcasts = 0; // acknowledgements expected so far

  const agent = {
    start(src) {
      const bc = new MessageChannel();
      const rep = new MessageChannel();
      const worker = new Worker(AGENT_SOURCE, {
        eval: true,
        workerData: { src: String(src), bcPort: bc.port2, repPort: rep.port2, state },
        transferList: [bc.port2, rep.port2],
      });
      worker.on('error', (e) => {
        console.log('T262:AGENT-ERROR ' + (e && e.name) + ': ' + (e && e.message));
        process.exit(1);
      });
      worker.unref();
      agents.push({ worker, bcPort: bc.port1, repPort: rep.port1 });
      // Block until the agent runs its script (INTERPRETING.md: "Will block until that
      // agent is running").
      for (;;) {
        const started = Atomics.load(cells, STARTED);
        if (started >= agents.length) break;
        Atomics.wait(cells, STARTED, started, 100);
      }
    },
    broadcast(sab, num) {
      broadcasts += agents.length;
      for (const a of agents) a.bcPort.postMessage({ sab, num });
      // Block until every agent has retrieved it.
      for (;;) {
        const acks = Atomics.load(cells, ACKS);
        if (acks >= broadcasts) break;
        Atomics.wait(cells, ACKS, acks, 100);
      }
    },
    // Reports come back in the order the agents made them (their sequence numbers), from
    // whichever agent made them.
    getReport() {
      for (;;) {
        for (const a of agents) {
          for (let m = receiveMessageOnPort(a.repPort); m; m = receiveMessageOnPort(a.repPort)) {
            pending.set(m.message.seq, m.message.value);
          }
        }
        if (pending.has(nextSeq)) {
          const value = pending.get(nextSeq);
          pending.delete(nextSeq);
          nextSeq += 1;
          return value;
        }
        // A report that has its number but is still being posted: wait for it.
        if (Atomics.load(cells, SEQ) <= nextSeq) return null;
      }
    },
    sleep,
    monotonicNow,
  };

  return {
    agent,
    global: globalThis,
    evalScript(src) {
      return (0, eval)(String(src));
    },
    detachArrayBuffer(buffer) {
      structuredClone(buffer, { transfer: [buffer] });
      return null;
    },
    gc() {
      if (typeof globalThis.gc === 'function') return globalThis.gc();
      throw new Error('$262.gc: this host cannot collect garbage on request');
    },
  };
}

function errorLine(e) {
  if (e !== null && (typeof e === 'object' || typeof e === 'function')) {
    let name, message;
    try { name = e.constructor && e.constructor.name; } catch { name = undefined; }
    try { message = e.message; } catch { message = undefined; }
    return (name || 'Error') + ': ' + message;
  }
  return 'Thrown: ' + String(e);
}

// payload: { test, includes: [source...], strict, raw, async }
function __t262_main(payload) {
  globalThis.$262 = makeHost();
  globalThis.print = (...args) => {
    const line = args.map(String).join(' ');
    console.log(line);
    if (payload.async && line.startsWith('Test262:Async')) process.exit(0);
  };
  globalThis.__t262_started = false;
  try {
    if (payload.raw) {
      (0, eval)(payload.test);
    } else {
      // The harness files first, as non-strict global code: their declarations ($DONE,
      // assert, ...) become globals, as a Script's would. A strict indirect eval keeps its
      // declarations to itself, so including them in the strict test's eval hid them from
      // globalThis (asyncHelpers.js looks for globalThis.$DONE).
      (0, eval)(payload.includes.join('\n'));
      (0, eval)((payload.strict ? '"use strict";\n' : '') + 'globalThis.__t262_started = true;\n' +
        payload.test);
    }
  } catch (e) {
    console.log('T262:ERROR ' + errorLine(e));
    console.log('T262:PHASE ' + (payload.raw || globalThis.__t262_started ? 'runtime' : 'parse'));
    process.exit(1);
  }
  if (!payload.async) {
    console.log('T262:DONE');
    process.exit(0);
  }
}
