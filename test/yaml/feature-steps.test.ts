/**
 * The feature steps of a YAML pipeline build the library's feature transforms: on the same seeded
 * random readings (RUNNEL_TEST_SEED replays), each step gives the rows its TypeScript form gives;
 * and a bad config is refused at load with file:line:col and the key.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../src/common/random.js';
import type { PCollection } from '../../src/core/pcollection.js';
import { Pipeline } from '../../src/core/pipeline.js';
import { fixedWindows } from '../../src/core/windowing/window-fns.js';
import { fittedStatistics, serializeFitted } from '../../src/features/fitted/artifact.js';
import { fftBands } from '../../src/features/fft-bands.js';
import { clip, impute, scaleRobust, scaleToMinMax, scaleToZScore } from '../../src/features/scaling.js';
import { lags, rolling } from '../../src/features/series.js';
import { windowStats } from '../../src/features/window-stats.js';
import type { WindowFeatures } from '../../src/features/window-features.js';
import { collect } from '../../src/io/collect.js';
import { readJsonl } from '../../src/io/jsonl.js';
import { run } from '../../src/runner/direct-runner.js';
import { loadYamlPipeline } from '../../src/yaml/index.js';
import { SEED } from '../seed.js';

interface Reading {
  sensor: string;
  t: number;
  temp: number;
  vib: number;
  gap: number | null;
}

type Rows = PCollection<Record<string, unknown>>;
const bySensor = (r: Record<string, unknown>): unknown => r['sensor'];
/** The YAML form of a per-window output: the group field in place of key, no window bounds. */
const asRow = ({ key, windowStart: _s, windowEnd: _e, ...features }: WindowFeatures): Record<string, unknown> => ({ sensor: key, ...features });
const minMax = fittedStatistics('minMax', ['temp', 'vib'], { min: [-10, -3], max: [50, 3] });

/** [name, the YAML steps after AssignTimestamps, the same in TypeScript]. */
const CASES: [string, string, (rows: Rows) => Rows][] = [
  [
    'WindowStats',
    `{type: WindowStats, windowing: {type: fixed, size: 10s}, config: {features: [temp, vib], stats: [mean, std, max, median, kurtosis], group_by: sensor}}`,
    (rows) =>
      rows
        .windowInto(fixedWindows(10_000))
        .apply(windowStats(['mean', 'std', 'max', 'median', 'kurtosis'], { features: ['temp', 'vib'], key: bySensor }))
        .map(asRow),
  ],
  [
    'WindowStats with fft',
    `{type: WindowStats, windowing: {type: fixed, size: 20s}, config: {features: [vib], stats: [rms], group_by: [sensor], fft: {size: 16, sample_rate: 4, bands: [0, 0.5, 1, 2]}}}`,
    (rows) =>
      rows
        .windowInto(fixedWindows(20_000))
        .apply(windowStats(['rms'], { features: ['vib'], key: bySensor, fft: { size: 16, sampleRate: 4, bands: [0, 0.5, 1, 2] } }))
        .map(asRow),
  ],
  [
    'FftBands',
    `{type: FftBands, windowing: {type: fixed, size: 15s}, config: {features: [temp, vib], size: 32, sample_rate: 4, bands: [0, 1, 2], window: hamming, group_by: sensor}}`,
    (rows) =>
      rows
        .windowInto(fixedWindows(15_000))
        .apply(fftBands({ features: ['temp', 'vib'], size: 32, sampleRate: 4, bands: [0, 1, 2], window: 'hamming', key: bySensor }))
        .map(asRow),
  ],
  [
    'ScaleToZScore',
    `{type: ScaleToZScore, config: {features: [temp, vib], warm_up: 20, group_by: sensor}}`,
    (rows) => rows.apply(scaleToZScore({ features: ['temp', 'vib'], warmUp: 20, key: bySensor })),
  ],
  ['ScaleToMinMax', `{type: ScaleToMinMax, config: {fitted: minmax.json}}`, (rows) => rows.apply(scaleToMinMax({ fitted: minMax }))],
  ['ScaleRobust', `{type: ScaleRobust, config: {features: [vib], warm_up: 30}}`, (rows) => rows.apply(scaleRobust({ features: ['vib'], warmUp: 30 }))],
  ['Impute mean', `{type: Impute, config: {features: [gap], strategy: mean, warm_up: 25}}`, (rows) => rows.apply(impute({ features: ['gap'], strategy: 'mean', warmUp: 25 }))],
  [
    'Impute last',
    `{type: Impute, config: {features: [gap], strategy: last, group_by: sensor}}`,
    (rows) => rows.apply(impute({ features: ['gap'], strategy: 'last', key: bySensor })),
  ],
  [
    'Impute constant',
    `{type: Impute, config: {features: [gap], strategy: constant, value: -1}}`,
    (rows) => rows.apply(impute({ features: ['gap'], strategy: 'constant', value: -1 })),
  ],
  ['Clip', `{type: Clip, config: {features: [temp, vib], min: -5, max: [30, 2]}}`, (rows) => rows.apply(clip({ features: ['temp', 'vib'], min: -5, max: [30, 2] }))],
  [
    'Lags',
    `{type: Lags, windowing: {type: fixed, size: 30s}, config: {features: [temp], k: 2, group_by: sensor}}`,
    (rows) => rows.windowInto(fixedWindows(30_000)).apply(lags(2, { features: ['temp'], key: bySensor })),
  ],
  [
    'Rolling',
    `{type: Rolling, config: {features: [temp, vib], stat: std, n: 3, group_by: sensor, mode: stream}}`,
    (rows) => rows.apply(rolling('std', 3, { features: ['temp', 'vib'], key: bySensor, mode: 'stream' })),
  ],
];

