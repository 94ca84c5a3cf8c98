/** Runnel's public API. */
export { Pipeline, PBegin, type Applicable } from './core/pipeline.js';
export { PCollection, PCollectionList, pcollections } from './core/pcollection.js';
export { PTransform, composite, type ExpandContext } from './core/ptransform.js';
export { TupleTag, tag, type DoFn, type ProcessContext, type FinishBundleContext } from './core/do-fn.js';
export type { CombineFn } from './core/combine-fn.js';
export {
  valueState,
  bagState,
  combiningState,
  eventTimer,
  processingTimer,
  type StatefulDoFn,
  type StatefulContext,
  type StatefulBundleContext,
  type ValueState,
  type BagState,
  type CombiningState,
  type Timer,
  type TimerDomain,
  type TimerSpec,
  type StateSpec,
  type ValueStateSpec,
  type BagStateSpec,
  type CombiningStateSpec,
} from './core/state.js';
export { kv, type KV, type WindowedValue } from './core/element.js';
export { Bundle } from './core/bundle.js';
export { GLOBAL_WINDOW, IntervalWindow, type BoundedWindow } from './core/window.js';
export { NO_FIRING, ON_TIME_AND_ONLY_FIRING, type PaneInfo, type PaneTiming } from './core/pane.js';
export { MIN_TIMESTAMP, MAX_TIMESTAMP, END_OF_GLOBAL_WINDOW } from './core/time.js';
export { systemClock, VirtualClock, type Clock } from './core/clock.js';
export { RunnelError, type RunnelErrorCode } from './common/errors.js';
export { DEAD_LETTER_CODES, RejectedInput, type DeadLetterCode } from './common/dead-letter-codes.js';
export type { Source, SourceReader, SourceContext, ReadResult } from './core/source.js';

export { create, arraySource } from './transforms/create.js';
export { read } from './transforms/read.js';
export { map, filter, flatMap } from './transforms/element-wise.js';
export { parDo, parDoWithOutputs, type ParDoOutputs } from './transforms/par-do.js';
export { statefulParDo } from './transforms/stateful-par-do.js';
export { withKeys } from './transforms/with-keys.js';
export { groupByKey } from './transforms/group-by-key.js';
export { combinePerKey, combineGlobally } from './transforms/combine.js';
export { sum, count, mean, min, max, topK, toList, allOf, type MeanAccumulator } from './transforms/combiners.js';
export { flatten } from './transforms/flatten.js';
export { partition } from './transforms/partition.js';

export { withTimestamps, windowInto, countWindows } from './transforms/windowing.js';
export { globalWindows, fixedWindows, slidingWindows, sessions, type WindowFn } from './core/windowing/window-fns.js';
export {
  afterWatermark,
  afterCount,
  afterProcessingTime,
  afterSynchronizedProcessingTime,
  repeatedly,
  afterAny,
  afterAll,
  afterEach,
  orFinally,
  never,
  defaultTrigger,
  continuationTrigger,
  describeTrigger,
  type Trigger,
  type ProcessingTimeOptions,
} from './core/windowing/triggers.js';
export type { TimestampCombiner } from './core/windowing/timestamp-combiner.js';
export { DEFAULT_WINDOWING, continuationStrategy, type WindowingStrategy, type WindowOptions, type AccumulationMode } from './core/windowing/strategy.js';
export { BoundedOutOfOrderness } from './core/windowing/watermark.js';

export { DirectRunner, run } from './runner/direct-runner.js';
export { loadYamlPipeline, YAML_TRANSFORMS, type YamlPipelineOptions } from './yaml/index.js';
export type { RunOptions, RunProgress, PipelineResult, DeadLetter, OperatorMetrics } from './runner/types.js';

export * from './io/index.js';
export { writeOutbox } from './io/outbox.js';
export { Store, type StoreOptions, type Synchronous } from './store/store.js';

export * from './features/index.js';
export { loadKernels } from './kernels/module.js';

