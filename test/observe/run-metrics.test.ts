/**
 * A run with the metrics server: `/readyz` before, while and after; `/metrics` parsed by a real
 * Prometheus text-format parser and checked against what the run itself reports.
 */
import { afterEach, expect, it } from 'vitest';
import { Bundle } from '../../src/core/bundle.js';
import { Pipeline } from '../../src/core/pipeline.js';
import type { Source } from '../../src/core/source.js';
import { RunInferenceMetrics } from '../../src/ml/infer/metrics.js';
import { RunMetrics } from '../../src/observe/run-metrics.js';
import { startObserveServer, type ObserveServer } from '../../src/observe/server.js';
import { read } from '../../src/transforms/read.js';
import { DeadLetterTable } from '../../src/store/dead-letters.js';
import { Store } from '../../src/store/store.js';
import { eventually, families, get, valueOf } from './prometheus.js';

const N = 1000;
const BUNDLE = 100;

/** An unbounded source: 0 … N-1 in bundles of `BUNDLE`, then idle until the run is stopped. */
const numbers: Source<number> = {
  bounded: false,
  open: () => {
    let next = 0;
    return {
      read: (max: number) => {
        const values = Array.from({ length: Math.max(0, Math.min(max, N - next)) }, (_, i) => next + i);
        next += values.length;
        return { bundle: Bundle.of(values), done: false, idle: values.length === 0 };
      },
      watermark: () => 0,
      close: () => {},
    };
  },
};

function pipeline(): Pipeline {
  const p = new Pipeline();
  p.apply(read(numbers, 'numbers'))
    .map((x: number) => {
      if (x % 7 === 0) throw new Error(`${x} is a multiple of 7`);
      return x;
    }, 'sevens')
    .map((x: number) => {
      if (x % 11 === 0) throw new Error(`${x} is a multiple of 11`);
      return x;
    }, 'elevens');
  return p;
}

let server: ObserveServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

it('serves the run: not ready before, ready while stepping, the documented series with the run’s values, not ready after', { timeout: 20_000 }, async () => {
  const metrics = new RunMetrics();
  server = await startObserveServer(metrics, { port: 0 });
  const port = server.port;
  expect(await get(port, '/healthz')).toEqual({ status: 200, body: 'ok\n' });
  const before = await get(port, '/readyz');
  expect(before.status).toBe(503);
  expect(before.body).toMatch(/^starting: /);
  expect((await get(port, '/nothing')).status).toBe(404);

  const stop = new AbortController();
  const running = metrics.run(pipeline(), { signal: stop.signal, bundleSize: BUNDLE, idleWaitMs: 5 });
  await eventually(async () => (await get(port, '/readyz')).status === 200, '/readyz to answer 200');
  expect((await get(port, '/readyz')).body).toBe('running\n');
  await eventually(async () => valueOf(families((await get(port, '/metrics')).body), 'runnel_elements_read_total') === N, `${N} elements read in /metrics`);
  stop.abort();
  const result = await running;

  // The counters stay after the run, with its final values.
  const all = families((await get(port, '/metrics')).body);
  expect(valueOf(all, 'runnel_elements_read_total')).toBe(N);
  // Bundles count every read, the idle (empty) ones too, as the run's result does.
  expect(valueOf(all, 'runnel_bundles_total')).toBe(result.bundles);
  expect(result.bundles).toBeGreaterThanOrEqual(N / BUNDLE);
  expect(all.get('runnel_elements_read_total')!.type).toBe('COUNTER');
  // Dead letters by stage and code equal the run's own.
  const byStage = new Map<string, number>();
  for (const d of result.deadLetters) byStage.set(`${d.stage}|${d.code}`, (byStage.get(`${d.stage}|${d.code}`) ?? 0) + 1);
  expect(byStage.size).toBe(2);
  const scraped = new Map(all.get('runnel_dead_letters_total')!.metrics.map((m) => [`${m.labels!.stage}|${m.labels!.code}`, Number(m.value)]));
  expect(scraped).toEqual(byStage);
  // 143 multiples of 7 below 1000; 91 of 11, 13 of them also of 7.
  expect([...scraped.values()].sort((a, b) => a - b)).toEqual([78, 143]);
  const steps = all.get('runnel_step_duration_seconds')!;
  expect(steps.type).toBe('HISTOGRAM');
  expect(Number(steps.metrics[0]!.count)).toBeGreaterThanOrEqual(N / BUNDLE);
  expect(steps.metrics[0]!.buckets!['+Inf']).toBe(steps.metrics[0]!.count);
  expect(all.get('process_resident_memory_bytes')!.type).toBe('GAUGE');
  expect(valueOf(all, 'process_resident_memory_bytes')).toBeGreaterThan(10 * 1024 * 1024);
  expect(valueOf(all, 'process_cpu_seconds_total')).toBeGreaterThan(0);
  // No MQTT ingest and no database: no inbox or outbox series.
  expect(all.get('runnel_messages_ingested_total')!.metrics).toEqual([]);
  expect(all.has('runnel_inbox_depth')).toBe(false);

  const after = await get(port, '/readyz');
  expect(after).toEqual({ status: 503, body: 'stopped: the pipeline finished\n' });
  expect((await get(port, '/healthz')).status).toBe(200);
});

