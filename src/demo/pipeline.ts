/**
 * The demo's pipeline, run durably on the store: the embedded broker's inbox → fixed one-second
 * windows in event time → `windowStats` per sensor (WASM kernels) → each window's features as a
 * training sample (`writeSamples`, committed with the step; its label is the sensor's next
 * window's mean temperature) and a prediction of that by the model serving now (outbox stage
 * `predictions`).
 */
import { kv, type KV } from '../core/element.js';
import { Pipeline } from '../core/pipeline.js';
import { fixedWindows } from '../core/windowing/window-fns.js';
import type { WindowFeatures } from '../features/window-features.js';
import { windowStats } from '../features/window-stats.js';
import type { EmbeddedBroker } from '../io/mqtt/embedded-broker.js';
import { writeOutbox } from '../io/outbox.js';
import { writeSamples } from '../ml/lifecycle/write-samples.js';
import { runInference } from '../ml/infer/run-inference.js';
import type { ServedModel } from '../ml/infer/served-model.js';
import type { FrameModel } from '../ml/infer/types.js';
import type { PredictionResult } from '../ml/infer/prediction.js';
import { FEATURES, MODEL_NAME, READINGS, STATS, TARGET, WINDOW_MS } from './model.js';

/** The outbox stage of predictions (what `MqttSink` publishes). */
export const PREDICTIONS_STAGE = 'predictions';

/** A prediction as it lands in the outbox and on `predictions/<sensor>`. */
export interface Prediction {
  readonly sensor: string;
  readonly windowStart: number;
  readonly windowEnd: number;
  /** This window's mean temperature, °C. */
  readonly tempMean: number;
  /** The model's forecast of the next window's mean temperature, °C. */
  readonly nextTempMean: number;
  readonly model: string;
}

/** Live counts of what passed through the pipeline in this process. */
export interface PipelineCounts {
  windows: number;
  predictions: number;
}

/** Options of `demoPipeline`. */
export interface DemoPipelineOptions {
  readonly broker: EmbeddedBroker;
  readonly model: ServedModel<{ id?: string }, FrameModel>;
  /** Largest inference batch (the device profile's `inference.maxBatch`). */
  readonly maxBatchSize?: number;
  /** Event-time disorder the watermark waits for, ms (default 500). */
  readonly maxLateness?: number;
}

/** What rides along with an example through inference. */
interface WindowKey {
  readonly key: string;
  readonly windowStart: number;
  readonly windowEnd: number;
  readonly tempMean: number;
}

/** Builds the pipeline; `counts` are updated as it runs. */
export function demoPipeline(options: DemoPipelineOptions): { pipeline: Pipeline; counts: PipelineCounts } {
  const counts: PipelineCounts = { windows: 0, predictions: 0 };
  const p = new Pipeline();
  const features = p
    .apply(options.broker.source({ maxLateness: options.maxLateness ?? 500 }))
    .windowInto(fixedWindows(WINDOW_MS), {}, 'oneSecondWindows')
    .apply(windowStats<Record<string, unknown>>(STATS, { features: READINGS, key: (r) => String(r['sensor']) }).withName('windowFeatures'));
  features.apply(
    writeSamples<WindowFeatures>({ model: MODEL_NAME, features: FEATURES, key: (w) => String(w.key), target: (w) => w[TARGET] as number, eventTime: (w) => w.windowStart }),
  );
  features
    .map((w): KV<WindowKey, Record<string, number>> => {
      counts.windows++;
      const example: Record<string, number> = {};
      for (const f of FEATURES) example[f] = w[f] as number;
      return kv({ key: String(w.key), windowStart: w.windowStart, windowEnd: w.windowEnd, tempMean: w[TARGET] as number }, example);
    }, 'toExample')
    .apply(runInference<WindowKey, Record<string, number>>(options.model, { keyed: true, maxBatchSize: options.maxBatchSize ?? 1024 }))
    .map(({ key, value }: KV<WindowKey, PredictionResult<Record<string, number>>>): Prediction => {
      counts.predictions++;
      return {
        sensor: key.key,
        windowStart: key.windowStart,
        windowEnd: key.windowEnd,
        tempMean: key.tempMean,
        nextTempMean: value.inference['prediction']!.data[0] as number,
        model: value.modelId,
      };
    }, 'toPrediction')
    .apply(writeOutbox<Prediction>().withName(PREDICTIONS_STAGE));
  return { pipeline: p, counts };
}
