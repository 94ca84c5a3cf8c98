/** Each Beam YAML transform type, run in-process; rows printed by LogForTesting are compared as multisets. */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { run } from '../../src/runner/direct-runner.js';
import type { PipelineResult } from '../../src/runner/types.js';
import { loadYamlPipeline } from '../../src/yaml/index.js';

async function runYaml(text: string, baseDir?: string): Promise<{ rows: unknown[]; result: PipelineResult }> {
  const lines: string[] = [];
  const pipeline = loadYamlPipeline(text, 'p.yaml', { log: (line) => lines.push(line), ...(baseDir ? { baseDir } : {}) });
  const result = await run(pipeline);
  return { rows: lines.map((l) => JSON.parse(l) as unknown), result };
}

const sorted = (rows: unknown[]): string[] => rows.map((r) => JSON.stringify(r)).sort();
const chain = (elements: string, ...steps: string[]): string =>
  `pipeline:\n  type: chain\n  transforms:\n    - type: Create\n      config:\n        elements: ${elements}\n${steps.join('')}    - type: LogForTesting\n`;

describe('Beam YAML transforms', () => {
  it('MapToFields: renames, literals, append with drop, JavaScript expressions and callables', async () => {
    const { rows } = await runYaml(
      chain(
        '[{a: 1, b: "x", c: true}, {a: 4, b: "y", c: false}]',
        '    - type: MapToFields\n      config:\n        append: true\n        drop: [c]\n        language: javascript\n        fields:\n          twice: "a * 2"\n          tag: { callable: "(row) => row.b + row.a" }\n          k: 7\n',
      ),
    );
    expect(sorted(rows)).toEqual(
      sorted([
        { a: 1, b: 'x', twice: 2, tag: 'x1', k: 7 },
        { a: 4, b: 'y', twice: 8, tag: 'y4', k: 7 },
      ]),
    );
    const renamed = await runYaml(chain('[{a: 1, b: 2}]', "    - type: MapToFields\n      config:\n        language: python\n        fields: {x: b, one: '1', s: \"'s'\"}\n"));
    expect(renamed.rows).toEqual([{ x: 2, one: 1, s: 's' }]);
  });

  it('a row without a named field, or an expression that throws, is a dead letter; the run goes on', async () => {
    const { rows, result } = await runYaml(chain('[{a: 1}, {b: 2}, {a: 3}]', '    - type: MapToFields\n      config:\n        fields: {x: a}\n'));
    expect(sorted(rows)).toEqual(sorted([{ x: 1 }, { x: 3 }]));
    expect(result.deadLetterCount).toBe(1);
    expect(result.deadLetters[0]?.reason).toMatch(/the row has no field "a" \(it has b\)/);
  });

  it('a JavaScript expression binds the fields each row has: rows of other shapes are compiled for, a missing name is a dead letter', async () => {
    const { rows, result } = await runYaml(
      chain(
        '[{temp: 5, emp: 1}, {temp: 7}, {other: 1}, {temp: 2, Math: 3}]',
        '    - type: MapToFields\n      config:\n        language: javascript\n        fields: {t: "Math.max(temp, 6)"}\n',
      ),
    );
    expect(rows).toEqual([{ t: 6 }, { t: 7 }]);
    expect(result.deadLetters.map((d) => d.reason)).toEqual(['temp is not defined', 'Math.max is not a function']);
  });

  it('Filter keeps truthy rows; Explode zips or crosses lists', async () => {
    const kept = await runYaml(chain('[{n: 1}, {n: 5}, {n: 9}]', '    - type: Filter\n      config:\n        language: javascript\n        keep: "n > 2 && n < 9"\n'));
    expect(kept.rows).toEqual([{ n: 5 }]);
    const zip = await runYaml(chain('[{a: [1, 2, 3], b: [x, y], c: 0}]', '    - type: Explode\n      config:\n        fields: [a, b]\n        cross_product: false\n'));
    expect(zip.rows).toEqual([
      { a: 1, b: 'x', c: 0 },
      { a: 2, b: 'y', c: 0 },
      { a: 3, b: null, c: 0 },
    ]);
    const cross = await runYaml(chain('[{a: [1, 2], b: [x, y]}]', '    - type: Explode\n      config:\n        fields: [a, b]\n        cross_product: true\n'));
    expect(cross.rows).toHaveLength(4);
  });

  it('Combine: several outputs per key in one pass, several key fields, and a global combine', async () => {
    const data = '[{k: a, j: 1, v: 1}, {k: a, j: 1, v: 3}, {k: b, j: 1, v: 10}, {k: a, j: 2, v: 5}]';
    const perKey = await runYaml(
      chain(
        data,
        '    - type: Combine\n      config:\n        group_by: [k, j]\n        combine:\n          v: sum\n          n: {value: v, fn: count}\n          top: {value: v, fn: {type: max}}\n',
      ),
    );
    expect(sorted(perKey.rows)).toEqual(
      sorted([
        { k: 'a', j: 1, v: 4, n: 2, top: 3 },
        { k: 'b', j: 1, v: 10, n: 1, top: 10 },
        { k: 'a', j: 2, v: 5, n: 1, top: 5 },
      ]),
    );
    const global = await runYaml(
      chain(data, '    - type: Combine\n      config:\n        group_by: []\n        combine:\n          lo: {value: v, fn: min}\n          avg: {value: v, fn: mean}\n'),
    );
    expect(global.rows).toEqual([{ lo: 1, avg: 4.75 }]);
  });

  it('windowing: fixed windows on Combine, sliding windows via WindowInto, timestamps in seconds or ISO 8601', async () => {
    const data = '[{k: a, t: 1}, {k: a, t: 9}, {k: a, t: 11}, {k: a, t: "1970-01-01T00:00:25Z"}]';
    const fixed = await runYaml(
      chain(
        data,
        '    - type: AssignTimestamps\n      config: {timestamp: t}\n',
        '    - type: Combine\n      config: {group_by: k, combine: {n: {value: k, fn: count}}}\n      windowing: {type: fixed, size: 10s}\n',
        '    - type: ExtractWindowingInfo\n      config: {fields: {from: window_start, w: window_string}}\n',
      ),
    );
    expect(sorted(fixed.rows)).toEqual(
      sorted([
        { k: 'a', n: 2, from: 0, w: '[0.0, 10.0)' },
        { k: 'a', n: 1, from: 10, w: '[10.0, 20.0)' },
        { k: 'a', n: 1, from: 20, w: '[20.0, 30.0)' },
      ]),
    );
    const sliding = await runYaml(
      chain(
        data,
        '    - type: AssignTimestamps\n      config: {timestamp: t}\n',
        '    - type: WindowInto\n      windowing: {type: sliding, size: 20, period: 10s}\n',
        '    - type: Combine\n      config: {group_by: k, combine: {n: {value: k, fn: count}}}\n',
      ),
    );
    expect(sorted(sliding.rows)).toEqual(
      sorted([
        { k: 'a', n: 2 },
        { k: 'a', n: 3 },
        { k: 'a', n: 2 },
        { k: 'a', n: 1 },
      ]),
    );
  });

  it('explicit wiring: a list of inputs is an implicit Flatten; types name unnamed transforms', async () => {
    const { rows } = await runYaml(`pipeline:
  transforms:
    - {type: Create, name: one, config: {elements: [{x: 1}]}}
    - {type: Create, name: two, config: {elements: [{x: 2}, {x: 3}]}}
    - {type: Filter, input: two, config: {language: javascript, keep: "x > 2"}}
    - {type: LogForTesting, input: [one, Filter]}
`);
    expect(sorted(rows)).toEqual(sorted([{ x: 1 }, { x: 3 }]));
  });

  it('CSV, JSON lines and text files in and out', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'runnel-yaml-'));
    writeFileSync(join(dir, 'in.csv'), 'id,price,name\nT1,2.50,pen\nT2,,cup\n');
    writeFileSync(join(dir, 'in.jsonl'), '{"a": 1}\n[2]\n');
    writeFileSync(join(dir, 'in.txt'), 'hello\nworld\n');
    const { rows, result } = await runYaml(
      `pipeline:
  transforms:
    - {type: ReadFromCsv, name: csv, config: {path: in.csv}}
    - {type: ReadFromJson, name: json, config: {path: in.jsonl}}
    - {type: ReadFromText, name: text, config: {path: in.txt}}
    - {type: WriteToCsv, input: csv, config: {path: out/out.csv}}
    - {type: WriteToJson, input: json, config: {path: out/out.jsonl}}
    - {type: WriteToText, input: text, config: {path: out/out.txt}}
    - {type: LogForTesting, input: csv}
`,
      dir,
    );
    expect(rows).toEqual([
      { id: 'T1', price: 2.5, name: 'pen' },
      { id: 'T2', price: null, name: 'cup' },
    ]);
    expect(readFileSync(join(dir, 'out/out.csv'), 'utf8')).toBe('id,price,name\nT1,2.5,pen\nT2,,cup\n');
    expect(readFileSync(join(dir, 'out/out.jsonl'), 'utf8')).toBe('{"a":1}\n');
    expect(readFileSync(join(dir, 'out/out.txt'), 'utf8')).toBe('hello\nworld\n');
    expect(result.deadLetters.map((d) => d.reason)).toEqual(['expected a JSON object per line, got a list']);
  });
});
