/**
 * npm run test:arm64 — runs the kernel, trainer and onnxruntime-web outputs of
 * scripts/arm64-outputs.mjs under this machine's x64 Node and under arm64 Node in qemu (set up by
 * scripts/arm64-setup.mjs, nothing installed system-wide), once per V8 WebAssembly tier, and says
 * per output whether the bits are identical, the numbers are the same with different NaN bits, or
 * the numbers differ; then runs the store, YAML and kernel tests under arm64 Node with
 * better-sqlite3 built for arm64. It passes only when every output of Runnel's is bit-identical and the tests pass. See
 * docs/devices.md, "The arm64 check".
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { setUpArm64, setUpArm64Tests } from './arm64-setup.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const outputsScript = join(root, 'scripts', 'arm64-outputs.mjs');
const HELP = `Usage: npm run test:arm64 [-- options]

Compares the bits of every WebAssembly kernel output, the trainers' predictions and a few
onnxruntime-web models between x64 Node and arm64 Node (emulated with Debian's qemu-user-static),
then runs the store, YAML and kernel tests under arm64 Node. Sets up qemu, an arm64 sysroot,
arm64 Node and better-sqlite3 cross-compiled for arm64 (needs Debian's crossbuild-essential-arm64)
into a cache folder first (a few minutes and about 230 MB once; nothing is installed on the
system). Each arm64 run of the outputs takes one or two minutes, the tests five to ten.

Options:
  --cache <dir>   where to set up (default $RUNNEL_ARM64_CACHE or node_modules/.cache/runnel-arm64)
  --tier <tier>   V8 WebAssembly tier: liftoff, turbofan or both (default both)
  --json <file>   also write every output's comparison as JSON
  --skip-tests    compare the outputs only (no better-sqlite3 build, no tests under arm64)
  -h, --help      this text

Exit codes: 0 every output is bit-identical on x64 and arm64 and in both tiers (the rows of JS
Math.* itself, shown as the reason Runnel does not use it, are not counted) and the tests
pass under arm64; 1 otherwise; 2 bad usage or setup.`;

/** The test folders run under arm64 Node, and the files left out with the reason. */
const ARM64_TESTS = ['test/store', 'test/yaml', 'test/kernels'];
const CHILD_PROCESSES = 'starts other Node processes, which user-mode qemu cannot start without binfmt_misc (registering it would change the system)';
const NOT_UNDER_QEMU = {
  'test/store/lock.test.ts': CHILD_PROCESSES,
  'test/store/outbox-disk-full.test.ts': 'needs 3000 MQTT round trips within a 20 s deadline, which emulation misses',
  'test/yaml/docs-examples.test.ts': CHILD_PROCESSES,
  'test/yaml/variables.test.ts': CHILD_PROCESSES,
  'test/kernels/load.test.ts': CHILD_PROCESSES,
};

/** V8 flags that pin WebAssembly to one compiler, so a run does not depend on when tier-up happens. */
const TIERS = { liftoff: ['--liftoff', '--no-wasm-tier-up'], turbofan: ['--no-liftoff'] };

const log = (line) => process.stderr.write(`test:arm64: ${line}\n`);

