import { createHash } from 'node:crypto';

/**
 * How QoS 1/2 redeliveries are recognised: by a payload field that is unique per message
 * (`{ field: 'id' }`), by `content` (topic + event time + a SHA-1 of the payload bytes: two
 * messages equal in all three are one message), or not at all (`none`).
 */
export type DedupeBy = { readonly field: string } | 'content' | 'none';

/** Checks the option at once. */
export function validateDedupe(dedupe: DedupeBy, where: string): void {
  if (dedupe === 'content' || dedupe === 'none') return;
  if (typeof dedupe !== 'object' || dedupe === null || typeof dedupe.field !== 'string' || dedupe.field === '') {
    throw new TypeError(`${where}: dedupe must be { field: "id" }, "content" or "none", got ${JSON.stringify(dedupe)}`);
  }
}

/** The content key: topic, event time and payload hash. */
export function contentKey(topic: string, eventTime: number, payload: Uint8Array): string {
  const hash = createHash('sha1').update(payload).digest('base64');
  return `${topic}\u0000${eventTime}\u0000${hash}`;
}

/**
 * The dedupe key of a decoded message, or undefined for `none`. A message without the
 * configured field falls back to its content key.
 */
export function dedupeKey(dedupe: DedupeBy, topic: string, eventTime: number, payload: Uint8Array, record: Record<string, unknown>): string | undefined {
  if (dedupe === 'none') return undefined;
  if (dedupe !== 'content') {
    const value = record[dedupe.field];
    if (typeof value === 'string' || typeof value === 'number') return `${typeof value === 'number' ? 'n' : 's'}:${value}`;
  }
  return contentKey(topic, eventTime, payload);
}
