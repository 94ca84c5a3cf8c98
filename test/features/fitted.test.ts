import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  FITTED_PARAMS,
  type PCollection,
  applyStatistics,
  applyToFrames,
  type PTransform,
  Pipeline,
  clip,
  collect,
  fftBands,
  lags,
  rolling,
  windowStats,
  create,
  dropFeatures,
  featureVector,
  fitFeatures,
  fitOnWarmUp,
  fitStatistics,
  fittedStatistics,
  impute,
  parseFitted,
  scaleRobust,
  scaleToMinMax,
  scaleToZScore,
  selectFeatures,
  serializeFitted,
  run,
  type FeatureFrame,
  type KV,
  type FeatureRecord,
  type FittableKind,
  type FittedKind,
  type FittedStatistics,
  type RecordTransform,
} from '../../src/index.js';
import * as ref from '../../src/kernels/reference/index.js';
import { SEED, gaussian, maxAbsDiff, rngFor } from './helpers.js';

const FEATURES = ['a', 'b', 'c', 'd', 'e'];

/** n random records (f32 values, per-feature offset and scale), with `holes` of them missing a value (NaN, null or absent). */
function randomRecords(rng: () => number, n: number, holes = 0): FeatureRecord[] {
  const shape = FEATURES.map(() => ({ offset: (rng() - 0.5) * 200, scale: 10 ** (rng() * 4 - 2) }));
  const rows: Record<string, unknown>[] = Array.from({ length: n }, (_, i) => {
    const r: Record<string, unknown> = { id: i };
    FEATURES.forEach((f, j) => (r[f] = Math.fround(shape[j]!.offset + shape[j]!.scale * gaussian(rng))));
    return r;
  });
  for (let h = 0; h < holes; h++) {
    const r = rows[Math.floor(rng() * n)]!;
    const f = FEATURES[Math.floor(rng() * FEATURES.length)]!;
    const pick = Math.floor(rng() * 3);
    if (pick === 0) r[f] = NaN;
    else if (pick === 1) r[f] = null;
    else delete r[f];
  }
  return rows;
}

/** Records as an f64 frame [n × d] (missing → NaN). */
function frameOf(records: readonly FeatureRecord[]): Float64Array {
  return Float64Array.from(records.flatMap((r) => FEATURES.map((f) => (typeof r[f] === 'number' ? r[f] : NaN))));
}

/** The twins' fit of `kind` (scalers on complete rows, imputers per column on finite values). */
function twinParams(kind: FittableKind, records: readonly FeatureRecord[]): Record<string, Float64Array> {
  const s = ref.stats;
  const d = FEATURES.length;
  const all = frameOf(records);
  const rowsOk = records.filter((r) => FEATURES.every((f) => Number.isFinite(r[f])));
  const x = frameOf(rowsOk);
  const n = rowsOk.length;
  switch (kind) {
    case 'zscore':
      return { mean: s.colMean(x, n, d), std: s.colStd(x, n, d, 0) };
    case 'minMax':
      return { min: s.colMin(x, n, d), max: s.colMax(x, n, d) };
    case 'robust': {
      const q = s.colQuantiles(x, n, d, [0.25, 0.5, 0.75]);
      return { median: q.slice(d, 2 * d), iqr: q.slice(2 * d).map((v, c) => v - q[c]!) };
    }
    case 'imputeMean':
      return { value: s.colMeanFinite(all, records.length, d) };
    case 'imputeMedian':
      return { value: s.colMedianFinite(all, records.length, d) };
  }
}

async function runOn<T>(records: readonly unknown[], transform: PTransform<PCollection<FeatureRecord>, PCollection<T>> | ((pc: PCollection<FeatureRecord>) => PCollection<T>)) {
  const p = new Pipeline();
  const out = collect<T>();
  const input = p.apply(create(records as FeatureRecord[]));
  (typeof transform === 'function' ? transform(input) : input.apply(transform)).apply(out);
  const result = await run(p, { bundleSize: 64 });
  return { values: out.values, result };
}

const KINDS: FittableKind[] = ['zscore', 'minMax', 'robust', 'imputeMean', 'imputeMedian'];