function main() {
  let options;
  try {
    ({ values: options } = parseArgs({
      options: {
        cache: { type: 'string', default: process.env.RUNNEL_ARM64_CACHE ?? join(root, 'node_modules', '.cache', 'runnel-arm64') },
        tier: { type: 'string', default: 'both' },
        json: { type: 'string' },
        'skip-tests': { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    }));
  } catch (error) {
    return usage(error.message);
  }
  if (options.help) {
    console.log(HELP);
    return 0;
  }
  const tiers = options.tier === 'both' ? Object.keys(TIERS) : [options.tier];
  if (!tiers.every((tier) => tier in TIERS)) return usage(`--tier ${options.tier}: use liftoff, turbofan or both`);
  if (!existsSync(join(root, 'dist', 'src', 'kernels', 'index.js')) || !existsSync(join(root, 'build', 'kernels.wasm'))) {
    return usage('the compiled code or build/kernels.wasm is missing: run "npm run build" first');
  }

  let arm64;
  const setupStarted = Date.now();
  try {
    arm64 = setUpArm64(resolve(options.cache), log);
  } catch (error) {
    log(`setup failed: ${error.message}`);
    return 2;
  }
  log(`setup: ${seconds(setupStarted)}`);

  const comparisons = new Map();
  for (const tier of tiers) {
    const x64 = runOutputs(`x64 ${tier}`, process.execPath, [...TIERS[tier], outputsScript]);
    const arm = runOutputs(`arm64 ${tier}`, arm64.command, [...arm64.prefix, ...TIERS[tier], outputsScript]);
    for (const name of new Set([...x64.keys(), ...arm.keys()])) {
      const entry = comparisons.get(name) ?? {};
      entry[`${tier}: x64 vs arm64`] = compare(x64.get(name), arm.get(name));
      if (tier === tiers[0]) entry.reference = x64.get(name);
      else entry[`x64: ${tiers[0]} vs ${tier}`] = compare(comparisons.get(name)?.reference, x64.get(name));
      comparisons.set(name, entry);
    }
  }
  const outputs = report(comparisons, options);
  if (options['skip-tests']) return outputs;
  let env;
  try {
    env = setUpArm64Tests(resolve(options.cache), root, log);
  } catch (error) {
    log(`setup of the arm64 tests failed: ${error.message}`);
    return 2;
  }
  return Math.max(outputs, runTests(arm64, env));
}

/** Runs ARM64_TESTS with vitest under arm64 Node (threads: forks would start arm64 Node themselves); its output goes to stderr. */
function runTests(arm64, env) {
  for (const [file, why] of Object.entries(NOT_UNDER_QEMU)) log(`left out under arm64: ${file}: ${why}`);
  log(`${ARM64_TESTS.join(', ')} under arm64: running...`);
  const started = Date.now();
  const vitest = join(root, 'node_modules', 'vitest', 'vitest.mjs');
  const excluded = Object.keys(NOT_UNDER_QEMU).flatMap((file) => ['--exclude', file]);
  // Emulation is 10-40 times slower: a test without its own timeout gets 2 min instead of vitest's 5 s.
  const result = spawnSync(arm64.command, [...arm64.prefix, vitest, 'run', '--pool=threads', '--testTimeout=120000', ...ARM64_TESTS, ...excluded], {
    cwd: root,
    env: { ...process.env, ...env },
    stdio: ['ignore', 2, 2],
  });
  const passed = result.status === 0;
  log(`${ARM64_TESTS.join(', ')} under arm64: ${passed ? 'passed' : `FAILED (vitest exit ${result.status ?? result.signal})`} in ${seconds(started)}`);
  return passed ? 0 : 1;
}

function usage(message) {
  log(message);
  log('see npm run test:arm64 -- --help');
  return 2;
}

function seconds(since) {
  return `${((Date.now() - since) / 1000).toFixed(1)} s`;
}

/** Runs the outputs script with `command args` and returns its outputs by name. */
function runOutputs(label, command, args) {
  log(`${label}: running...`);
  const started = Date.now();
  const stdout = execFileSync(command, args, { cwd: root, maxBuffer: 64 << 20, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  const outputs = new Map();
  for (const line of stdout.split('\n').filter(Boolean)) {
    const { name, type, data } = JSON.parse(line);
    outputs.set(name, { type, bytes: Buffer.from(data, 'base64') });
  }
  log(`${label}: ${outputs.size} outputs in ${seconds(started)}`);
  return outputs;
}

/** Float views over an output's bytes, and the bit pattern of one element as hex. */
const FLOAT = { float32: { Type: Float32Array, Bits: Uint32Array, hexWidth: 8 }, float64: { Type: Float64Array, Bits: BigUint64Array, hexWidth: 16 } };

/** `identical`, `same numbers` (only NaN sign/payload bits differ), `different numbers` or `missing`, with details. */
function compare(a, b) {
  if (!a || !b) return { result: 'missing', detail: a ? 'no arm64 output' : 'no x64 output' };
  if (a.bytes.equals(b.bytes)) return { result: 'identical' };
  const float = FLOAT[a.type];
  if (!float || a.bytes.length !== b.bytes.length) return { result: 'different numbers', detail: `${a.type}, ${a.bytes.length} vs ${b.bytes.length} bytes` };
  const view = (output, Type) => new Type(output.bytes.buffer.slice(output.bytes.byteOffset, output.bytes.byteOffset + output.bytes.length));
  const [xa, xb] = [view(a, float.Type), view(b, float.Type)];
  const [ba, bb] = [view(a, float.Bits), view(b, float.Bits)];
  let nanBits = 0;
  let numbers = 0;
  let maxUlps = 0n;
  let example = '';
  for (let i = 0; i < xa.length; i++) {
    if (ba[i] === bb[i]) continue;
    const hex = (bits) => bits.toString(16).padStart(float.hexWidth, '0');
    if (Number.isNaN(xa[i]) && Number.isNaN(xb[i])) {
      nanBits++;
      example ||= `NaN ${hex(ba[i])} vs ${hex(bb[i])}`;
      continue;
    }
    numbers++;
    const ulps = BigInt(ordered(ba[i], float.hexWidth)) - BigInt(ordered(bb[i], float.hexWidth));
    if ((ulps < 0n ? -ulps : ulps) > maxUlps) maxUlps = ulps < 0n ? -ulps : ulps;
  }
  if (numbers === 0) return { result: 'same numbers', detail: `${nanBits} of ${xa.length} NaNs differ in sign/payload (${example})` };
  const far = maxUlps > 1000n ? 'more than 1000' : String(maxUlps);
  return { result: 'different numbers', detail: `${numbers} of ${xa.length} values differ, up to ${far} ulp${nanBits ? `; ${nanBits} NaNs differ in bits` : ''}` };
}

/** Maps float bits to integers that order like the floats, so ulp distance is a difference. */
function ordered(bits, hexWidth) {
  const big = BigInt(bits);
  const sign = hexWidth === 8 ? 0x80000000n : 0x8000000000000000n;
  return big & sign ? -(big & (sign - 1n)) : big;
}

function report(comparisons, options) {
  const columns = [...new Set([...comparisons.values()].flatMap((entry) => Object.keys(entry).filter((key) => key !== 'reference')))];
  const counts = Object.fromEntries(columns.map((column) => [column, {}]));
  const rows = [];
  for (const [name, entry] of comparisons) {
    for (const column of columns) counts[column][entry[column].result] = (counts[column][entry[column].result] ?? 0) + 1;
    if (columns.some((column) => entry[column].result !== 'identical')) rows.push([name, ...columns.map((column) => describe(entry[column]))]);
  }
  console.log(`${comparisons.size} outputs compared.\n`);
  console.log(
    table(
      ['', ...columns],
      [
        [
          '**counts**',
          ...columns.map((column) =>
            Object.entries(counts[column])
              .map(([result, n]) => `${n} ${result}`)
              .join(', '),
          ),
        ],
      ],
    ),
  );
  console.log(`\nOutputs whose bits differ anywhere (all others are identical in every column):\n`);
  console.log(table(['output', ...columns], rows));
  if (options.json) {
    const json = Object.fromEntries([...comparisons].map(([name, entry]) => [name, Object.fromEntries(columns.map((column) => [column, entry[column]]))]));
    writeFileSync(options.json, `${JSON.stringify(json, null, 2)}\n`);
  }
  // `js Math.*` rows measure V8 itself (it differs by an ulp on arm64): shown as the reason Runnel's
  // outputs must not use it, not counted in the verdict.
  const counted = [...comparisons].filter(([name]) => !name.startsWith('js Math.')).flatMap(([, entry]) => columns.map((column) => entry[column].result));
  const failed = counted.some((result) => result !== 'identical');
  const differing = (result) => rows.filter((row) => !row[0].startsWith('js Math.') && row.slice(1).some((cell) => cell.startsWith(result))).length;
  log(
    `${comparisons.size} outputs: ${differing('different numbers')} with different numbers, ${differing('same numbers')} with other NaN bits, ${differing('missing')} missing (JS Math's own rows not counted)${failed ? ': FAILED, not every output is bit-identical' : ': passed, every output bit-identical'}`,
  );
  return failed ? 1 : 0;
}

function describe({ result, detail }) {
  return detail ? `${result}: ${detail}` : result;
}

function table(header, rows) {
  const line = (cells) => `| ${cells.join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}

process.exitCode = main();
