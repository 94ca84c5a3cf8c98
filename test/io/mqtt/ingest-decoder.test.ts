/**
 * The ingest decoder gives each refused payload a stable code beside its reason, so `runnel
 * inspect` counts one cause as one group; the codecs' codes come through as they are.
 */
import { describe, expect, it } from 'vitest';
import { VirtualClock } from '../../../src/core/clock.js';
import { ingestDecoder } from '../../../src/io/mqtt/ingest-decoder.js';
import { csvPayload, float32Payload, jsonPayload, type PayloadCodec } from '../../../src/io/payload-codecs.js';

function codeOf(codec: PayloadCodec, payload: string | Buffer, options: { eventTimeField?: string; maxPayloadBytes?: number } = {}): string | undefined {
  const decode = ingestDecoder({
    codec,
    eventTimeField: options.eventTimeField,
    dedupe: 'none',
    maxPayloadBytes: options.maxPayloadBytes ?? 1024 * 1024,
    clock: new VirtualClock(0),
  });
  return decode('sensors/a', Buffer.isBuffer(payload) ? payload : Buffer.from(payload), 1).rejection?.code;
}

describe('ingestDecoder codes', () => {
  const json = jsonPayload({ schema: { temp: 'number' }, maxDepth: 4 });

  it.each([
    ['a good payload', json, '{"temp":1}', {}, undefined],
    ['too many bytes', json, `{"temp":1,"pad":"${'x'.repeat(2000)}"}`, { maxPayloadBytes: 1000 }, 'PAYLOAD_TOO_LARGE'],
    ['bytes that are not UTF-8', json, Buffer.from([0xff, 0xfe]), {}, 'BAD_UTF8'],
    ['text that is not JSON', json, '{"temp":1x', {}, 'BAD_JSON'],
    ['JSON nested too deep', json, '[[[[[1]]]]]', {}, 'JSON_LIMIT'],
    ['JSON that is no object', json, '[1]', {}, 'NOT_A_RECORD'],
    ['a missing field', json, '{}', {}, 'SCHEMA_MISSING'],
    ['a field of the wrong type', json, '{"temp":"hot"}', {}, 'SCHEMA_TYPE'],
    ['an event time that is no timestamp', json, '{"temp":1,"at":"0x10"}', { eventTimeField: 'at' }, 'SCHEMA_TYPE'],
    ['a CSV line with a bad quote', csvPayload({ columns: ['a', 'b'] }), '1,"2', {}, 'BAD_CSV'],
    ['a CSV line with too few fields', csvPayload({ columns: ['a', 'b'] }), '1', {}, 'FIELD_COUNT'],
    ['float32 bytes of the wrong length', float32Payload(), Buffer.alloc(6), {}, 'BAD_FLOAT32'],
  ] as const)('%s: %s', (_, codec, payload, options, code) => {
    expect(codeOf(codec, payload, options)).toBe(code);
  });
});
