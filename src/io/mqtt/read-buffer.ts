import { Bundle } from '../../core/bundle.js';
import { deadLetterCodeOf } from '../../common/dead-letter-codes.js';
import { messageOf } from '../../common/errors.js';
import { NO_FIRING } from '../../core/pane.js';
import type { PBegin } from '../../core/pipeline.js';
import type { PCollection } from '../../core/pcollection.js';
import type { PTransform } from '../../core/ptransform.js';
import type { ReadResult, Source, SourceContext, SourceReader } from '../../core/source.js';
import { MAX_TIMESTAMP, MIN_TIMESTAMP } from '../../core/time.js';
import { GLOBAL_WINDOW } from '../../core/window.js';
import { lastInboxId, scanInbox, type InboxRow } from '../../store/inbox.js';
import type { Store } from '../../store/store.js';
import { read } from '../../transforms/read.js';
import type { PayloadCodec } from '../payload-codecs.js';
import { parseTopicFilter, topicFields, topicMatches, type TopicFilter } from './topic-filter.js';

/** A buffered message as `readBuffer` emits it without a codec; its event time is the element's timestamp. */
export interface BufferedMessage {
  readonly topic: string;
  readonly payload: Buffer;
  readonly qos: 0 | 1 | 2;
  /** When it arrived (ms since the epoch). */
  readonly arrivedAt: number;
}

/** What `readBuffer` replays. */
export interface ReadBufferOptions {
  /** MQTT topic filter (`sensors/+device/temp`, `plant/#`); named levels become fields when a codec is given. Default `#`. */
  readonly topic?: string;
  /** Only messages of this MQTT source (its name); default all sources. */
  readonly source?: string;
  /** Event time from (inclusive, ms since the epoch). */
  readonly from?: number;
  /** Event time to (exclusive). */
  readonly to?: number;
  /** Decodes payloads into records (topic fields added); a payload it rejects becomes a dead letter. */
  readonly codec?: PayloadCodec;
}

interface Checkpoint {
  readonly afterId: number;
  readonly lastId: number;
}

class BufferReader<T> implements SourceReader<T> {
  #afterId: number;
  #done = false;

  constructor(
    private readonly store: Store,
    private readonly options: ReadBufferOptions,
    private readonly filter: TopicFilter,
    private readonly context: SourceContext,
    /** The newest row when the read started: later arrivals belong to the live stream. */
    private readonly lastId: number,
    afterId: number,
  ) {
    this.#afterId = afterId;
  }

  read(max: number): ReadResult<T> {
    const { from, to, source, codec } = this.options;
    const exact = /[+#]/.test(this.filter.filter) ? undefined : this.filter.filter;
    const rows = scanInbox(this.store, {
      afterId: this.#afterId,
      limit: max,
      ...(source === undefined ? {} : { source }),
      ...(exact === undefined ? {} : { topic: exact }),
      ...(from === undefined ? {} : { fromEventTime: from }),
      ...(to === undefined ? {} : { toEventTime: to }),
    });
    const bundle = new Bundle<T>();
    for (const row of rows) {
      if (row.id > this.lastId) {
        this.#done = true;
        break;
      }
      this.#afterId = row.id;
      if ((to !== undefined && row.eventTime >= to) || (exact === undefined && !topicMatches(this.filter.filter, row.topic))) continue;
      const value = codec ? this.#decode(row, codec) : message(row);
      if (value !== undefined) bundle.push(value as T, row.eventTime, GLOBAL_WINDOW, NO_FIRING);
    }
    if (rows.length < max) this.#done = true;
    return { bundle, done: this.#done };
  }

  /** Decoded as the live `mqttSource` does: payload record, then the topic's named parts. */
  #decode(row: InboxRow, codec: PayloadCodec): Record<string, unknown> | undefined {
    try {
      return Object.assign(codec.decode(row.payload), topicFields(this.filter, row.topic));
    } catch (error) {
      this.context.deadLetter(
        `${codec.name} payload rejected: ${messageOf(error)}`,
        { topic: row.topic, payloadBase64: row.payload.toString('base64') },
        deadLetterCodeOf(error, 'BAD_PAYLOAD'),
      );
      return undefined;
    }
  }

  watermark(): number {
    return this.#done ? MAX_TIMESTAMP : MIN_TIMESTAMP;
  }

  checkpoint(): Checkpoint {
    return { afterId: this.#afterId, lastId: this.lastId };
  }

  close(): void {}
}

function message(row: InboxRow): BufferedMessage {
  return { topic: row.topic, payload: row.payload, qos: row.qos, arrivedAt: row.arrivedAt };
}

/**
 * A bounded source over the MQTT inbox: replays (backfills) the buffered messages matching a
 * topic filter and an event-time range, in arrival order, as they were when the read began.
 * Records are shaped as `mqttSource` shapes them, so the same pipeline runs on it as a batch and
 * on the live source as a stream. Only rows still in the inbox are replayed: a live `mqttSource`
 * deletes rows it has consumed unless `deleteConsumed: false`, and retention caps bound the rest.
 */
export function readBuffer(store: Store, options: ReadBufferOptions & { codec: PayloadCodec }): PTransform<PBegin, PCollection<Record<string, unknown>>>;
export function readBuffer(store: Store, options?: ReadBufferOptions): PTransform<PBegin, PCollection<BufferedMessage>>;
export function readBuffer(store: Store, options: ReadBufferOptions = {}): PTransform<PBegin, PCollection<unknown>> {
  const filter = parseTopicFilter(options.topic ?? '#');
  for (const bound of ['from', 'to'] as const) {
    const v = options[bound];
    if (v !== undefined && !Number.isFinite(v)) throw new RangeError(`readBuffer: ${bound} must be an event time in ms since the epoch, got ${v}`);
  }
  if (options.from !== undefined && options.to !== undefined && options.to <= options.from) {
    throw new RangeError(`readBuffer: to (${options.to}) must be after from (${options.from}); the range is [from, to)`);
  }
  const source: Source<unknown> = {
    bounded: true,
    open(context, checkpoint) {
      const from = checkpoint as Checkpoint | undefined;
      const lastId = from?.lastId ?? lastInboxId(store);
      return new BufferReader(store, options, filter, context, lastId, from?.afterId ?? 0);
    },
  };
  return read(source, 'readBuffer');
}
