import type { KV } from '../../core/element.js';

/** True when `value` is a `{ key, value }` pair, the input keyed operators need. */
export function isKV(value: unknown): value is KV<unknown, unknown> {
  return typeof value === 'object' && value !== null && 'key' in value && 'value' in value;
}

/** The dead-letter reason for a non-KV element reaching a keyed stage. */
export function notKeyedReason(value: unknown): string {
  // eslint-disable-next-line @typescript-eslint/no-base-to-string -- not an object here (those are shown as JSON): String() shows a primitive as it is
  return `expected a { key, value } element (apply withKeys first), got ${typeof value === 'object' ? JSON.stringify(value) : String(value)}`;
}
