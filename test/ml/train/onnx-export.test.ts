/**
 * Every trained model's ONNX export gives the trainer's predictions on onnxruntime-web and
 * onnxruntime-node: labels identical, values and probabilities within 1e-5 absolute + 1e-4
 * relative (the ONNX graphs run in float32, predict in float64).
 */
import { describe, it } from 'vitest';
import * as train from '../../../src/ml/train/index.js';
import { expectOnnxMatches } from './onnx-check.js';
import { SEED, blobs, iris, regressionData, seededRng } from './data.js';

const rng = seededRng(SEED ^ 0x44);

describe(`ONNX export = predict (seed ${SEED})`, () => {
  it('linear and ridge regression', async () => {
    const { frame, y } = regressionData(rng, 500, 8);
    await expectOnnxMatches(train.fitLinearRegression(frame, y), frame);
    await expectOnnxMatches(train.fitLinearRegression(frame, y, { l2: 100 }), frame);
  });

  it('Gaussian naive Bayes on iris and on random blobs with labels that are not 0..k-1', async () => {
    const { frame, labels: y } = iris();
    await expectOnnxMatches(train.fitGaussianNB(frame, y), frame);
    const b = blobs(rng, 400, 6, 4, 2);
    await expectOnnxMatches(
      train.fitGaussianNB(
        b.frame,
        b.labels.map((l) => 3 * l - 2),
      ),
      b.frame,
    );
  });

  it('binary and multinomial logistic regression', async () => {
    const { frame, labels: y } = iris();
    await expectOnnxMatches(train.fitLogisticRegression(frame, y), frame);
    const b = blobs(rng, 400, 5, 2, 2);
    await expectOnnxMatches(
      train.fitLogisticRegression(
        b.frame,
        b.labels.map((l) => (l ? 7 : -1)),
      ),
      b.frame,
    );
  });
});
