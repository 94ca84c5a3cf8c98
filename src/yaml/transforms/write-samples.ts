import { writeSamples } from '../../ml/lifecycle/write-samples.js';
import { describe } from '../config.js';
import type { Row } from '../expressions.js';
import { configOf, NAME } from '../schema/parts.js';
import type { BuildContext, YamlTransform } from './yaml-transform.js';

/**
 * `WriteSamples` (`writeSamples`): stores each row as a training sample of `model`, one declared
 * under `options.runnel_models` (whose `features` it stores, in that order): the series is the
 * `key` field, the label source the `target` field (the label itself with `horizon: 0`, or the
 * label of the same key's sample `horizon` earlier), the event time the row's (or
 * `event_time_field`, epoch ms). Samples commit with the step that made them, so the run needs a
 * database (`runnel run --db`). A row lacking a feature or with a non-finite one is a dead letter.
 */
export const WriteSamples: YamlTransform = {
  kind: 'sink',
  configSchema: configOf({ model: NAME, key: NAME, target: NAME, event_time_field: NAME }, ['model', 'key']),
  build(input, { config, store, models }: BuildContext) {
    const name = config.string('model');
    if (store === undefined) {
      throw config.error('model', 'WriteSamples commits each sample with the step that made it: run the pipeline with a database (runnel run <pipeline.yaml> --db <file>)');
    }
    const model = models?.get(name);
    if (!model) {
      const declared = [...(models?.keys() ?? [])];
      throw config.error(
        'model',
        `no model "${name}" is declared: declare it under options: { runnel_models: { ${name}: { features, trainer, … } } }${declared.length ? ` (declared: ${declared.join(', ')})` : ''}`,
      );
    }
    const key = config.string('key');
    const target = config.optionalString('target');
    const eventTime = config.optionalString('event_time_field');
    input.apply(
      writeSamples<Row>({
        model: name,
        features: model.features,
        key: (row) => keyOf(row, key),
        ...(target === undefined ? {} : { target: (row: Row) => row[target] as number }),
        ...(eventTime === undefined ? {} : { eventTime: (row: Row) => timeOf(row, eventTime) }),
      }),
    );
  },
};

function keyOf(row: Row, field: string): string {
  const value = row[field];
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return String(value);
  throw new Error(`the key field "${field}" must be a string or a number, got ${describe(value)}`);
}

function timeOf(row: Row, field: string): number {
  const value = row[field];
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  throw new Error(`the event time field "${field}" must be epoch milliseconds, got ${describe(value)}`);
}
