#!/usr/bin/env node
// `npm run test:bundle`: a bundle installed the way a device installs it, then run. Not part of
// `npm test`: `npm ci --omit=dev` compiles better-sqlite3 from source here (1.5–4 minutes).
//
// Builds a bundle for a profile with a Beam YAML pipeline, unpacks it into a temporary folder,
// installs the locked production dependencies from the bundle's own lock file (`npm ci
// --omit=dev`, as install.sh does), then runs `runnel run` of the bundled pipeline from there and
// checks its output. Reports the bundle's size, the installed node_modules and each step's time.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { performance } from 'node:perf_hooks';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const USAGE = `Usage: npm run test:bundle [-- --device <profile>] [--keep]

Bundles test/fixtures/bundle/pipeline.yaml for a device profile (default raspberry-pi-zero-2w),
installs the bundle into a temporary folder with npm ci --omit=dev and runs its pipeline there.
  --device <profile>  the profile to bundle for
  --keep              keep the temporary folder (its path is printed)
  -h, --help          show this help`;

const args = process.argv.slice(2);
if (args.includes('-h') || args.includes('--help')) {
  console.log(USAGE);
  process.exit(0);
}
const device = args.includes('--device') ? args[args.indexOf('--device') + 1] : 'raspberry-pi-zero-2w';
const dir = mkdtempSync(join(tmpdir(), 'runnel-bundle-install-'));
const timed = (what, fn) => {
  const t0 = performance.now();
  const result = fn();
  console.log(`${what}: ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  return result;
};
const sh = (command, commandArgs, cwd) => execFileSync(command, commandArgs, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });

try {
  const bundle = join(dir, `runnel-${device}.tgz`);
  timed('bundle', () =>
    sh(
      'node',
      [join(ROOT, 'dist', 'src', 'cli', 'main.js'), 'bundle', '--device', device, '--pipeline', join(ROOT, 'test', 'fixtures', 'bundle', 'pipeline.yaml'), '--out', bundle],
      dir,
    ),
  );
  console.log(`bundle size: ${(statSync(bundle).size / 2 ** 10).toFixed(0)} KiB`);
  sh('tar', ['xzf', bundle], dir);
  const installed = join(dir, 'runnel');
  timed('npm ci --omit=dev', () => sh('npm', ['ci', '--omit=dev', '--no-audit', '--no-fund'], installed));
  console.log(`node_modules: ${sh('du', ['-sh', 'node_modules'], installed).split('\t')[0]}`);
  sh('sh', ['trim-runtime.sh'], installed);
  console.log(`node_modules after trim-runtime.sh: ${sh('du', ['-sh', 'node_modules'], installed).split('\t')[0]}`);
  // onnxruntime-web still runs a model after the trim: 2·1 + 3·1 + 1 = 6.
  const inference = `import { OnnxModelHandler, frameOf, onnx } from './dist/src/index.js';
const model = await new OnnxModelHandler().load(onnx.linearRegressionModel({ weights: [[2, 3]], bias: [1] }, { featureNames: ['a', 'b'] }));
const out = await model.run(frameOf(new Float32Array([1, 1]), ['a', 'b']));
console.log(out.prediction.data[0]);
await model.release();`;
  const predicted = timed('an ONNX model on the trimmed onnxruntime-web', () => sh('node', ['--input-type=module', '-e', inference], installed)).trim();
  if (predicted !== '6') throw new Error(`test:bundle FAILED: the model predicted ${predicted}, expected 6`);
  const output = timed('runnel run pipeline.yaml', () => sh('node', ['dist/src/cli/main.js', 'run', 'pipeline.yaml'], installed));
  const expected = ['{"sensor":"a","temp":21.5}', '{"sensor":"b","temp":30}'];
  const lines = output.trim().split('\n');
  if (JSON.stringify(lines) !== JSON.stringify(expected)) {
    console.error(`test:bundle FAILED: runnel run printed\n${output}\nexpected\n${expected.join('\n')}`);
    process.exitCode = 1;
  } else {
    console.log('test:bundle passed: the installed bundle ran its pipeline and printed the expected records');
  }
} finally {
  if (args.includes('--keep')) console.log(`kept ${dir}`);
  else rmSync(dir, { recursive: true, force: true });
}
