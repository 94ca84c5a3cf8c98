/**
 * `runnel run` as a device runs it (compiled CLI on plain node; npm test builds dist/ first).
 * Beam's own YAML examples (restated in test/fixtures/beam-yaml, see its README) must print
 * Beam's expected rows through LogForTesting, compared as multisets; stdout holds nothing but
 * those JSON lines. Invalid pipelines exit 1 with file:line:col, usage errors exit 2.
 */
import { execFile } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { expectedRows, multiset, type Row } from '../support/beam-expected.js';

const exec = promisify(execFile);
const CLI = join(import.meta.dirname, '..', '..', 'dist', 'src', 'cli', 'main.js');
const FIXTURES = join(import.meta.dirname, '..', 'fixtures', 'beam-yaml');

/** Runs `runnel run <file>` in a fresh copy of the fixtures folder (outputs land there). */
async function runnelRun(file: string, ...args: string[]): Promise<{ stdout: string; stderr: string; dir: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'runnel-run-'));
  cpSync(FIXTURES, dir, { recursive: true });
  const { stdout, stderr } = await exec('node', [CLI, 'run', file, ...args], { cwd: dir });
  return { stdout, stderr, dir };
}

describe('runnel run: Beam YAML examples', () => {
  const examples = readdirSync(FIXTURES).filter((f) => f.endsWith('.yaml'));

  it('the restated examples are all here', () => {
    expect(examples).toHaveLength(11);
  });

  it.each(examples)('%s prints Beam’s expected rows, and nothing else on stdout', async (file) => {
    const expected = expectedRows(readFileSync(join(FIXTURES, file), 'utf8'));
    expect(expected.length).toBeGreaterThan(0);
    const { stdout, stderr } = await runnelRun(file);
    const printed = stdout
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line) as Row); // every stdout line is one JSON object
    expect(multiset(printed)).toEqual(multiset(expected));
    expect(stderr).toMatch(new RegExp(`^${file}: done in \\d+ ms, 0 dead letters\\n$`));
  });

  it('the filter example writes Beam’s expected rows to its CSV file too', async () => {
    const { dir } = await runnelRun('simple_filter.yaml');
    const [header, ...lines] = readFileSync(join(dir, 'output.csv'), 'utf8').trimEnd().split('\n');
    const columns = header!.split(',');
    const written = lines.map((l) => Object.fromEntries(l.split(',').map((v, i) => [columns[i]!, i === 3 ? Number(v) : v])));
    expect(multiset(written)).toEqual(multiset(expectedRows(readFileSync(join(FIXTURES, 'simple_filter.yaml'), 'utf8'))));
  });
});

