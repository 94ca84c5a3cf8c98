/**
 * On-device training declared in a pipeline file: `options: { runnel_models: { <name>: … } }`
 * declares each model's learning loop (its features, labels, trainer, retrain policy, promotion,
 * versions kept), which `WriteSamples` feeds and `RunInference` with `type: RunnelModel` serves.
 * It sits under `options:` because Beam's schema takes any mapping there (Beam hands options to
 * its runner, which ignores ones it does not know), so the file stays valid Beam YAML; each model
 * becomes a `ModelLifecycle` on the run's database.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Clock } from '../core/clock.js';
import { FastPathModelHandler } from '../ml/infer/fast-path-handler.js';
import { OnnxModelHandler } from '../ml/infer/onnx-handler.js';
import { ModelLifecycle, type FleetOptions, type LifecycleMetric, type ModelLifecycleOptions, type RetrainPolicy } from '../ml/lifecycle/index.js';
import { linearRegressionModel } from '../ml/onnx/builders/linear-regression.js';
import { linearRegression } from '../ml/train/linear-regression.js';
import { logisticRegression } from '../ml/train/logistic-regression.js';
import { gaussianNB } from '../ml/train/naive-bayes.js';
import type { SampleCaps } from '../store/samples.js';
import type { Store } from '../store/store.js';
import type { TensorSpec } from '../sync/manifest.js';
import type { ConfigReader } from './config.js';
import { parseDuration } from './duration.js';
import { configOf, DURATION, DURATION_OR_ZERO, NAME, type JsonSchema } from './schema/parts.js';

const POSITIVE_INTEGER: JsonSchema = { type: 'integer', minimum: 1, expected: 'a positive whole number' };
const POSITIVE: JsonSchema = { type: 'number', exclusiveMinimum: 0, expected: 'a positive number' };
const NON_NEGATIVE: JsonSchema = { type: 'number', minimum: 0, expected: 'a number ≥ 0' };
const FRACTION: JsonSchema = { type: 'number', exclusiveMinimum: 0, exclusiveMaximum: 1, expected: 'a fraction between 0 and 1' };

/** The trainers a model can name, with the output compared with its labels. */
const TRAINERS = {
  linear_regression: 'prediction',
  ridge: 'prediction',
  logistic_regression: 'label',
  gaussian_nb: 'label',
} as const;
type TrainerType = keyof typeof TRAINERS;

/** The trainers whose fit is a function of sufficient statistics, so `fleet:` can merge them across devices. */
const FLEET_TRAINERS: readonly TrainerType[] = ['linear_regression', 'ridge', 'gaussian_nb'];

/** A device id as the registry takes it in `fleet/<model>/<device>.json`. */
const DEVICE_ID: JsonSchema = {
  type: 'string',
  pattern: '^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$',
  expected: 'a device id: 1-100 letters, digits, ".", "_" or "-", starting with a letter or digit',
};

/** The schema of one model under `runnel_models:`. */
const MODEL: JsonSchema = configOf(
  {
    features: { type: 'array', items: NAME, minItems: 1, expected: 'a list of feature names, in the model input order' },
    horizon: DURATION_OR_ZERO,
    trainer: configOf(
      {
        type: { enum: Object.keys(TRAINERS), expected: Object.keys(TRAINERS).join(', ') },
        l2: NON_NEGATIVE,
        var_smoothing: NON_NEGATIVE,
      },
      ['type'],
    ),
    baseline: {
      ...configOf({ copy: NAME, model_uri: NAME }),
      minProperties: 1,
      maxProperties: 1,
      messages: {
        minProperties: 'give one of copy (a feature the first model predicts as is) or model_uri (an ONNX file)',
        maxProperties: 'give one of copy or model_uri, not both',
      },
    },
    retrain: configOf({
      every: DURATION,
      every_samples: POSITIVE_INTEGER,
      drift: configOf({ window: POSITIVE_INTEGER, error_ratio: POSITIVE, error_above: POSITIVE, feature_shift: POSITIVE }),
      min_samples: POSITIVE_INTEGER,
      max_samples: POSITIVE_INTEGER,
      check_every: DURATION,
    }),
    promotion: configOf({
      metric: { enum: ['rmse', 'mae', 'accuracy'], expected: 'rmse, mae or accuracy' },
      margin: NON_NEGATIVE,
      held_out: FRACTION,
    }),
    keep: POSITIVE_INTEGER,
    shadow: configOf({ min_samples: POSITIVE_INTEGER }, ['min_samples']),
    rollback: configOf({ window: DURATION, min_samples: POSITIVE_INTEGER }, ['window']),
    samples: configOf({ max_rows: POSITIVE_INTEGER, max_age: DURATION }),
    fleet: {
      anyOf: [{ const: true }, configOf({ device: DEVICE_ID }, ['device'])],
      expected: "true (publish as this run's device) or { device: <id> }",
    },
  },
  ['features', 'trainer'],
);

