// What the runner knows about the engines and the host, kept apart from the runner so
// that the reasons are reviewed as data. See docs/test262.md.

// A feature with a probe is run only if at least one engine has it; a file whose features
// neither engine has is skipped on both. Features without a probe are assumed present
// (syntax both V8s have: arrow functions, async functions, BigInt, ...).
export const FEATURE_PROBES = {
  'Atomics.pause': "typeof Atomics.pause === 'function'",
  'Atomics.waitAsync': "typeof Atomics.waitAsync === 'function'",
  'resizable-arraybuffer': "typeof ArrayBuffer.prototype.resize === 'function' && typeof SharedArrayBuffer.prototype.grow === 'function'",
  'immutable-arraybuffer': "typeof ArrayBuffer.prototype.transferToImmutable === 'function'",
};

// Features the host cannot provide on either engine, with the reason.
export const HOST_MISSING = {
  'cross-realm': 'cross-realm: the host has no $262.createRealm (heddle-node has no `vm` module, and the host is one file for both engines)',
};

// Why a file's result differs between node and heddle-node: [pattern on the path under
// test/, reason]. The first match wins. A file that passes on node and fails on
// heddle-node with no reason here fails the run.
export const REASONS = [
  [/^built-ins\/Atomics\/pause\//,
    'engine version: `Atomics.pause` (ES2025) is not in Node 20\'s V8 11.3; heddle-node\'s V8 15.2 has it'],
  [/^built-ins\/SharedArrayBuffer\/options-maxbytelength-compared-before-object-creation\.js$/,
    'engine version: V8 11.3 reads `newTarget.prototype` before it checks `length <= maxByteLength` (the spec checks first); V8 15.2 follows the spec'],
  [/\/no-spurious-wakeup-[^/]*\.js$/,
    'timing (Node): the test asserts that an agent\'s `waitAsync` with a 200 ms timeout lasted at least 200 ms by `monotonicNow()` (`performance.now()`); on Node 20 it can end early (`conformance/test262/probes/wait-async-lapse.js`: 4 of 50 waits under 200 ms, the shortest 199.57 ms; none of 50 on heddle-node). Intermittent'],
];
