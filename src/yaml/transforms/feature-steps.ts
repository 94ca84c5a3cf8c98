/**
 * Runnel's feature steps over the WASM kernels, each the library transform of the same name
 * (`features/`): per window (`WindowStats`, `FftBands`: give the step a `windowing:`) one row per
 * `group_by` key with the key fields and the features; per row (`ScaleToZScore`,
 * `ScaleToMinMax`, `ScaleRobust`, `Impute`, `Clip`, `Lags`, `Rolling`) the row with its features
 * replaced or added. A row whose feature is missing or not a number is a dead letter.
 */
import type { PCollection } from '../../core/pcollection.js';
import type { PTransform } from '../../core/ptransform.js';
import { fftBands, type FftBandsSpec } from '../../features/fft-bands.js';
import { lags, rolling, type RollingStat } from '../../features/series.js';
import { clip, impute, scaleRobust, scaleToMinMax, scaleToZScore, type FittedOptions, type ImputeOptions } from '../../features/scaling.js';
import { WINDOW_STATS, windowStats, type WindowStat } from '../../features/window-stats.js';
import type { ConfigReader } from '../config.js';
import type { Row } from '../expressions.js';
import { configOf, FIELD_NAMES, NAME, type JsonSchema } from '../schema/parts.js';
import { atKey, COUNT, fileText, groupingOf, nonFiniteOf, NON_FINITE, NUMBERS, oneOf } from './feature-config.js';
import type { BuildContext, YamlTransform } from './yaml-transform.js';

type RowTransform = PTransform<PCollection<Row>, PCollection<Row>>;
type FftWindow = NonNullable<FftBandsSpec['window']>;

const POWERS_OF_TWO = Array.from({ length: 15 }, (_, i) => 4 << i); // 4 … 65536

/** The spectrum settings of `FftBands` and of `WindowStats`' `fft:`. */
const FFT: Readonly<Record<string, JsonSchema>> = {
  size: { enum: POWERS_OF_TWO, expected: 'a power of two from 4 to 65536 (4, 8, 16, …)' },
  sample_rate: { type: 'number', exclusiveMinimum: 0, expected: 'a number of Hz above 0' },
  bands: { type: 'array', items: { type: 'number' }, minItems: 2, expected: 'a list of at least two band edges in Hz' },
  window: oneOf(['hann', 'hamming', 'rect']),
};
const FFT_REQUIRED = ['size', 'sample_rate', 'bands'];

function fftSpec(config: ConfigReader): FftBandsSpec {
  const window = config.raw('window') as FftWindow | undefined;
  return { size: config.raw('size') as number, sampleRate: config.raw('sample_rate') as number, bands: config.raw('bands') as number[], ...(window ? { window } : {}) };
}

/** Options every feature step takes. */
const COMMON = { features: FIELD_NAMES, group_by: FIELD_NAMES, non_finite: NON_FINITE };

/** A per-window feature transform as a step: its rows get the `group_by` fields in place of `key` and the window bounds. */
function perWindow(input: PCollection<Row>, config: ConfigReader, make: (key: ((row: Row) => unknown) | undefined) => RowTransform): PCollection<Row> {
  const grouping = groupingOf(config);
  return input.apply(make(grouping.key)).map(({ key, windowStart: _start, windowEnd: _end, ...features }: Row) => ({ ...grouping.fields(key), ...features }), 'row');
}

const STAT: JsonSchema = oneOf(WINDOW_STATS);

/** `WindowStats`: per window and `group_by` key, `stats` of each feature (`<feature>_<stat>`), with `fft:` also band energies. */
export const WindowStats: YamlTransform = {
  kind: 'step',
  configSchema: configOf(
    { ...COMMON, stats: { anyOf: [STAT, { type: 'array', items: STAT, minItems: 1 }], expected: `statistics among ${WINDOW_STATS.join(', ')}` }, fft: configOf(FFT, FFT_REQUIRED) },
    ['features', 'stats'],
  ),
  build(input, { config }) {
    const stats = config.names('stats') as WindowStat[];
    const features = config.names('features');
    const nonFinite = nonFiniteOf(config);
    const fft = config.has('fft') ? fftSpec(config.child('fft')) : undefined;
    return perWindow(input, config, (key) =>
      atKey(config, fft ? 'fft' : 'features', () => windowStats<Row>(stats, { features, nonFinite, ...(key ? { key } : {}), ...(fft ? { fft } : {}) })),
    );
  },
};

/** `FftBands`: per window and `group_by` key, the energy of each feature's spectrum in the bands (`<feature>_band_<lo>_<hi>`). */
export const FftBands: YamlTransform = {
  kind: 'step',
  configSchema: configOf({ ...COMMON, ...FFT }, ['features', ...FFT_REQUIRED]),
  build(input, { config }) {
    const features = config.names('features');
    const spec = fftSpec(config);
    const nonFinite = nonFiniteOf(config);
    return perWindow(input, config, (key) => atKey(config, 'bands', () => fftBands<Row>({ features, nonFinite, ...spec, ...(key ? { key } : {}) })));
  },
};

