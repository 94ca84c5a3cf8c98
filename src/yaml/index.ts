import type { RunInferenceMetrics } from '../ml/infer/metrics.js';
import { dirname, resolve } from 'node:path';
import type { Pipeline } from '../core/pipeline.js';
import type { IngestStats } from '../io/mqtt/commit-gate.js';
import type { Store } from '../store/store.js';
import type { MqttEgress } from './transforms/index.js';
import { buildPipeline } from './build.js';
import { ConfigReader } from './config.js';
import { openModels, type ModelSettings, type PipelineModel } from './runnel-models.js';
import { YamlSource } from './source-map.js';
import { checkedPipelineSpec } from './schema/check.js';

/** Options of `loadYamlPipeline`. */
export interface YamlPipelineOptions {
  /** Where `LogForTesting` writes its lines (default: stdout). */
  log?: (line: string) => void;
  /** Folder relative file paths are resolved against (default: the current directory, as in Beam). */
  baseDir?: string;
  /** The run's database: `ReadFromMqtt` commits each message there before acknowledging it, `WriteToMqtt` sends through its outbox. */
  store?: Store;
  /** Told of each outbox stage `WriteToMqtt` wants published: start an `MqttSink` for it while the pipeline runs. */
  publish?: (egress: MqttEgress) => void;
  /** Told of each MQTT ingest `ReadFromMqtt` starts, with its live counters (e.g. for `/metrics`). */
  onIngest?: (source: string, stats: Readonly<IngestStats>) => void;
  /** Told of each `RunInference` step's inference metrics (its batches' latency, e.g. for `/metrics`). */
  onInference?: (metrics: RunInferenceMetrics) => void;
  /** Told of each model `options.runnel_models` declares, its learning loop open on `store`: tick it on its `checkEveryMs` and close it when the run ends. */
  onModel?: (model: PipelineModel) => void;
  /** The training budget (a device profile's `training`), clock and log of those models' loops. */
  models?: ModelSettings;
}

/**
 * Reads a Beam YAML pipeline (`text`, from the file named `file` in messages; files that ship with
 * it, such as a `RunInference` model, are found relative to that file's folder) into a Runnel
 * pipeline to hand to `run()`. A malformed file, an unknown transform type or option, or code in
 * a language Runnel does not run fails with a `RunnelError` (`PIPELINE_INVALID`) whose message
 * starts with `file:line:col`.
 */
export function loadYamlPipeline(text: string, file: string, options: YamlPipelineOptions = {}): Pipeline {
  const source = YamlSource.parse(text, file);
  const spec = checkedPipelineSpec(source);
  const pipelineDir = dirname(resolve(file));
  const models = openModels(
    new ConfigReader(source, ['options', 'runnel_models'], spec.options['runnel_models'], 'runnel_models'),
    options.store,
    pipelineDir,
    options.models ?? {},
  );
  for (const model of models.values()) options.onModel?.(model);
  const { onModel: _told, models: _settings, ...hooks } = options;
  return buildPipeline(source, spec, {
    ...hooks,
    log: options.log ?? ((line) => process.stdout.write(`${line}\n`)),
    baseDir: resolve(options.baseDir ?? '.'),
    pipelineDir,
    models,
  });
}

export { YAML_TRANSFORMS, type MqttEgress } from './transforms/index.js';
export type { ModelSettings, PipelineModel } from './runnel-models.js';
