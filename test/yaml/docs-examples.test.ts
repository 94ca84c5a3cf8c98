/** The YAML pipelines shown in docs/yaml.md and README.md run and give the output shown there. */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { run } from '../../src/runner/direct-runner.js';
import { loadYamlPipeline } from '../../src/yaml/index.js';

const ROOT = join(import.meta.dirname, '..', '..');

/** The fenced yaml block of `doc` whose first line is `# <name>`. */
function yamlBlock(doc: string, name: string): string {
  const text = readFileSync(join(ROOT, doc), 'utf8');
  const block = [...text.matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => m[1]!).find((b) => b.startsWith(`# ${name}`));
  if (!block) throw new Error(`${doc} has no yaml block starting "# ${name}"`);
  return block;
}

/** The lines docs/yaml.md shows under `$ runnel run <name>`. */
function shownOutput(name: string): string[] {
  const text = readFileSync(join(ROOT, 'docs/yaml.md'), 'utf8');
  const shown = new RegExp(`\\$ runnel run ${name.replace('.', '\\.')}\\n([\\s\\S]*?)\`\`\``).exec(text);
  if (!shown) throw new Error(`docs/yaml.md shows no output of runnel run ${name}`);
  return shown[1]!.trimEnd().split('\n');
}

async function runIn(dir: string, yaml: string): Promise<string[]> {
  const lines: string[] = [];
  const result = await run(loadYamlPipeline(yaml, 'doc.yaml', { log: (l) => lines.push(l), baseDir: dir }));
  expect(result.deadLetterCount).toBe(0);
  return lines;
}

describe('documented Beam YAML pipelines', () => {
  it('docs/yaml.md: readings.yaml prints the rows shown', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'runnel-doc-'));
    writeFileSync(join(dir, 'readings.csv'), 'sensor,at,temp\ns1,1700000000,21\ns1,1700000010,22\ns1,1700000020,19\ns2,1700000030,24\n');
    expect((await runIn(dir, yamlBlock('docs/yaml.md', 'readings.yaml'))).sort()).toEqual(shownOutput('readings.yaml').sort());
  });

  it('docs/yaml.md: ratios.yaml sends the failed row to the error output, as shown', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'runnel-doc-'));
    writeFileSync(join(dir, 'ratios.csv'), 'a,b\n6,3\n1,0\n');
    expect((await runIn(dir, yamlBlock('docs/yaml.md', 'ratios.yaml'))).sort()).toEqual(shownOutput('ratios.yaml').sort());
  });

  it('docs/yaml.md: composite.yaml (a chain inside a composite with tagged inputs) prints the rows shown', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'runnel-doc-'));
    expect((await runIn(dir, yamlBlock('docs/yaml.md', 'composite.yaml'))).sort()).toEqual(shownOutput('composite.yaml').sort());
  });

  it('README.md: summary.yaml writes one summary row per sensor', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'runnel-doc-'));
    writeFileSync(join(dir, 'readings.csv'), 'sensor,temp\ns1,20\ns1,22\ns2,100\ns2,30\n');
    await runIn(dir, yamlBlock('README.md', 'summary.yaml'));
    const rows = readFileSync(join(dir, 'summary.jsonl'), 'utf8').trimEnd().split('\n').sort();
    expect(rows).toEqual(['{"sensor":"s1","n":2,"mean":21,"max":22}', '{"sensor":"s2","n":1,"mean":30,"max":30}']);
  });
});
