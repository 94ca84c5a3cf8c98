/**
 * Training declared in a Beam YAML file (`options.runnel_models`, `WriteSamples`, `RunInference`
 * with `type: RunnelModel`), against a real Mosquitto: the readings of
 * examples/data/machine-temps.csv (test/support/machine-temps.ts) stored by the YAML pipeline are the samples the TypeScript
 * `writeSamples` stores from the same rows; a retrain of the YAML-declared loop gives the versions
 * and metrics (and ONNX bytes) a `ModelLifecycle` set up the same way in TypeScript gives; and the
 * running pipeline's RunInference serves the promoted version from then on. Bad declarations are
 * refused at load with file:line and the key.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seededRandom } from '../../src/common/random.js';
import { VirtualClock } from '../../src/core/clock.js';
import { Pipeline } from '../../src/core/pipeline.js';
import { frameOf } from '../../src/kernels/frame.js';
import { FastPathModelHandler } from '../../src/ml/infer/fast-path-handler.js';
import { OnnxModelHandler } from '../../src/ml/infer/onnx-handler.js';
import { ModelLifecycle, ModelVersionTable, SampleTable, writeSamples, type LabelSource, type ModelVersion } from '../../src/ml/lifecycle/index.js';
import { linearRegressionModel } from '../../src/ml/onnx/builders/linear-regression.js';
import { logisticRegressionModel } from '../../src/ml/onnx/builders/logistic-regression.js';
import { fitLinearRegression } from '../../src/ml/train/linear-regression.js';
import { run } from '../../src/runner/direct-runner.js';
import { Store } from '../../src/store/store.js';
import { eventStream, timestamped } from '../../src/testing/index.js';
import { loadYamlPipeline, type ModelSettings, type PipelineModel } from '../../src/yaml/index.js';
import { describeWithMosquitto, startMosquitto, type TestBroker } from '../support/mosquitto.js';
import { probeUntil, publishJson, publishLines } from '../support/mosquitto-clients.js';
import { MACHINE_TEMPS, type Reading } from '../support/machine-temps.js';
import { until } from '../support/until.js';
import { SEED } from '../seed.js';

const PROBE: Reading = { machine: 'probe', t: 0, temp: 0, load: 0 };
const FEATURES = ['temp', 'load'];
const LABELS: LabelSource = { kind: 'ahead', horizonMs: 10_000 };

const MODELS = `options:
  runnel_models:
    next_temp:
      features: [temp, load]
      horizon: 10s
      trainer: { type: ridge, l2: 0.001 }
      baseline: { copy: temp }
      retrain: { every_samples: 200 }
      promotion: { metric: rmse, margin: 0.05 }
      keep: 5
`;

const pipelineYaml = (port: number): string => `${MODELS}pipeline:
  transforms:
    - type: ReadFromMqtt
      name: Readings
      config:
        connection_configuration: { server_uri: 'tcp://127.0.0.1:${port}', topic: plant/+machine/temp, client_id: runnel-training-test }
        event_time_field: t
    - type: WriteSamples
      input: Readings
      config: { model: next_temp, key: machine, target: temp }
    - type: RunInference
      input: Readings
      config:
        model_handler: { type: RunnelModel, config: { model: next_temp } }
    - type: LogForTesting
      input: RunInference
`;

/** A version as compared across the two setups: what it is, not when it was made or how long its fit took. */
function comparable(v: ModelVersion): object {
  const { fitMs: _fitMs, ...metrics } = v.metrics;
  return {
    version: v.version,
    status: v.status,
    reason: v.reason,
    metrics,
    trainedRows: v.trainedRows,
    trainedFrom: v.trainedFrom,
    trainedTo: v.trainedTo,
    onnx: Buffer.from(v.onnx).toString('base64'),
  };
}

