/** Checks a trained model's ONNX export against its predict on onnxruntime-web and -node. */
import { expect } from 'vitest';
import type { FrameLike } from '../../../src/kernels/frame.js';
import { isClassifier, type TrainedModel } from '../../../src/ml/train/index.js';
import { expectClose, expectRuntimesAgree, labels, runBoth, type Tolerance } from '../runtimes.js';

/** 1e-5 absolute + 1e-4 relative: the graphs run in float32, predict in float64. */
export const TOL: Tolerance = { abs: 1e-5, rel: 1e-4 };

/** Runs the export on both runtimes and compares it with predict/predictProba. */
export async function expectOnnxMatches(model: TrainedModel, frame: FrameLike): Promise<void> {
  const bytes = model.toOnnx();
  const { web, node } = await runBoth(bytes, { features: { data: frame.view.slice(0, frame.rows * frame.cols), dims: [frame.rows, frame.cols] } });
  expectRuntimesAgree(web, node, TOL);
  const pred = model.predict(frame);
  if (isClassifier(model)) {
    expect(labels(web['label']), `${model.kind} labels`).toEqual(Array.from(pred));
    expectClose(web['probabilities']!.data as Float32Array, model.predictProba(frame), TOL, `${model.kind} probabilities`);
  } else if (web['prediction']) {
    expectClose(web['prediction'].data as Float32Array, pred, TOL, `${model.kind} prediction`);
  } else {
    expect(labels(web['label']), `${model.kind} labels`).toEqual(Array.from(pred));
  }
}
