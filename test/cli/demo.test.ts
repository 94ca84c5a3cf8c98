import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
// The CLI as a device runs it: compiled JS on plain node (npm test builds dist/ first).
const CLI = join(import.meta.dirname, '..', '..', 'dist', 'src', 'cli', 'main.js');

describe('runnel CLI', () => {
  it('--help lists the commands; each command has --help', async () => {
    const { stdout } = await run('node', [CLI, '--help']);
    expect(stdout).toMatch(/Usage: runnel <command>/);
    expect(stdout).toMatch(/demo\s+run the demo job/);
    const demo = await run('node', [CLI, 'demo', '--help']);
    expect(demo.stdout).toMatch(/--rows <n>/);
  });

  it('a bad option or command exits 2 with a hint', async () => {
    await expect(run('node', [CLI, 'demo', '--rows', '0'])).rejects.toMatchObject({ code: 2, stderr: expect.stringMatching(/--rows must be a positive integer/) });
    await expect(run('node', [CLI, 'frobnicate'])).rejects.toMatchObject({ code: 2, stderr: expect.stringMatching(/unknown command "frobnicate"/) });
  });

  it('demo runs end to end on compiled JS and reports its rejects', async () => {
    const out = mkdtempSync(join(tmpdir(), 'runnel-demo-'));
    const { stdout } = await run('node', [CLI, 'demo', '--rows', '5000', '--sensors', '5', '--out', out]);
    expect(stdout).toMatch(/Warmest sensors/);
    const summary = readFileSync(join(out, 'summary.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { value: { n: number } });
    expect(summary).toHaveLength(5);
    const dead = readFileSync(join(out, 'dead-letters.jsonl'), 'utf8').trim().split('\n').filter(Boolean);
    // Every simulated row is either in a sensor's count or a dead letter.
    expect(summary.reduce((n, s) => n + s.value.n, 0) + dead.length).toBe(5000);
    // Both means printed (WASM kernel and JavaScript) agree to the shown precision.
    const [, wasm, js] = /: (-?[\d.]+) °C \(WASM kernel\), (-?[\d.]+) °C/.exec(stdout)!;
    expect(wasm).toBe(js);
  });
});
