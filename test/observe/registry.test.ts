/** The text format as a real Prometheus parser reads it: types, help, escaped labels, histogram buckets. */
import { expect, it } from 'vitest';
import { MetricsRegistry } from '../../src/observe/registry.js';
import { families, parsePrometheus } from './prometheus.js';

it('renders counters, gauges and a histogram that a Prometheus parser reads back, labels escaped', () => {
  const r = new MetricsRegistry();
  const awkward = 'a "quoted" \\ back\\slash\nand a new line';
  r.counter('runnel_things_total', 'Things.\nSecond line \\ of help.', ['stage']).inc({ stage: awkward }, 3);
  r.gauge('runnel_depth', 'Depth.').set({}, -Infinity);
  const h = r.histogram('runnel_wait_seconds', 'Waits.', [0.1, 1]);
  for (const v of [0.05, 0.1, 0.5, 2]) h.observe(v);
  const all = families(r.render());
  expect(all.get('runnel_things_total')).toEqual({
    name: 'runnel_things_total',
    help: 'Things.\nSecond line \\ of help.',
    type: 'COUNTER',
    metrics: [{ value: '3', labels: { stage: awkward } }],
  });
  expect(all.get('runnel_depth')!.metrics).toEqual([{ value: '-Inf' }]);
  expect(all.get('runnel_wait_seconds')).toMatchObject({ type: 'HISTOGRAM', metrics: [{ buckets: { '0.1': '2', '1': '3', '+Inf': '4' }, count: '4', sum: '2.65' }] });
});

it('refuses names Prometheus would not accept, counters without _total, wrong labels and a counter going down', () => {
  const r = new MetricsRegistry();
  expect(() => r.counter('runnel-things_total', 'x')).toThrow(/not a Prometheus name/);
  expect(() => r.counter('runnel_things', 'x')).toThrow(/must end in _total/);
  expect(() => r.gauge('runnel_g', 'x', ['le'])).toThrow(/cannot be a label name/);
  expect(() => r.histogram('runnel_h', 'x', [1, 0.5])).toThrow(/increasing/);
  const c = r.counter('runnel_c_total', 'x', ['stage']);
  expect(() => c.inc({ source: 'a' })).toThrow(/takes the labels \{stage\}, got \{source\}/);
  expect(() => c.inc({ stage: 'a' }, -1)).toThrow(/can only go up/);
  expect(() => r.counter('runnel_c_total', 'x')).toThrow(/registered twice/);
  expect(parsePrometheus(r.render())).toEqual([{ name: 'runnel_c_total', help: 'x', type: 'COUNTER', metrics: [] }]);
});
