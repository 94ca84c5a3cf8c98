import type { IPublishPacket } from 'mqtt';
import { systemClock, type Clock } from '../../core/clock.js';
import { messageOf } from '../../core/errors.js';
import { Inbox, messageSize, type AppendResult, type InboxMessage, type InboxRejection, type RetentionCaps } from '../../store/inbox.js';
import { Store } from '../../store/store.js';
import { jsonPayload, type PayloadCodec } from '../payload-codecs.js';
import { connectMqtt, systemTimers, validateConnectionOptions, type AckHandler, type MqttConnection, type MqttConnectionOptions, type Timers } from './connection.js';
import { AckGate } from './ack-gate.js';
import { describeRetention } from './commit-gate.js';
import { ingestDecoder } from './ingest-decoder.js';
import { validateDedupe, type DedupeBy } from './dedupe.js';
import { parseTopicFilter } from './topic-filter.js';

/**
 * What an acknowledged message survives. `process`: the inbox row is committed in WAL mode with
 * `synchronous=NORMAL` before the PUBACK, so a killed or crashed Runnel loses nothing it
 * acknowledged; a power cut or kernel crash may roll back the last commits (the broker thinks
 * them delivered). `power`: `synchronous=FULL`, the commit is fsynced before the PUBACK, so
 * acknowledged messages survive a power cut too. Both commit in groups (acknowledgements wait in
 * an `AckGate` for the commit); with `power` several connections on a shared subscription let
 * more messages wait for one fsync.
 */
export type Durability = 'process' | 'power';

/** Options of `MqttIngest.start`. */
export interface MqttIngestOptions {
  /** The source's name: its rows, offsets and dead letters are filed under it. */
  readonly name: string;
  readonly connection: MqttConnectionOptions;
  /** Filters, `+`/`#` levels optionally named (`sensors/+device/temp`). */
  readonly topics: string | readonly string[];
  /** Subscription QoS (default 1). QoS 0 messages are buffered too, with no promise. */
  readonly qos?: 0 | 1 | 2;
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
  /**
   * Connections sharing the subscription (`$share/<clientId>/<filter>` when > 1; messages of a
   * topic then lose their relative order); default 1 (`process`) or 4 (`power`).
   */
  readonly connections?: number;
  /** Larger payloads become dead letters (default 256 KiB). */
  readonly maxPayloadBytes?: number;
  readonly retention?: RetentionCaps;
  /** How often a blocked source checks for room again, in ms (default 200). */
  readonly retryMs?: number;
  readonly clock?: Clock;
  readonly timers?: Timers;
  /** Where warnings go (a full disk, dropped messages); default `console.warn`. */
  readonly log?: (message: string) => void;
  /** Called after each committed batch, before its acknowledgements go out (for metrics). */
  readonly onCommit?: (stats: Readonly<MqttIngestStats>) => void;
}

/** Counters since start. */
export interface MqttIngestStats {
  received: number;
  stored: number;
  duplicates: number;
  deadLettered: number;
  dropped: number;
  /** QoS 0 messages lost because the source was blocked. */
  droppedQos0: number;
  /** Transactions committed. */
  commits: number;
  /** Times acknowledging stopped (cap reached, disk full, failed commit). */
  blocks: number;
}

interface Pending {
  readonly message?: InboxMessage;
  readonly rejection?: InboxRejection;
  /** Sends its PUBACK/PUBREC once committed (none for QoS 0). */
  readonly ack: (() => void) | undefined;
}

/**
 * QoS 0 messages carry no acknowledgement to gate, so they are committed in groups: at most
 * `QOS0_GROUP` messages or `QOS0_GROUP_MS` after the first one waits, whichever comes first
 * (a QoS 1/2 message on the same connection commits the waiting ones with it, in order).
 */
const QOS0_GROUP = 1000;
const QOS0_GROUP_MS = 10;

/**
 * Durable MQTT ingest: subscribes with a persistent MQTT 5 session and acknowledges each QoS 1/2
 * message (PUBACK/PUBREC, through mqtt.js `customHandleAcks`) only after its inbox row, or its
 * dead letter, is committed. When it cannot commit (a `block` cap, a full disk, any SQLite
 * error) it drops its connections without acknowledging and reconnects once there is room: the
 * broker holds the messages meanwhile and redelivers the unacknowledged ones.
 */
