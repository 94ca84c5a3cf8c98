import { systemClock, type Clock } from '../../core/clock.js';
import { Inbox, type RetentionCaps } from '../../store/inbox.js';
import { Store } from '../../store/store.js';
import { jsonPayload, type PayloadCodec } from '../payload-codecs.js';
import { CommitGate, type IngestStats } from './commit-gate.js';
import { systemTimers, type Timers } from './connection.js';
import { validateDedupe, type DedupeBy } from './dedupe.js';
import { ingestDecoder, type DecodedMessage } from './ingest-decoder.js';
import { parseTopicFilter, type TopicFilter } from './topic-filter.js';

/**
 * What an acknowledged message survives. `process`: the inbox row is committed in WAL mode with
 * `synchronous=NORMAL` before the acknowledgement, so a killed or crashed Runnel loses nothing it
 * acknowledged; a power cut or kernel crash may roll back the last commits. `power`:
 * `synchronous=FULL`, the commit is fsynced before the acknowledgement, so acknowledged messages
 * survive a power cut too. Both commit in groups (acknowledgements wait for the commit).
 */
export type Durability = 'process' | 'power';

/** `maxPayloadBytes` when not given: 256 KiB. */
export const DEFAULT_MAX_PAYLOAD_BYTES = 256 * 1024;

/** The options both front doors of durable ingest share (`MqttIngest`, `startEmbeddedBroker`). */
export interface IngestOptions {
  /** The source's name: its rows, offsets and dead letters are filed under it. */
  readonly name: string;
  /** Filters, `+`/`#` levels optionally named (`sensors/+device/temp`). */
  readonly topics: string | readonly string[];
  /** Default `jsonPayload()`. */
  readonly codec?: PayloadCodec;
  /** Payload field holding the event time (epoch ms or ISO 8601); default the arrival time. */
  readonly eventTimeField?: string;
  /** Default `content` when `eventTimeField` is set, else `none` (identical payloads are different messages). */
  readonly dedupe?: DedupeBy;
  /** How long dedupe keys are remembered, in ms (default 24 h). */
  readonly dedupeWindowMs?: number;
  /** Default `process`. */
  readonly durability?: Durability;
  /** Larger payloads become dead letters (default 256 KiB). */
  readonly maxPayloadBytes?: number;
  readonly retention?: RetentionCaps;
  /** First retry delay while acknowledging is stopped, in ms (default 200; doubled per failure up to 30 s). */
  readonly retryMs?: number;
  readonly clock?: Clock;
  readonly timers?: Timers;
  /** Where warnings go (a full disk, dropped messages); default `console.warn`. */
  readonly log?: (message: string) => void;
  /** Called after each committed batch, before its acknowledgements go out (for metrics). */
  readonly onCommit?: (stats: Readonly<IngestStats>) => void;
}

/** A front door's ingest, opened: the engine, and what the front door needs to route messages. */
export interface OpenedIngest {
  readonly gate: CommitGate;
  readonly filters: readonly TopicFilter[];
  readonly codec: PayloadCodec;
  /** A received payload as an inbox row or a dead letter (never throws). */
  readonly decode: (topic: string, payload: Buffer, qos: 0 | 1 | 2, redelivered?: boolean) => DecodedMessage;
  /** Gives back what is held and closes the store opened for `power`. */
  close(): void;
}

/**
 * Checks `options` (throwing a `TypeError`/`RangeError` that names the option and the fix, before
 * anything is opened), then opens the inbox — through a second connection to `store`'s file
 * with `synchronous=FULL` for `power` — and the commit engine. `where` names the front door in
 * errors and log lines; `hooks` are the engine's block/resume callbacks.
 */
export function openIngest(store: Store, options: IngestOptions, where: string, hooks: { onBlock?: () => void; onResume?: () => void } = {}): OpenedIngest {
  const durability = options.durability ?? 'process';
  if (durability !== 'process' && durability !== 'power') throw new TypeError(`${where}: durability must be "process" or "power", got "${String(durability)}"`);
  if (durability === 'power' && store.path === ':memory:') throw new TypeError(`${where}: durability "power" needs a database file, not :memory:`);
  const filters = (typeof options.topics === 'string' ? [options.topics] : options.topics).map(parseTopicFilter);
  if (filters.length === 0) throw new TypeError(`${where}: topics must name at least one filter`);
  const dedupe = options.dedupe ?? (options.eventTimeField ? 'content' : 'none');
  validateDedupe(dedupe, where);
  const maxPayloadBytes = options.maxPayloadBytes ?? DEFAULT_MAX_PAYLOAD_BYTES;
  if (!Number.isInteger(maxPayloadBytes) || maxPayloadBytes < 1) throw new RangeError(`${where}: maxPayloadBytes must be a positive integer, got ${maxPayloadBytes}`);
  const codec = options.codec ?? jsonPayload();
  const clock = options.clock ?? systemClock;
  const decode = ingestDecoder({ codec, eventTimeField: options.eventTimeField, dedupe, maxPayloadBytes, clock });

  const log = options.log ?? ((m: string) => console.warn(m));
  if (dedupe === 'none') {
    log(
      `[runnel] ${where}: no dedupe key (neither eventTimeField nor dedupe is set), so a QoS 1/2 message the broker sends again after a crash or a lost acknowledgement is stored twice (at least once). For exactly once, set dedupe: { field: '<a unique id or sequence field>' }, or eventTimeField.`,
    );
  }
  const inboxStore = durability === 'power' && store.db.pragma('synchronous', { simple: true }) !== 2 ? Store.open(store.path, { synchronous: 'FULL' }) : store;
  const gate = new CommitGate(new Inbox(inboxStore, options.name, options.retention), {
    where,
    retention: options.retention,
    retryMs: options.retryMs ?? 200,
    dedupeWindowMs: options.dedupeWindowMs ?? 24 * 3600_000,
    clock,
    timers: options.timers ?? systemTimers,
    log,
    onCommit: options.onCommit,
    ...hooks,
  });
  return {
    gate,
    filters,
    codec,
    decode,
    close() {
      gate.close();
      if (inboxStore !== store) inboxStore.close();
    },
  };
}
