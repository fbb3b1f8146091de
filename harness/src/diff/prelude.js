// heddle diff: loaded with `node -r` into main and (through execArgv, which workers
// inherit) into every worker, before the program. It stands in for Heddle's `heddle` global:
// step points and `heddle.yield()` become short random pauses, and so, now and then, does an
// Atomics operation, so that Node's real threads interleave in many ways. At each thread's
// exit it evaluates the spec's expressions for that thread, in its global scope as Heddle
// does after a run, and appends them to the results file.
'use strict';
(() => {
  const wt = require('worker_threads');
  const fs = require('fs');
  const KEY = 'HEDDLE_DIFF';
  const config = JSON.parse(process.env[KEY] || '{}');
  const NAME_KEY = 'HEDDLE_DIFF_THREAD';
  const given = process.env[NAME_KEY];
  delete process.env[KEY];
  delete process.env[NAME_KEY];
  // Heddle's names: main, a worker's `name` option (`.`, `*` and blanks made `_`), or
  // worker<threadId>.
  const sanitize = (n) => String(n).replace(/[.*\s\p{Cc}]/gu, '_');
  const me = wt.isMainThread ? 'main' : (given ? given : 'worker' + wt.threadId);

  // A small seeded generator per thread: the run's seed and the thread's name.
  let state = (config.seed >>> 0) ^ 0x9e3779b9;
  for (const c of me) state = Math.imul(state ^ c.charCodeAt(0), 0x01000193) >>> 0;
  const next = () => {
    state ^= state << 13; state >>>= 0;
    state ^= state >>> 17;
    state ^= state << 5; state >>>= 0;
    return state / 4294967296;
  };
  const cell = new Int32Array(new SharedArrayBuffer(4));
  const wait = Atomics.wait;
  const maxMs = typeof config.pauseMs === 'number' ? config.pauseMs : 1;
  const pause = (p) => {
    if (next() < p) wait.call(Atomics, cell, 0, 0, next() * maxMs);
  };

  let taken = false;
  Object.defineProperty(globalThis, 'heddle', {
    value: Object.freeze({
      yield: () => pause(0.5),
      internal: (f) => f,
      takeStepPoints() {
        if (taken) throw new Error('heddle.takeStepPoints() was called twice in this thread');
        taken = true;
        // A terminate fault: Node's nearest is process.exit(1) (it fires 'exit', which
        // terminate() does not; the values are read there either way).
        // namePort: only Heddle's fault rules read port names.
        return Object.freeze({ step: () => pause(0.5), end() {}, terminate() { process.exit(1); }, namePort() {} });
      },
    }),
    enumerable: false,
  });
  for (const name of ['add', 'and', 'compareExchange', 'exchange', 'load', 'or', 'store', 'sub', 'xor', 'wait', 'notify']) {
    const original = Atomics[name];
    Object.defineProperty(Atomics, name, {
      value: { [name](...args) { pause(0.125); return original.apply(Atomics, args); } }[name],
      writable: true, configurable: true,
    });
  }

  // Children learn their Heddle name through their environment (read and removed above).
  const Original = wt.Worker;
  class Worker extends Original {
    constructor(file, options = {}) {
      const o = options && typeof options === 'object' ? options : {};
      const base = o.env && typeof o.env === 'object' ? o.env : process.env;
      const name = o.name === undefined ? '' : sanitize(o.name).trim();
      const env = { ...base, [KEY]: JSON.stringify(config), [NAME_KEY]: name };
      super(file, { ...o, env });
    }
  }
  wt.Worker = Worker;
  require('module').syncBuiltinESMExports();

  const mine = (config.exprs || {})[me] || [];
  if (mine.length && config.out) {
    // After every listener of the program's own (Heddle evaluates once the thread is done).
    const emit = process.emit;
    process.emit = function (event, ...args) {
      const r = emit.call(this, event, ...args);
      if (event === 'exit') record();
      return r;
    };
    const record = () => {
      const values = {};
      for (const [expr, code] of mine) {
        try {
          const value = (0, eval)('(' + code + ')');
          values[expr] = value === undefined ? 'undefined' : (JSON.stringify(value, (k, x) => typeof x === 'bigint' ? x.toString() + 'n' : x) ?? 'undefined');
        } catch (e) {
          values[expr] = { error: String(e) };
        }
      }
      fs.appendFileSync(config.out, JSON.stringify({ thread: me, values }) + '\n');
    };
  }
})();