it('a durable run reports its outbox depth, read from the database at each scrape', async () => {
  const store = Store.open(':memory:');
  try {
    const metrics = new RunMetrics({ store });
    expect(valueOf(families(metrics.render()), 'runnel_outbox_depth')).toBe(0);
    store.db
      .prepare("INSERT INTO outbox (output_id, stage, payload, event_time, window, pane, created_at) VALUES ('s:1:0', 's', '1', 0, '', '', 0), ('s:1:1', 's', '2', 0, '', '', 0)")
      .run();
    expect(valueOf(families(metrics.render()), 'runnel_outbox_depth')).toBe(2);
  } finally {
    store.close();
  }
});

it('times inference batches as runnel_inference_latency_seconds and sets runnel_model_version{model} from model events', () => {
  const metrics = new RunMetrics();
  const inference = new RunInferenceMetrics();
  metrics.watchInference(inference);
  for (const ms of [0.03, 0.2, 4, 700]) inference.batch(16, ms);
  metrics.modelEvent({ model: 'm', version: 0, kind: 'serving', at: 1 });
  metrics.modelEvent({ model: 'm', version: 3, kind: 'promoted', metric: { name: 'rmse', value: 0.5 }, at: 2 });
  // A challenger that lost leaves the version as it was.
  metrics.modelEvent({ model: 'm', version: 3, kind: 'kept', metric: { name: 'rmse', value: 0.4 }, at: 3 });
  const all = families(metrics.render());
  const latency = all.get('runnel_inference_latency_seconds')!;
  expect(latency.type).toBe('HISTOGRAM');
  expect(latency.metrics[0]).toMatchObject({ count: '4', buckets: { '0.00005': '1', '0.00025': '2', '0.005': '3', '0.5': '3', '1': '4', '+Inf': '4' } });
  expect(Number(latency.metrics[0]!.sum)).toBeCloseTo(0.70423, 9);
  expect(all.get('runnel_model_version')!.type).toBe('GAUGE');
  expect(valueOf(all, 'runnel_model_version', { model: 'm' })).toBe(3);
  const status = metrics.status();
  expect(status.latencyMs).toEqual({ p50: 0.2, p99: 700 });
  expect(status.models).toEqual([{ model: 'm', version: 3, kind: 'kept', metric: { name: 'rmse', value: 0.4 }, at: 3 }]);
  expect(status.modelEvents.map((e) => e.kind)).toEqual(['serving', 'promoted', 'kept']);
});

it("modelDecision: a learning loop's promotion, rejection and rollback are model events; a shadow start or an idle tick is none", () => {
  const metrics = new RunMetrics();
  metrics.modelDecision('m', { action: 'promoted', champion: 2 }, { name: 'rmse', value: 0.3 });
  metrics.modelDecision('m', { action: 'shadow', champion: 2 });
  metrics.modelDecision('m', { action: 'none', champion: 2 });
  metrics.modelDecision('m', { action: 'rejected', champion: 2 });
  metrics.modelDecision('m', { action: 'rolled-back', champion: 1 });
  expect(metrics.status().modelEvents.map(({ kind, version, metric }) => ({ kind, version, metric }))).toEqual([
    { kind: 'promoted', version: 2, metric: { name: 'rmse', value: 0.3 } },
    { kind: 'kept', version: 2, metric: undefined },
    { kind: 'rolled-back', version: 1, metric: undefined },
  ]);
  expect(valueOf(families(metrics.render()), 'runnel_model_version', { model: 'm' })).toBe(1);
});

it("status(): the pipeline's operators with what they read from and their counts, and the dead letters by stage and code", async () => {
  const metrics = new RunMetrics();
  const stop = new AbortController();
  const p = pipeline();
  const running = metrics.run(p, { signal: stop.signal, bundleSize: BUNDLE, idleWaitMs: 5, onProgress: (progress) => progress.elementsRead === N && stop.abort() });
  const result = await running;
  const status = metrics.status();
  // read → sevens → elevens: the two maps are fused into one operator reading from the source.
  expect(status.operators).toEqual([{ stages: ['sevens', 'elevens'], from: ['numbers'], elementsIn: N, elementsOut: result.operators[0]!.elementsOut }]);
  expect(status.elementsRead).toBe(N);
  expect(status.deadLetters.map(({ stage, code, count }) => ({ stage, code, count }))).toEqual([
    { stage: 'sevens', code: 'USER_CODE', count: 143 },
    { stage: 'elevens', code: 'USER_CODE', count: 78 },
  ]);
  expect(status.deadLetters[0]!.reason).toMatch(/is a multiple of 7/);
  expect(status.outbox).toBeNull();
  expect(status.latencyMs).toBeNull();
});

it('after the run closed its database, a scrape and the status page get the last depths and dead letters instead of failing', () => {
  const store = Store.open(':memory:');
  const metrics = new RunMetrics({ store });
  store.db.prepare("INSERT INTO outbox (output_id, stage, payload, event_time, window, pane, created_at) VALUES ('s:1:0', 's', '1', 0, '', '', 0)").run();
  new DeadLetterTable(store).add({ stage: 'ingest', reason: 'not JSON', code: 'BAD_JSON', payload: null, at: 0 });
  expect(metrics.status()).toMatchObject({ outbox: 1, deadLetters: [{ stage: 'ingest', code: 'BAD_JSON', count: 1 }] });
  store.close();
  expect(valueOf(families(metrics.render()), 'runnel_outbox_depth')).toBe(1);
  expect(metrics.status()).toMatchObject({ outbox: 1, deadLetters: [{ stage: 'ingest', count: 1 }] });
});
