#!/usr/bin/env node
// Runs test262's Atomics and SharedArrayBuffer tests under `node` and `heddle-node`
// through one $262 host (host.js), and compares. See docs/test262.md.
//
//   node conformance/test262/run.mjs [options] [path-or-substring ...]
//
// Options:
//   --test262 DIR     test262 checkout (default: $TEST262_DIR, else ../shared/test262
//                     next to the repo)
//   --heddle FILE     heddle-node binary (default: $CARGO_TARGET_DIR or target, debug)
//   --node FILE       node binary (default: node)
//   --engines LIST    node,heddle (default both)
//   --jobs N          processes at a time (default 2)
//   --timeout-ms N    per process (default 15000)
//   --non-strict-only run only the non-strict variant of files that have both
//   --quick           the bounded CI subset (QUICK below), non-strict only
//   --write-doc FILE  replace the generated part of FILE (docs/test262.md)
//   --json FILE       write every result as JSON
//   --verbose         print every failure as it happens
//   --emit DIR        write each run's program to DIR (to rerun one by hand) and keep it
// Exit code: 1 if a file passes on node and fails on heddle without a stated reason
// (reasons.mjs), or if anything else failed to run; 0 otherwise.

import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { REASONS, FEATURE_PROBES, HOST_MISSING } from './reasons.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const repo = path.resolve(here, '../..');

// The bounded subset (`--quick`): every file of SharedArrayBuffer and of each Atomics
// operation but wait, waitAsync and notify, plus a sample of those three: agents, timeouts,
// and waitAsync settled by a notify from main, from an agent and by a timeout. About 30 s
// on two jobs (docs/test262.md). Timing-sensitive files (no-spurious-wakeup-*) are left out.
const QUICK = [
  'built-ins/SharedArrayBuffer/', 'built-ins/Atomics/prop-desc.js', 'built-ins/Atomics/proto.js',
  'built-ins/Atomics/Symbol.toStringTag.js',
  'built-ins/Atomics/add/', 'built-ins/Atomics/and/', 'built-ins/Atomics/compareExchange/',
  'built-ins/Atomics/exchange/', 'built-ins/Atomics/isLockFree/', 'built-ins/Atomics/load/',
  'built-ins/Atomics/or/', 'built-ins/Atomics/store/', 'built-ins/Atomics/sub/',
  'built-ins/Atomics/xor/', 'built-ins/Atomics/pause/',
  'built-ins/Atomics/notify/notify-all-on-loc.js', 'built-ins/Atomics/notify/notify-in-order.js',
  'built-ins/Atomics/notify/notify-one.js', 'built-ins/Atomics/notify/count-from-nans.js',
  'built-ins/Atomics/wait/nan-for-timeout.js', 'built-ins/Atomics/wait/false-for-timeout-agent.js',
  'built-ins/Atomics/wait/waiterlist-order-of-operations-is-fifo.js',
  'built-ins/Atomics/wait/was-woken-before-timeout.js',
  'built-ins/Atomics/waitAsync/returns-result-object-value-is-promise-resolves-to-ok.js',
  'built-ins/Atomics/waitAsync/returns-result-object-value-is-promise-resolves-to-timed-out.js',
  'built-ins/Atomics/waitAsync/undefined-for-timeout.js',
  'built-ins/Atomics/waitAsync/true-for-timeout-agent.js',
  'built-ins/Atomics/waitAsync/was-woken-before-timeout.js',
  'built-ins/Atomics/waitAsync/bigint/was-woken-before-timeout.js',
  'built-ins/Atomics/waitAsync/waiterlist-block-indexedposition-wake.js',
];

