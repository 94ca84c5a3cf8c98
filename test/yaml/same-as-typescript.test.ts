/**
 * A YAML pipeline builds the same graph as its TypeScript form: on the same random readings
 * (seeded: RUNNEL_TEST_SEED replays), a filter, timestamps and a windowed multi-output combine
 * give equal rows both ways, for fixed, sliding and session windows.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../src/common/random.js';
import { kv } from '../../src/core/element.js';
import { Pipeline } from '../../src/core/pipeline.js';
import { fixedWindows, sessions, slidingWindows, type WindowFn } from '../../src/core/windowing/window-fns.js';
import { collect } from '../../src/io/collect.js';
import { readJsonl } from '../../src/io/jsonl.js';
import { run } from '../../src/runner/direct-runner.js';
import { allOf, count, max, mean } from '../../src/transforms/combiners.js';
import { loadYamlPipeline } from '../../src/yaml/index.js';
import { SEED } from '../seed.js';

interface Reading {
  sensor: string;
  t: number;
  temp: number;
}

const WINDOWINGS: [string, WindowFn][] = [
  ['{type: fixed, size: 10s}', fixedWindows(10_000)],
  ['{type: sliding, size: 20s, period: 5s}', slidingWindows(20_000, 5_000)],
  ['{type: sessions, gap: 7s}', sessions(7_000)],
];

describe(`YAML and TypeScript forms give equal results (seed ${SEED})`, () => {
  const random = seededRandom(SEED);
  const readings: Reading[] = Array.from({ length: 400 }, () => ({
    sensor: `s${Math.floor(random() * 5)}`,
    t: Math.round(random() * 120_000) / 1000,
    temp: Math.round(random() * 600) / 10 - 10,
  }));
  const dir = mkdtempSync(join(tmpdir(), 'runnel-yaml-ts-'));
  const file = join(dir, 'readings.jsonl');
  writeFileSync(file, readings.map((r) => JSON.stringify(r)).join('\n'));

  it.each(WINDOWINGS)('windowing %s', async (yamlWindowing, windowFn) => {
    const lines: string[] = [];
    const yaml = `pipeline:
  type: chain
  source: {type: ReadFromJson, config: {path: readings.jsonl}}
  transforms:
    - {type: Filter, config: {language: javascript, keep: "temp > 0"}}
    - {type: AssignTimestamps, config: {timestamp: t}}
    - type: Combine
      windowing: ${yamlWindowing}
      config:
        group_by: sensor
        combine:
          n: {value: temp, fn: count}
          mean: {value: temp, fn: mean}
          max: {value: temp, fn: max}
  sink: {type: LogForTesting}
`;
    await run(loadYamlPipeline(yaml, 'p.yaml', { log: (l) => lines.push(l), baseDir: dir }));

    const p = new Pipeline();
    const out = collect<unknown>();
    p.apply(readJsonl<Reading>(file))
      .filter((r) => r.temp > 0)
      .withTimestamps((r) => r.t * 1000)
      .windowInto(windowFn)
      .map((r) => kv(r.sensor, r.temp))
      .combinePerKey(allOf({ n: count(), mean: mean(), max: max() }))
      .map(({ key, value }) => ({ sensor: key, ...value }))
      .apply(out);
    await run(p);

    const typescript = out.values.map((v) => JSON.stringify(v)).sort();
    expect(typescript.length).toBeGreaterThan(5);
    expect(lines.sort()).toEqual(typescript);
  });
});