describe('runnel run: errors and exit codes', () => {
  const dir = mkdtempSync(join(tmpdir(), 'runnel-run-errors-'));
  const write = (name: string, text: string): string => {
    writeFileSync(join(dir, name), text);
    return name;
  };
  const fails = (args: string[]) => exec('node', [CLI, 'run', ...args], { cwd: dir });

  it('--help says what it runs and the exit codes; runnel --help lists run', async () => {
    const { stdout } = await exec('node', [CLI, 'run', '--help']);
    expect(stdout).toMatch(/^Usage: runnel run <pipeline\.yaml> \[options\]/);
    for (const text of ['--fail-fast', 'Exit codes', 'docs/yaml.md', 'LogForTesting']) expect(stdout).toContain(text);
    expect((await exec('node', [CLI, '--help'])).stdout).toMatch(/\n {2}run\s+run a Beam YAML pipeline/);
  });

  it('usage errors exit 2', async () => {
    await expect(fails([])).rejects.toMatchObject({ code: 2, stderr: expect.stringMatching(/expected one pipeline file, got 0/) as unknown });
    await expect(fails(['a.yaml', 'b.yaml'])).rejects.toMatchObject({ code: 2 });
    await expect(fails(['--frobnicate', 'a.yaml'])).rejects.toMatchObject({ code: 2, stderr: expect.stringMatching(/--frobnicate/) as unknown });
  });

  it('a missing file, an invalid pipeline and python code exit 1 with the place and nothing on stdout', async () => {
    await expect(fails(['nope.yaml'])).rejects.toMatchObject({
      code: 1,
      stdout: '',
      stderr: expect.stringMatching(/cannot read the pipeline file .*nope\.yaml: no such file/) as unknown,
    });
    const bad = write(
      'bad.yaml',
      'pipeline:\n  type: chain\n  transforms:\n    - type: Create\n      config: {elements: [{a: 1}]}\n    - type: Filter\n      config:\n        language: python\n        keep: a > 0\n',
    );
    await expect(fails([bad])).rejects.toMatchObject({
      code: 1,
      stdout: '',
      stderr: expect.stringMatching(
        /^runnel run: bad\.yaml:9:9: Filter \(pipeline\.transforms\[1\]\.config\.keep\): "a > 0" is python code.*language: javascript.*\(PIPELINE_INVALID\)\n$/,
      ) as unknown,
    });
  });

  it('runnel validate says valid or gives the same first problem, without running; runnel help <command> shows that command’s help', async () => {
    const good = write('good.yaml', 'pipeline:\n  type: chain\n  transforms:\n    - type: Create\n      config: {elements: [{a: 1}]}\n    - type: LogForTesting\n');
    expect((await exec('node', [CLI, 'validate', good], { cwd: dir })).stdout).toBe('good.yaml: valid (2 transforms)\n');
    await expect(exec('node', [CLI, 'validate', 'bad.yaml'], { cwd: dir })).rejects.toMatchObject({
      code: 1,
      stderr: expect.stringMatching(/^runnel validate: bad\.yaml:9:9: Filter/) as unknown,
    });
    expect((await exec('node', [CLI, 'help', 'run'])).stdout).toMatch(/^Usage: runnel run <pipeline\.yaml>/);
    await expect(exec('node', [CLI, 'help', 'frobnicate'])).rejects.toMatchObject({ code: 2, stderr: expect.stringMatching(/unknown command "frobnicate"/) as unknown });
  });

  it('dead letters are listed on stderr; --fail-fast stops at the first with exit 1', async () => {
    const file = write(
      'dead.yaml',
      'pipeline:\n  type: chain\n  transforms:\n    - type: Create\n      config: {elements: [{a: 1}, {b: 2}]}\n    - type: MapToFields\n      config: {fields: {x: a}}\n    - type: LogForTesting\n',
    );
    const { stdout, stderr } = await exec('node', [CLI, 'run', file], { cwd: dir });
    expect(stdout).toBe('{"x":1}\n');
    expect(stderr).toMatch(/1 dead letters\n {2}\[MapToFields\/fields\] USER_CODE the row has no field "a" \(it has b\)\n$/);
    await expect(fails([file, '--fail-fast'])).rejects.toMatchObject({ code: 1, stderr: expect.stringMatching(/MapToFields\/fields.*the row has no field "a"/) as unknown });
  });

  it('--device runs under the profile: its heap limits applied (a message on stderr), stdout still only the JSON lines', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'runnel-run-'));
    const file = join(dir, 'p.yaml');
    writeFileSync(file, 'pipeline:\n  type: chain\n  transforms:\n    - type: Create\n      config:\n        elements: [{ x: 1 }, { x: 2 }]\n    - type: LogForTesting\n');
    const env = { ...process.env };
    delete env['RUNNEL_HEAP_FLAGS'];
    delete env['NODE_OPTIONS'];
    const { stdout, stderr } = await exec('node', [CLI, 'run', file, '--device', 'raspberry-pi-zero-2w'], { env });
    expect(stdout).toBe('{"x":1}\n{"x":2}\n');
    // Not a terminal: the log is JSON lines (pino's), the summary a plain line after them.
    expect(JSON.parse(stderr.split('\n')[0]!)).toMatchObject({
      level: 30,
      name: 'runnel run',
      msg: expect.stringMatching(/^applying the raspberry-pi-zero-2w profile's heap limits: running again as node --max-old-space-size=160 --max-semi-space-size=2/) as unknown,
    });
    await expect(fails([file, '--device', 'toaster'])).rejects.toMatchObject({ code: 2, stderr: expect.stringMatching(/device profile "toaster" not found/) as unknown });
    // --log-level warn (or RUNNEL_LOG_LEVEL) leaves the info line out; a level that is none is a usage error.
    const quiet = await exec('node', [CLI, 'run', file, '--device', 'raspberry-pi-zero-2w', '--log-level', 'warn'], { env });
    expect(quiet.stderr).toMatch(/^\S+p\.yaml: done in \d+ ms, 0 dead letters\n$/);
    const quietEnv = await exec('node', [CLI, 'run', file, '--device', 'raspberry-pi-zero-2w'], { env: { ...env, RUNNEL_LOG_LEVEL: 'error' } });
    expect(quietEnv.stderr).not.toContain('heap limits');
    await expect(fails([file, '--log-level', 'loud'])).rejects.toMatchObject({
      code: 2,
      stderr: expect.stringMatching(/--log-level: expected one of fatal, error, warn, info, debug, trace, silent, got "loud"/) as unknown,
    });
  });
});