function parseArgs(argv) {
  const o = {
    test262: process.env.TEST262_DIR ? path.resolve(process.env.TEST262_DIR) : path.resolve(repo, '../shared/test262'),
    heddle: path.join(process.env.CARGO_TARGET_DIR || path.join(repo, 'target'), 'debug/heddle-node'),
    node: 'node', engines: ['node', 'heddle'], jobs: 2, timeoutMs: 15000,
    nonStrictOnly: false, quick: false, writeDoc: null, json: null, verbose: false, emit: null, filters: [],
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const next = () => {
      if (i + 1 >= argv.length) throw new Error(`${a} needs a value`);
      return argv[++i];
    };
    switch (a) {
      case '--test262': o.test262 = path.resolve(next()); break;
      case '--heddle': o.heddle = path.resolve(next()); break;
      case '--node': o.node = next(); break;
      case '--engines': o.engines = next().split(','); break;
      case '--jobs': o.jobs = Math.max(1, Number(next()) | 0); break;
      case '--timeout-ms': o.timeoutMs = Number(next()); break;
      case '--non-strict-only': o.nonStrictOnly = true; break;
      case '--quick': o.quick = true; o.nonStrictOnly = true; break;
      case '--write-doc': o.writeDoc = path.resolve(next()); break;
      case '--json': o.json = path.resolve(next()); break;
      case '--verbose': o.verbose = true; break;
      case '--emit': o.emit = path.resolve(next()); break;
      case '-h': case '--help':
        console.log(fs.readFileSync(fileURLToPath(import.meta.url), 'utf8').split('\n')
          .slice(1, 20).map((l) => l.replace(/^\/\/ ?/, '')).join('\n'));
        process.exit(0);
      default:
        if (a.startsWith('--')) throw new Error(`unknown option ${a}`);
        o.filters.push(a);
    }
  }
  for (const e of o.engines) if (e !== 'node' && e !== 'heddle') throw new Error(`unknown engine ${e}`);
  return o;
}

// ---------------------------------------------------------------- frontmatter
export function parseFrontmatter(src) {
  const m = /\/\*---([\s\S]*?)---\*\//.exec(src);
  const meta = { includes: [], flags: [], features: [], negative: null };
  if (!m) return meta;
  const lines = m[1].split('\n');
  for (let i = 0; i < lines.length; i++) {
    const km = /^([A-Za-z]+):\s*(.*)$/.exec(lines[i]);
    if (!km) continue;
    const [, key, rest] = km;
    if (key === 'includes' || key === 'flags' || key === 'features') {
      let items = [];
      if (rest.startsWith('[')) {
        items = rest.replace(/^\[|\]\s*$/g, '').split(',');
      } else if (rest.trim() === '') {
        while (i + 1 < lines.length && /^\s+-\s/.test(lines[i + 1])) items.push(lines[++i].replace(/^\s+-\s/, ''));
      }
      meta[key] = items.map((s) => s.trim()).filter(Boolean);
    } else if (key === 'negative') {
      meta.negative = {};
      while (i + 1 < lines.length && /^\s+\w+:/.test(lines[i + 1])) {
        const [, k, v] = /^\s+(\w+):\s*(.*)$/.exec(lines[++i]);
        meta.negative[k] = v.trim();
      }
    }
  }
  return meta;
}

export function walk(dir, out = []) {
  for (const e of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) walk(p, out);
    else if (e.name.endsWith('.js') && !e.name.includes('_FIXTURE')) out.push(p);
  }
  return out;
}

// ---------------------------------------------------------------- running
export function runProcess(cmd, args, timeoutMs, cwd = undefined) {
  return new Promise((resolve) => {
    const started = Date.now();
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], cwd });
    let stdout = '', stderr = '', timedOut = false;
    child.stdout.on('data', (d) => { if (stdout.length < 1e6) stdout += d; });
    child.stderr.on('data', (d) => { if (stderr.length < 1e6) stderr += d; });
    const timer = setTimeout(() => { timedOut = true; child.kill('SIGKILL'); }, timeoutMs);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr, timedOut, ms: Date.now() - started });
    });
  });
}

