import type { Clock } from '../../core/clock.js';
import { deadLetterCodeOf } from '../../common/dead-letter-codes.js';
import { messageOf } from '../../common/errors.js';
import type { InboxMessage, InboxRejection } from '../../store/inbox.js';
import type { PayloadCodec } from '../payload-codecs.js';
import { checkField } from '../schema.js';
import { dedupeKey, type DedupeBy } from './dedupe.js';

/** A received message made ready for the inbox: a row to store, or a dead letter. */
export type DecodedMessage = { readonly message: InboxMessage; readonly rejection?: undefined } | { readonly message?: undefined; readonly rejection: InboxRejection };

/** Options of `ingestDecoder` (defaults are the caller's: see `MqttIngestOptions`). */
export interface IngestDecoderOptions {
  readonly codec: PayloadCodec;
  /** Payload field holding the event time; the arrival time when absent. */
  readonly eventTimeField: string | undefined;
  readonly dedupe: DedupeBy;
  readonly maxPayloadBytes: number;
  readonly clock: Clock;
}

/** How much of an oversized payload is kept in its dead letter. */
const OVERSIZED_KEPT = 1024;

/**
 * Turns a received payload into an inbox row (event time, dedupe key) or, when it is too large
 * or its codec or schema refuses it, a dead letter with the topic, the reason and the raw bytes
 * (and `redelivered` when the broker set the DUP flag: after a crash a bad message comes again,
 * and its dead letter says it may be a repeat). Never throws on bad input.
 */
export function ingestDecoder(options: IngestDecoderOptions): (topic: string, payload: Buffer, qos: 0 | 1 | 2, redelivered?: boolean) => DecodedMessage {
  const { codec, eventTimeField, dedupe, maxPayloadBytes, clock } = options;
  return (topic, payload, qos, redelivered = false) => {
    const arrivedAt = clock.now();
    if (payload.byteLength > maxPayloadBytes) {
      const reason = `payload of ${payload.byteLength} bytes exceeds maxPayloadBytes (${maxPayloadBytes}); first ${OVERSIZED_KEPT} bytes kept`;
      return { rejection: { topic, payload: payload.subarray(0, OVERSIZED_KEPT), reason, code: 'PAYLOAD_TOO_LARGE', at: arrivedAt, redelivered } };
    }
    try {
      const record = codec.decode(payload);
      const eventTime = eventTimeField === undefined ? arrivedAt : (checkField(eventTimeField, record[eventTimeField], 'timestamp') as number);
      return { message: { topic, payload, qos, arrivedAt, eventTime, dedupeKey: dedupeKey(dedupe, topic, eventTime, payload, record) } };
    } catch (error) {
      const reason = `${codec.name} payload rejected: ${messageOf(error)}`;
      return { rejection: { topic, payload, reason, code: deadLetterCodeOf(error, 'BAD_PAYLOAD'), at: arrivedAt, redelivered } };
    }
  };
}
