import { describe, expect, it } from 'vitest';
import { KeyedSlots } from '../../src/runner/keyed-slots.js';
import { seededRandom } from '../../src/testing/index.js';
import { SEED } from '../seed.js';

/** The reference: keys by value (objects by JSON), in insertion order, primitives before objects. */
class ReferenceSlots {
  readonly primitive = new Map<unknown, { key: unknown; state: number }>();
  readonly structural = new Map<string, { key: unknown; state: number }>();

  #mapOf(key: unknown): [Map<unknown, { key: unknown; state: number }>, unknown] {
    return typeof key === 'object' && key !== null ? [this.structural, JSON.stringify(key)] : [this.primitive, key];
  }

  slot(key: unknown): { key: unknown; state: number } {
    const [map, id] = this.#mapOf(key);
    let slot = map.get(id);
    if (!slot) map.set(id, (slot = { key, state: 0 }));
    return slot;
  }

  delete(key: unknown): boolean {
    const [map, id] = this.#mapOf(key);
    return map.delete(id);
  }

  keys(): unknown[] {
    return [...this.primitive.values(), ...this.structural.values()].map((s) => s.key);
  }
}

/** Keys that take every path: dense and sparse integers, negatives, -0, fractions, NaN, strings, objects. */
function randomKey(rng: () => number): unknown {
  const pick = Math.floor(rng() * 10);
  const small = Math.floor(rng() * 200);
  switch (pick) {
    case 0:
      return Math.floor(rng() * 2 ** 31);
    case 1:
      return -small;
    case 2:
      return rng() < 0.5 ? -0 : NaN;
    case 3:
      return small + 0.5;
    case 4:
      return `k${small % 20}`;
    case 5:
      return { id: small % 10 };
    case 6:
      return 2 ** 30 + small;
    default:
      return small;
  }
}

describe('KeyedSlots', () => {
  it(`finds, counts, deletes and orders slots as a reference map does (seed ${SEED})`, () => {
    const rng = seededRandom(SEED);
    for (let round = 0; round < 20; round++) {
      const slots = new KeyedSlots<unknown, number>(() => 0);
      const reference = new ReferenceSlots();
      for (let op = 0; op < 2000; op++) {
        const key = randomKey(rng);
        if (rng() < 0.1) {
          expect(slots.delete(key)).toBe(reference.delete(key));
          expect(slots.get(key)).toBeUndefined();
          continue;
        }
        const slot = slots.slot(key);
        const expected = reference.slot(key);
        // A key maps to one slot: counting through it must agree with the reference's count.
        slot.state++;
        expected.state++;
        expect(slot.state).toBe(expected.state);
        expect(Object.is(slot.key, expected.key)).toBe(true);
        expect(slots.get(key)).toBe(slot);
      }
      expect(slots.size).toBe(reference.primitive.size + reference.structural.size);
      expect([...slots].map((s) => s.key)).toEqual(reference.keys());
      expect([...slots].map((s) => s.state)).toEqual([...reference.primitive.values(), ...reference.structural.values()].map((s) => s.state));
    }
  });
});