function verdict(meta, isAsync, r, timeoutMs) {
  const lines = r.stdout.split('\n');
  const err = lines.find((l) => l.startsWith('T262:ERROR '));
  const phase = (lines.find((l) => l.startsWith('T262:PHASE ')) || '').slice(11);
  const lastStderr = r.stderr.trim().split('\n').filter(Boolean).slice(-1)[0] || '';
  if (r.timedOut || r.code === 124) return { pass: false, why: `timeout (${timeoutMs} ms)` };
  if (meta.negative) {
    const want = meta.negative;
    const wantPhase = want.phase === 'runtime' ? 'runtime' : 'parse';
    if (err && err.startsWith(`T262:ERROR ${want.type}:`) && phase === wantPhase) return { pass: true };
    return { pass: false, why: `expected ${want.type} in phase ${want.phase}; got ${err || 'no error'} ${phase}`.trim() };
  }
  const agentErr = lines.find((l) => l.startsWith('T262:AGENT-ERROR '));
  if (agentErr) return { pass: false, why: agentErr.slice(5) };
  if (err) return { pass: false, why: err.slice(11) };
  if (isAsync) {
    const fail = lines.find((l) => l.startsWith('Test262:AsyncTestFailure:'));
    if (fail) return { pass: false, why: fail };
    if (lines.includes('Test262:AsyncTestComplete')) return { pass: true };
    return { pass: false, why: `exit ${r.code ?? r.signal} without $DONE${lastStderr ? ': ' + lastStderr : ''}` };
  }
  if (lines.includes('T262:DONE') && r.code === 0) return { pass: true };
  return { pass: false, why: `exit ${r.code ?? r.signal}${lastStderr ? ': ' + lastStderr : ''}` };
}

async function probeFeatures(o, tmp, engine) {
  const body = Object.entries(FEATURE_PROBES)
    .map(([f, expr]) => `try { if (${expr}) ok.push(${JSON.stringify(f)}); } catch {}`).join('\n');
  const file = path.join(tmp, `probe-${engine}.js`);
  fs.writeFileSync(file, `const ok = [];\n${body}\nconsole.log(JSON.stringify(ok));\n`);
  const r = await runProcess(...command(o, engine, file), o.timeoutMs);
  try { return new Set(JSON.parse(r.stdout.trim().split('\n').pop())); } catch {
    throw new Error(`feature probe failed on ${engine}: ${r.stderr || r.stdout}`);
  }
}

function command(o, engine, file) {
  return engine === 'node'
    ? [o.node, [file]]
    : [o.heddle, ['--timeout-ms', String(o.timeoutMs), file]];
}

export async function pool(items, jobs, fn) {
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(jobs, items.length) }, async () => {
    while (next < items.length) { const i = next++; await fn(items[i], i); }
  }));
}

// ---------------------------------------------------------------- report
function reasonFor(rel) {
  for (const [pattern, reason] of REASONS) if (pattern.test(rel)) return reason;
  return null;
}

function summarise(o, files, results) {
  const counts = {};
  for (const e of o.engines) counts[e] = { pass: 0, fail: 0, skip: 0, agentPass: 0, agentTotal: 0 };
  const differ = [];
  for (const f of files) {
    const per = results.get(f.rel);
    for (const e of o.engines) {
      counts[e][per[e].status] += 1;
      if (f.agent && per[e].status !== 'skip') {
        counts[e].agentTotal += 1;
        if (per[e].status === 'pass') counts[e].agentPass += 1;
      }
    }
    if (o.engines.length === 2 && per.node.status !== per.heddle.status) differ.push(f);
  }
  return { counts, differ };
}