describe(`fitted statistics (seed ${SEED})`, () => {
  it('fitStatistics equals the twins for every kind (relative 1e-9 of the column scale), on records and on frames', () => {
    const rng = rngFor(20);
    for (const n of [1, 5, 257, 3000]) {
      const records = randomRecords(rng, n, Math.floor(n / 10));
      for (const kind of KINDS) {
        const want = twinParams(kind, records);
        const fromRecords = fitStatistics(kind, records, { features: FEATURES });
        const frame = { view: Float32Array.from(frameOf(records)), rows: n, cols: FEATURES.length, names: FEATURES };
        const fromFrame = fitStatistics(kind, frame);
        for (const fitted of [fromRecords, fromFrame]) {
          expect(fitted.featureNames).toEqual(FEATURES);
          for (const [name, values] of Object.entries(want)) {
            const got = fitted.params[name]!;
            const scale = Math.max(1, ...Array.from(values, (v) => (Number.isFinite(v) ? Math.abs(v) : 0)));
            expect(maxAbsDiff(got, values), `${kind}.${name} n=${n} (seed ${SEED})`).toBeLessThanOrEqual(1e-9 * scale);
          }
        }
      }
    }
  });

  it('round-trips through JSON (NaN as null) and refuses artifacts it cannot apply, saying why', () => {
    const fitted = fittedStatistics('zscore', ['x', 'y'], { mean: [1, NaN], std: [2, 3] }, { rows: 10, from: 0, to: 9 });
    const back = parseFitted(serializeFitted(fitted));
    expect(back.params['mean']).toEqual([1, NaN]);
    expect(parseFitted({ ...JSON.parse(serializeFitted(fitted)), params: { mean: [null, 1], std: [2, 3] } }).params['mean']).toEqual([NaN, 1]);
    expect(back.fittedOn).toEqual({ rows: 10, from: 0, to: 9 });
    const json = JSON.parse(serializeFitted(fitted)) as Record<string, unknown>;
    expect(() => parseFitted({ ...json, version: 2 })).toThrow(/version 2 is not supported/);
    expect(() => parseFitted({ ...json, kind: 'pca' })).toThrow(/kind must be one of/);
    expect(() => parseFitted({ ...json, params: { mean: [1], std: [2, 3] } })).toThrow(/params.mean must hold 2 numbers/);
    expect(() => parseFitted({ ...json, format: 'other' })).toThrow(/format must be/);
    expect(() => parseFitted('{"format": ')).toThrow(/fitted statistics: not valid JSON/);
    expect(() => scaleToMinMax({ fitted })).toThrow(/holds "zscore" statistics/);
    expect(() => scaleToZScore({ fitted, features: ['y', 'x'] })).toThrow(/must equal the artifact's featureNames/);
  });

  it('any artifact survives serializeFitted → parseFitted, non-finite parameters included (fast-check)', () => {
    const kinds = Object.keys(FITTED_PARAMS) as FittedKind[];
    const artifact = fc.integer({ min: 1, max: 6 }).chain((d) =>
      fc.record({
        kind: fc.constantFrom(...kinds),
        names: fc.uniqueArray(fc.string({ minLength: 1 }), { minLength: d, maxLength: d }),
        values: fc.array(fc.array(fc.double(), { minLength: d, maxLength: d }), { minLength: 2, maxLength: 2 }),
        rows: fc.nat(),
      }),
    );
    fc.assert(
      fc.property(artifact, ({ kind, names, values, rows }) => {
        // JSON has no −0 (it reads back as 0, which scales alike): compare without it.
        const params = Object.fromEntries(FITTED_PARAMS[kind].map((p, i) => [p, values[i]!.map((v) => (v === 0 ? 0 : v))]));
        const fitted = fittedStatistics(kind, names, params, { rows, from: null, to: rows });
        expect(parseFitted(serializeFitted(fitted))).toEqual(fitted);
      }),
      { seed: SEED },
    );
  });

  it('misuse throws when the pipeline is built, naming the option', () => {
    expect(() => scaleToZScore({})).toThrow('scaleToZScore: options.features must be a non-empty array of field names');
    expect(() => scaleToZScore({ features: ['x', 'x'] })).toThrow('scaleToZScore: feature "x" is listed twice');
    expect(() => scaleToZScore({ features: ['x'], warmUp: 0 })).toThrow(/options.warmUp must be a positive integer/);
    expect(() => scaleToZScore({ features: ['x'], nonFinite: 'drop' as 'keep' })).toThrow(/options.nonFinite must be 'reject' or 'keep'/);
    expect(() => impute({ strategy: 'mode' as 'mean', features: ['x'] })).toThrow(/options.strategy must be/);
    expect(() => impute({ strategy: 'constant', features: ['x', 'y'], value: [1] })).toThrow(/options.value must be a number or 2 numbers/);
    expect(() => clip({ features: ['x'], min: 2, max: 1 })).toThrow('clip: min (2) is above max (1) for feature "x"');
    expect(() => windowStats(['mean', 'mode' as 'mean'], { features: ['x'] })).toThrow(/unknown statistic "mode"/);
    expect(() => fftBands({ features: ['x'], size: 100, sampleRate: 10, bands: [0, 5] })).toThrow(/size must be a power of two/);
    expect(() => fftBands({ features: ['x'], size: 64, sampleRate: 10, bands: [5, 1] })).toThrow(/ascending edges/);
    expect(() => lags(0, { features: ['x'] })).toThrow(/k must be a positive integer/);
    expect(() => rolling('std', 2.5, { features: ['x'] })).toThrow(/n must be a positive integer/);
    expect(() => fitStatistics('clip' as FittableKind, [], { features: ['x'] })).toThrow(/"clip" is not fitted from data/);
  });

  it('fitFeatures (bounded pass) gives the same artifact as fitStatistics; applying it in a pipeline equals the twins', async () => {
    const records = randomRecords(rngFor(21), 700);
    const cases: [FittableKind, (f: FittedStatistics) => RecordTransform][] = [
      ['zscore', (f) => scaleToZScore({ fitted: serializeFitted(f) })],
      ['minMax', (f) => scaleToMinMax({ fitted: f })],
      ['robust', (f) => scaleRobust({ fitted: f })],
    ];
    for (const [kind, transform] of cases) {
      const {
        values: [fitted],
      } = await runOn<FittedStatistics>(records, fitFeatures(kind, { features: FEATURES }));
      expect(fitted!.params).toEqual(fitStatistics(kind, records, { features: FEATURES }).params);
      expect(fitted!.fittedOn.rows).toBe(700);
      const { values } = await runOn<FeatureRecord>(records, transform(fitted!));
      const p = twinParams(kind, records);
      const [center, spread] =
        kind === 'zscore' ? [p['mean']!, p['std']!] : kind === 'minMax' ? [p['min']!, p['max']!.map((hi, c) => hi - p['min']![c]!)] : [p['median']!, p['iqr']!];
      const want = new Float64Array(700 * 5);
      ref.scale.zscore(frameOf(records), 700, 5, center, spread, want);
      expect(values.map((r) => r['id'])).toEqual(records.map((r) => r['id']));
      // Scaled values are O(1..10); f32 arithmetic and output: 1e-5 absolute.
      expect(maxAbsDiff(frameOf(values), want), kind).toBeLessThan(1e-5);
    }
  });

  it('impute fills null, absent and NaN values (mean fitted on a warm-up; constant), clip bounds; other fields are kept', async () => {
    const records = randomRecords(rngFor(22), 500, 60);
    const { values } = await runOn<FeatureRecord>(records, impute({ strategy: 'mean', features: FEATURES, warmUp: 500 }));
    const mean = ref.stats.colMeanFinite(frameOf(records), 500, 5);
    const want = new Float64Array(2500);
    ref.scale.imputeConst(frameOf(records), 500, 5, mean, want);
    expect(maxAbsDiff(frameOf(values), Float64Array.from(want, Math.fround))).toBeLessThan(1e-4 * Math.max(...mean.map(Math.abs)));
    expect(values.every((r, i) => r['id'] === records[i]!['id'])).toBe(true);

    const constant = await runOn<FeatureRecord>(records, impute({ strategy: 'constant', features: FEATURES, value: -1 }));
    const filled = frameOf(records).map((v) => (Number.isFinite(v) ? Math.fround(v) : -1));
    expect(maxAbsDiff(frameOf(constant.values), filled)).toBe(0);

    const complete = randomRecords(rngFor(23), 300);
    const clipped = await runOn<FeatureRecord>(complete, clip({ features: FEATURES, min: -1, max: [1, 2, 3, 4, 5] }));
    const bounds = new Float64Array(300 * 5);
    ref.scale.clip(frameOf(complete), 300, 5, [-1, -1, -1, -1, -1], [1, 2, 3, 4, 5], bounds);
    expect(maxAbsDiff(frameOf(clipped.values), bounds)).toBe(0);
  });

  it("impute({ strategy: 'last' }) forward-fills per key across bundles as one pass of the twin over each key's sequence", async () => {
    const rng = rngFor(26);
    const records: FeatureRecord[] = randomRecords(rng, 400, 150).map((r) => ({ ...r, key: rng() < 0.5 ? 'a' : 'b' }));
    const { values } = await runOn<FeatureRecord>(records, impute({ strategy: 'last', features: FEATURES, key: (r) => r['key'] }));
    expect(values.length).toBe(400);
    for (const key of ['a', 'b']) {
      const mine = records.filter((r) => r['key'] === key);
      const got = values.filter((r) => r['key'] === key);
      expect(got.map((r) => r['id'])).toEqual(mine.map((r) => r['id']));
      const want = new Float64Array(mine.length * 5);
      ref.scale.imputeLast(frameOf(mine), mine.length, 5, new Float64Array(5).fill(NaN), want);
      expect(maxAbsDiff(frameOf(got), want), key).toBe(0);
    }
  });

  it('fitOnWarmUp exports the fit a streaming scaler uses: applied with { fitted } it gives the same records', async () => {
    const rng = rngFor(27);
    const records: FeatureRecord[] = randomRecords(rng, 600).map((r) => ({ ...r, key: rng() < 0.4 ? 'a' : 'b' }));
    const options = { features: FEATURES, warmUp: 50, key: (r: FeatureRecord) => r['key'] };
    const { values: fits } = await runOn<KV<unknown, FittedStatistics>>(records, fitOnWarmUp('robust', options));
    expect(fits.map((f) => f.key).sort()).toEqual(['a', 'b']); // once per key
    const { values: streamed } = await runOn<FeatureRecord>(records, scaleRobust(options));
    for (const { key, value: fitted } of fits) {
      const mine = records.filter((r) => r['key'] === key);
      expect(fitted.params).toEqual(fitStatistics('robust', mine.slice(0, 50), { features: FEATURES }).params);
      const { values: applied } = await runOn<FeatureRecord>(mine, scaleRobust({ fitted: serializeFitted(fitted) }));
      expect(streamed.filter((r) => r['key'] === key)).toEqual(applied);
    }
  });

  it('bad input goes to the dead letters with the field and the reason; the rest is scaled', async () => {
    const fitted = fittedStatistics('zscore', ['x'], { mean: [10], std: [2] });
    const records: unknown[] = [{ x: 12 }, { y: 1 }, { x: 'warm' }, { x: NaN }, { x: null }, 7, { x: 8 }];
    const { values, result } = await runOn<FeatureRecord>(records, scaleToZScore({ fitted }));
    expect(values).toEqual([{ x: 1 }, { x: -1 }]);
    expect(result.deadLetters.map((d) => d.reason)).toEqual([
      'feature "x" is missing',
      'feature "x" must be a number, got a string ("warm")',
      `feature "x" is NaN (this stage rejects non-finite values; impute first or set nonFinite: 'keep')`,
      'feature "x" is missing (null)',
      'expected a record with fields x, got a number',
    ]);
    expect(result.deadLetters.every((d) => d.stage === 'scaleToZScore/apply')).toBe(true);

    const kept = await runOn<FeatureRecord>([{ x: NaN }, { x: 12 }], scaleToZScore({ fitted, nonFinite: 'keep' }));
    expect(kept.values).toEqual([{ x: NaN }, { x: 1 }]);
    // A bounded input shorter than the warm-up is fitted on what it has when it ends.
    const short = await runOn<FeatureRecord>([{ x: 1 }, { x: 3 }, { x: 5 }], scaleToZScore({ features: ['x'], warmUp: 1000 }));
    expect(short.values.map((r) => r['x'])).toEqual([-1, 0, 1].map((z) => Math.fround(z * Math.sqrt(1.5))));
    const warm = await runOn<FeatureRecord>([{ x: 1 }, { x: 'bad' }, { x: 3 }], scaleToZScore({ features: ['x'], warmUp: 2 }));
    expect(warm.values).toEqual([{ x: -1 }, { x: 1 }]); // the bad record is not part of the warm-up
    expect(warm.result.deadLetters.map((d) => [d.stage, d.reason])).toEqual([['scaleToZScore/fit', 'feature "x" must be a number, got a string ("bad")']]);
  });

  it('applyStatistics / applyToFrames scale the named columns of a frame (any order) as the twins, other columns unchanged', async () => {
    const records = randomRecords(rngFor(25), 300);
    const fitted = fitStatistics('minMax', records, { features: ['d', 'b'] });
    const names = ['a', 'b', 'c', 'd', 'e'];
    const frame = { view: Float32Array.from(frameOf(records)), rows: 300, cols: 5, names, keys: [], timestamps: new Float64Array(0) };
    const want = Float64Array.from(frame.view);
    const cols = [3, 1];
    const sub = Float64Array.from({ length: 600 }, (_, k) => frame.view[Math.floor(k / 2) * 5 + cols[k % 2]!]!);
    const scaled = new Float64Array(600);
    const p = fitted.params;
    ref.scale.minMaxScale(sub, 300, 2, p['min']!, p['max']!, scaled);
    scaled.forEach((v, k) => (want[Math.floor(k / 2) * 5 + cols[k % 2]!] = v));
    expect(maxAbsDiff(applyStatistics(fitted, frame).view, want)).toBeLessThan(1e-6);
    expect(frame.view[3]).toBe(Math.fround(records[0]!['d'] as number)); // the input frame is not changed

    const { values: frames } = await runOn<FeatureFrame>(records, (pc) => pc.apply(featureVector(names)).apply(applyToFrames(serializeFitted(fitted))));
    expect(maxAbsDiff(Float32Array.from(frames.flatMap((f) => Array.from(f.view))), want)).toBeLessThan(1e-6);
    const missing = await runOn<FeatureFrame>(records.slice(0, 5), (pc) => pc.apply(featureVector(['a'])).apply(applyToFrames(fitted)));
    expect(missing.result.deadLetters[0]!.reason).toMatch(/the frame has no feature "d" \(the fitted statistics need d, b\)/);
  });

  it('featureVector assembles named frames; selectFeatures / dropFeatures pick columns by name', async () => {
    const records: FeatureRecord[] = randomRecords(rngFor(24), 130).map((r) => ({ ...r, key: `k${(r['id'] as number) % 3}` }));
    const { values: frames, result } = await runOn<FeatureFrame<string>>([...records, { a: 1 }], (pc) =>
      pc
        .apply(featureVector<string>(['c', 'a', 'b']))
        .apply(selectFeatures<string>(['a', 'b', 'c']))
        .apply(dropFeatures<string>(['b'])),
    );
    expect(result.deadLetters.map((d) => d.reason)).toEqual(['feature "c" is missing']);
    expect(frames.length).toBe(3); // bundles of 64: 64 + 64 + 3 rows
    expect(frames.every((f) => f.names.join() === 'a,c' && f.cols === 2)).toBe(true);
    const view = frames.flatMap((f) => Array.from(f.view.subarray(0, f.rows * f.cols)));
    expect(view).toEqual(records.flatMap((r) => [r['a'], r['c']]));
    expect(frames.flatMap((f) => f.keys)).toEqual(records.map((r) => r['key']));
  });
});
