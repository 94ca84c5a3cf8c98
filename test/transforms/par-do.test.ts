import { describe, expect, it } from 'vitest';
import { Pipeline, create, collect, composite, parDoWithOutputs, tag, run, type DoFn, type FinishBundleContext, type PCollection, type ProcessContext } from '../../src/index.js';
import { assertDeepEqual } from '../../src/testing/index.js';

class Recorder implements DoFn<number, number> {
  readonly calls: string[] = [];
  #batch: number[] = [];

  setup(): void {
    this.calls.push('setup');
  }
  async startBundle(): Promise<void> {
    this.calls.push('startBundle');
    this.#batch = [];
  }
  process(value: number): void {
    this.calls.push(`process ${value}`);
    this.#batch.push(value);
  }
  async finishBundle(context: FinishBundleContext<number>): Promise<void> {
    await Promise.resolve();
    this.calls.push('finishBundle');
    context.output(
      this.#batch.reduce((a, b) => a + b, 0),
      0,
      (await import('../../src/index.js')).GLOBAL_WINDOW,
    );
  }
  teardown(): void {
    this.calls.push('teardown');
  }
}

describe('parDo', () => {
  it('runs the DoFn lifecycle in Beam order, one bundle per source read', async () => {
    const fn = new Recorder();
    const p = new Pipeline();
    const sums = collect<number>();
    p.apply(create([1, 2, 3, 4, 5]))
      .parDo(fn)
      .apply(sums);
    await run(p, { bundleSize: 2 });
    expect(fn.calls).toEqual([
      'setup',
      'startBundle',
      'process 1',
      'process 2',
      'finishBundle',
      'startBundle',
      'process 3',
      'process 4',
      'finishBundle',
      'startBundle',
      'process 5',
      'finishBundle',
      'teardown',
    ]);
    // What finishBundle emitted flowed on through the fused chain.
    expect(sums.values).toEqual([3, 7, 5]);
  });

  it('emits to tagged side outputs, with timestamps from the context', async () => {
    const errors = tag<string>('errors');
    const big = tag<number>('big');
    const fn: DoFn<number, number> = {
      process(value: number, context: ProcessContext<number>) {
        if (value < 0) context.outputTo(errors, `negative: ${value}`);
        else if (value > 100) context.outputTo(big, value);
        else context.outputWithTimestamp(value, 1000 + value);
      },
    };
    const p = new Pipeline();
    const outputs = p.apply(create([5, -1, 500, 7])).apply(parDoWithOutputs(fn, { errors, big }));
    const main = collect<number>();
    outputs.main.apply(main);
    outputs.errors.apply(assertDeepEqual(['negative: -1']));
    outputs.big.apply(assertDeepEqual([500]));
    await run(p);
    expect(main.elements.map((e) => [e.value, e.timestamp])).toEqual([
      [5, 1005],
      [7, 1007],
    ]);
  });

  it("outputWithTimestamp may not go back before the element's own time beyond the DoFn's allowed skew (Beam's rule): such an element is a dead letter saying so", async () => {
    const back = (skew?: number): DoFn<number, number> => ({
      ...(skew === undefined ? {} : { allowedTimestampSkewMs: skew }),
      process(value: number, context: ProcessContext<number>) {
        context.outputWithTimestamp(value, context.timestamp - value);
      },
    });
    for (const [skew, kept] of [
      [undefined, [0]],
      [5, [0, 5]],
    ] as const) {
      const p = new Pipeline();
      const out = collect<number>();
      p.apply(create([0, 5, 50]))
        .parDo(back(skew), 'back')
        .apply(out);
      const result = await run(p);
      expect(out.elements.map((e) => e.value).sort((a, b) => a - b)).toEqual(kept);
      expect(result.deadLetters.map((d) => d.payload)).toEqual([5, 50].filter((v) => !kept.includes(v as never)));
      expect(result.deadLetters[0]!.reason).toMatch(
        new RegExp(
          `back: outputWithTimestamp\\(.*\\) is ${skew === undefined ? 5 : 50} ms earlier than the element's own timestamp .*allowedTimestampSkewMs ${skew ?? 0}.*dropped as late`,
        ),
      );
    }
  });

  it('outputWithTimestamp with a timestamp that is not a number is a dead letter saying what it needs', async () => {
    const p = new Pipeline();
    p.apply(create([1])).parDo({ process: (value: number, context: ProcessContext<number>) => context.outputWithTimestamp(value, Number.NaN) }, 'nan');
    const result = await run(p);
    expect(result.deadLetters.map((d) => d.reason)).toEqual(['nan: outputWithTimestamp needs a timestamp in ms since the epoch, got NaN']);
  });

  it('a process() that returns an iterable emits each value', async () => {
    const p = new Pipeline();
    p.apply(create(['a b', 'c']))
      .parDo({ process: (line: string) => line.split(' ') })
      .apply(assertDeepEqual(['a', 'b', 'c']));
    await run(p);
  });

  it('an error in setup() fails the run and names the stage; teardown still runs', async () => {
    const calls: string[] = [];
    const p = new Pipeline();
    p.apply(create([1])).parDo(
      {
        setup: () => {
          throw new Error('model file missing');
        },
        process: () => undefined,
        teardown: () => void calls.push('teardown'),
      },
      'loadModel',
    );
    await expect(run(p)).rejects.toThrow('[loadModel] setup() failed: model file missing');
    expect(calls).toEqual(['teardown']);
  });
});

