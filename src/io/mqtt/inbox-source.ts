import { Bundle } from '../../core/bundle.js';
import { NO_FIRING } from '../../core/pane.js';
import type { ReadResult, Source, SourceContext, SourceReader } from '../../core/source.js';
import { GLOBAL_WINDOW } from '../../core/window.js';
import { Inbox } from '../../store/inbox.js';
import type { Store } from '../../store/store.js';
import { BoundedOutOfOrderness } from '../../core/windowing/watermark.js';
import type { PayloadCodec } from '../payload-codecs.js';
import { topicFields, topicMatches, type TopicFilter } from './topic-filter.js';

/** Options of `inboxSource`. */
export interface InboxSourceOptions {
  /** The ingest source whose rows to read. */
  readonly name: string;
  readonly codec: PayloadCodec;
  /** Filters whose named levels become fields (the first matching filter names them). */
  readonly filters: readonly TopicFilter[];
  /** Event-time disorder the watermark waits for, in ms. */
  readonly maxLateness: number;
  /** Delete rows once a durable run has committed its offset past them (default true). */
  readonly deleteConsumed?: boolean;
  /** Called when a read closes, e.g. to stop the ingest feeding the inbox. */
  readonly onClose?: () => Promise<void> | void;
}

/** Where an inbox reader resumes: after row `lastId`, with the largest event time seen. */
interface InboxCheckpoint {
  readonly lastId: number;
  readonly maxSeen: number;
}

/**
 * Consumed rows are deleted in groups, one statement for this many row ids (or sooner when the
 * inbox has nothing new): a delete per step cost a commit per step.
 */
const DELETE_EVERY = 1000;

class InboxReader implements SourceReader<Record<string, unknown>> {
  #lastId: number;
  /** The offset last handed to the runner; committed by the time it reads again. */
  #handedOut: number | undefined;
  /** Rows up to this id are deleted. */
  #deletedThrough: number;
  readonly #watermark: BoundedOutOfOrderness;

  constructor(
    private readonly inbox: Inbox,
    private readonly options: InboxSourceOptions,
    private readonly context: SourceContext,
    from: InboxCheckpoint | undefined,
  ) {
    this.#lastId = from?.lastId ?? 0;
    this.#deletedThrough = 0;
    this.#watermark = new BoundedOutOfOrderness(options.maxLateness, from?.maxSeen);
  }

  read(max: number): ReadResult<Record<string, unknown>> {
    const rows = this.inbox.entries(this.#lastId, max);
    // A durable runner commits the step whose checkpoint it took before it reads again.
    const consumed = this.#handedOut;
    if (consumed !== undefined && (this.options.deleteConsumed ?? true) && (rows.length === 0 || consumed - this.#deletedThrough >= DELETE_EVERY)) {
      this.inbox.deleteThrough(consumed);
      this.#deletedThrough = consumed;
    }
    const bundle = new Bundle<Record<string, unknown>>();
    for (const row of rows) {
      this.#lastId = row.id;
      let record: Record<string, unknown>;
      try {
        record = this.options.codec.decode(row.payload);
      } catch (error) {
        this.context.deadLetter(`${this.options.codec.name} payload rejected: ${(error as Error).message}`, { topic: row.topic, payloadBase64: row.payload.toString('base64') });
        continue;
      }
      const filter = this.options.filters.length === 1 ? this.options.filters[0] : this.options.filters.find((f) => topicMatches(f.filter, row.topic));
      if (filter) Object.assign(record, topicFields(filter, row.topic));
      this.#watermark.observe(row.eventTime);
      bundle.push(record, row.eventTime, GLOBAL_WINDOW, NO_FIRING);
    }
    return { bundle, done: false, idle: rows.length === 0 };
  }

  watermark(): number {
    return this.#watermark.watermark();
  }

  checkpoint(): InboxCheckpoint {
    this.#handedOut = this.#lastId;
    return { lastId: this.#lastId, maxSeen: this.#watermark.maxSeen };
  }

  async close(): Promise<void> {
    await this.options.onClose?.();
  }
}

/**
 * An unbounded source over one ingest source's inbox rows, in commit order: decoded records
 * with the topic's named parts as fields, at their event time, under a watermark that trails the
 * largest event time seen by `maxLateness`. Its checkpoint is the last row id consumed.
 */
export function inboxSource(store: Store, options: InboxSourceOptions): Source<Record<string, unknown>> {
  return {
    bounded: false,
    open: (context, checkpoint) => new InboxReader(new Inbox(store, options.name), options, context, checkpoint as InboxCheckpoint | undefined),
  };
}
