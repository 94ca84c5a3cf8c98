/**
 * Limits on the shape of a JSON text, checked in one pass over it before `JSON.parse` builds
 * anything. Bytes alone do not bound what parsing costs: 220 KB of nested arrays (`[[[[…]]]]`)
 * decode to ~6 MiB of heap and make `JSON.stringify` overflow the stack, so a bundle of them can
 * take a small device's whole heap. A payload beyond a limit is refused with a reason that names
 * the limit, and becomes a dead letter like any other bad payload.
 */

import { RejectedInput } from '../common/dead-letter-codes.js';

/** Limits of `checkJsonShape`. */
export interface JsonLimits {
  /** Deepest nesting of objects and arrays (default 64). */
  readonly maxDepth?: number;
  /** Most values in all (objects, arrays, strings, numbers, booleans, nulls; default 65,536). */
  readonly maxValues?: number;
}

export const DEFAULT_JSON_LIMITS: Required<JsonLimits> = { maxDepth: 64, maxValues: 65_536 };

const SPACE = 0x20,
  TAB = 0x09,
  LF = 0x0a,
  CR = 0x0d;
const QUOTE = 0x22,
  BACKSLASH = 0x5c,
  COMMA = 0x2c,
  OPEN_BRACE = 0x7b,
  OPEN_BRACKET = 0x5b,
  CLOSE_BRACE = 0x7d,
  CLOSE_BRACKET = 0x5d;

/** Checks that `limits` are positive integers, naming the option at fault. */
export function validateJsonLimits(limits: JsonLimits, where: string): Required<JsonLimits> {
  const resolved = { maxDepth: limits.maxDepth ?? DEFAULT_JSON_LIMITS.maxDepth, maxValues: limits.maxValues ?? DEFAULT_JSON_LIMITS.maxValues };
  for (const [name, value] of Object.entries(resolved)) {
    if (!Number.isInteger(value) || value < 1) throw new RangeError(`${where}: ${name} must be an integer ≥ 1, got ${String(value)}`);
  }
  return resolved;
}

/**
 * Throws when `text` nests deeper than `maxDepth` or holds more than `maxValues` values. A value
 * starts at the root, after each comma outside strings, and as the first member of a non-empty
 * container, so for valid JSON the count is exact (object keys are not values); linear in the
 * text, and it allocates nothing.
 */
export function checkJsonShape(text: string, limits: Required<JsonLimits>): void {
  let depth = 0;
  let values = 1;
  let inString = false;
  let opened = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === BACKSLASH) i++;
      else if (c === QUOTE) inString = false;
      continue;
    }
    if (opened && c !== SPACE && c !== TAB && c !== LF && c !== CR) {
      opened = false;
      if (c !== CLOSE_BRACE && c !== CLOSE_BRACKET) values++;
    }
    if (c === QUOTE) inString = true;
    else if (c === OPEN_BRACE || c === OPEN_BRACKET) {
      if (++depth > limits.maxDepth) throw new RejectedInput('JSON_LIMIT', `JSON nested deeper than maxDepth (${limits.maxDepth})`);
      opened = true;
    } else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) depth--;
    else if (c === COMMA) values++;
    if (values > limits.maxValues) throw new RejectedInput('JSON_LIMIT', `JSON holds more than maxValues (${limits.maxValues}) values`);
  }
}
