/**
 * Shared by the training examples: serve an exported ONNX model with `runInference` in a
 * pipeline (as a device would) and collect one prediction per row, in order.
 */
import { Pipeline, collect, create, run } from '../src/index.js';
import { OnnxModelHandler, runInference, servedModel, inferenceValues, type FrameLike, type InferenceValues, type PredictionResult } from '../src/ml/infer/index.js';

/** Runs each row of `frame` through `onnx` in a pipeline; returns the model outputs per row. */
export async function predictInPipeline(onnx: Uint8Array, id: string, frame: FrameLike): Promise<InferenceValues[]> {
  const rows = Array.from({ length: frame.rows }, (_, r) => Array.from(frame.view.subarray(r * frame.cols, (r + 1) * frame.cols)));
  const model = servedModel(new OnnxModelHandler(), onnx, { id });
  const out = collect<PredictionResult<number[]>>();
  const p = new Pipeline();
  p.apply(create(rows))
    .apply(runInference<number[]>(model, { maxBatchSize: 256 }))
    .apply(out);
  try {
    const result = await run(p, { bundleSize: 500 });
    if (result.deadLetterCount > 0) throw new Error(`${result.deadLetterCount} rows were rejected by model "${id}": ${result.deadLetters[0]!.reason}`);
  } finally {
    await model.close();
  }
  return out.values.map((r) => inferenceValues(r.inference));
}