describe(`YAML feature steps give the rows of their TypeScript forms (seed ${SEED})`, () => {
  const random = seededRandom(SEED);
  const readings: Reading[] = Array.from({ length: 240 }, (_, i) => ({
    sensor: `s${Math.floor(random() * 3)}`,
    t: i / 4, // 4 Hz, in order
    temp: Math.round(random() * 600) / 10 - 10,
    vib: random() * 6 - 3,
    gap: random() < 0.2 ? null : random() * 10,
  }));
  const dir = mkdtempSync(join(tmpdir(), 'runnel-yaml-features-'));
  const file = join(dir, 'readings.jsonl');
  writeFileSync(file, readings.map((r) => JSON.stringify(r)).join('\n'));
  writeFileSync(join(dir, 'minmax.json'), serializeFitted(minMax));

  it.each(CASES)('%s', async (_name, step, typescript) => {
    const yaml = `pipeline:
  type: chain
  source: {type: ReadFromJson, config: {path: readings.jsonl}}
  transforms:
    - {type: AssignTimestamps, config: {timestamp: t}}
    - ${step}
  sink: {type: LogForTesting}
`;
    const lines: string[] = [];
    const result = await run(loadYamlPipeline(yaml, join(dir, 'features.yaml'), { log: (l) => lines.push(l), baseDir: dir }));
    expect(result.deadLetterCount).toBe(0);

    const p = new Pipeline();
    const out = collect<unknown>();
    typescript(p.apply(readJsonl<Record<string, unknown>>(file)).withTimestamps((r) => (r['t'] as number) * 1000)).apply(out);
    await run(p);

    const expected = out.values.map((v) => JSON.stringify(v)).sort();
    expect(expected.length).toBeGreaterThan(3);
    expect(lines.sort()).toEqual(expected);
  });
});

