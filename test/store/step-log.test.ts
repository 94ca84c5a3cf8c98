import { expect, it } from 'vitest';
import { NO_FIRING } from '../../src/core/pane.js';
import { GLOBAL_WINDOW } from '../../src/core/window.js';
import { seededRandom } from '../../src/ml/evaluate/split.js';
import type { OutboxEntry, StateEntry } from '../../src/runner/operators/operator.js';
import { StepLog, type StepChanges } from '../../src/store/step-log.js';
import { decodeJson } from '../../src/store/json-codec.js';
import { Store } from '../../src/store/store.js';
import { SEED } from '../seed.js';

const outputs = (values: readonly unknown[]): OutboxEntry[] =>
  values.map((value, i) => ({ stage: i % 3 ? 'a' : 'b', value, timestamp: i, window: GLOBAL_WINDOW, pane: NO_FIRING }));
const step = (outbox: OutboxEntry[], state: StateEntry[] = []): StepChanges => ({ sources: [], state: [{ stage: 's', entries: state }], outbox, deadLetters: [] });

it(`commits each step's outbox rows and state in order, as many as it is given (seed ${SEED})`, () => {
  const random = seededRandom(SEED);
  const store = Store.open(':memory:');
  const steps = new StepLog(store);
  steps.load();
  const expectedOutbox: [string, unknown][] = [];
  const expectedState = new Map<string, string>();
  for (let s = 1; s <= 12; s++) {
    // Around the 64-row statements: 0, 1, 63, 64, 65, 200 … rows.
    const values = Array.from({ length: [0, 1, 63, 64, 65, 200][s % 6]! + Math.floor(random() * 3) }, () => ({ v: random() }));
    const outbox = outputs(values);
    const ordinals = new Map<string, number>();
    for (const o of outbox) {
      const n = ordinals.get(o.stage) ?? 0;
      ordinals.set(o.stage, n + 1);
      expectedOutbox.push([`${o.stage}:${s}:${n}`, o.value]);
    }
    const state = Array.from({ length: Math.floor(random() * 150) }, () => {
      const key = `k${Math.floor(random() * 40)}`;
      const value = random() < 0.2 ? null : String(random());
      if (value === null) expectedState.delete(key);
      else expectedState.set(key, value);
      return { window: 'w', key, value };
    });
    steps.commit(step(outbox, state));
  }
  const rows = store.db.prepare('SELECT output_id, payload FROM outbox ORDER BY id').all() as { output_id: string; payload: string }[];
  expect(rows.map((r) => [r.output_id, decodeJson(r.payload)])).toEqual(expectedOutbox);
  const state = store.db.prepare("SELECT key, value FROM state WHERE operator = 's' ORDER BY key").all() as { key: string; value: string }[];
  expect(new Map(state.map((r) => [r.key, r.value]))).toEqual(expectedState);
  store.close();
});

it('a step that fails halfway leaves no rows behind for the next one', () => {
  const store = Store.open(':memory:');
  const steps = new StepLog(store);
  steps.load();
  // 100 rows encode (64 go in one statement, 36 wait), then a BigInt cannot be encoded.
  expect(() => steps.commit(step(outputs([...Array.from({ length: 100 }, (_, i) => i), 10n])))).toThrow(/BigInt/);
  steps.commit(step(outputs(['x', 'y'])));
  const rows = store.db.prepare('SELECT output_id, payload FROM outbox ORDER BY id').all();
  expect(rows).toEqual([
    { output_id: 'b:1:0', payload: '"x"' },
    { output_id: 'a:1:0', payload: '"y"' },
  ]);
  expect(steps.step).toBe(1);
  store.close();
});