function markdown(o, files, results, summary, meta) {
  const { counts, differ } = summary;
  const out = [];
  out.push(`Run: ${meta.date}, ${meta.seconds} s wall clock, ${o.jobs} jobs, ` +
    `variants: ${o.nonStrictOnly ? 'non-strict only' : 'non-strict and strict (where the flags allow)'}` +
    `${o.quick ? ', `--quick` subset' : ''}; node ${meta.nodeVersion}; ${files.length} files.`);
  out.push('');
  out.push('| engine | pass | fail | skip | agent tests passed |');
  out.push('|---|---|---|---|---|');
  for (const e of o.engines) {
    const c = counts[e];
    out.push(`| ${e === 'node' ? '`node`' : '`heddle-node`'} | ${c.pass} | ${c.fail} | ${c.skip} | ${c.agentPass} of ${c.agentTotal} |`);
  }
  out.push('');
  out.push('A file passes when every variant run passes; it is skipped when it was not run at all (reason below).');
  out.push('');
  const skipped = files.filter((f) => results.get(f.rel)[o.engines[0]].status === 'skip');
  if (skipped.length) {
    out.push('Skipped on both engines:');
    out.push('');
    for (const f of skipped) out.push(`- \`${f.rel}\`: ${results.get(f.rel)[o.engines[0]].why}`);
    out.push('');
  }
  if (o.engines.length === 2) {
    out.push(`Files whose result differs between the engines: ${differ.length}.`);
    out.push('');
    if (differ.length) {
      out.push('| file | node | heddle | what failed | reason |');
      out.push('|---|---|---|---|---|');
      for (const f of differ) {
        const per = results.get(f.rel);
        const why = (per.node.status === 'fail' ? per.node.why : per.heddle.why) || '';
        out.push(`| \`${f.rel}\` | ${per.node.status} | ${per.heddle.status} | ${why.replace(/\|/g, '\\|').slice(0, 160)} | ${reasonFor(f.rel) ?? '**unexplained**'} |`);
      }
      out.push('');
    }
  }
  const bothFail = files.filter((f) => o.engines.every((e) => results.get(f.rel)[e].status === 'fail'));
  if (bothFail.length) {
    out.push('Failing on every engine:');
    out.push('');
    for (const f of bothFail) {
      const per = results.get(f.rel);
      out.push(`- \`${f.rel}\`: ${o.engines.map((e) => `${e}: ${(per[e].why || '').slice(0, 140)}`).join('; ')}`);
    }
    out.push('');
  }
  return out.join('\n');
}