export class MqttIngest {
  readonly stats: MqttIngestStats = { received: 0, stored: 0, duplicates: 0, deadLettered: 0, dropped: 0, droppedQos0: 0, commits: 0, blocks: 0 };
  readonly inbox: Inbox;
  readonly #connections: MqttConnection[] = [];
  #pending: Pending[] = [];
  /** A commit scheduled for the end of this poll phase (group commit of QoS 1/2). */
  #flushSoon: NodeJS.Immediate | undefined;
  /** A commit scheduled for a waiting QoS 0 group. */
  #flushLater: NodeJS.Timeout | undefined;
  #blocked = false;
  #failures = 0;
  #retryTimer: unknown;
  #lastPrune = 0;
  #lastDropLog = 0;
  /** Commit once per event-loop turn even before the ack gate is in place (fsync per commit, or many connections). */
  readonly #groupCommit: boolean;

  private constructor(
    private readonly options: MqttIngestOptions,
    private readonly store: Store,
    private readonly ownsStore: boolean,
    private readonly clock: Clock,
    private readonly timers: Timers,
    private readonly log: (message: string) => void,
    private readonly decode: (topic: string, payload: Buffer, qos: 0 | 1 | 2, ack: Pending['ack']) => Pending,
  ) {
    this.inbox = new Inbox(store, options.name, options.retention);
    this.#groupCommit = options.durability === 'power' || (options.connections ?? 1) > 1;
  }

  /**
   * Opens the inbox (a second connection to `store`'s file with `synchronous=FULL` for
   * `power`), connects and subscribes. Rejects with a clear error when the broker refuses.
   */
  static async start(store: Store, options: MqttIngestOptions): Promise<MqttIngest> {
    const where = `mqtt source "${options.name}"`;
    if (typeof options.name !== 'string' || options.name === '') throw new TypeError('mqtt source: name is required (rows and offsets are filed under it)');
    validateConnectionOptions(options.connection, where);
    const durability = options.durability ?? 'process';
    if (durability !== 'process' && durability !== 'power') throw new TypeError(`${where}: durability must be "process" or "power", got "${String(durability)}"`);
    const connections = options.connections ?? (durability === 'power' ? 4 : 1);
    if (!Number.isInteger(connections) || connections < 1 || connections > 64) throw new RangeError(`${where}: connections must be an integer from 1 to 64, got ${connections}`);
    const qos = options.qos ?? 1;
    if (qos !== 0 && qos !== 1 && qos !== 2) throw new RangeError(`${where}: qos must be 0, 1 or 2, got ${String(qos)}`);
    const filters = (typeof options.topics === 'string' ? [options.topics] : options.topics).map(parseTopicFilter);
    if (filters.length === 0) throw new TypeError(`${where}: topics must name at least one filter`);
    const dedupe = options.dedupe ?? (options.eventTimeField ? 'content' : 'none');
    validateDedupe(dedupe, where);
    if (durability === 'power' && store.path === ':memory:') throw new TypeError(`${where}: durability "power" needs a database file, not :memory:`);
    const maxBytes = options.maxPayloadBytes ?? 256 * 1024;
    const codec = options.codec ?? jsonPayload();
    const clock = options.clock ?? systemClock;
    const eventTimeField = options.eventTimeField;

    const decodeMessage = ingestDecoder({ codec, eventTimeField, dedupe, maxPayloadBytes: maxBytes, clock });
    const decode = (topic: string, payload: Buffer, q: 0 | 1 | 2, ack: Pending['ack']): Pending => ({ ...decodeMessage(topic, payload, q), ack });

    const inboxStore = durability === 'power' && store.db.pragma('synchronous', { simple: true }) !== 2 ? Store.open(store.path, { synchronous: 'FULL' }) : store;
    const log = options.log ?? ((m: string) => console.warn(m));
    const ingest = new MqttIngest(options, inboxStore, inboxStore !== store, clock, options.timers ?? systemTimers, log, decode);
    try {
      for (let i = 0; i < connections; i++) {
        const clientId = connections === 1 ? options.connection.clientId : `${options.connection.clientId}-${i}`;
        const subscribeTo = filters.map((f) => (connections === 1 ? f.filter : `$share/${options.connection.clientId}/${f.filter}`));
        await ingest.#connect({ ...options.connection, clientId, timers: options.timers ?? options.connection.timers }, subscribeTo, qos);
      }
    } catch (error) {
      await ingest.close();
      throw error;
    }
    return ingest;
  }

