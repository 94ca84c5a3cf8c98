/**
 * The fitted-statistics artifact: what a fitted transform learned (means and deviations, ranges,
 * medians and IQRs, imputation values), with the feature names it applies to and what it was fitted
 * on. Training writes it as JSON next to the model; inference loads it, so both scale alike. In a
 * streaming run the same object is the warm-up fitter's state, persisted with each step.
 */

/** Version of the artifact format; `parseFitted` refuses other versions. */
export const FITTED_VERSION = 1;

/** Tag of the format, so a stray JSON file is not mistaken for an artifact. */
export const FITTED_FORMAT = 'runnel/fitted-features';

/** What the artifact does, and the per-feature parameters (arrays of featureNames.length) it holds. */
export const FITTED_PARAMS = {
  /** (x − mean) / std, population std. */
  zscore: ['mean', 'std'],
  /** (x − min) / (max − min). */
  minMax: ['min', 'max'],
  /** (x − median) / (q75 − q25). */
  robust: ['median', 'iqr'],
  /** Non-finite → the mean of the finite fitting values. */
  imputeMean: ['value'],
  /** Non-finite → the median of the finite fitting values. */
  imputeMedian: ['value'],
  /** Non-finite → a constant (not fitted). */
  imputeConstant: ['value'],
  /** min(max(x, min), max) (not fitted). */
  clip: ['min', 'max'],
} as const satisfies Record<string, readonly string[]>;

/** Kinds of fitted (or constant) feature transforms. */
export type FittedKind = keyof typeof FITTED_PARAMS;

/** Fitted statistics: JSON-serialisable with `serializeFitted` (NaN and ±Infinity as strings; null also reads as NaN). */
export interface FittedStatistics {
  readonly format: typeof FITTED_FORMAT;
  readonly version: typeof FITTED_VERSION;
  readonly kind: FittedKind;
  /** The features the parameters belong to, in parameter order. */
  readonly featureNames: readonly string[];
  /** Per-feature parameters by name (see `FITTED_PARAMS`). */
  readonly params: Readonly<Record<string, readonly number[]>>;
  /** Rows used for fitting and the event-time range they spanned (null when unknown or not fitted). */
  readonly fittedOn: { readonly rows: number; readonly from: number | null; readonly to: number | null };
}

/** Builds an artifact, checking that every parameter has one value per feature. */
export function fittedStatistics(
  kind: FittedKind,
  featureNames: readonly string[],
  params: Readonly<Record<string, ArrayLike<number>>>,
  fittedOn: FittedStatistics['fittedOn'] = { rows: 0, from: null, to: null },
): FittedStatistics {
  return parseFitted({
    format: FITTED_FORMAT,
    version: FITTED_VERSION,
    kind,
    featureNames: [...featureNames],
    params: Object.fromEntries(Object.entries(params).map(([k, v]) => [k, Array.from(v)])),
    fittedOn,
  });
}

/** The artifact as JSON text (for a file, a registry entry, a message); NaN and ±Infinity are written as strings. */
export function serializeFitted(fitted: FittedStatistics): string {
  return JSON.stringify(fitted, (_key, value: unknown) => (typeof value === 'number' && !Number.isFinite(value) ? String(value) : value));
}

const NON_FINITE: Record<string, number> = { NaN, Infinity, '-Infinity': -Infinity };

function fail(detail: string): never {
  throw new TypeError(`fitted statistics: ${detail}`);
}

/**
 * Reads an artifact from JSON text or a parsed object, checking format, version, kind and
 * parameter lengths; throws a `TypeError` saying what is wrong.
 */
export function parseFitted(input: unknown): FittedStatistics {
  let raw = input;
  if (typeof input === 'string') {
    try {
      raw = JSON.parse(input) as unknown;
    } catch (error) {
      fail(`not valid JSON (${(error as Error).message})`);
    }
  }
  if (typeof raw !== 'object' || raw === null) fail('expected an object');
  const a = raw as Record<string, unknown>;
  if (a['format'] !== FITTED_FORMAT) fail(`format must be "${FITTED_FORMAT}", got ${JSON.stringify(a['format'])}`);
  if (a['version'] !== FITTED_VERSION) fail(`version ${JSON.stringify(a['version'])} is not supported (this Runnel reads version ${FITTED_VERSION})`);
  const kind = a['kind'];
  if (typeof kind !== 'string' || !(kind in FITTED_PARAMS)) fail(`kind must be one of ${Object.keys(FITTED_PARAMS).join(', ')}, got ${JSON.stringify(kind)}`);
  const names = a['featureNames'];
  if (!Array.isArray(names) || names.length === 0 || !names.every((n) => typeof n === 'string')) fail('featureNames must be a non-empty array of strings');
  const rawParams = (a['params'] ?? {}) as Record<string, unknown>;
  const params: Record<string, number[]> = {};
  for (const p of FITTED_PARAMS[kind as FittedKind]) {
    const values = rawParams[p];
    if (!Array.isArray(values) || values.length !== names.length) fail(`params.${p} must hold ${names.length} numbers (one per feature)`);
    params[p] = values.map((v, i) =>
      typeof v === 'number' ? v : v === null ? NaN : typeof v === 'string' && v in NON_FINITE ? NON_FINITE[v]! : fail(`params.${p}[${i}] is not a number`),
    );
  }
  const on = (a['fittedOn'] ?? {}) as Record<string, unknown>;
  const time = (t: unknown): number | null => (typeof t === 'number' ? t : null);
  const rows = typeof on['rows'] === 'number' ? on['rows'] : 0;
  return {
    format: FITTED_FORMAT,
    version: FITTED_VERSION,
    kind: kind as FittedKind,
    featureNames: names,
    params,
    fittedOn: { rows, from: time(on['from']), to: time(on['to']) },
  };
}