describe('YAML feature steps refuse a bad config at load', () => {
  const failure = (step: string): string => {
    const yaml = `pipeline:\n  type: chain\n  source: {type: Create, config: {elements: [{a: 1}]}}\n  transforms:\n    - ${step}\n`;
    try {
      loadYamlPipeline(yaml, 'p.yaml', { log: () => {} });
    } catch (error) {
      expect(error).toMatchObject({ code: 'PIPELINE_INVALID' });
      return (error as Error).message;
    }
    throw new Error('expected the pipeline to be refused');
  };

  it('names the file, line, column and key, and what is allowed', () => {
    expect(failure('{type: WindowStats, config: {features: [a], stats: [mean, mode]}}')).toBe(
      'p.yaml:5:65: WindowStats (pipeline.transforms[0].config.stats[1]): expected one of count, sum, mean, var, std, min, max, ptp, rms, skew, kurtosis, median, zcr, got "mode"',
    );
    expect(failure('{type: WindowStats, config: {features: [a], stats: [mean], fft: {size: 100, sample_rate: 10, bands: [0, 1]}}}')).toBe(
      'p.yaml:5:72: WindowStats (pipeline.transforms[0].config.fft.size): expected a power of two from 4 to 65536 (4, 8, 16, …), got 100',
    );
    expect(failure('{type: FftBands, config: {features: [a], size: 8, sample_rate: 10, bands: [0, 5, 2]}}')).toBe(
      'p.yaml:5:74: FftBands (pipeline.transforms[0].config.bands): fftBands: bands must be at least two ascending edges in Hz, got [0,5,2]',
    );
    expect(failure('{type: FftBands, config: {features: [a], size: 8, sample_rate: 0, bands: [0, 1]}}')).toBe(
      'p.yaml:5:57: FftBands (pipeline.transforms[0].config.sample_rate): expected a number of Hz above 0, got 0',
    );
    expect(failure('{type: WindowStats, config: {features: [a], stats: [mean], window: 10s}}')).toBe(
      'p.yaml:5:66: WindowStats (pipeline.transforms[0].config.window): no option "window": it takes features, group_by, non_finite, stats, fft',
    );
    expect(failure('{type: WindowStats, config: {features: [a], stats: [mean], non_finite: drop}}')).toMatch(
      /5:66: .*config\.non_finite\): expected reject \(a dead letter\) or keep/,
    );
    expect(failure('{type: Impute, config: {features: [a], strategy: drop}}')).toBe(
      'p.yaml:5:46: Impute (pipeline.transforms[0].config.strategy): expected one of mean, median, constant, last, got "drop"',
    );
    expect(failure('{type: Impute, config: {features: [a], strategy: constant, value: [1, 2]}}')).toBe(
      'p.yaml:5:66: Impute (pipeline.transforms[0].config.value): impute: options.value must be a number or 1 numbers (one per feature), got [1,2]',
    );
    expect(failure('{type: ScaleToZScore, config: {warm_up: 10}}')).toBe(
      'p.yaml:5:29: ScaleToZScore (pipeline.transforms[0].config): scaleToZScore: options.features must be a non-empty array of field names',
    );
    expect(failure('{type: ScaleToZScore, config: {features: [a], warm_up: 0}}')).toMatch(/5:53: .*config\.warm_up\): expected a whole number of at least 1, got 0$/);
    expect(failure('{type: ScaleToMinMax, config: {fitted: missing.json}}')).toMatch(
      /5:38: .*config\.fitted\): cannot read .*missing\.json: no such file \(a relative path is read from the pipeline file's folder\)$/,
    );
    expect(failure('{type: Clip, config: {features: [a], min: 5, max: 1}}')).toMatch(/5:44: .*config\.min\): clip: min \(5\) is above max \(1\) for feature "a"$/);
    expect(failure('{type: Clip, config: {features: [a], max: [1, x]}}')).toMatch(/5:44: .*config\.max\): expected a number or a list of numbers \(one per feature\), got a list$/);
    expect(failure('{type: Rolling, config: {features: [a], stat: var, n: 3}}')).toMatch(
      /5:47: .*config\.stat\): expected one of mean, sum, std, min, max, rms, median, got "var"$/,
    );
    expect(failure('{type: Lags, config: {features: [a]}}')).toBe('p.yaml:5:20: Lags (pipeline.transforms[0].config): "k" is required');
  });
});
