import { deadLetterCodeOf } from '../../common/dead-letter-codes.js';
import { messageOf } from '../../common/errors.js';
import { Bundle } from '../../core/bundle.js';
import { NO_FIRING } from '../../core/pane.js';
import type { ReadResult, Source, SourceContext, SourceReader } from '../../core/source.js';
import { GLOBAL_WINDOW } from '../../core/window.js';
import { Inbox, type InboxEntry } from '../../store/inbox.js';
import { ReadMarkers } from '../../store/read-markers.js';
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
  /** The payload field the ingest took event time from (as its option); unset when it stamped arrival time. */
  readonly eventTimeField?: string | undefined;
  /** Delete rows once a durable run has committed its offset past them (default true). */
  readonly deleteConsumed?: boolean;
  /** Called when a read closes, e.g. to stop the ingest feeding the inbox. */
  readonly onClose?: () => Promise<void> | void;
  /**
   * Payload bytes per bundle at most (default 1 MiB; a larger single row still goes alone):
   * bundles are bounded in bytes as well as rows, so a run of large payloads cannot take the heap.
   */
  readonly maxBundleBytes?: number;
}

/** The quarantine's reason: what happened and what to do. */
export const QUARANTINED =
  'quarantined: the process stopped twice (a crash or out of memory) while this message was being processed, so it is set aside; the payload is kept here to inspect';

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
  /** Rows up to this id go one per bundle: the process crashed while they were in flight. */
  #suspectThrough = 0;
  /** Crashes the suspect rows have been in flight for. */
  #crashes = 0;
  /** A row that was alone in flight for a second crash: dead-lettered instead of processed. */
  #quarantine: number | undefined;
  readonly #maxBytes: number;

  constructor(
    private readonly inbox: Inbox,
    private readonly markers: ReadMarkers,
    private readonly options: InboxSourceOptions,
    private readonly context: SourceContext,
    from: InboxCheckpoint | undefined,
  ) {
    this.#lastId = from?.lastId ?? 0;
    this.#deletedThrough = 0;
    this.#watermark = new BoundedOutOfOrderness(options.maxLateness, from?.maxSeen);
    this.#maxBytes = options.maxBundleBytes ?? 1024 * 1024;
    const marker = markers.get(options.name);
    // A marker is cleared on close: one past the checkpoint means the process died with those rows in flight.
    if (marker && marker.throughId > this.#lastId) {
      this.#crashes = marker.crashes + 1;
      this.#suspectThrough = Math.max(marker.suspectThrough, marker.throughId);
      if (marker.rows === 1 && this.#crashes >= 2) this.#quarantine = marker.throughId;
    } else if (marker && marker.suspectThrough > this.#lastId) {
      this.#crashes = marker.crashes;
      this.#suspectThrough = marker.suspectThrough;
    }
  }

  read(max: number): ReadResult<Record<string, unknown>> {
    // A durable runner commits the step whose checkpoint it took before it reads again.
    const consumed = this.#handedOut;
    const suspect = this.#lastId < this.#suspectThrough;
    const rows = this.inbox.entries(this.#lastId, suspect ? 1 : max);
    if (consumed !== undefined && (this.options.deleteConsumed ?? true) && (rows.length === 0 || consumed - this.#deletedThrough >= DELETE_EVERY)) {
      this.inbox.deleteThrough(consumed);
      this.#deletedThrough = consumed;
    }
    let bytes = 0;
    let taken = 0;
    while (taken < rows.length && (taken === 0 || bytes + rows[taken]!.payload.byteLength <= this.#maxBytes)) bytes += rows[taken++]!.payload.byteLength;
    const bundle = new Bundle<Record<string, unknown>>();
    if (taken === 0) return { bundle, done: false, idle: true };
    // Committed before the rows are decoded or processed: if the process dies with them, the next start knows.
    const through = rows[taken - 1]!.id;
    this.markers.set(this.options.name, { afterId: this.#lastId, throughId: through, rows: taken, crashes: suspect ? this.#crashes : 0, suspectThrough: this.#suspectThrough });
    for (let i = 0; i < taken; i++) {
      const row = rows[i]!;
      if (row.id === this.#quarantine) this.context.deadLetter(QUARANTINED, { topic: row.topic, payloadBase64: row.payload.toString('base64') }, 'QUARANTINED');
      else this.#decode(row, bundle);
    }
    this.#lastId = through;
    return { bundle, done: false, idle: false };
  }

  #decode(row: InboxEntry, bundle: Bundle<Record<string, unknown>>): void {
    let record: Record<string, unknown>;
    try {
      record = this.options.codec.decode(row.payload);
    } catch (error) {
      const reason = `${this.options.codec.name} payload rejected: ${messageOf(error)}`;
      this.context.deadLetter(reason, { topic: row.topic, payloadBase64: row.payload.toString('base64') }, deadLetterCodeOf(error, 'BAD_PAYLOAD'));
      return;
    }
    const filter = this.options.filters.length === 1 ? this.options.filters[0] : this.options.filters.find((f) => topicMatches(f.filter, row.topic));
    if (filter && (filter.names.length > 0 || filter.restName !== undefined)) Object.assign(record, topicFields(filter, row.topic));
    this.#watermark.observe(row.eventTime);
    bundle.push(record, row.eventTime, GLOBAL_WINDOW, NO_FIRING);
  }

  watermark(): number {
    return this.#watermark.watermark();
  }

  checkpoint(): InboxCheckpoint {
    this.#handedOut = this.#lastId;
    return { lastId: this.#lastId, maxSeen: this.#watermark.maxSeen };
  }

  async close(): Promise<void> {
    // A clean stop, not a crash: rows in flight are read again, with no suspicion.
    this.markers.clear(this.options.name);
    await this.options.onClose?.();
  }
}

/**
 * An unbounded source over one ingest source's inbox rows, in commit order: decoded records
 * with the topic's named parts as fields, at their event time, under a watermark that trails the
 * largest event time seen by `maxLateness`. Its checkpoint is the last row id consumed.
 *
 * Poison rows: before a bundle is processed, the rows in it are marked (in their own commit). A
 * start that finds the mark past its checkpoint knows the process died with those rows in flight
 * (a crash, or out of memory), and reads them one row per bundle; a row in flight alone for the
 * second such death is dead-lettered (`QUARANTINED`) instead of processed, so one bad message
 * cannot crash the device on every start. A clean close clears the mark.
 */
export function inboxSource(store: Store, options: InboxSourceOptions): Source<Record<string, unknown>> {
  return {
    bounded: false,
    eventTime: eventTimeOf(options.eventTimeField),
    open: (context, checkpoint) => {
      if (options.maxBundleBytes !== undefined && !(Number.isInteger(options.maxBundleBytes) && options.maxBundleBytes > 0)) {
        throw new RangeError(`inbox source "${options.name}": maxBundleBytes must be a positive integer, got ${options.maxBundleBytes}`);
      }
      return new InboxReader(new Inbox(store, options.name), new ReadMarkers(store), options, context, checkpoint as InboxCheckpoint | undefined);
    },
  };
}

/** What an ingest with this `eventTimeField` stamps its messages with. */
export function eventTimeOf(eventTimeField: string | undefined): 'arrival' | 'payload' {
  return eventTimeField === undefined ? 'arrival' : 'payload';
}