export * from './ml/infer/index.js';
export { onnxHandlerForDevice, runInferenceOptionsForDevice } from './config/inference-settings.js';
export { loadDeviceProfile, type DeviceProfile } from './config/device-profile.js';
export * from './ml/train/index.js';
/** The ONNX writer: graph builder, model builders (`onnx.linearRegressionModel`, …) and framework-shaped models. */
export * as onnx from './ml/onnx/index.js';
export * from './ml/evaluate/index.js';
/** The learning loop: training samples, retrain policy, champion/challenger, shadow, rollback (issue 16). */
export * from './ml/lifecycle/index.js';
/** Fleet learning: devices publish the sufficient statistics of their rows; a merge fits the pooled model (docs/models.md). */
export { mergeFleet, publishStatistics, queueStatistics, type FleetMergeOptions, type FleetMergeResult, type PublishedStatistics } from './ml/fleet/merge.js';
export { DirectoryDocuments, type DocumentStorage, type FleetDocument, type LeftOut } from './sync/fleet-documents.js';
export type { ModelRegistry, PullResult, PulledModel, PushDetails, PushOptions, Refusal, RefusalCode } from './sync/registry.js';
export { VerifiedRegistry, type EntryFile, type RegistryOptions, type VersionFiles, type VersionStorage } from './sync/verified-registry.js';
export { DirectoryRegistry, type DirectoryRegistryOptions } from './sync/directory-registry.js';
/** Types only: the S3 module loads the AWS SDK, so it is opened through `openRegistry('s3://…')`. */
export type { S3Location, S3Objects, S3Registry, S3RegistryOptions } from './sync/s3-registry.js';
export { openRegistry, parseS3Url, type OpenedRegistry } from './sync/open-registry.js';
export { SyncQueue, type Announce, type ReportTarget, type SyncQueueOptions, type SyncRun } from './sync/sync-queue.js';
export { deviceReport, type DeviceReport, type ReportedModel } from './sync/device-report.js';
export { announcementTopic, listenForAnnouncements, mqttAnnouncer, parseAnnouncement } from './sync/announcements.js';
export { deviceKeys, generateKeyPair, keyIdOf, loadSigningKey, loadTrustSet, type DeviceKeys, type KeyPairFiles, type SigningKey, type TrustSet } from './sync/keys.js';
export type { ModelManifest, TrainedOn } from './sync/manifest.js';

export { MqttSink, type MqttSinkOptions, type MqttSinkStats } from './io/mqtt/sink.js';
export { readBuffer, type ReadBufferOptions, type BufferedMessage } from './io/mqtt/read-buffer.js';
export { mqttSource, type MqttSourceOptions } from './io/mqtt/source.js';
export { MqttIngest, type MqttIngestOptions, type MqttIngestStats } from './io/mqtt/ingest.js';
export type { Durability, IngestOptions } from './io/mqtt/ingest-options.js';
export { startEmbeddedBroker, type EmbeddedBroker, type EmbeddedBrokerOptions, type EmbeddedSourceOptions } from './io/mqtt/embedded-broker.js';
export type { BrokerAccessOptions } from './io/mqtt/broker-access.js';
export type { BrokerAcl, TopicGrants } from './io/mqtt/broker-acl.js';
export type { BrokerTlsOptions } from './io/mqtt/broker-listener.js';
export { setPassword } from './io/mqtt/broker-passwords.js';
export type { IngestStats } from './io/mqtt/commit-gate.js';
export { connectMqtt, toMqttOptions, type MqttConnection, type MqttConnectionOptions, type Backoff, type Timers } from './io/mqtt/connection.js';
export { inboxSource, type InboxSourceOptions } from './io/mqtt/inbox-source.js';
export type { DedupeBy } from './io/mqtt/dedupe.js';
export { jsonPayload, csvPayload, float32Payload, type PayloadCodec, type JsonPayloadOptions } from './io/payload-codecs.js';
export type { JsonLimits } from './io/json-limits.js';
export { Inbox, type RetentionCaps, type RetentionPolicy, type InboxUsage, type InboxRow } from './store/inbox.js';
export { inspectStore, type StoreReport, type InspectOptions, type InboxReport, type DeadLetterGroup, type OutboxReport, type OffsetReport } from './store/inspect.js';
