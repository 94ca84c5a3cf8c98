import type { RunInferenceMetrics } from '../../ml/infer/metrics.js';
import type { PBegin } from '../../core/pipeline.js';
import type { PCollection } from '../../core/pcollection.js';
import type { IngestStats } from '../../io/mqtt/commit-gate.js';
import type { OutboxTarget } from '../../io/mqtt/outbox-publisher.js';
import type { Store } from '../../store/store.js';
import type { ConfigReader } from '../config.js';
import type { JsonSchema } from '../schema/parts.js';
import type { Row } from '../expressions.js';
import type { PipelineModel } from '../runnel-models.js';
import type { TransformSpec } from '../spec.js';

/** What every transform of a pipeline file is built with (`buildPipeline`'s options). */
export interface BuildOptions {
  /** Where `LogForTesting` writes its lines (one JSON object each). */
  readonly log: (line: string) => void;
  /** Relative file paths are resolved against this folder. */
  readonly baseDir: string;
  /** The pipeline file's folder: files that ship with the pipeline (a model) are found relative to it. */
  readonly pipelineDir: string;
  /** The run's database, for transforms that commit what they read (`ReadFromMqtt`); absent in a run without one. */
  readonly store?: Store;
  /** Asks the runner of the pipeline to publish an outbox stage to an MQTT broker (`WriteToMqtt`). */
  readonly publish?: (egress: MqttEgress) => void;
  /** Told of each MQTT ingest `ReadFromMqtt` starts, by source name (for its counters). */
  readonly onIngest?: (source: string, stats: Readonly<IngestStats>) => void;
  /** Told of each `RunInference` step's inference metrics (batch latency, for `/metrics`). */
  readonly onInference?: (metrics: RunInferenceMetrics) => void;
  /** The models `options.runnel_models` declares, by name (`WriteSamples` feeds them, `RunInference` serves them). */
  readonly models?: ReadonlyMap<string, PipelineModel>;
}

/** What a transform type's builder is given besides its input: the pipeline's options and its own place. */
export interface BuildContext extends BuildOptions {
  readonly spec: TransformSpec;
  /** The transform's full name in the Runnel pipeline (`Clean/WriteToMqtt` inside a composite `Clean`); its stages are named under it. */
  readonly scope: string;
  /** The transform's `config:`. */
  readonly config: ConfigReader;
}

/** An outbox stage to publish to an MQTT broker while the pipeline runs. */
export type MqttEgress = OutboxTarget<Row>;

/**
 * The outputs of a transform that has more than one: `main` (read as `<Transform>`), absent when
 * every output is named (`Partition`), and the named ones (read as `<Transform>.<name>`).
 */
export interface StepOutputs {
  readonly main?: PCollection<Row>;
  readonly named: ReadonlyMap<string, PCollection<Row>>;
  /** The output `error_handling` names, which the pipeline must read. */
  readonly errorOutput?: string;
}

/**
 * How one Beam YAML transform type becomes Runnel transforms. `configSchema` is the JSON Schema
 * of its `config:` (see `schema/parts.ts` for the common pieces): the pipeline schema checks every
 * transform's config against it before anything is built, so `build` reads a config of that shape
 * and reports only what a schema cannot express.
 */
export type YamlTransform = { readonly configSchema: JsonSchema } &
  /** Reads no input (`Create`, `ReadFromCsv`). */
  (
    | { readonly kind: 'root'; build(begin: PBegin, context: BuildContext): PCollection<Row> }
    /** Reads one collection (several inputs are flattened first) and produces one, or several. */
    | { readonly kind: 'step'; build(input: PCollection<Row>, context: BuildContext): PCollection<Row> | StepOutputs }
    /** Writes its input somewhere and has no output. */
    | { readonly kind: 'sink'; build(input: PCollection<Row>, context: BuildContext): void }
  );