describe('partition', () => {
  it('splits into n parts; an out-of-range index is a dead letter', async () => {
    const p = new Pipeline();
    const parts = p.apply(create([0, 1, 2, 3, 4, 5, 6, 99])).partition(3, (x, n) => (x === 99 ? n : x % n), 'byMod');
    expect(parts).toHaveLength(3);
    parts[0]!.apply(assertDeepEqual([0, 3, 6]));
    parts[1]!.apply(assertDeepEqual([1, 4]));
    parts[2]!.apply(assertDeepEqual([2, 5]));
    const result = await run(p);
    expect(result.deadLetters).toEqual([
      expect.objectContaining({ stage: 'byMod', payload: 99, reason: expect.stringMatching(/returned 3; expected an integer in \[0, 2\]/) as unknown }),
    ]);
  });
});

describe('names', () => {
  it('auto-derives unique names and scopes composites', () => {
    const p = new Pipeline();
    const double = composite('double', (input: PCollection<number>) =>
      input.map(function twice(x) {
        return x * 2;
      }),
    );
    const a = p.apply(create([1]));
    a.apply(double);
    a.apply(double);
    a.map((x) => x);
    a.map((x) => x);
    expect(p.nodes.map((n) => n.name)).toEqual(['create', 'double/map(twice)', 'double#2/map(twice)', 'map', 'map#2']);
  });

  it('a duplicate given name is an error that says which', () => {
    const p = new Pipeline();
    const a = p.apply(create([1]));
    a.map((x) => x + 1, 'increment');
    expect(() => a.map((x) => x + 1, 'increment')).toThrow(/Duplicate transform name "increment"/);
  });
});

describe('dead letters', () => {
  it('an exception for one element becomes a dead letter; the rest of the run goes on', async () => {
    const p = new Pipeline();
    const out = collect<number>();
    p.apply(create(['1', '2', 'x', '4']))
      .map((s) => {
        const n = Number(s);
        if (Number.isNaN(n)) throw new Error(`not a number: "${s}"`);
        return n;
      }, 'parse')
      .apply(out);
    const result = await run(p);
    expect(out.values).toEqual([1, 2, 4]);
    expect(result.deadLetterCount).toBe(1);
    expect(result.deadLetters[0]).toMatchObject({ stage: 'parse', payload: 'x', reason: 'not a number: "x"' });
  });

  it('failFast stops at the first failure with the stage and element', async () => {
    const p = new Pipeline();
    p.apply(create([1, 2, 3])).filter((x) => {
      if (x === 2) throw new Error('boom');
      return true;
    }, 'check');
    await expect(run(p, { failFast: true })).rejects.toThrow('[check] boom (element: 2)');
  });

  it('keeps at most maxDeadLettersInResult but counts all and reports each', async () => {
    const p = new Pipeline();
    p.apply(create(Array.from({ length: 50 }, (_, i) => i))).map(() => {
      throw new Error('always');
    });
    const seen: number[] = [];
    const result = await run(p, { maxDeadLettersInResult: 5, onDeadLetter: (d) => seen.push(d.payload as number) });
    expect(result.deadLetters).toHaveLength(5);
    expect(result.deadLetterCount).toBe(50);
    expect(seen).toHaveLength(50);
  });
});
