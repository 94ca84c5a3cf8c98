/**
 * The pipeline schema: a malformed file is refused with the file, line and key at fault; every
 * pipeline file the project ships validates; Beam's structure alone accepts the common subset.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import { BEAM_PIPELINE_SCHEMA } from '../../src/yaml/schema/beam.js';
import { checkedPipelineSpec } from '../../src/yaml/schema/check.js';
import { YamlSource } from '../../src/yaml/source-map.js';
import { parse } from 'yaml';

const ROOT = join(import.meta.dirname, '..', '..');

const problem = (text: string): string => {
  try {
    checkedPipelineSpec(YamlSource.parse(text, 'pipeline.yaml'));
  } catch (error) {
    expect(error).toMatchObject({ code: 'PIPELINE_INVALID' });
    return (error as Error).message;
  }
  throw new Error(`expected the schema to refuse:\n${text}`);
};

const chain = (...transforms: string[]): string => `pipeline:\n  type: chain\n  transforms:\n    - type: Create\n      config: {elements: [{a: 1}]}\n${transforms.join('')}`;

/** Each malformed file, and the start of the message it must give: file:line:col, whose, the path, what. */
const MALFORMED: readonly (readonly [string, string, string])[] = [
  [
    'a duration that is not one',
    chain('    - type: Combine\n      config:\n        combine: {n: count}\n      windowing:\n        type: fixed\n        size: ten\n'),
    'pipeline.yaml:11:9: Combine windowing (pipeline.transforms[1].windowing.size): expected a duration like "10s"',
  ],
  [
    'an unknown window type',
    chain('    - type: WindowInto\n      windowing: {type: tumbling, size: 10s}\n'),
    'pipeline.yaml:7:19: WindowInto windowing (pipeline.transforms[1].windowing.type): unknown window type "tumbling"; Runnel knows fixed, sliding, sessions, global',
  ],
  [
    'a window key of another window type',
    chain('    - type: WindowInto\n      windowing: {type: sessions, gap: 10s, size: 1m}\n'),
    'pipeline.yaml:7:45: WindowInto windowing (pipeline.transforms[1].windowing.size): no option "size": it takes type, gap',
  ],
  [
    'a misspelt option',
    chain('    - type: Filter\n      name: hot\n      config:\n        kep: a\n'),
    'pipeline.yaml:9:9: Filter "hot" (pipeline.transforms[1].config.kep): no option "kep": it takes keep, language, error_handling',
  ],
  ['a missing option', chain('    - type: Filter\n      config: {language: javascript}\n'), 'pipeline.yaml:7:7: Filter (pipeline.transforms[1].config): "keep" is required'],
  ['a missing config', chain('    - type: Filter\n'), 'pipeline.yaml:6:7: pipeline.transforms[1]: Filter needs "config:" with keep'],
  [
    'a value of the wrong kind',
    chain('    - type: Explode\n      config: {fields: [a], cross_product: "yes"}\n'),
    'pipeline.yaml:7:29: Explode (pipeline.transforms[1].config.cross_product): expected true or false, got "yes"',
  ],
  [
    'a list item of the wrong kind',
    chain('    - type: Explode\n      config: {fields: [a, 5]}\n'),
    'pipeline.yaml:7:28: Explode (pipeline.transforms[1].config.fields[1]): expected a non-empty string, got 5',
  ],
  [
    'an unknown language',
    chain('    - type: Filter\n      config: {keep: a, language: cobol}\n'),
    'pipeline.yaml:7:25: Filter (pipeline.transforms[1].config.language): expected one of generic, python, javascript, java, sql, got "cobol"',
  ],
  [
    'an expression mapping with two keys',
    chain('    - type: Filter\n      config:\n        language: javascript\n        keep: {expression: a, callable: b}\n'),
    'pipeline.yaml:9:9: Filter (pipeline.transforms[1].config.keep): give exactly one of "expression" or "callable"',
  ],
  [
    'an unknown combine function',
    chain('    - type: Combine\n      config:\n        combine: {n: {value: a, fn: median}}\n'),
    'pipeline.yaml:8:33: Combine (pipeline.transforms[1].config.combine.n.fn): expected a combine function (Runnel has sum, count, mean, min, max), got "median"',
  ],
  [
    'an unknown windowing field',
    chain('    - type: ExtractWindowingInfo\n      config: {fields: [window_start, window_middle]}\n'),
    'pipeline.yaml:7:39: ExtractWindowingInfo (pipeline.transforms[1].config.fields[1]): unknown windowing field "window_middle"; Runnel gives timestamp',
  ],
  [
    'an output listed twice',
    chain('    - type: Partition\n      config: {by: a, outputs: [x, x]}\n'),
    'pipeline.yaml:7:23: Partition (pipeline.transforms[1].config.outputs): lists an output twice',
  ],
  [
    'an MQTT URI of another scheme',
    'pipeline:\n  transforms:\n    - type: ReadFromMqtt\n      config:\n        connection_configuration:\n          server_uri: http://broker:1883\n          topic: t\n          client_id: c\n',
    'pipeline.yaml:6:11: ReadFromMqtt (pipeline.transforms[0].config.connection_configuration.server_uri): expected tcp://host:port',
  ],
  [
    'an input of the wrong kind',
    'pipeline:\n  transforms:\n    - type: LogForTesting\n      input: 5\n',
    'pipeline.yaml:4:7: LogForTesting (pipeline.transforms[0].input): expected a transform name, a list of them, or a mapping of names, got 5',
  ],
  [
    'input inside a chain',
    chain('    - type: LogForTesting\n      input: Create\n'),
    'pipeline.yaml:7:7: LogForTesting (pipeline.transforms[1].input): a chain wires each transform to the one before it',
  ],
  [
    'output on a transform that is not a composite',
    chain('    - type: LogForTesting\n      output: x\n'),
    'pipeline.yaml:7:7: pipeline.transforms[1].output: "output:" belongs to a composite transform',
  ],
  ['a transform without a type', chain('    - name: x\n'), 'pipeline.yaml:6:7: pipeline.transforms[1]: a transform needs "type:"'],
  [
    'a transform that is not a mapping',
    chain('    - LogForTesting\n'),
    'pipeline.yaml:6:7: pipeline.transforms[1]: expected a transform: a mapping with "type:", got "LogForTesting"',
  ],
  [
    'an unknown transform type',
    chain('    - type: Frobnicate\n'),
    'pipeline.yaml:6:7: pipeline.transforms[1].type: unknown transform type "Frobnicate"; Runnel runs Create, MapToFields',
  ],
  [
    'a source outside a chain',
    'pipeline:\n  source: {type: Create, config: {elements: [1]}}\n  transforms: []\n',
    'pipeline.yaml:2:3: pipeline.source: "source:" belongs to a chain: add "type: chain"',
  ],
  ['no transforms', 'pipeline:\n  type: chain\n  transforms: []\n', 'pipeline.yaml:1:1: pipeline: has no transforms: list them under "transforms:"'],
  ['an unknown pipeline type', 'pipeline:\n  type: dag\n  transforms: [{type: LogForTesting}]\n', 'pipeline.yaml:2:3: pipeline.type: expected "chain" or "composite", got "dag"'],
  ['providers', `${chain()}providers: []\n`, 'pipeline.yaml:6:1: providers: unknown top-level key; Runnel reads pipeline and options (providers are not supported)'],
  ['another top-level key', `${chain()}pipline: {}\n`, 'pipeline.yaml:6:1: pipline: unknown top-level key; Runnel reads pipeline and options'],
  ['a file that is not a mapping', '- type: Create\n', 'pipeline.yaml:1:1: expected a mapping with "pipeline:", got a list'],
];

