#!/usr/bin/env node
// Runs the seeded tests over many fresh seeds: `npm run test:seeds -- --help`. See docs/testing.md.
//
// Which files: every test file that depends on the suite's seed module (test/seed.ts), directly or
// through helper modules, found by scanning the imports under test/ (no hand-kept list). A helper
// that uses the seed itself (e.g. test/kernels/helpers.ts, whose PRNG is seeded from it) taints
// every importer; a helper that only re-exports it (`export { SEED } from …`, as
// test/ml/train/data.ts does) taints only the files that import that name.
import { spawn } from 'node:child_process';
import { randomInt } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const TEST_DIR = join(ROOT, 'test');
const SEED_MODULE = join(TEST_DIR, 'seed.ts');
const VARIABLE = 'RUNNEL_TEST_SEED';

const USAGE = `Usage: npm run test:seeds -- [options] [filter ...] [-- vitest options]

Runs the test files that depend on ${VARIABLE} (test/seed.ts) once per fresh random seed,
with \`${VARIABLE}=<seed> vitest run <files>\`, and reports the seeds that fail.

  filter ...         keep only the seeded test files whose path contains one of these
                     (e.g. test/ml/train test/kernels); default: every seeded test file
  --runs N           number of seeds (default 200)
  --jobs J           vitest runs at a time, each its own process (default 1)
  --exclude TEXT     leave out seeded test files whose path contains TEXT (repeatable)
  --seeds A,B,...    run these seeds instead of fresh ones (replays; --runs is ignored)
  --list             print the selected test files and exit
  --help             print this and exit
  -- ...             anything after a bare -- goes to vitest as is (e.g. -- --maxWorkers=1)

Prints one line per finished run (runs done, failing seeds so far), then every failing seed with
its failing tests and a command that replays it. Exit code 1 if any seed failed.
Needs the WebAssembly kernels (npm run build:wasm); tests that spawn compiled JS (the MQTT kill
tests, the CLI test) need npm run build.

Examples:
  npm run test:seeds -- --runs 50 test/ml/train
  npm run test:seeds -- --jobs 2 --exclude test/io/mqtt
  npm run test:seeds -- --seeds 123456789 test/kernels`;

// ---------------------------------------------------------------- arguments

function parseArgs(argv) {
  const options = { runs: 200, jobs: 1, filters: [], excludes: [], seeds: undefined, list: false, help: false, vitestArgs: [] };
  const value = (name, i) => {
    if (i >= argv.length || argv[i].startsWith('--')) fail(`${name} needs a value`);
    return argv[i];
  };
  const positive = (name, text) => {
    if (!/^\d+$/.test(text) || Number(text) < 1) fail(`${name} must be a positive integer, got ${JSON.stringify(text)}`);
    return Number(text);
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const [flag, inline] = arg.startsWith('--') && arg.includes('=') ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)] : [arg, undefined];
    const next = () => inline ?? value(flag, ++i);
    if (arg === '--') {
      options.vitestArgs = argv.slice(i + 1);
      break;
    } else if (flag === '--help' || flag === '-h') options.help = true;
    else if (flag === '--list') options.list = true;
    else if (flag === '--runs') options.runs = positive('--runs', next());
    else if (flag === '--jobs') options.jobs = positive('--jobs', next());
    else if (flag === '--exclude') options.excludes.push(next());
    else if (flag === '--seeds') {
      options.seeds = next()
        .split(',')
        .filter((s) => s.trim() !== '')
        .map((s) => {
          if (!/^-?\d+$/.test(s.trim()) || !Number.isSafeInteger(Number(s))) fail(`--seeds: ${JSON.stringify(s)} is not an integer`);
          return Number(s);
        });
      if (options.seeds.length === 0) fail('--seeds needs at least one seed');
    } else if (arg.startsWith('-')) fail(`unknown option ${arg}`);
    else options.filters.push(arg);
  }
  return options;
}

function fail(message) {
  console.error(`test-seeds: ${message}\n\n${USAGE}`);
  process.exit(2);
}

// ---------------------------------------------------------------- which files depend on the seed

function listSources(dir) {
  const out = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === 'node_modules' || entry.name.startsWith('.')) continue;
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...listSources(path));
    else if (/\.(?:[cm]?ts|tsx|[cm]?js|jsx)$/.test(entry.name) && !entry.name.endsWith('.d.ts')) out.push(path);
  }
  return out;
}

