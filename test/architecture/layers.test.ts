/**
 * The layer rules (.dependency-cruiser.cjs, the table in docs/architecture.md): src/ keeps to them,
 * and they do fail, on a forbidden import and on a cycle, in a small tree made for it. `npm test`
 * also runs the same check before any test (`npm run check:layers` in `pretest`).
 */
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '../..');
const CONFIG = join(ROOT, '.dependency-cruiser.cjs');
const DEPCRUISE = join(ROOT, 'node_modules/dependency-cruiser/bin/dependency-cruise.mjs');

interface Violation {
  readonly from: string;
  readonly to: string;
  readonly rule: { readonly name: string };
  readonly cycle?: readonly { readonly name: string }[];
}

/** Runs dependency-cruiser with the project's rules on `src/` under `cwd`; returns the violations. */
async function cruise(cwd: string): Promise<Violation[]> {
  const { stdout } = await promisify(execFile)(process.execPath, [DEPCRUISE, 'src', '--config', CONFIG, '--output-type', 'json'], {
    cwd,
    maxBuffer: 64 * 1024 * 1024,
  }).catch((error: { stdout?: string }) => ({ stdout: error.stdout ?? '' })); // exits non-zero when it finds violations
  return (JSON.parse(stdout) as { summary: { violations: Violation[] } }).summary.violations;
}

/** Writes `files` (path → source) under a fresh folder with a tsconfig like the project's. */
function tree(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'runnel-layers-'));
  const all: Record<string, string> = {
    'tsconfig.json': JSON.stringify({ compilerOptions: { module: 'NodeNext', moduleResolution: 'NodeNext', strict: true }, include: ['src'] }),
    ...files,
  };
  for (const [path, text] of Object.entries(all)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  return dir;
}

describe('layers', () => {
  it('src/ has no forbidden import and no cycle', async () => {
    const violations = await cruise(ROOT);
    expect(violations.map((v) => `${v.rule.name}: ${v.from} → ${v.to}`)).toEqual([]);
  }, 60_000);

  it('the rules catch an import against the layers, a type-only one too, and a cycle', async () => {
    const dir = tree({
      'src/common/errors.ts': 'export class RunnelError extends Error {}\n',
      // core importing its runner, the cycle the layers were cut for
      'src/core/pipeline.ts': "import { plan } from '../runner/plan.js';\nexport class Pipeline { run(): number { return plan(this); } }\n",
      'src/runner/plan.ts': "import type { Pipeline } from '../core/pipeline.js';\nexport function plan(p: Pipeline): number { return p ? 1 : 0; }\n",
      // store reaching up into core (type-only)
      'src/store/store.ts': "import type { Pipeline } from '../core/pipeline.js';\nexport type Owner = Pipeline;\n",
      // trainers importing evaluation
      'src/ml/train/fit.ts': "import { score } from '../evaluate/score.js';\nexport const fit = (): number => score();\n",
      'src/ml/evaluate/score.ts': "import { RunnelError } from '../../common/errors.js';\nexport const score = (): number => { if (!RunnelError) throw new Error(); return 1; };\n",
    });
    try {
      const found = (await cruise(dir)).map((v) => `${v.rule.name}: ${v.from} → ${v.to}`);
      expect(found).toContain('core-imports: src/core/pipeline.ts → src/runner/plan.ts');
      expect(found).toContain('store-imports: src/store/store.ts → src/core/pipeline.ts');
      expect(found).toContain('ml-train-imports: src/ml/train/fit.ts → src/ml/evaluate/score.ts');
      expect(found).toContain('no-circular: src/core/pipeline.ts → src/runner/plan.ts');
      // What is allowed stays allowed: evaluation runs trainers and uses common/.
      expect(found.filter((f) => f.includes('src/ml/evaluate/score.ts →'))).toEqual([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