/** The same model and loop as the YAML's `options.runnel_models.next_temp`, in TypeScript, opened before the samples are written. */
async function typescriptLoop(readings: readonly Reading[]): Promise<{ store: Store; lifecycle: ModelLifecycle }> {
  const store = Store.open(':memory:');
  const p = new Pipeline();
  p.apply(
    eventStream(
      [...readings].sort((a, b) => a.t - b.t).map((r) => timestamped(r, r.t)),
      { maxLateness: 0 },
    ),
  ).apply(writeSamples<Reading>({ model: 'next_temp', features: FEATURES, key: (r) => r.machine, target: (r) => r.temp }));
  const lifecycle = new ModelLifecycle({
    store,
    model: 'next_temp',
    features: FEATURES,
    labels: LABELS,
    handler: new FastPathModelHandler({ fallback: new OnnxModelHandler() }),
    trainer: (frame, y) => fitLinearRegression(frame, y, { l2: 0.001 }),
    baseline: linearRegressionModel({ weights: [1, 0], bias: 0 }, { featureNames: FEATURES }),
    policy: { everySamples: 200 },
    promotion: { metric: 'rmse', margin: 0.05 },
    keep: 5,
    output: 'prediction',
  });
  const samples = new SampleTable(store);
  const stop = new AbortController();
  await run(p, { store, signal: stop.signal, onProgress: () => samples.size('next_temp') >= readings.length && stop.abort() });
  return { store, lifecycle };
}

/** The loop of `models` (a YAML `options:` block) opened on a fresh database holding every reading of machine-temps.csv as a sample. */
function declaredLoop(models: string, settings: ModelSettings = {}): { store: Store; lifecycle: ModelLifecycle } {
  const file = join(mkdtempSync(join(tmpdir(), 'runnel-yaml-training-loop-')), 'pipeline.yaml');
  const yaml = `${models}pipeline:
  transforms:
    - type: Create
      config: { elements: [{ a: 0 }] }
    - type: LogForTesting
      input: Create
`;
  writeFileSync(file, yaml);
  const store = Store.open(':memory:');
  const opened: PipelineModel[] = [];
  loadYamlPipeline(yaml, file, { store, log: () => undefined, onModel: (m) => opened.push(m), models: settings });
  const rows = MACHINE_TEMPS.map((r) => ({ model: 'next_temp', key: r.machine, eventTime: r.t, features: Float32Array.of(r.temp, r.load), target: r.temp }));
  new SampleTable(store).add(rows, [], 0);
  return { store, lifecycle: opened[0]!.lifecycle };
}

describeWithMosquitto('Beam YAML training: WriteSamples, runnel_models and RunnelModel', () => {
  let broker: TestBroker;
  beforeAll(async () => {
    broker = await startMosquitto();
  });
  afterAll(async () => {
    await broker?.stop();
  });

  it('stores the samples writeSamples stores, retrains as ModelLifecycle does, and serves the promotion', { timeout: 90_000 }, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'runnel-yaml-training-'));
    const file = join(dir, 'pipeline.yaml');
    const yaml = pipelineYaml(broker.port);
    writeFileSync(file, yaml);
    const store = Store.open(join(dir, 'run.db'));
    const lines: Record<string, unknown>[] = [];
    const models: PipelineModel[] = [];
    const pipeline = loadYamlPipeline(yaml, file, { store, log: (line) => lines.push(JSON.parse(line) as Record<string, unknown>), onModel: (m) => models.push(m) });
    expect(models.map((m) => [m.name, m.features])).toEqual([['next_temp', FEATURES]]);
    const { lifecycle } = models[0]!;
    const stop = new AbortController();
    const running = run(pipeline, { store, signal: stop.signal });
    const ts = await typescriptLoop([PROBE, ...MACHINE_TEMPS]);
    try {
      await probeUntil(broker.port, 'plant/probe/temp', PROBE, () => lines.some((l) => l['machine'] === 'probe'), 'a probe through the pipeline');
      for (const machine of ['m1', 'm2']) {
        await publishLines(
          broker.port,
          `plant/${machine}/temp`,
          MACHINE_TEMPS.filter((r) => r.machine === machine).map(({ t, temp, load }) => ({ t, temp, load })),
        );
      }
      const samples = new SampleTable(store);
      await until(() => samples.size('next_temp') === MACHINE_TEMPS.length + 1, 'every reading stored as a sample', 30_000);
      await until(() => lines.filter((l) => l['machine'] !== 'probe').length === MACHINE_TEMPS.length, 'every reading predicted', 30_000);
      // Before the retrain every prediction is the baseline's: the temperature as it is.
      expect(new Set(lines.map((l) => (l['inference'] as { model_id: string }).model_id))).toEqual(new Set(['next_temp@1']));
      expect(samples.labelled('next_temp', LABELS, 2)).toEqual(new SampleTable(ts.store).labelled('next_temp', LABELS, 2));

      const yamlEvent = await lifecycle.tick();
      const tsEvent = await ts.lifecycle.tick();
      expect(yamlEvent).toMatchObject({ action: 'promoted', version: 2, champion: 2 });
      const { fitMs: _a, ...yamlSaid } = yamlEvent;
      const { fitMs: _b, ...tsSaid } = tsEvent;
      expect(yamlSaid).toEqual(tsSaid);
      expect(new ModelVersionTable(store).list('next_temp').map(comparable)).toEqual(new ModelVersionTable(ts.store).list('next_temp').map(comparable));

      // The running pipeline serves v2 from its next bundle: its prediction is TypeScript's v2's.
      const next = { t: 1_200_000, temp: 30, load: 1 };
      await publishJson(broker.port, 'plant/m1/temp', next);
      await until(() => lines.some((l) => l['t'] === next.t), 'the reading after the promotion predicted', 30_000);
      const lease = await ts.lifecycle.served.lease();
      const expected = (await lease.model.run(frameOf(new Float32Array([next.temp, next.load]), FEATURES)))['prediction']!.data[0] as number;
      lease.done();
      const after = lines.find((l) => l['t'] === next.t)!['inference'] as { model_id: string; inference: number };
      expect(after.model_id).toBe('next_temp@2');
      expect(after.inference).toBeCloseTo(expected, 5);
      expect(after.inference).not.toBeCloseTo(next.temp, 2);
    } finally {
      stop.abort();
      await running;
      await lifecycle.close();
      await ts.lifecycle.close();
      ts.store.close();
      store.close();
    }
  });
});

