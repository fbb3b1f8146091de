#!/usr/bin/env node
// Runs test262's agent tests (the Atomics and SharedArrayBuffer files that call
// $262.agent.start) under Heddle's controlling scheduler: each file's non-strict program
// (host.js + the test, as run.mjs builds it) becomes a spec with `main: { script }` and
// `explore: { strategy: random, runs: N }`, run by `heddle explore`. See docs/test262.md.
//
//   node conformance/test262/explore.mjs [options] [path-or-substring ...]
//
// Options:
//   --test262 DIR        test262 checkout (default: $TEST262_DIR, else ../shared/test262)
//   --heddle-cli FILE    the `heddle` binary (default: $CARGO_TARGET_DIR or target, debug)
//   --runs N             random schedules per file (default 20)
//   --seed N             the first run's seed (default 1)
//   --time-choices N     the spec's `time_choices` (default: unset, so time is a choice at
//                        every decision; 0 moves the clock only when nothing can run)
//   --jobs N             `heddle explore` processes at a time (default 2)
//   --verbose            print each failing file's report
// The specs and programs are written to a temporary directory and removed afterwards.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseFrontmatter, walk, runProcess, pool, program } from './run.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const repo = path.resolve(here, '../..');

function parseArgs(argv) {
  const o = {
    test262: process.env.TEST262_DIR ? path.resolve(process.env.TEST262_DIR) : path.resolve(repo, '../shared/test262'),
    cli: path.join(process.env.CARGO_TARGET_DIR || path.join(repo, 'target'), 'debug/heddle'),
    runs: 20, seed: 1, timeChoices: null, jobs: 2, verbose: false, filters: [],
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const next = () => {
      if (i + 1 >= argv.length) throw new Error(`${a} needs a value`);
      return argv[++i];
    };
    switch (a) {
      case '--test262': o.test262 = path.resolve(next()); break;
      case '--heddle-cli': o.cli = path.resolve(next()); break;
      case '--runs': o.runs = Number(next()) | 0; break;
      case '--seed': o.seed = Number(next()) | 0; break;
      case '--time-choices': o.timeChoices = Number(next()) | 0; break;
      case '--jobs': o.jobs = Math.max(1, Number(next()) | 0); break;
      case '--verbose': o.verbose = true; break;
      default:
        if (a.startsWith('--')) throw new Error(`unknown option ${a}`);
        o.filters.push(a);
    }
  }
  return o;
}

async function main() {
  const o = parseArgs(process.argv.slice(2));
  if (!fs.existsSync(o.cli)) throw new Error(`no heddle binary at ${o.cli}: build it with \`cargo build -p heddle\` or pass --heddle-cli`);
  const testDir = path.join(o.test262, 'test');
  const host = fs.readFileSync(path.join(here, 'host.js'), 'utf8');
  const harness = (name) => fs.readFileSync(path.join(o.test262, 'harness', name), 'utf8');
  let files = [
    ...walk(path.join(testDir, 'built-ins/Atomics')),
    ...walk(path.join(testDir, 'built-ins/SharedArrayBuffer')),
  ].map((p) => ({ rel: path.relative(testDir, p), src: fs.readFileSync(p, 'utf8') }))
    .filter((f) => f.src.includes('$262.agent.start'));
  if (o.filters.length) files = files.filter((f) => o.filters.some((x) => f.rel.includes(x)));

  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'heddle-t262-explore-'));
  const started = Date.now();
  const results = [];
  try {
    await pool(files, o.jobs, async (f, i) => {
      const meta = parseFrontmatter(f.src);
      const isAsync = meta.flags.includes('async');
      const includes = ['assert.js', 'sta.js', ...(isAsync ? ['doneprintHandle.js'] : []), ...meta.includes].map(harness);
      const dir = path.join(tmp, String(i));
      fs.mkdirSync(dir);
      fs.writeFileSync(path.join(dir, 'main.js'),
        program(host, { test: f.src, includes, strict: false, raw: false, async: isAsync }));
      const explore = [`strategy: random`, `seed: ${o.seed}`, `runs: ${o.runs}`,
        ...(o.timeChoices === null ? [] : [`time_choices: ${o.timeChoices}`])].join(', ');
      const want = isAsync ? 'Test262:AsyncTestComplete' : 'T262:DONE';
      fs.writeFileSync(path.join(dir, 'spec.yaml'), [
        `name: t262-${i}`,
        `about: test262 ${f.rel}, non-strict, through conformance/test262/host.js`,
        'main:',
        '  script: main.js',
        `explore: { ${explore} }`,
        'expect:',
        `  stdout: "${want}\\n"`,
        // The host exits as soon as the test is done; reports and broadcasts may still be
        // queued then, as in Node.
        '  undelivered: [{ to: main }, { from: main }]',
        '',
      ].join('\n'));
      // In the spec's folder: a failure's picture goes to heddle-failures/ under the cwd.
      const r = await runProcess(o.cli, ['explore', path.join(dir, 'spec.yaml')], 600000, dir);
      const out = r.stdout + r.stderr;
      const failed = /(\d+) of (\d+) schedules failed/.exec(out);
      const ms = /schedules in ([\d.]+)(ms|s)/.exec(out);
      const res = {
        rel: f.rel,
        ok: r.code === 0,
        failedRuns: failed ? Number(failed[1]) : (r.code === 0 ? 0 : o.runs),
        wallMs: r.ms,
        exploreMs: ms ? Number(ms[1]) * (ms[2] === 's' ? 1000 : 1) : null,
        first: r.code === 0 ? '' : (out.split('\n').find((l) => l.startsWith('error:')) || out.trim().split('\n').slice(-1)[0] || ''),
      };
      results.push(res);
      if (!res.ok && o.verbose) console.error(`FAIL ${f.rel}\n${out}`);
    });
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
  results.sort((a, b) => a.rel.localeCompare(b.rel));
  const seconds = ((Date.now() - started) / 1000).toFixed(0);
  const passed = results.filter((r) => r.ok);
  const runsFailed = results.reduce((n, r) => n + r.failedRuns, 0);
  console.log(`${passed.length} of ${results.length} agent files passed all ${o.runs} random schedules ` +
    `(seed ${o.seed}, time_choices ${o.timeChoices ?? 'unset'}); ${runsFailed} of ${results.length * o.runs} runs failed; ` +
    `${seconds} s wall clock on ${o.jobs} jobs.`);
  for (const r of results.filter((x) => !x.ok)) {
    console.log(`- \`${r.rel}\`: ${r.failedRuns} of ${o.runs} runs failed: ${r.first.slice(0, 200)}`);
  }
  if (passed.length !== results.length) process.exitCode = 1;
}

main().catch((e) => {
  console.error(`explore.mjs: ${e.message}`);
  process.exit(2);
});