/** The schema of `options.runnel_models`: model name → its learning loop. */
export const RUNNEL_MODELS: JsonSchema = { type: 'object', expected: 'a mapping of model names to their settings', additionalProperties: MODEL };

/** What the run gives the models: the device profile's training budget, a clock, a log. */
export interface ModelSettings {
  /** A device profile's `training`: the newest samples a fit uses, and the time it may take. */
  readonly training?: { readonly maxSamples: number; readonly retrainBudgetMs: number };
  /** Default the system clock. */
  readonly clock?: Clock;
  /** Where each loop says what it did. */
  readonly log?: (line: string) => void;
  /**
   * The `fleet.publish` of a model declared with `fleet:` (its `device`, or undefined for the
   * run's own id): the run's registry sync. Without it such a model is refused at load.
   */
  readonly fleet?: (model: string, device: string | undefined) => FleetOptions['publish'];
}

/** A model a pipeline declares: its learning loop, the tensors its registry manifests declare, and how often the run should `tick` it. */
export interface PipelineModel {
  readonly name: string;
  readonly lifecycle: ModelLifecycle;
  readonly features: readonly string[];
  readonly tensors: { readonly inputs: readonly TensorSpec[]; readonly outputs: readonly TensorSpec[] };
  /** From `retrain.check_every` (default 10 s). */
  readonly checkEveryMs: number;
}

/** Opens the learning loop of each model `models` (the reader of `options.runnel_models`) declares, on `store`. */
export function openModels(models: ConfigReader, store: Store | undefined, pipelineDir: string, settings: ModelSettings): Map<string, PipelineModel> {
  const opened = new Map<string, PipelineModel>();
  for (const [name] of models.entries()) {
    if (store === undefined) {
      throw models.error(name, "a model learns from samples stored in the run's database: run the pipeline with one (runnel run <pipeline.yaml> --db <file>)");
    }
    opened.set(name, openModel(name, models.child(name, `model "${name}"`), store, pipelineDir, settings));
  }
  return opened;
}

function openModel(name: string, model: ConfigReader, store: Store, pipelineDir: string, settings: ModelSettings): PipelineModel {
  const features = model.names('features');
  const trainer = model.child('trainer');
  const type = trainer.string('type') as TrainerType;
  const retrain = model.child('retrain');
  const promotion = model.child('promotion');
  const hasChampion = ModelLifecycle.hasChampion(store, name);
  if (!hasChampion && !model.has('baseline')) {
    throw model.error(
      'baseline',
      `model "${name}" has no champion in ${store.path} yet: give baseline: { copy: <feature> } or { model_uri: <file.onnx> }, the first model to serve`,
      true,
    );
  }
  const options: ModelLifecycleOptions = {
    store,
    model: name,
    features,
    labels: { kind: 'ahead', horizonMs: parseDuration(model.raw('horizon')) ?? 0 },
    handler: new FastPathModelHandler({ fallback: new OnnxModelHandler() }),
    trainer: trainerOf(type, trainer),
    ...(model.has('fleet') ? { fleet: fleetOf(name, model, type, settings) } : {}),
    ...(hasChampion ? {} : { baseline: baselineOf(model.child('baseline'), features, pipelineDir, TRAINERS[type]) }),
    ...(settings.clock ? { clock: settings.clock } : {}),
    policy: policyOf(retrain, settings),
    promotion: {
      metric: (promotion.optionalString('metric') ?? (TRAINERS[type] === 'label' ? 'accuracy' : 'rmse')) as LifecycleMetric,
      ...numberOf(promotion, 'margin', 'margin'),
      ...numberOf(promotion, 'held_out', 'heldOutFraction'),
    },
    ...numberOf(model, 'keep', 'keep'),
    ...(model.has('shadow') ? { shadow: { minSamples: model.child('shadow').raw('min_samples') as number } } : {}),
    ...(model.has('rollback') ? { rollback: rollbackOf(model.child('rollback')) } : {}),
    ...(model.has('samples') ? { caps: capsOf(model.child('samples')) } : {}),
    output: TRAINERS[type],
    ...(settings.log ? { log: settings.log } : {}),
  };
  const tensors = {
    inputs: [{ name: 'features', type: 'float32', shape: ['N', features.length], features }],
    outputs: [TRAINERS[type] === 'label' ? { name: 'label', type: 'int64', shape: ['N'] } : { name: 'prediction', type: 'float32', shape: ['N', 1] }],
  };
  return { name, lifecycle: new ModelLifecycle(options), features, tensors, checkEveryMs: parseDuration(retrain.raw('check_every')) ?? 10_000 };
}