// ---------------------------------------------------------------- main
async function main() {
  const o = parseArgs(process.argv.slice(2));
  const testDir = path.join(o.test262, 'test');
  if (!fs.existsSync(testDir)) throw new Error(`no test262 checkout at ${o.test262} (--test262)`);
  if (o.engines.includes('heddle') && !fs.existsSync(o.heddle)) {
    throw new Error(`no heddle-node at ${o.heddle}: build it with ` +
      '`cargo build -p heddle-runtime --bin heddle-node` or pass --heddle');
  }
  const host = fs.readFileSync(path.join(here, 'host.js'), 'utf8');
  const harness = new Map();
  const readHarness = (name) => {
    if (!harness.has(name)) harness.set(name, fs.readFileSync(path.join(o.test262, 'harness', name), 'utf8'));
    return harness.get(name);
  };

  let all = [
    ...walk(path.join(testDir, 'built-ins/Atomics')),
    ...walk(path.join(testDir, 'built-ins/SharedArrayBuffer')),
  ];
  const rel = (p) => path.relative(testDir, p);
  const filters = o.quick ? QUICK : o.filters;
  if (filters.length) all = all.filter((p) => filters.some((f) => rel(p).includes(f.replace(/^test\//, ''))));

  if (o.engines.includes('heddle')) console.error(`heddle-node: ${o.heddle}`);
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'heddle-t262-'));
  const started = Date.now();
  try {
    const supported = {};
    for (const e of o.engines) supported[e] = await probeFeatures(o, tmp, e);

    const files = all.map((p) => {
      const src = fs.readFileSync(p, 'utf8');
      const meta = parseFrontmatter(src);
      return { path: p, rel: rel(p), src, meta, agent: src.includes('$262.agent.start') };
    });
    const results = new Map();
    const jobs = [];
    for (const f of files) {
      const { flags, features } = f.meta;
      const per = {};
      results.set(f.rel, per);
      let skip = null;
      const missing = features.filter((x) => HOST_MISSING[x] || (x in FEATURE_PROBES && o.engines.every((e) => !supported[e].has(x))));
      if (missing.length) {
        skip = missing.map((x) => HOST_MISSING[x] ?? `feature ${x}: supported by neither engine`).join('; ');
      } else if (flags.includes('CanBlockIsFalse')) {
        skip = 'CanBlockIsFalse: the main thread of both node and heddle-node can block ([[CanBlock]] is true)';
      }
      for (const e of o.engines) per[e] = skip ? { status: 'skip', why: skip, runs: [] } : { status: 'pass', runs: [] };
      if (skip) continue;
      let variants;
      if (flags.includes('raw')) variants = ['raw'];
      else if (flags.includes('noStrict')) variants = ['non-strict'];
      else if (flags.includes('onlyStrict')) variants = ['strict'];
      else variants = o.nonStrictOnly ? ['non-strict'] : ['non-strict', 'strict'];
      const isAsync = flags.includes('async');
      const includes = flags.includes('raw') ? [] :
        ['assert.js', 'sta.js', ...(isAsync ? ['doneprintHandle.js'] : []), ...f.meta.includes].map(readHarness);
      for (const variant of variants) {
        for (const e of o.engines) jobs.push({ f, e, variant, isAsync, includes });
      }
    }

    let done = 0;
    await pool(jobs, o.jobs, async (job, i) => {
      const { f, e, variant, isAsync, includes } = job;
      const payload = { test: f.src, includes, strict: variant === 'strict', raw: variant === 'raw', async: isAsync };
      const file = o.emit
        ? path.join(o.emit, `${f.rel.replace(/[/\\]/g, '__')}.${variant}.${e}.js`)
        : path.join(tmp, `t${i}.js`);
      if (o.emit) fs.mkdirSync(o.emit, { recursive: true });
      fs.writeFileSync(file, program(host, payload));
      const r = await runProcess(...command(o, e, file), o.timeoutMs + 2000);
      if (!o.emit) fs.rmSync(file, { force: true });
      const v = verdict(f.meta, isAsync, r, o.timeoutMs);
      const per = results.get(f.rel)[e];
      per.runs.push({ variant, pass: v.pass, why: v.why, ms: r.ms });
      if (!v.pass) {
        per.status = 'fail';
        per.why ??= `${variant}: ${v.why}`;
        if (o.verbose) console.error(`FAIL ${e} ${variant} ${f.rel}: ${v.why}`);
      }
      done += 1;
      if (done % 100 === 0) console.error(`${done}/${jobs.length} runs, ${Math.round((Date.now() - started) / 1000)} s`);
    });

    const seconds = Math.round((Date.now() - started) / 1000);
    const summary = summarise(o, files, results);
    const nodeVersion = (await runProcess(o.node, ['--version'], 10000)).stdout.trim();
    const md = markdown(o, files, results, summary, { date: new Date().toISOString().slice(0, 16) + 'Z', seconds, nodeVersion });
    console.log(md);
    if (o.json) {
      fs.writeFileSync(o.json, JSON.stringify(Object.fromEntries([...results].map(([k, v]) => [k, v])), null, 1));
    }
    if (o.writeDoc) {
      const doc = fs.readFileSync(o.writeDoc, 'utf8');
      const begin = '<!-- generated by conformance/test262/run.mjs: begin -->';
      const end = '<!-- generated by conformance/test262/run.mjs: end -->';
      const a = doc.indexOf(begin), b = doc.indexOf(end);
      if (a < 0 || b < a) throw new Error(`${o.writeDoc} has no generated section markers`);
      fs.writeFileSync(o.writeDoc, doc.slice(0, a + begin.length) + '\n' + md + '\n' + doc.slice(b));
    }
    const unexplained = summary.differ.filter((f) => {
      const per = results.get(f.rel);
      return per.node.status === 'pass' && per.heddle.status === 'fail' && !reasonFor(f.rel);
    });
    if (unexplained.length) {
      console.error(`${unexplained.length} file(s) pass on node and fail on heddle-node with no stated reason ` +
        '(conformance/test262/reasons.mjs)');
      process.exitCode = 1;
    }
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

// The program one run executes: host.js, then the payload (exported for explore.mjs).
export function program(host, payload) {
  return `${host}\n__t262_main(${JSON.stringify(payload)});\n`;
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  main().catch((e) => {
    console.error(`run.mjs: ${e.message}`);
    process.exit(2);
  });
}
