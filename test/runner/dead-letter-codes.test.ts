/**
 * Every dead letter carries a stable code beside its reason: what threw in a user's function is
 * USER_CODE, a decoder's or a library stage's rejection keeps its own code, lateness is LATE.
 */
import { describe, expect, it } from 'vitest';
import { RejectedInput } from '../../src/common/dead-letter-codes.js';
import { RunnelError } from '../../src/common/errors.js';
import { Pipeline, collect, create, groupByKey, parDo, run, type DoFn, type KV } from '../../src/index.js';

describe('dead-letter codes in a run', () => {
  it('USER_CODE for what a function throws, however its message varies', async () => {
    const p = new Pipeline();
    p.apply(create(['a', 'bb', 'ccc']))
      .map((s: string) => (undefined as unknown as Record<string, number>)[s])
      .apply(collect());
    const result = await run(p);
    expect(new Set(result.deadLetters.map((d) => d.reason)).size).toBe(3);
    expect(result.deadLetters.map((d) => d.code)).toEqual(['USER_CODE', 'USER_CODE', 'USER_CODE']);
  });

  it('the code of a RejectedInput or a RunnelError thrown in a stage', async () => {
    class Check implements DoFn<number, number> {
      process(n: number): void {
        if (n === 1) throw new RejectedInput('SCHEMA_TYPE', 'field "n" is one');
        if (n === 2) throw new RunnelError('BAD_INPUT', 'two is bad input');
      }
    }
    const p = new Pipeline();
    p.apply(create([1, 2, 3])).apply(parDo(new Check()));
    const result = await run(p);
    expect(result.deadLetters.map(({ reason, code }) => ({ reason, code }))).toEqual([
      { reason: 'field "n" is one', code: 'SCHEMA_TYPE' },
      { reason: 'two is bad input', code: 'BAD_INPUT' },
    ]);
  });

  it('NOT_KEYED for an element that is not a key-value pair at a keyed stage', async () => {
    const p = new Pipeline();
    // 42 slips past the types, as data from outside does.
    p.apply(create([{ key: 'a', value: 1 }, 42 as unknown as KV<string, number>]))
      .apply(groupByKey<string, number>())
      .apply(collect());
    const result = await run(p);
    expect(result.deadLetters.map((d) => d.code)).toEqual(['NOT_KEYED']);
  });
});
