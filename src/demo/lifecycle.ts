/**
 * Champion and challenger: on each retrain, a ridge regression is fitted on the recent labelled
 * samples except the newest quarter, both models are scored on that held-out quarter through
 * the handler that serves them, and the challenger is promoted only when its RMSE beats the
 * champion's by the margin: pushed to the registry, then hot-swapped into the served model.
 */
import { frameOf } from '../kernels/frame.js';
import { rmse } from '../ml/evaluate/metrics.js';
import type { FrameModelOptions } from '../ml/infer/frame-settings.js';
import type { ServedModel } from '../ml/infer/served-model.js';
import { type FrameModel, type ModelHandler } from '../ml/infer/types.js';
import { fitLinearRegression } from '../ml/train/linear-regression.js';
import type { ModelRegistry } from '../sync/directory-registry.js';
import type { ModelManifest } from '../sync/manifest.js';
import { FEATURES, MODEL_NAME, MODEL_TENSORS, modelId } from './model.js';
import type { SampleTable } from './samples.js';

/** The model serving now: its registry version (0: the built-in persistence baseline) and bytes. */
export interface Champion {
  readonly version: number;
  readonly bytes: Uint8Array;
  /** RMSE on the latest held-out slice, once a retrain has scored it. */
  readonly rmse?: number;
}

/** What one retrain did. */
export interface RetrainResult {
  readonly outcome: 'promoted' | 'kept' | 'waiting';
  /** Labelled samples used (training + held out). */
  readonly samples: number;
  readonly championRmse?: number;
  readonly challengerRmse?: number;
  /** The new version's manifest, when promoted. */
  readonly manifest?: ModelManifest;
  /** One line for people. */
  readonly summary: string;
}

/** Options of `Lifecycle`. */
export interface LifecycleOptions {
  readonly samples: SampleTable;
  readonly handler: ModelHandler<FrameModelOptions, FrameModel>;
  readonly registry: ModelRegistry;
  readonly served: ServedModel<{ id?: string }, FrameModel>;
  readonly champion: Champion;
  /** Relative RMSE improvement a challenger needs (default 0.02: 2 % better). */
  readonly margin?: number;
  /** Labelled samples needed before the first fit (default 40). */
  readonly minSamples?: number;
  /** Newest labelled samples a fit looks at (default 5000). */
  readonly recent?: number;
  /** Ridge penalty on the sum of squares (default 1). */
  readonly l2?: number;
}

export class Lifecycle {
  #champion: Champion;
  readonly #o: LifecycleOptions;

  constructor(options: LifecycleOptions) {
    this.#o = options;
    this.#champion = options.champion;
  }

  get champion(): Champion {
    return this.#champion;
  }

  async retrain(): Promise<RetrainResult> {
    const { samples, handler, registry, served } = this.#o;
    const minSamples = this.#o.minSamples ?? 40;
    const data = samples.labelled(this.#o.recent ?? 5000);
    if (data.rows < minSamples) return { outcome: 'waiting', samples: data.rows, summary: `waiting for samples (${data.rows} labelled, ${minSamples} needed)` };
    const d = FEATURES.length;
    const trainRows = data.rows - Math.max(10, Math.floor(data.rows / 4));
    const trainX = frameOf(data.x.subarray(0, trainRows * d), FEATURES);
    const heldX = frameOf(data.x.subarray(trainRows * d), FEATURES);
    const heldY = data.y.subarray(trainRows);
    const challenger = fitLinearRegression(trainX, data.y.subarray(0, trainRows), { l2: this.#o.l2 ?? 1 });
    const bytes = challenger.toOnnx({ graphName: MODEL_NAME });
    const championRmse = rmse(heldY, await predict(handler, this.#champion.bytes, heldX));
    const challengerRmse = rmse(heldY, await predict(handler, bytes, heldX));
    const scores =
      `challenger RMSE ${challengerRmse.toFixed(3)} vs champion v${this.#champion.version} ${championRmse.toFixed(3)} on ${heldY.length} held-out windows` +
      challenger.warnings.map((w) => ` (warning: ${w})`).join('');
    const margin = this.#o.margin ?? 0.02;
    if (!(challengerRmse < championRmse * (1 - margin))) {
      this.#champion = { ...this.#champion, rmse: championRmse };
      return { outcome: 'kept', samples: data.rows, championRmse, challengerRmse, summary: `kept v${this.#champion.version}: ${scores}` };
    }
    const manifest = await registry.push(MODEL_NAME, bytes, {
      ...MODEL_TENSORS,
      metrics: { rmse: challengerRmse, championRmse, heldOut: heldY.length },
      trainedOn: { samples: trainRows, from: data.at[0]!, to: data.at[trainRows - 1]! },
    });
    await served.swap(bytes, { id: modelId(manifest.version) });
    this.#champion = { version: manifest.version, bytes, rmse: challengerRmse };
    return { outcome: 'promoted', samples: data.rows, championRmse, challengerRmse, manifest, summary: `promoted v${manifest.version}: ${scores}` };
  }
}

/** The model's predictions for `frame`, run by the handler that serves it. */
async function predict(handler: ModelHandler<FrameModelOptions, FrameModel>, bytes: Uint8Array, frame: ReturnType<typeof frameOf>): Promise<Float32Array> {
  const model = await handler.load(bytes, { id: 'evaluation' });
  try {
    const out = await model.run(frame);
    return out['prediction']!.data as Float32Array;
  } finally {
    await model.release();
  }
}