  async #connect(options: MqttConnectionOptions, filters: readonly string[], qos: 0 | 1 | 2): Promise<void> {
    // Until the gate is in place (packets right after the CONNACK) each message is committed
    // before mqtt.js acknowledges it; then acknowledgements wait in the gate for a group commit.
    let gate: AckGate | undefined;
    const handler: AckHandler = (topic, payload, packet, ack) => {
      const id = packet.messageId;
      if (gate === undefined || id === undefined) {
        this.#receive(topic, payload, packet.qos, () => ack(0), this.#groupCommit);
        return;
      }
      const g = gate;
      const token = g.hold(id);
      if (this.#receive(topic, payload, packet.qos, () => g.release(id, token), true)) ack(0);
    };
    const connection = await connectMqtt(options, handler);
    gate = new AckGate(connection.client);
    this.#connections.push(connection);
    const subscribe = (): void => {
      connection.client.subscribe(filters as string[], { qos }, (error) => {
        if (error) this.log(`[runnel] mqtt source "${this.options.name}": subscribe to ${filters.join(', ')} failed: ${error.message}`);
      });
    };
    connection.client.on('message', (topic: string, payload: Buffer, packet: IPublishPacket) => {
      if (packet.qos === 0) this.#receive(topic, payload, 0, undefined, true);
    });
    connection.onConnect((sessionPresent) => {
      if (!sessionPresent) subscribe();
    });
    connection.onError((error) => this.log(`[runnel] mqtt source "${this.options.name}": ${error.message}`));
    if (!connection.sessionPresent) subscribe();
  }

  /**
   * Queues a message for the next commit; false (nothing queued, nothing to acknowledge) while
   * acknowledging is stopped. `group`: it may wait for a group commit (QoS 0, or its
   * acknowledgement is held until then); else it is committed now.
   */
  #receive(topic: string, payload: Buffer, qos: 0 | 1 | 2, ack: Pending['ack'], group: boolean): boolean {
    this.stats.received++;
    if (this.#blocked) {
      // Not acknowledged: the broker redelivers it after the reconnect. QoS 0 is lost.
      if (qos === 0) this.stats.droppedQos0++;
      return false;
    }
    this.#pending.push(this.decode(topic, payload, qos, ack));
    if (!group || (qos === 0 && this.#pending.length >= QOS0_GROUP)) this.#flush();
    // Packets read in one poll phase (from one socket or several) are all pending by then: one commit.
    else if (qos !== 0) this.#flushSoon ??= setImmediate(() => this.#flush());
    else this.#flushLater ??= setTimeout(() => this.#flush(), QOS0_GROUP_MS);
    return true;
  }

  #flush(): void {
    if (this.#flushSoon !== undefined) clearImmediate(this.#flushSoon);
    if (this.#flushLater !== undefined) clearTimeout(this.#flushLater);
    this.#flushSoon = this.#flushLater = undefined;
    if (this.#pending.length === 0) return;
    const now = this.clock.now();
    // Under a `block` cap, what fits is committed and the rest left to the broker (a group larger
    // than the room left must not block for good).
    const batch = this.#pending.splice(0, this.#fitting(now));
    const unfit = this.#pending.length;
    this.#pending = [];
    const messages: InboxMessage[] = [];
    const rejections: InboxRejection[] = [];
    for (const p of batch) {
      if (p.message) messages.push(p.message);
      else if (p.rejection) rejections.push(p.rejection);
    }
    let result: AppendResult = { accepted: true, stored: 0, duplicates: 0, dropped: 0 };
    try {
      if (batch.length > 0) result = this.inbox.append(messages, rejections, now);
    } catch (error) {
      const code = (error as { code?: unknown }).code;
      this.#block(
        code === 'SQLITE_FULL'
          ? `the disk holding ${this.store.path} is full (SQLITE_FULL); free some space: ingest resumes by itself`
          : `committing to the inbox failed: ${messageOf(error)}`,
        batch.length + unfit,
      );
      return;
    }
    if (!result.accepted || unfit > 0) {
      // Those committed are acknowledged; the others are not, and come again after the reconnect.
      if (result.accepted) this.#committed(batch, rejections.length, result, now);
      this.#block(`the inbox is at its cap (${describeRetention(this.options.retention)}, policy "block")`, result.accepted ? unfit : batch.length + unfit);
      return;
    }
    this.#committed(batch, rejections.length, result, now);
  }

  /** How many of the pending messages (from the first) fit under a `block` cap now. */
  #fitting(now: number): number {
    if (this.options.retention?.policy !== 'block') return this.#pending.length;
    let rows = 0;
    let bytes = 0;
    for (let i = 0; i < this.#pending.length; i++) {
      const m = this.#pending[i]!.message;
      if (!m) continue;
      rows++;
      bytes += messageSize(m.topic, m.payload);
      if (!this.inbox.hasRoom(rows, bytes, now)) return i;
    }
    return this.#pending.length;
  }

  #committed(batch: readonly Pending[], deadLettered: number, result: AppendResult, now: number): void {
    if (batch.length === 0) return;
    this.stats.commits++;
    this.stats.stored += result.stored;
    this.stats.duplicates += result.duplicates;
    this.stats.deadLettered += deadLettered;
    if (result.dropped > 0) this.#dropped(result.dropped, now);
    this.#failures = 0;
    this.options.onCommit?.(this.stats);
    for (const p of batch) p.ack?.();
    this.#pruneKeys(now);
  }

