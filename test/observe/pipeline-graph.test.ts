/** The status page's graph: operators (fused chains) with what they read from, across branches and a flatten. */
import { expect, it } from 'vitest';
import { Pipeline, create, flatten, pcollections, run } from '../../src/index.js';
import { graphOperators, upstreamStages } from '../../src/observe/pipeline-graph.js';

it('names each operator’s inputs by the first stage of the operator that produced them, or the source', async () => {
  const p = new Pipeline();
  const numbers = p
    .apply(create([1, 2, 3, 4]).withName('numbers'))
    .map((x: number) => x * 10, 'tens')
    .map((x: number) => x + 0, 'same');
  const evens = numbers.filter((x: number) => x % 20 === 0, 'evens');
  const odds = numbers.filter((x: number) => x % 20 !== 0, 'odds');
  const letters = p.apply(create(['a', 'b']).withName('letters'));
  pcollections<unknown>(evens, odds, letters)
    .apply(flatten().withName('merged'))
    .map((x: unknown) => String(x), 'text');
  const result = await run(p);
  const graph = graphOperators(upstreamStages(p), result.operators);
  // tens → same is one fused operator; "same" feeds two consumers, so it is not fused with them,
  // and they read from the operator named by its first stage. "merged" reads two operators and a source.
  const byFirst = new Map(graph.map((o) => [o.stages[0], o]));
  expect(byFirst.get('tens')).toMatchObject({ stages: ['tens', 'same'], from: ['numbers'], elementsIn: 4, elementsOut: 4 });
  expect(byFirst.get('evens')).toMatchObject({ stages: ['evens'], from: ['tens'], elementsIn: 4, elementsOut: 2 });
  expect(byFirst.get('odds')).toMatchObject({ stages: ['odds'], from: ['tens'], elementsOut: 2 });
  expect(byFirst.get('merged')).toMatchObject({ from: ['evens', 'odds', 'letters'], elementsIn: 6 });
  expect(graph.find((o) => o.stages.includes('text'))!.from).not.toContain('text');
});
