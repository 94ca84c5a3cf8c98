/**
 * Sinks into the store's training tables, committed in the same transaction as the step that
 * produced the elements (like `writeOutbox`): `writeSamples` stores features (and, for
 * self-supervised labels, the series' own value), `writeLabels` stores a label stream that is
 * joined to samples by key and event time when training. Both need a durable run.
 */
import type { TrainingRow } from '../../core/graph.js';
import type { PCollection } from '../../core/pcollection.js';
import { PTransform, type ExpandContext } from '../../core/ptransform.js';

/** Options of `writeSamples`. */
export interface WriteSamplesOptions<T> {
  /** The model these samples train (the `model` of its `ModelLifecycle`). */
  readonly model: string;
  /** Feature names in the model's input order; each element must carry a finite number under each. */
  readonly features: readonly string[];
  /** The series an element belongs to (a sensor, a machine). */
  readonly key: (element: T) => string;
  /** The series' own value at this element: the self-supervised label of the sample h steps earlier. Omit when labels come from `writeLabels`. */
  readonly target?: (element: T) => number;
  /** The sample's event time; default the element's. */
  readonly eventTime?: (element: T) => number;
}

/** Options of `writeLabels`. */
export interface WriteLabelsOptions<T> {
  readonly model: string;
  readonly key: (element: T) => string;
  readonly label: (element: T) => number;
  /** The label's event time; default the element's. */
  readonly eventTime?: (element: T) => number;
}

class WriteTraining<T> extends PTransform<PCollection<T>, void> {
  constructor(
    readonly defaultName: string,
    private readonly row: (value: T, timestamp: number) => TrainingRow,
  ) {
    super();
  }

  expand(input: PCollection<T>, context: ExpandContext): void {
    context.addNode({ kind: 'training', row: this.row }, [input], 0);
  }
}

function checkModel(caller: string, model: string): void {
  if (typeof model !== 'string' || model === '') throw new TypeError(`${caller}: model must be the model's name (a non-empty string)`);
}

function finite(value: unknown, what: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) throw new RangeError(`${what} is ${JSON.stringify(value)}, not a finite number; impute or drop it before writeSamples`);
  return value;
}

/** Stores each element as a training sample of `options.model`; an element lacking a feature becomes a dead letter. */
export function writeSamples<T>(options: WriteSamplesOptions<T>): PTransform<PCollection<T>, void> {
  checkModel('writeSamples', options.model);
  if (!Array.isArray(options.features) || options.features.length === 0) throw new TypeError('writeSamples: features must name at least one feature, in the model input order');
  const { model, features, key, target, eventTime } = options;
  return new WriteTraining<T>(`samples(${model})`, (element, timestamp) => {
    const record = element as Record<string, unknown>;
    const values = new Float32Array(features.length);
    features.forEach((name: string, j) => (values[j] = finite(record[name], `feature "${name}"`)));
    return {
      table: 'samples',
      model,
      key: key(element),
      eventTime: eventTime ? eventTime(element) : timestamp,
      features: values,
      target: target ? finite(target(element), 'the target') : null,
    };
  });
}

/** Stores each element as a label of `options.model`'s samples of the same key (see `LabelSource` 'stream'). */
export function writeLabels<T>(options: WriteLabelsOptions<T>): PTransform<PCollection<T>, void> {
  checkModel('writeLabels', options.model);
  const { model, key, label, eventTime } = options;
  return new WriteTraining<T>(`labels(${model})`, (element, timestamp) => ({
    table: 'labels',
    model,
    key: key(element),
    eventTime: eventTime ? eventTime(element) : timestamp,
    label: finite(label(element), 'the label'),
  }));
}
