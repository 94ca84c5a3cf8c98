import type { PBegin } from '../../core/pipeline.js';
import type { PCollection } from '../../core/pcollection.js';
import type { PTransform } from '../../core/ptransform.js';
import type { Source } from '../../core/source.js';
import type { Store } from '../../store/store.js';
import { read } from '../../transforms/read.js';
import { jsonPayload } from '../payload-codecs.js';
import { eventTimeOf, inboxSource } from './inbox-source.js';
import { MqttIngest, type MqttIngestOptions } from './ingest.js';
import { parseTopicFilter } from './topic-filter.js';

/** Options of `mqttSource`: the ingest's, plus how the pipeline reads the inbox. */
export interface MqttSourceOptions extends MqttIngestOptions {
  /** Event-time disorder the watermark waits for, in ms (default 0). */
  readonly maxLateness?: number;
  /** Delete inbox rows once the durable run has committed past them (default true). */
  readonly deleteConsumed?: boolean;
  /** Told the ingest once it is connected (for stats and tests). */
  readonly onStart?: (ingest: MqttIngest) => void;
}

/**
 * Durable MQTT input for a pipeline: while the pipeline runs, an `MqttIngest` commits every
 * message to the inbox before acknowledging it, and the pipeline reads the inbox as a
 * checkpointed stream (see `inboxSource`). Records are the decoded payload plus the topic's
 * named parts (`sensors/+device/temp` adds `device`).
 */
export function mqttSource(store: Store, options: MqttSourceOptions): PTransform<PBegin, PCollection<Record<string, unknown>>> {
  const filters = (typeof options.topics === 'string' ? [options.topics] : options.topics).map(parseTopicFilter);
  const source: Source<Record<string, unknown>> = {
    bounded: false,
    eventTime: eventTimeOf(options.eventTimeField),
    async open(context, checkpoint) {
      const ingest = await MqttIngest.start(store, context.signal ? { ...options, signal: context.signal } : options);
      options.onStart?.(ingest);
      const inbox = inboxSource(store, {
        name: options.name,
        codec: options.codec ?? jsonPayload(),
        filters,
        maxLateness: options.maxLateness ?? 0,
        eventTimeField: options.eventTimeField,
        deleteConsumed: options.deleteConsumed ?? true,
        onClose: () => ingest.close(),
      });
      return inbox.open(context, checkpoint);
    },
  };
  return read(source, options.name);
}
