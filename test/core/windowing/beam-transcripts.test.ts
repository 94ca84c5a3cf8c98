import { checkTimestampCombiner } from '../../../src/core/windowing/timestamp-combiner.js';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../../src/testing/index.js';
import { SEED } from '../../seed.js';
import { check, isOrderAgnostic, replay, type Bundling, type TranscriptSpec } from './beam-transcripts.js';

// Apache Beam's trigger transcripts (sdks/python/apache_beam/testing/data/trigger_transcripts.yaml),
// as JSON with Runnel's notes: see test/fixtures/beam-trigger-transcripts/README.md.
const specs = JSON.parse(readFileSync(new URL('../../fixtures/beam-trigger-transcripts/transcripts.json', import.meta.url), 'utf8')) as TranscriptSpec[];

function shuffled(values: readonly number[], random: () => number): number[] {
  const out = [...values];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

const chunks = (values: readonly number[], size: number): number[][] => Array.from({ length: Math.ceil(values.length / size) }, (_, i) => values.slice(i * size, (i + 1) * size));

/**
 * The bundlings each case runs over. As Beam's TestStream transcript test: a case whose result
 * cannot depend on order or bundling (the default trigger, accumulating) runs over six; the
 * others keep each input action as one bundle, since a count trigger is asked once per bundle,
 * but the order inside the bundle must not matter, so they also run reversed and shuffled.
 */
function bundlings(spec: TranscriptSpec): [string, Bundling][] {
  const random = seededRandom(SEED);
  const kept: [string, Bundling][] = [
    ['as given', (v) => [[...v]]],
    ['each bundle reversed', (v) => [[...v].reverse()]],
    [`each bundle shuffled (seed ${SEED})`, (v) => [shuffled(v, random)]],
  ];
  if (!isOrderAgnostic(spec)) return kept;
  return [
    ...kept,
    ['one-element bundles', (v) => chunks(v, 1)],
    ['one-element bundles, reversed', (v) => chunks([...v].reverse(), 1)],
    ['two-element bundles', (v) => chunks(v, 2)],
  ];
}

describe("Apache Beam's trigger transcripts, replayed through the test stream", () => {
  it('the fixture holds every case of the transcript file (17, one Runnel cannot express)', () => {
    expect(specs).toHaveLength(17);
    expect(specs.filter((s) => s.runnel_skip).map((s) => s.name)).toEqual(['timestamp_combiner_custom_timestamping_earliest (transformed)']);
  });

  for (const spec of specs) {
    if (spec.runnel_skip) {
      // Not replayable (${spec.runnel_skip}): what a user asking for it gets is a refusal naming the choices.
      it(`${spec.name}: Runnel has no such timestamp combiner and windowInto refuses one by name`, () => {
        expect(() => checkTimestampCombiner('earliestTransformed')).toThrow(/timestampCombiner must be one of "endOfWindow", "earliest", "latest", got "earliestTransformed"/);
      });
      continue;
    }
    for (const [label, bundling] of bundlings(spec)) {
      it(`${spec.name} (${label})${spec.error ? `: the harness rejects it with "${spec.error}"` : ''}`, async () => {
        const { grouped, combined } = await replay(spec, bundling);
        for (const panes of [grouped, combined]) {
          if (spec.error) expect(() => check(spec, panes)).toThrow(spec.error);
          else check(spec, panes);
        }
      });
    }
  }
});
