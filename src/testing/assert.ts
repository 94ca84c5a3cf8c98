import { isDeepStrictEqual } from 'node:util';
import type { PCollection } from '../core/pcollection.js';
import { composite, type PTransform } from '../core/ptransform.js';
import { RunAborted } from '../runner/dead-letters.js';
import { toList } from '../transforms/combiners.js';

/** Raised inside a run when an assertion transform fails; it stops the run. */
export class PipelineAssertionError extends RunAborted {
  constructor(message: string) {
    super('USER_CODE_FAILED', message);
  }
}

/**
 * Checks all of a collection's values (per window) with `check`, which throws or returns false
 * to fail; the run then fails with `PipelineAssertionError`.
 */
export function assertThat<T>(description: string, check: (values: T[]) => boolean | void): PTransform<PCollection<T>, void> {
  return composite(`assertThat(${description})`, (input: PCollection<T>) => {
    input.combineGlobally(toList<T>(), 'toList').map((values) => {
      let ok: boolean | void;
      try {
        ok = check(values);
      } catch (error) {
        throw new PipelineAssertionError(`${description}: ${error instanceof Error ? error.message : String(error)}`);
      }
      if (ok === false) throw new PipelineAssertionError(`${description}: check returned false for ${show(values)}`);
      return values.length;
    }, 'check');
  });
}

/** Asserts the collection holds exactly `expected`, in any order (as Beam's assertDeepEqual). */
export function assertDeepEqual<T>(expected: readonly T[]): PTransform<PCollection<T>, void> {
  return assertThat<T>('assertDeepEqual', (actual) => {
    const a = [...actual].sort(byJson);
    const e = [...expected].sort(byJson);
    if (!isDeepStrictEqual(a, e)) {
      throw new Error(`expected (any order) ${show(e)}\n  but got ${show(a)}`);
    }
  });
}

function byJson(a: unknown, b: unknown): number {
  const x = JSON.stringify(a) ?? '';
  const y = JSON.stringify(b) ?? '';
  return x < y ? -1 : x > y ? 1 : 0;
}

function show(values: readonly unknown[]): string {
  const text = JSON.stringify(values) ?? String(values);
  return text.length > 500 ? `${text.slice(0, 500)}… (${values.length} values)` : text;
}