describe('Beam YAML training: bad declarations are refused at load', () => {
  const dir = mkdtempSync(join(tmpdir(), 'runnel-yaml-training-bad-'));
  const file = join(dir, 'pipeline.yaml');
  const body = `pipeline:
  transforms:
    - type: Create
      name: Readings
      config: { elements: [{ machine: m1, temp: 20, load: 0 }] }
    - type: WriteSamples
      input: Readings
      config: { model: next_temp, key: machine, target: temp }
`;
  /** The message loading `yaml` fails with (with a database unless `store` is false), and the line it names. */
  const refusal = (yaml: string, store = true): { line: number; message: string } => {
    writeFileSync(file, yaml);
    const db = store ? Store.open(':memory:') : undefined;
    try {
      loadYamlPipeline(yaml, file, { log: () => undefined, ...(db ? { store: db, publish: () => undefined } : {}) });
    } catch (error) {
      expect(error).toMatchObject({ code: 'PIPELINE_INVALID' });
      const message = (error as Error).message;
      return { line: Number(/pipeline\.yaml:(\d+):/.exec(message)?.[1]), message };
    } finally {
      db?.close();
    }
    throw new Error('expected the pipeline to be refused');
  };
  const lineOf = (yaml: string, text: string): number => yaml.split('\n').findIndex((l) => l.includes(text)) + 1;
  const expectRefused = (yaml: string, line: number, words: string): void => {
    const refused = refusal(yaml);
    expect(refused.line, refused.message).toBe(line);
    expect(refused.message).toContain(words);
  };

  it('an unknown trainer, a bad duration, a margin below zero: the schema names the key', () => {
    for (const [from, to, key] of [
      ['type: ridge', 'type: random_forest', 'trainer.type'],
      ['horizon: 10s', 'horizon: soon', 'horizon'],
      ['margin: 0.05', 'margin: -1', 'margin'],
      ['every_samples: 200', 'every_sample: 200', 'every_sample'],
      ['keep: 5', 'keep: 5\n      rollback: { min_samples: 30 }', 'window'],
      ['keep: 5', 'keep: 5\n      samples: { max_age: forever }', 'max_age'],
    ] as const) {
      const yaml = MODELS.replace(from, to) + body;
      const { line, message } = refusal(yaml);
      expect(line, message).toBe(lineOf(yaml, to.split('\n').pop()!));
      expect(message).toContain(key.split('.').pop());
    }
  });

  it('WriteSamples and runnel_models without a database say to run with --db', () => {
    const withoutModels = refusal(body, false);
    expect(withoutModels.line).toBe(lineOf(body, 'model: next_temp'));
    expect(withoutModels.message).toMatch(/WriteSamples commits each sample .*--db/);
    const yaml = MODELS + body;
    const withModels = refusal(yaml, false);
    expect(withModels.line).toBe(lineOf(yaml, 'next_temp:'));
    expect(withModels.message).toContain('--db');
  });

  it('fleet: refused for a trainer whose fit is not a function of sufficient statistics, without a registry, and when malformed', () => {
    const fleet = (trainer: string, value: string): string => MODELS.replace('type: ridge, l2: 0.001', trainer).replace('keep: 5', `keep: 5\n      fleet: ${value}`) + body;
    expectRefused(
      fleet('type: logistic_regression', 'true'),
      lineOf(MODELS, 'keep: 5') + 1,
      'a logistic_regression fit is not a function of them: use trainer type linear_regression, ridge, gaussian_nb',
    );
    for (const trainer of ['type: ridge', 'type: linear_regression', 'type: gaussian_nb']) {
      expectRefused(fleet(trainer, 'true'), lineOf(MODELS, 'keep: 5') + 1, "publishes its fits' statistics to the run's registry: run with one (runnel run --registry");
    }
    for (const [value, words] of [
      ['yes', "expected true (publish as this run's device) or { device: <id> }, got"],
      ['false', "expected true (publish as this run's device) or { device: <id> }, got"],
      ['{ device: pi/7 }', 'expected a device id: 1-100 letters'],
      ['{ devce: pi-7 }', "expected true (publish as this run's device) or { device: <id> }, got"],
    ] as const) {
      expectRefused(fleet('type: ridge', value), lineOf(MODELS, 'keep: 5') + 1, words);
    }
  });

  it('a model WriteSamples or RunnelModel names must be declared; a baseline copies one of its features', () => {
    const undeclared = refusal(body);
    expect(undeclared.line).toBe(lineOf(body, 'model: next_temp'));
    expect(undeclared.message).toContain('no model "next_temp" is declared');
    const serving = `${MODELS + body}    - type: RunInference
      input: Readings
      config:
        model_handler: { type: RunnelModel, config: { model: next_tmp } }
    - type: LogForTesting
      input: RunInference
`;
    expectRefused(serving, lineOf(serving, 'next_tmp'), 'no model "next_tmp" is declared');
    const copy = MODELS.replace('copy: temp', 'copy: pressure') + body;
    expectRefused(copy, lineOf(copy, 'copy: pressure'), '"pressure" is not one of the model\'s features');
    const classifier = MODELS.replace('type: ridge, l2: 0.001', 'type: gaussian_nb') + body;
    expectRefused(classifier, lineOf(classifier, 'copy: temp'), 'a classifier is scored on its "label" output');
    const none = MODELS.replace('      baseline: { copy: temp }\n', '') + body;
    expectRefused(none, lineOf(none, 'next_temp:'), 'give baseline');
  });
});