/** The options of the fitted transforms: `features`, `fitted` (an artifact file), `warm_up`, `group_by`. */
const FITTED = { features: FIELD_NAMES, fitted: NAME, warm_up: COUNT, group_by: FIELD_NAMES };

function fittedOptions(config: ConfigReader, pipelineDir: string): FittedOptions<Row> {
  const key = groupingOf(config).key;
  return {
    ...(config.has('features') ? { features: config.names('features') } : {}),
    ...(config.has('fitted') ? { fitted: fileText(config, 'fitted', pipelineDir) } : {}),
    ...(config.has('warm_up') ? { warmUp: config.raw('warm_up') as number } : {}),
    ...(key ? { key } : {}),
  };
}

/** A scaling step: fits per `group_by` key on the first `warm_up` rows (default 1000), or applies a `fitted` artifact. */
function scaling(make: (options: FittedOptions<Row>) => RowTransform): YamlTransform {
  return {
    kind: 'step',
    configSchema: configOf({ ...FITTED, non_finite: NON_FINITE }),
    build(input, { config, pipelineDir }: BuildContext) {
      const options = { ...fittedOptions(config, pipelineDir), nonFinite: nonFiniteOf(config) };
      return input.apply(atKey(config, config.has('fitted') ? 'fitted' : 'features', () => make(options)));
    },
  };
}

/** `ScaleToZScore`: each feature to (x − mean) / std. */
export const ScaleToZScore = scaling((options) => scaleToZScore<Row>(options));
/** `ScaleToMinMax`: each feature to (x − min) / (max − min). */
export const ScaleToMinMax = scaling((options) => scaleToMinMax<Row>(options));
/** `ScaleRobust`: each feature to (x − median) / IQR. */
export const ScaleRobust = scaling((options) => scaleRobust<Row>(options));

/** `Impute`: a missing (null, absent) or non-finite feature becomes the fitted mean or median, a constant `value`, or the key's last value (`strategy: last`). */
export const Impute: YamlTransform = {
  kind: 'step',
  configSchema: configOf({ ...FITTED, strategy: oneOf(['mean', 'median', 'constant', 'last']), value: NUMBERS }, ['strategy']),
  build(input, { config, pipelineDir }) {
    const strategy = config.string('strategy') as ImputeOptions['strategy'];
    const value = config.raw('value') as number | number[] | undefined;
    const options = { ...fittedOptions(config, pipelineDir), strategy, ...(value === undefined ? {} : { value }) };
    return input.apply(atKey(config, strategy === 'constant' ? 'value' : 'features', () => impute<Row>(options)));
  },
};

/** `Clip`: each feature limited to [`min`, `max`] (a bound for all features, or one per feature). */
export const Clip: YamlTransform = {
  kind: 'step',
  configSchema: configOf({ features: FIELD_NAMES, min: NUMBERS, max: NUMBERS, non_finite: NON_FINITE }, ['features']),
  build(input, { config }) {
    const [min, max] = [config.raw('min') as number | number[] | undefined, config.raw('max') as number | number[] | undefined];
    const options = { features: config.names('features'), nonFinite: nonFiniteOf(config), ...(min === undefined ? {} : { min }), ...(max === undefined ? {} : { max }) };
    return input.apply(atKey(config, 'min', () => clip<Row>(options)));
  },
};

/** The options of `Lags` and `Rolling`: `features`, `group_by`, `mode` (`pane` per window, or `stream` across bundles in state), `non_finite`. */
const SERIES = { ...COMMON, mode: oneOf(['pane', 'stream']) };

function seriesOptions(config: ConfigReader) {
  const key = groupingOf(config).key;
  const mode = (config.raw('mode') as 'pane' | 'stream' | undefined) ?? 'pane';
  return { features: config.names('features'), mode, nonFinite: nonFiniteOf(config), ...(key ? { key } : {}) };
}

/** `Lags`: adds the values of the `k` previous rows of the same key (`<feature>_lag<j>`). */
export const Lags: YamlTransform = {
  kind: 'step',
  configSchema: configOf({ ...SERIES, k: COUNT }, ['features', 'k']),
  build(input, { config }) {
    const options = seriesOptions(config);
    return input.apply(atKey(config, 'features', () => lags<Row>(config.raw('k') as number, options)));
  },
};

const ROLLING_STATS: readonly RollingStat[] = ['mean', 'sum', 'std', 'min', 'max', 'rms', 'median'];

/** `Rolling`: adds `stat` over the trailing `n` rows of the same key (`<feature>_<stat><n>`; NaN until there are n). */
export const Rolling: YamlTransform = {
  kind: 'step',
  configSchema: configOf({ ...SERIES, stat: oneOf(ROLLING_STATS), n: COUNT }, ['features', 'stat', 'n']),
  build(input, { config }) {
    const options = seriesOptions(config);
    return input.apply(atKey(config, 'features', () => rolling<Row>(config.string('stat') as RollingStat, config.raw('n') as number, options)));
  },
};
