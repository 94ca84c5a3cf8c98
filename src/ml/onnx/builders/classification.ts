/**
 * Helpers shared by classifiers: the `label` output (ArgMax over class scores, optionally
 * mapped to class labels with Gather) and the `probabilities` output.
 */
import type { GraphBuilder } from '../graph-builder.js';

/** Class labels: integers written to the `label` output in place of class indices. */
export interface ClassLabelOptions {
  /** Label of each class, in class order; default the class index 0..C-1. */
  classLabels?: readonly number[];
}

/** Appends `label` (int64 `[N]`) as the argmax of `scores` (`[N, classes]`); ties go to the lower index. */
export function appendLabel(g: GraphBuilder, scores: string, classes: number, n: string, labels?: readonly number[]): void {
  if (labels && labels.length !== classes) throw new RangeError(`classLabels: ${labels.length} labels for ${classes} classes`);
  if (labels && labels.some((l) => !Number.isSafeInteger(l))) throw new RangeError('classLabels must be integers');
  const index = g.op('ArgMax', [scores], {
    attributes: { axis: { kind: 'int', value: 1 }, keepdims: { kind: 'int', value: 0 } },
    ...(labels ? {} : { output: 'label' }),
  });
  const label = labels ? g.op('Gather', [g.int64s([classes], [...labels], 'class_labels'), index], { output: 'label' }) : index;
  g.output(label, 'int64', [n]);
}