describe('Beam YAML training: classifiers', () => {
  it.each(['gaussian_nb', 'logistic_regression'])(
    'a %s labelled by its own target (horizon 0) is scored by accuracy and promoted over a baseline that always says 0',
    async (trainer) => {
      const dir = mkdtempSync(join(tmpdir(), 'runnel-yaml-training-class-'));
      writeFileSync(join(dir, 'zero.onnx'), logisticRegressionModel({ weights: [[0, 0]], bias: [-1] })); // always class 0
      const yaml = `options:
  runnel_models:
    fault:
      features: [a, b]
      trainer: { type: ${trainer} }
      baseline: { model_uri: zero.onnx }
      retrain: { every_samples: 100 }
pipeline:
  transforms:
    - type: Create
      config: { elements: [{ a: 0 }] }
    - type: LogForTesting
      input: Create
`;
      const file = join(dir, 'pipeline.yaml');
      writeFileSync(file, yaml);
      const store = Store.open(':memory:');
      const models: PipelineModel[] = [];
      loadYamlPipeline(yaml, file, { store, log: () => undefined, onModel: (m) => models.push(m) });
      const random = seededRandom(SEED);
      // Class 1 when a + b > 0: separable, so the fit beats a baseline that always says class 0.
      const samples = Array.from({ length: 200 }, (_, i) => {
        const [a, b] = [random() * 2 - 1, random() * 2 - 1];
        return { model: 'fault', key: 'm', eventTime: i * 1000, features: Float32Array.of(a, b), target: a + b > 0 ? 1 : 0 };
      });
      new SampleTable(store).add(samples, [], 0);
      const { lifecycle } = models[0]!;
      try {
        const event = await lifecycle.tick();
        expect(event, event.summary).toMatchObject({ action: 'promoted', version: 2 });
        expect(event.summary).toMatch(/accuracy/);
        expect(event.scores!.challenger).toBeGreaterThan(0.7);
      } finally {
        await lifecycle.close();
        store.close();
      }
    },
  );
});

