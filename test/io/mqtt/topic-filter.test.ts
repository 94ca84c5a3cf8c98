import { describe, expect, it } from 'vitest';
import { parseTopicFilter, topicFields, topicMatches } from '../../../src/io/mqtt/topic-filter.js';
import { csvPayload, float32Payload, jsonPayload } from '../../../src/io/payload-codecs.js';
import { seededRandom } from '../../../src/testing/random.js';
import { SEED } from '../../seed.js';

/** MQTT 5 §4.7 matching, written as a regular expression: an independent reference. */
function referenceMatch(filter: string, topic: string): boolean {
  if (topic.startsWith('$') && /^[+#]/.test(filter)) return false;
  const pattern = filter
    .split('/')
    // `#` (not escaped, and only ever a whole last level) is turned into "this level and below" last.
    .map((l) => (l === '+' ? '[^/]*' : l.replace(/[.*?^${}()|[\]\\]/g, '\\$&')))
    .join('/')
    .replace(/\/?#$/, '(/.*)?');
  return new RegExp(`^${pattern}$`).test(topic);
}

describe('topic filters', () => {
  it('name + and # levels as fields', () => {
    const f = parseTopicFilter('site/+site/sensors/+device/#rest');
    expect(f.filter).toBe('site/+/sensors/+/#');
    expect(topicFields(f, 'site/north/sensors/t1/temp/c')).toEqual({ site: 'north', device: 't1', rest: 'temp/c' });
    expect(parseTopicFilter('a/+/b').names).toEqual([]);
  });

  it('refuse wildcards inside a level and # before the end, naming the level', () => {
    expect(() => parseTopicFilter('a/b+/c')).toThrow(/level 2 "b\+" mixes a wildcard/);
    expect(() => parseTopicFilter('a/#/c')).toThrow(/# may only be the last level/);
    expect(() => parseTopicFilter('a/+dev-ice')).toThrow(/must be \+ or \+name/);
  });

  it(`match as the MQTT rules say on random filters and topics (seed ${SEED})`, () => {
    const rng = seededRandom(SEED);
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rng() * xs.length)]!;
    for (let i = 0; i < 5000; i++) {
      const topic = Array.from({ length: 1 + Math.floor(rng() * 4) }, () => pick(['a', 'b', '', '$s'])).join('/');
      const levels = Array.from({ length: 1 + Math.floor(rng() * 4) }, () => pick(['a', 'b', '+', '', '$s']));
      if (rng() < 0.3) levels.push('#');
      const filter = levels.join('/');
      expect(topicMatches(filter, topic), `${filter} vs ${topic}`).toBe(referenceMatch(filter, topic));
    }
  });
});

describe('payload codecs', () => {
  it('JSON: objects, schema types and required fields, with the reason', () => {
    const codec = jsonPayload({ schema: { id: 'integer', at: 'timestamp' } });
    expect(codec.decode(Buffer.from('{"id":3,"at":"1970-01-01T00:00:01Z","x":1}'))).toEqual({ id: 3, at: 1000, x: 1 });
    expect(() => codec.decode(Buffer.from('{"id":3.5,"at":1}'))).toThrow(/field "id" should be integer/);
    expect(() => codec.decode(Buffer.from('{"at":1}'))).toThrow(/field "id" is missing/);
    expect(() => jsonPayload().decode(Buffer.from('[1]'))).toThrow(/expected a JSON object, got an array/);
    expect(() => jsonPayload().decode(Buffer.from('{'))).toThrow(/not valid JSON/);
  });

  it('CSV: one line, named and typed fields', () => {
    const codec = csvPayload({ columns: ['device', 'temp', 'ok'], schema: { temp: 'number', ok: 'boolean' } });
    expect(codec.decode(Buffer.from('"d,1",21.5,yes\n'))).toEqual({ device: 'd,1', temp: 21.5, ok: true });
    expect(() => codec.decode(Buffer.from('d1,2'))).toThrow(/expected 3 CSV fields/);
    expect(() => codec.decode(Buffer.from('d1,2,1\nd2,3,0'))).toThrow(/one line/);
  });

  it(`float32: little-endian values equal a DataView reading (seed ${SEED})`, () => {
    const rng = seededRandom(SEED);
    const values = Float32Array.from({ length: 64 }, () => (rng() - 0.5) * 1e6);
    const bytes = Buffer.alloc(256);
    values.forEach((v, i) => bytes.writeFloatLE(v, i * 4));
    // An odd offset inside a larger buffer, as a socket chunk gives it.
    const chunk = Buffer.concat([Buffer.from([1]), bytes]).subarray(1);
    expect(float32Payload({ field: 'x' }).decode(chunk)['x']).toEqual(values);
    expect(() => float32Payload().decode(Buffer.alloc(7))).toThrow(/multiple of 4 bytes, got 7/);
  });
});