describe('the pipeline schema', () => {
  it.each(MALFORMED)('refuses %s, naming file, line and key', (_what, text, message) => {
    expect(problem(text).startsWith(message), `got: ${problem(text)}`).toBe(true);
  });

  it('accepts every pipeline file the project ships: examples/*.yaml and the test fixtures', () => {
    const files = [...yamlFiles('examples'), ...yamlFiles('test/fixtures')];
    expect(files.length).toBeGreaterThan(10);
    for (const file of files) expect(() => checkedPipelineSpec(YamlSource.parse(readFileSync(file, 'utf8'), file)), file).not.toThrow();
  });

  it("Beam's structure alone, as a plain JSON Schema, accepts the common subset and refuses what Beam refuses", () => {
    const beam = new Ajv({ strict: false }).compile(BEAM_PIPELINE_SCHEMA);
    const restated = yamlFiles('test/fixtures/beam-yaml');
    expect(restated.length).toBeGreaterThan(5);
    for (const file of restated) expect(beam(parse(readFileSync(file, 'utf8'))), `${file}: ${JSON.stringify(beam.errors)}`).toBe(true);
    // Runnel's MQTT extension has Beam's shape: Beam reads the file and would look for a provider of the type.
    expect(beam(parse(readFileSync(join(ROOT, 'examples/mqtt-forward.yaml'), 'utf8')))).toBe(true);
    expect(beam({ pipeline: { type: 'chain', transforms: [{ type: 'Create', config: {}, confg: {} }] } })).toBe(false);
    expect(beam({ pipeline: { type: 'chain', transforms: [{ type: 'Create', input: 'x' }] } })).toBe(false);
    expect(beam({ pipeline: { transforms: [{ type: 'composite', name: 'c', extra_transforms: [] }] } })).toBe(false);
    expect(beam({ pipeline: {} })).toBe(false);
  });
});

function yamlFiles(dir: string): string[] {
  return readdirSync(join(ROOT, dir), { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile() && e.name.endsWith('.yaml'))
    .map((e) => join(e.parentPath, e.name));
}