/** The relative imports and re-exports of one module (type-only ones left out). */
function importsOf(text) {
  const found = [];
  const named = (list) =>
    list
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s !== '' && !s.startsWith('type '))
      .map((s) => {
        const [from, as] = s.split(/\s+as\s+/);
        return { from: from.trim(), as: (as ?? from).trim() };
      });
  // import …clause… from '…'   (clause: default, * as ns, { a, b as c }, or default plus one of those)
  for (const m of text.matchAll(/^\s*import\s+(?!type\s)([\w$]+\s*,\s*)?(\*\s*as\s+[\w$]+|\{[^}]*\}|[\w$]+)\s+from\s+['"]([^'"]+)['"]/gm)) {
    const clause = m[2];
    const entry = { kind: 'import', spec: m[3], names: [], all: false };
    if (m[1]) entry.names.push('default');
    if (clause.startsWith('*')) entry.all = true;
    else if (clause.startsWith('{')) entry.names.push(...named(clause.slice(1, -1)).map((n) => n.from));
    else entry.names.push('default');
    found.push(entry);
  }
  // import '…' (side effects) and import('…'): treated as using everything
  for (const m of text.matchAll(/^\s*import\s+['"]([^'"]+)['"]/gm)) found.push({ kind: 'import', spec: m[1], names: [], all: true });
  for (const m of text.matchAll(/\bimport\(\s*['"]([^'"]+)['"]\s*\)/g)) found.push({ kind: 'import', spec: m[1], names: [], all: true });
  // export { a, b as c } from '…', export * from '…', export * as ns from '…'
  for (const m of text.matchAll(/^\s*export\s+(?!type\s)(\*\s*as\s+[\w$]+|\*|\{[^}]*\})\s+from\s+['"]([^'"]+)['"]/gm)) {
    const clause = m[1];
    if (clause === '*') found.push({ kind: 'export-all', spec: m[2] });
    else if (clause.startsWith('*')) found.push({ kind: 'export', spec: m[2], pairs: [{ from: '*', as: clause.split(/\s+as\s+/)[1].trim() }] });
    else found.push({ kind: 'export', spec: m[2], pairs: named(clause.slice(1, -1)) });
  }
  return found.filter((f) => f.spec.startsWith('.'));
}

function resolveSpec(fromFile, spec, known) {
  const base = resolve(dirname(fromFile), spec);
  const candidates = [
    base,
    base.replace(/\.js$/, '.ts'),
    base.replace(/\.jsx$/, '.tsx'),
    base.replace(/\.mjs$/, '.mts'),
    base.replace(/\.cjs$/, '.cts'),
    `${base}.ts`,
    `${base}.js`,
    join(base, 'index.ts'),
    join(base, 'index.js'),
  ];
  return candidates.find((c) => known.has(c));
}

/**
 * For each module under test/, what of it depends on the seed: 'all' (its own code uses it, or it
 * imports something that does), a Set of exported names (it re-exports them and nothing else of
 * its depends on the seed), or nothing.
 */
function seedTaint() {
  const files = listSources(TEST_DIR);
  const known = new Set(files);
  if (!known.has(SEED_MODULE)) fail(`the seed module ${relative(ROOT, SEED_MODULE)} is missing`);
  const edges = new Map(
    files.map((f) => [
      f,
      importsOf(readFileSync(f, 'utf8'))
        .map((e) => ({ ...e, target: resolveSpec(f, e.spec, known) }))
        .filter((e) => e.target),
    ]),
  );
  const taint = new Map([[SEED_MODULE, 'all']]);
  for (let changed = true; changed;) {
    changed = false;
    for (const file of files) {
      if (taint.get(file) === 'all') continue;
      const before = taint.get(file);
      const names = new Set(before instanceof Set ? before : []);
      let all = false;
      for (const e of edges.get(file)) {
        const t = taint.get(e.target);
        if (!t) continue;
        if (e.kind === 'import') {
          if (t === 'all' || e.all || e.names.some((n) => t.has(n))) all = true;
        } else if (e.kind === 'export-all') {
          if (t === 'all')
            all = true; // unknown names: be safe
          else for (const n of t) names.add(n);
        } else {
          for (const p of e.pairs) if (t === 'all' || p.from === '*' || t.has(p.from)) names.add(p.as);
        }
      }
      const after = all ? 'all' : names.size > 0 ? names : undefined;
      const size = (x) => (x === 'all' ? Infinity : x ? x.size : 0);
      if (size(after) > size(before)) {
        taint.set(file, after);
        changed = true;
      }
    }
  }
  return taint;
}

const posix = (p) => relative(ROOT, p).split(sep).join('/');