/** `rollback: { window, min_samples }`: a promotion whose live metric falls below its predecessor's within `window` is rolled back. */
function rollbackOf(rollback: ConfigReader): NonNullable<ModelLifecycleOptions['rollback']> {
  return { windowMs: parseDuration(rollback.raw('window'))!, ...numberOf(rollback, 'min_samples', 'minSamples') };
}

/** `samples: { max_rows, max_age }`: the caps of the model's stored samples, applied on each tick. */
function capsOf(samples: ConfigReader): SampleCaps {
  return { ...numberOf(samples, 'max_rows', 'maxRows'), ...(samples.has('max_age') ? { maxAgeMs: parseDuration(samples.raw('max_age'))! } : {}) };
}

/** `{ [to]: value }` when `key` is given, else nothing. */
function numberOf<K extends string>(config: ConfigReader, key: string, to: K): Partial<Record<K, number>> {
  return config.has(key) ? ({ [to]: config.raw(key) as number } as Record<K, number>) : {};
}

/** The trainer with its options, so the loop knows the kind of fit (fleet learning needs it). */
function trainerOf(type: TrainerType, trainer: ConfigReader): ModelLifecycleOptions['trainer'] {
  const l2 = trainer.raw('l2') as number | undefined;
  switch (type) {
    case 'linear_regression':
      return { trainer: linearRegression, options: { l2: l2 ?? 0 } };
    case 'ridge':
      return { trainer: linearRegression, options: { l2: l2 ?? 1 } };
    case 'logistic_regression':
      return { trainer: logisticRegression, options: l2 === undefined ? {} : { l2 } };
    case 'gaussian_nb': {
      const varSmoothing = trainer.raw('var_smoothing') as number | undefined;
      return { trainer: gaussianNB, options: varSmoothing === undefined ? {} : { varSmoothing } };
    }
  }
}

/** `fleet: true | { device }`: each fit's statistics go to the run's registry, for `runnel fleet merge`. */
function fleetOf(name: string, model: ConfigReader, type: TrainerType, settings: ModelSettings): FleetOptions {
  if (!FLEET_TRAINERS.includes(type)) {
    throw model.error(
      'fleet',
      `fleet learning merges the sufficient statistics of each device's fits, and a ${type} fit is not a function of them: use trainer type ${FLEET_TRAINERS.join(', ')}, or drop fleet`,
    );
  }
  if (!settings.fleet) {
    throw model.error(
      'fleet',
      `model "${name}" publishes its fits' statistics to the run's registry: run with one (runnel run --registry <dir | s3://bucket/prefix>, or RUNNEL_REGISTRY), or drop fleet`,
    );
  }
  const device = model.raw('fleet') === true ? undefined : model.child('fleet').string('device');
  return { publish: settings.fleet(name, device) };
}

function policyOf(retrain: ConfigReader, settings: ModelSettings): RetrainPolicy {
  const drift = retrain.child('drift');
  const maxSamples = (retrain.raw('max_samples') as number | undefined) ?? settings.training?.maxSamples;
  return {
    ...(retrain.has('every') ? { everyMs: parseDuration(retrain.raw('every'))! } : {}),
    ...numberOf(retrain, 'every_samples', 'everySamples'),
    ...(retrain.has('drift')
      ? {
          drift: {
            ...numberOf(drift, 'window', 'window'),
            ...numberOf(drift, 'error_ratio', 'errorRatio'),
            ...numberOf(drift, 'error_above', 'errorAbove'),
            ...numberOf(drift, 'feature_shift', 'featureShift'),
          },
        }
      : {}),
    ...numberOf(retrain, 'min_samples', 'minSamples'),
    ...(maxSamples === undefined ? {} : { maxSamples }),
    ...(settings.training ? { budgetMs: settings.training.retrainBudgetMs } : {}),
  };
}

/** The first model to serve: one that predicts a feature as it is (`copy`, for a regression scored on `output` `prediction`), or an ONNX file. */
function baselineOf(baseline: ConfigReader, features: readonly string[], pipelineDir: string, output: string): Uint8Array {
  const copy = baseline.optionalString('copy');
  if (copy !== undefined) {
    if (output !== 'prediction') throw baseline.error('copy', `copy makes a regression, and a classifier is scored on its "${output}" output: give model_uri, an ONNX classifier`);
    if (!features.includes(copy)) throw baseline.error('copy', `"${copy}" is not one of the model's features (${features.join(', ')})`);
    return linearRegressionModel({ weights: features.map((f) => (f === copy ? 1 : 0)), bias: 0 }, { featureNames: features });
  }
  const path = resolve(pipelineDir, baseline.string('model_uri'));
  try {
    return readFileSync(path);
  } catch (error) {
    throw baseline.error('model_uri', `cannot read ${path} (${(error as Error).message}); a relative path is read from the pipeline file's folder`);
  }
}