  #dropped(count: number, now: number): void {
    this.stats.dropped += count;
    if (now - this.#lastDropLog >= 10_000) {
      this.#lastDropLog = now;
      this.log(`[runnel] mqtt source "${this.options.name}": inbox at its cap (${describeRetention(this.options.retention)}): dropped the ${count} oldest messages (${this.stats.dropped} so far)`);
    }
  }

  #pruneKeys(now: number): void {
    if (now - this.#lastPrune < 60_000) return;
    this.#lastPrune = now;
    this.inbox.pruneKeys(now - (this.options.dedupeWindowMs ?? 24 * 3600_000));
  }

  /** Stops acknowledging: drops every connection (nothing more is acked) and retries later. */
  #block(reason: string, unacked: number): void {
    this.#blocked = true;
    this.#failures++;
    this.stats.blocks++;
    this.log(`[runnel] mqtt source "${this.options.name}": stopped acknowledging (${unacked} message(s) left to the broker): ${reason}`);
    for (const c of this.#connections) c.suspend();
    this.#scheduleRetry();
  }

  #scheduleRetry(): void {
    const base = this.options.retryMs ?? 200;
    const delay = Math.min(30_000, base * 2 ** Math.min(this.#failures - 1, 8));
    this.#retryTimer = this.timers.setTimeout(() => {
      this.#retryTimer = undefined;
      // A `block` cap is checked here; other failures are retried by committing again.
      if (!this.inbox.hasRoom(1, 0, this.clock.now())) {
        this.#scheduleRetry();
        return;
      }
      this.#blocked = false;
      this.log(`[runnel] mqtt source "${this.options.name}": resuming`);
      for (const c of this.#connections) c.resume();
    }, this.inbox.hasRoom(1, 0, this.clock.now()) ? delay : base);
  }

  /** True while acknowledging is stopped. */
  get blocked(): boolean {
    return this.#blocked;
  }

  /**
   * Commits what is waiting (a QoS 0 group), disconnects (the session stays with the broker,
   * which keeps unacknowledged and new messages for the next start) and closes a store opened
   * for `power`.
   */
  async close(): Promise<void> {
    if (this.#retryTimer !== undefined) this.timers.clearTimeout(this.#retryTimer);
    this.#retryTimer = undefined;
    if (!this.#blocked) this.#flush();
    await Promise.all(this.#connections.map((c) => c.close()));
    this.#connections.length = 0;
    this.#pending = [];
    if (this.ownsStore) this.store.close();
  }
}

