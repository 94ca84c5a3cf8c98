/**
 * `{{ RUNNEL_… }}` placeholders in pipeline files (Jinja's syntax, as Beam's --jinja_variables):
 * filled from the environment by fillVariables, and by `runnel run` / `runnel validate` through the
 * compiled CLI, the way the service gets /etc/runnel/runnel.env from `runnel flash`.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { fillVariables } from '../../src/yaml/variables.js';

const exec = promisify(execFile);
const CLI = join(import.meta.dirname, '..', '..', 'dist', 'src', 'cli', 'main.js');

describe('fillVariables', () => {
  it('fills every {{ RUNNEL_… }}, with or without spaces, and leaves other text as it is', () => {
    const text = 'server_uri: "{{ RUNNEL_MQTT_URL }}"\ntopic: "sensors/{{RUNNEL_SITE}}/#"\nnote: "{ not one }"\n';
    const filled = fillVariables(text, 'p.yaml', { RUNNEL_MQTT_URL: 'mqtt://10.0.0.5:1883', RUNNEL_SITE: 'press-7' });
    expect(filled).toBe('server_uri: "mqtt://10.0.0.5:1883"\ntopic: "sensors/press-7/#"\nnote: "{ not one }"\n');
    expect(fillVariables('plain: 1\n', 'p.yaml', {})).toBe('plain: 1\n');
  });

  it('names file:line:col and the variable to set for a placeholder without a value, and refuses other names', () => {
    const text = 'a: 1\nb: "x {{ RUNNEL_REGISTRY }}"\n';
    expect(() => fillVariables(text, 'p.yaml', {})).toThrow(/^p\.yaml:2:7: \{\{ RUNNEL_REGISTRY \}\} has no value: set the environment variable RUNNEL_REGISTRY/);
    expect(() => fillVariables('k: "{{ AWS_SECRET_ACCESS_KEY }}"', 'p.yaml', { AWS_SECRET_ACCESS_KEY: 'x' })).toThrow(/p\.yaml:1:5: .*fills only \{\{ RUNNEL_… \}\} placeholders/);
  });
});

describe('runnel run and runnel validate fill placeholders from the environment', () => {
  const dir = mkdtempSync(join(tmpdir(), 'runnel-variables-'));
  const file = join(dir, 'greet.yaml');
  writeFileSync(
    file,
    [
      'pipeline:',
      '  type: chain',
      '  transforms:',
      '    - type: Create',
      '      config:',
      '        elements:',
      '          - {site: "{{ RUNNEL_SITE }}"}',
      '    - type: LogForTesting',
      '',
    ].join('\n'),
  );

  it('runs with the value; without it, exits 1 naming the place and the variable', async () => {
    const env = { ...process.env, RUNNEL_SITE: 'press-7' };
    const { stdout } = await exec('node', [CLI, 'run', file], { env });
    expect(
      stdout
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line) as unknown),
    ).toEqual([{ site: 'press-7' }]);
    expect((await exec('node', [CLI, 'validate', file], { env })).stdout).toMatch(/valid/);
    const { RUNNEL_SITE: _, ...without } = env;
    await expect(exec('node', [CLI, 'run', file], { env: without })).rejects.toMatchObject({
      code: 1,
      stderr: expect.stringMatching(/greet\.yaml:7:21: \{\{ RUNNEL_SITE \}\} has no value: set the environment variable RUNNEL_SITE/) as unknown,
    });
  });
});