describe('Beam YAML training: the device budget', () => {
  it("a device profile's training.maxSamples caps the samples a fit uses; the file's max_samples wins over it", async () => {
    const trained = async (models: string, training?: { maxSamples: number; retrainBudgetMs: number }): Promise<number> => {
      const { store, lifecycle } = declaredLoop(models, training ? { training } : {});
      try {
        const event = await lifecycle.tick();
        expect(event, event.summary).toMatchObject({ action: 'promoted', version: 2 });
        return new ModelVersionTable(store).get('next_temp', 2)!.trainedRows;
      } finally {
        await lifecycle.close();
        store.close();
      }
    };
    // 238 labelled samples (each machine's last has no next reading): a quarter (59) held out.
    expect(await trained(MODELS)).toBe(238 - 59);
    // 60 newest: 15 held out.
    expect(await trained(MODELS, { maxSamples: 60, retrainBudgetMs: 1000 })).toBe(45);
    expect(await trained(MODELS.replace('every_samples: 200', 'every_samples: 200, max_samples: 100'), { maxSamples: 60, retrainBudgetMs: 1000 })).toBe(75);
  });
});

describe('Beam YAML training: the retrain interval', () => {
  it('retrain.every: 1m retrains on the clock the run gives, not before', async () => {
    const clock = new VirtualClock(0);
    const { store, lifecycle } = declaredLoop(MODELS.replace('every_samples: 200', 'every: 1m'), { clock });
    try {
      clock.set(59_999);
      expect((await lifecycle.tick()).action).toBe('none');
      clock.set(60_000);
      expect(await lifecycle.tick()).toMatchObject({ action: 'promoted', version: 2, trigger: '60000 ms since the last fit' });
    } finally {
      await lifecycle.close();
      store.close();
    }
  });
});

describe('Beam YAML training: shadow, rollback and sample caps reach the loop', () => {
  const withKeys = (keys: string, retrain = 'every_samples: 200'): string => `${MODELS.replace('every_samples: 200', retrain)}      ${keys}\n`;

  it('shadow: { min_samples } keeps a challenger that passed the held-out check in shadow, not serving', async () => {
    const { store, lifecycle } = declaredLoop(withKeys('shadow: { min_samples: 1000 }'));
    try {
      expect(await lifecycle.tick()).toMatchObject({ action: 'shadow', version: 2, champion: 1 });
    } finally {
      await lifecycle.close();
      store.close();
    }
  });

  it('rollback: { window, min_samples } rolls back a version live samples score worse than its predecessor', async () => {
    const clock = new VirtualClock(0);
    const { store, lifecycle } = declaredLoop(withKeys('rollback: { window: 1h, min_samples: 30 }', 'every: 1h'), { clock });
    try {
      // A version from elsewhere that gets the temperature badly wrong; live samples come after it.
      const wrong = linearRegressionModel({ weights: [-1, 0], bias: 0 }, { featureNames: FEATURES });
      expect(await lifecycle.adopt(wrong, { reason: 'a bad version' })).toMatchObject({ action: 'promoted', version: 2 });
      const later = MACHINE_TEMPS[MACHINE_TEMPS.length - 1]!.t + 10_000 - MACHINE_TEMPS[0]!.t;
      new SampleTable(store).add(
        MACHINE_TEMPS.map((r) => ({ model: 'next_temp', key: r.machine, eventTime: r.t + later, features: Float32Array.of(r.temp, r.load), target: r.temp })),
        [],
        0,
      );
      clock.set(1000);
      expect(await lifecycle.tick()).toMatchObject({ action: 'rolled-back', version: 2, champion: 1 });
    } finally {
      await lifecycle.close();
      store.close();
    }
  });

  it('samples: { max_rows, max_age } prunes the stored samples on a tick', async () => {
    const newest = MACHINE_TEMPS[MACHINE_TEMPS.length - 1]!.t;
    for (const [caps, left] of [
      ['samples: { max_rows: 50 }', 50],
      ['samples: { max_age: 1m }', MACHINE_TEMPS.filter((r) => r.t >= newest - 60_000).length],
    ] as const) {
      const { store, lifecycle } = declaredLoop(withKeys(caps, 'every: 1h'), { clock: new VirtualClock(newest) });
      try {
        await lifecycle.tick();
        expect(new SampleTable(store).size('next_temp'), caps).toBe(left);
      } finally {
        await lifecycle.close();
        store.close();
      }
    }
  });
});
