/**
 * Reading named numeric features out of records, with the checks that send bad input to the
 * dead letters: a missing field, a value that is not a number, and (when the policy rejects
 * them) NaN or ±Infinity. The thrown `RunnelError` (`BAD_INPUT`) becomes the element's dead-letter
 * reason, so each message names the field and says what was wrong.
 */

import { RunnelError } from '../common/errors.js';
import type { PTransform } from '../core/ptransform.js';

/** A record with named fields, some of them numeric features. */
export type FeatureRecord = Readonly<Record<string, unknown>>;

/**
 * The feature transforms are built over `FeatureRecord`s and read fields by name, checking each
 * record at run time; the factories hand them out typed with the caller's record type.
 */
export function typed<T extends PTransform<unknown, unknown>>(transform: PTransform<never, unknown>): T {
  return transform as unknown as T;
}

/**
 * What to do with a NaN or ±Infinity (or a `null`, which JSON makes of NaN) in a feature:
 * `'reject'` sends the record to the dead letters, `'keep'` passes it on as NaN/±Inf.
 */
export type NonFinitePolicy = 'reject' | 'keep';

/** Checks the options every feature transform takes; throws naming the transform and the fix. */
export function checkFeatureNames(transform: string, features: readonly string[]): void {
  if (!Array.isArray(features) || features.length === 0) {
    throw new TypeError(`${transform}: options.features must be a non-empty array of field names`);
  }
  const seen = new Set<string>();
  for (const f of features) {
    if (typeof f !== 'string' || f === '') throw new TypeError(`${transform}: feature names must be non-empty strings, got ${JSON.stringify(f)}`);
    if (seen.has(f)) throw new TypeError(`${transform}: feature "${f}" is listed twice`);
    seen.add(f);
  }
}

function describe(value: unknown): string {
  if (typeof value === 'string') return `a string (${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)})`;
  return Array.isArray(value) ? 'an array' : `${typeof value === 'object' ? 'an object' : `a ${typeof value}`}`;
}

/**
 * Copies `features` of `record` into `out` from `offset` (f32 or f64). `null`/`undefined` count
 * as missing: an error, unless `missingIsNaN` (impute) reads them as NaN.
 */
export function readFeatures(record: unknown, features: readonly string[], policy: NonFinitePolicy, out: { [index: number]: number }, offset: number, missingIsNaN = false): void {
  if (typeof record !== 'object' || record === null || Array.isArray(record)) {
    throw new RunnelError('BAD_INPUT', `expected a record with fields ${features.join(', ')}, got ${record === null ? 'null' : describe(record)}`);
  }
  const fields = record as Record<string, unknown>;
  for (let j = 0; j < features.length; j++) {
    const name = features[j]!;
    const v = fields[name];
    let x: number;
    if (typeof v === 'number') x = v;
    else if (v === undefined || v === null) {
      if (!missingIsNaN) throw new RunnelError('BAD_INPUT', `feature "${name}" is missing${v === null ? ' (null)' : ''}`);
      x = NaN;
    } else throw new RunnelError('BAD_INPUT', `feature "${name}" must be a number, got ${describe(v)}`);
    if (policy === 'reject' && !Number.isFinite(x)) {
      throw new RunnelError('BAD_INPUT', `feature "${name}" is ${x} (this stage rejects non-finite values; impute first or set nonFinite: 'keep')`);
    }
    out[offset + j] = x;
  }
}
