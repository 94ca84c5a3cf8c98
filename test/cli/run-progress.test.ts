/**
 * Live progress of `runnel run`: drawn on stderr only when stderr is a terminal (here a
 * pseudo-terminal made by util-linux `script`), never with --quiet or off a terminal, and stdout
 * stays LogForTesting's JSON lines. The view itself on a stream that says it is a terminal, on a
 * virtual clock.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { RunProgressView } from '../../src/cli/run-progress.js';
import type { RunProgress } from '../../src/runner/types.js';

const exec = promisify(execFile);
const CLI = join(import.meta.dirname, '..', '..', 'dist', 'src', 'cli', 'main.js');

/** A stream that says it is a terminal and keeps what is written. */
function terminal(): { stream: NodeJS.WriteStream; text: () => string } {
  let written = '';
  const stream = { isTTY: true, columns: 100, write: (chunk: string) => ((written += chunk), true) } as unknown as NodeJS.WriteStream;
  return { stream, text: () => written };
}

/** What LiveBlock writes to redraw a block of 5 lines: up 5 lines, clear below. */
const CLEAR_5_LINES = '\u001b[5F\u001b[J';

const step = (elementsRead: number, deadLetters = 0, stepMs = 1): RunProgress => ({
  bundles: 1,
  elementsRead,
  deadLetters,
  stepMs,
  operators: [
    { stages: ['Create/create'], elementsIn: elementsRead, elementsOut: elementsRead },
    { stages: ['Filter/keep', 'LogForTesting/log'], elementsIn: elementsRead, elementsOut: Math.floor(elementsRead / 2) },
  ],
});

describe('RunProgressView', () => {
  it('draws time since the run started, elements read, rate, dead letters and each stage; redraws in place at most every 250 ms; log lines go above', () => {
    let now = 2000;
    const { stream, text } = terminal();
    const view = new RunProgressView('runnel run p.yaml', stream, () => now);
    now = 2500;
    view.update(step(4000, 1, 500)); // the run started with this step, at 2000
    expect(text()).toContain('runnel run p.yaml: 500 ms, 4,000 read (8,000/s), 1 dead letters\n');
    expect(text()).toMatch(/4,000 {2}2,000 {2}Filter\/keep → LogForTesting\/log\n/);
    const drawn = text().length;
    now = 2600;
    view.update(step(5000));
    expect(text().length).toBe(drawn); // too soon: not redrawn
    now = 2800;
    view.update(step(6000));
    expect(text().slice(drawn).startsWith(`${CLEAR_5_LINES}runnel run p.yaml: 800 ms, 6,000 read`)).toBe(true); // the block replaced
    view.event('runnel run: stopping');
    expect(text().endsWith(`${CLEAR_5_LINES}runnel run: stopping\n`)).toBe(true);
    view.logDestination.write('a log line\n');
    expect(text()).toMatch(/stopping\na log line\n$/);
    view.update(step(6500)); // drawn again at once after a line above
    view.finish();
    const last = text().slice(text().lastIndexOf(CLEAR_5_LINES));
    expect(last.startsWith(`${CLEAR_5_LINES}runnel run p.yaml: 800 ms, 6,500 read`)).toBe(true); // the final block, below the lines above
    expect(last).not.toContain('a log line');
  });
});

describe('runnel run on a terminal', () => {
  const dir = mkdtempSync(join(tmpdir(), 'runnel-progress-'));
  const pipeline = join(dir, 'p.yaml');
  writeFileSync(
    pipeline,
    'pipeline:\n  type: chain\n  transforms:\n    - type: Create\n      config: {elements: [{n: 1}, {n: 2}, {n: 3}]}\n    - type: Filter\n      config: {language: javascript, keep: "n > 1"}\n    - type: LogForTesting\n',
  );
  /** `runnel run` with stderr on a pseudo-terminal (`script`) and stdout in a file; what the terminal showed. */
  const onTerminal = async (...args: string[]): Promise<{ terminal: string; stdout: string }> => {
    const out = join(dir, `out-${args.join('')}.jsonl`);
    const command = ['node', CLI, 'run', pipeline, ...args].map((a) => `'${a}'`).join(' ');
    const { stdout } = await exec('script', ['-qefc', `${command} > '${out}'`, '/dev/null'], { cwd: dir });
    return { terminal: stdout, stdout: readFileSync(out, 'utf8') };
  };

  it('shows progress on stderr, and stdout stays one JSON object per element', async () => {
    const { terminal, stdout } = await onTerminal();
    expect(terminal).toMatch(/runnel run .*p\.yaml: \d+ (ms|s), 3 read \(\d[\d,]*\/s\), 0 dead letters/);
    expect(terminal).toMatch(/Filter\/keep/);
    expect(terminal).toMatch(/p\.yaml: done in \d+ ms, 0 dead letters/);
    expect(stdout).toBe('{"n":2}\n{"n":3}\n');
  });

  it('shows none with --quiet, or when stderr is not a terminal', async () => {
    const quiet = await onTerminal('--quiet');
    expect(quiet.terminal).not.toMatch(/ read \(/);
    expect(quiet.terminal).toMatch(/done in \d+ ms/);
    expect(quiet.stdout).toBe('{"n":2}\n{"n":3}\n');
    const piped = await exec('node', [CLI, 'run', pipeline], { cwd: dir });
    expect(piped.stderr).toMatch(/^.*p\.yaml: done in \d+ ms, 0 dead letters\n$/);
    expect(piped.stdout).toBe('{"n":2}\n{"n":3}\n');
  });
});