function seededTestFiles(options) {
  const taint = seedTaint();
  const seeded = [...taint.keys()]
    .filter((f) => /\.test\.[cm]?[jt]sx?$/.test(f))
    .map(posix)
    .sort();
  let selected = seeded;
  if (options.filters.length > 0) {
    const norm = (f) => f.replace(/^\.\//, '').replace(/\\/g, '/');
    const filters = options.filters.map(norm);
    for (const f of filters) {
      if (!seeded.some((s) => s.includes(f))) console.error(`test-seeds: no seeded test file matches ${JSON.stringify(f)}`);
    }
    selected = seeded.filter((s) => filters.some((f) => s.includes(f)));
  }
  selected = selected.filter((s) => !options.excludes.some((x) => s.includes(x.replace(/^\.\//, ''))));
  return selected;
}

// ---------------------------------------------------------------- running

function vitestBin() {
  const require = createRequire(join(ROOT, 'package.json'));
  const pkgPath = require.resolve('vitest/package.json');
  const pkg = JSON.parse(readFileSync(pkgPath, 'utf8'));
  const bin = typeof pkg.bin === 'string' ? pkg.bin : pkg.bin.vitest;
  return join(dirname(pkgPath), bin);
}

/** One vitest run for one seed; resolves to { seed, ms, failures: [{ file, name, message }] }. */
function runSeed(seed, files, options, workDir, bin) {
  const report = join(workDir, `seed-${seed}.json`);
  const log = join(workDir, `seed-${seed}.log`);
  const args = [bin, 'run', ...files, '--reporter=dot', '--reporter=json', `--outputFile.json=${report}`, ...options.vitestArgs];
  const started = Date.now();
  return new Promise((done) => {
    const child = spawn(process.execPath, args, {
      cwd: ROOT,
      env: { ...process.env, [VARIABLE]: String(seed), FORCE_COLOR: '0', NO_COLOR: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    running.add(child);
    const chunks = [];
    child.stdout.on('data', (d) => chunks.push(d));
    child.stderr.on('data', (d) => chunks.push(d));
    child.on('close', (code, signal) => {
      running.delete(child);
      const output = Buffer.concat(chunks).toString('utf8');
      const failures = [];
      let parsed;
      try {
        parsed = JSON.parse(readFileSync(report, 'utf8'));
      } catch {
        parsed = undefined;
      }
      const printed = printedErrors(output);
      for (const file of parsed?.testResults ?? []) {
        const name = posix(file.name);
        const failed = (file.assertionResults ?? []).filter((a) => a.status === 'failed');
        for (const a of failed) {
          const test = [...(a.ancestorTitles ?? []), a.title].join(' > ');
          failures.push({ file: name, name: test, message: printed.get(`${name} > ${test}`) ?? firstLine(a.failureMessages?.[0]) });
        }
        if (failed.length === 0 && file.status === 'failed') failures.push({ file: name, name: '(file)', message: printed.get(name) ?? firstLine(file.message) });
      }
      if (failures.length === 0 && (code !== 0 || !parsed)) {
        failures.push({ file: '', name: `vitest exited with ${signal ?? `code ${code}`}${parsed ? '' : ', no JSON report'}`, message: lastLines(output, 6) });
      }
      if (failures.length > 0) writeFileSync(log, output);
      rmSync(report, { force: true });
      done({ seed, ms: Date.now() - started, failures, log: failures.length > 0 ? log : undefined });
    });
  });
}

const running = new Set();

/** The error line vitest prints under each ' FAIL  file > describe > test' heading, by heading. */
function printedErrors(output) {
  const errors = new Map();
  const lines = output.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const m = /^\s*FAIL\s+(.+?)\s*$/.exec(lines[i]);
    if (!m) continue;
    const message = lines.slice(i + 1).find((l) => l.trim() !== '');
    if (message && !errors.has(m[1])) errors.set(m[1].replace(/ \[.*\]$/, ''), firstLine(message.trim()));
  }
  return errors;
}

function firstLine(text) {
  if (!text) return '';
  const line = text.split('\n').find((l) => l.trim() !== '') ?? '';
  return line.length > 300 ? `${line.slice(0, 300)}…` : line;
}

function lastLines(text, n) {
  return text.trimEnd().split('\n').slice(-n).join('\n');
}

const seconds = (ms) => `${(ms / 1000).toFixed(1)} s`;
const clock = (ms) => {
  const s = Math.round(ms / 1000);
  return s >= 60 ? `${Math.floor(s / 60)} min ${s % 60} s` : `${s} s`;
};

function freshSeeds(n) {
  const seen = new Set();
  while (seen.size < n) seen.add(randomInt(0, 1e9));
  return [...seen];
}

function replayCommand(seed, files) {
  return `${VARIABLE}=${seed} npx vitest run ${files.join(' ')}`;
}

function summary(results, files, startedAt, planned, workDir) {
  const failed = results.filter((r) => r.failures.length > 0);
  const wall = Date.now() - startedAt;
  const mean = results.length > 0 ? results.reduce((s, r) => s + r.ms, 0) / results.length : 0;
  console.log('');
  console.log(
    `${results.length}/${planned} seeds run over ${files.length} test files in ${clock(wall)} (a vitest run took ${seconds(mean)} on average); ${failed.length} failing seed${failed.length === 1 ? '' : 's'}.`,
  );
  if (failed.length === 0) {
    rmSync(workDir, { recursive: true, force: true });
    return;
  }
  console.log('\nFailing seeds:');
  for (const r of failed) {
    console.log(`\n  seed ${r.seed}`);
    for (const f of r.failures) {
      console.log(`    ✗ ${f.file ? `${f.file} > ` : ''}${f.name}`);
      if (f.message) console.log(`        ${f.message.split('\n').join('\n        ')}`);
    }
    const failingFiles = [...new Set(r.failures.map((f) => f.file).filter((f) => f))];
    console.log(`    replay: ${replayCommand(r.seed, failingFiles.length > 0 ? failingFiles : files)}`);
    console.log(`    output: ${r.log}`);
  }
  const byTest = new Map();
  for (const r of failed)
    for (const f of r.failures) {
      // Test names often carry the seed: group them without it.
      const key = `${f.file ? `${f.file} > ` : ''}${f.name}`.replace(new RegExp(`(?<![\\d.])${r.seed}(?![\\d.])`, 'g'), '<seed>');
      byTest.set(key, [...(byTest.get(key) ?? []), r.seed]);
    }
  console.log('\nFailing tests (seeds):');
  for (const [test, seeds] of [...byTest].sort((a, b) => b[1].length - a[1].length)) console.log(`  ${seeds.length}× ${test}  (${seeds.join(', ')})`);
}

async function main() {
  const options = parseArgs(process.argv.slice(2));
  if (options.help) {
    console.log(USAGE);
    return 0;
  }
  const files = seededTestFiles(options);
  if (options.list) {
    for (const f of files) console.log(f);
    return 0;
  }
  if (files.length === 0) {
    console.error('test-seeds: no seeded test file selected');
    return 2;
  }
  if (!existsSync(join(ROOT, 'build', 'kernels.wasm'))) {
    console.error('test-seeds: build/kernels.wasm is missing: run npm run build:wasm first');
    return 2;
  }
  const seeds = options.seeds ?? freshSeeds(options.runs);
  const jobs = Math.min(options.jobs, seeds.length);
  const bin = vitestBin();
  const workDir = mkdtempSync(join(tmpdir(), 'runnel-test-seeds-'));
  console.log(`${seeds.length} seed${seeds.length === 1 ? '' : 's'} × ${files.length} test files, ${jobs} at a time:`);
  for (const f of files) console.log(`  ${f}`);
  console.log('');

  const startedAt = Date.now();
  const results = [];
  let failing = 0;
  let next = 0;
  let interrupted = false;
  process.on('SIGINT', () => {
    if (interrupted) process.exit(130);
    interrupted = true;
    console.log('\ninterrupted: waiting for the runs in progress (Ctrl-C again to quit at once)');
  });
  const width = String(seeds.length).length;
  const worker = async () => {
    while (!interrupted && next < seeds.length) {
      const seed = seeds[next++];
      const r = await runSeed(seed, files, options, workDir, bin);
      results.push(r);
      if (r.failures.length > 0) failing++;
      const status = r.failures.length > 0 ? `FAIL (${r.failures.length} test${r.failures.length === 1 ? '' : 's'})` : 'ok';
      console.log(
        `[${String(results.length).padStart(width)}/${seeds.length}] seed ${String(seed).padStart(9)} ${status.padEnd(12)} ${seconds(r.ms).padStart(7)}   failing seeds so far: ${failing}   elapsed ${clock(Date.now() - startedAt)}`,
      );
      for (const f of r.failures) console.log(`        ✗ ${f.file ? `${f.file} > ` : ''}${f.name}`);
    }
  };
  await Promise.all(Array.from({ length: jobs }, worker));
  summary(results, files, startedAt, seeds.length, workDir);
  if (interrupted) return 130;
  return failing > 0 ? 1 : 0;
}

process.exitCode = await main();
