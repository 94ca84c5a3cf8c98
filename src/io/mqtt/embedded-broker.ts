import { Aedes, type Client, type PublishPacket } from 'aedes';
import net from 'node:net';
import { systemClock } from '../../core/clock.js';
import type { PBegin } from '../../core/pipeline.js';
import type { PCollection } from '../../core/pcollection.js';
import type { PTransform } from '../../core/ptransform.js';
import { Inbox } from '../../store/inbox.js';
import { Store } from '../../store/store.js';
import { read } from '../../transforms/read.js';
import { jsonPayload } from '../payload-codecs.js';
import { CommitGate, type CommitGateStats, type GatedMessage } from './commit-gate.js';
import { systemTimers } from './connection.js';
import { validateDedupe } from './dedupe.js';
import { inboxSource } from './inbox-source.js';
import { ingestDecoder } from './ingest-decoder.js';
import type { MqttIngestOptions } from './ingest.js';
import { parseTopicFilter, topicMatches } from './topic-filter.js';

/**
 * Options of `startEmbeddedBroker`: where to listen, plus the ingest options of `MqttIngest`
 * (name, topics, codec, dedupe, durability, retention, …) with the same meaning and defaults.
 */
export interface EmbeddedBrokerOptions extends Omit<MqttIngestOptions, 'connection' | 'qos' | 'connections' | 'onCommit'> {
  /** The database the inbox lives in (read it with `source()` or `inboxSource`). */
  readonly store: Store;
  /** TCP port; default 1883, 0 picks a free one. */
  readonly port?: number;
  /** Address to listen on; default `127.0.0.1` (`0.0.0.0` to let other devices publish: there is no authentication). */
  readonly host?: string;
  /** Called after each committed batch, before its acknowledgements go out (for metrics). */
  readonly onCommit?: (stats: Readonly<CommitGateStats>) => void;
}

/** Options of `EmbeddedBroker.source`. */
export interface EmbeddedSourceOptions {
  /** Event-time disorder the watermark waits for, in ms (default 0). */
  readonly maxLateness?: number;
  /** Delete inbox rows once the durable run has committed past them (default true). */
  readonly deleteConsumed?: boolean;
}

/** A running embedded broker with Runnel's ingest attached. */
export interface EmbeddedBroker {
  readonly port: number;
  /** `mqtt://host:port`, for publishers (MQTT 3.1.1: aedes 1.2 refuses MQTT 5). */
  readonly url: string;
  /** The aedes instance, e.g. to watch its events. */
  readonly aedes: Aedes;
  /** The source's inbox rows, as committed. */
  readonly inbox: Inbox;
  readonly stats: Readonly<CommitGateStats>;
  /** True while acknowledging is stopped (a `block` cap, a full disk, a failing commit). */
  readonly blocked: boolean;
  /**
   * The ingested messages as an unbounded pipeline source: the same inbox reader `mqttSource`
   * uses (decoded records plus named topic parts, checkpointed by row id), under the same name.
   */
  source(options?: EmbeddedSourceOptions): PTransform<PBegin, PCollection<Record<string, unknown>>>;
  /** Stops listening, disconnects every client (held messages stay unacknowledged) and closes a store opened for `power`. */
  close(): Promise<void>;
}

/** aedes's in-memory persistence, as far as the QoS 2 retransmission check needs it. */
interface IncomingPackets {
  incomingGetPacket(client: Client, packet: { messageId?: number }): Promise<unknown>;
}

/**
 * Starts an in-process MQTT broker (aedes) that stores every message matching `topics` in the
 * inbox before acknowledging it to its **publisher**: aedes asks `authorizePublish` before it
 * sends the PUBACK (QoS 1) or stores the message and sends the PUBREC (QoS 2), so Runnel answers
 * that hook only after the message's inbox row, or dead letter, is committed. Messages that
 * arrive together (one socket read, or several publishers at once) share one transaction. When
 * the commit cannot happen (a `block` cap, a full disk, any SQLite error) the messages are held
 * unacknowledged (aedes reads no more from their sockets meanwhile) and the commit is retried;
 * a publisher that reconnects meanwhile sends them again. Messages on other topics are routed
 * as by any broker, without a commit. Other clients may subscribe as usual.
 */
export async function startEmbeddedBroker(options: EmbeddedBrokerOptions): Promise<EmbeddedBroker> {
  const { store, name } = options;
  if (typeof name !== 'string' || name === '') throw new TypeError('embedded broker: name is required (rows and offsets are filed under it)');
  const where = `embedded broker "${name}"`;
  const port = options.port ?? 1883;
  if (!Number.isInteger(port) || port < 0 || port > 65_535) throw new RangeError(`${where}: port must be an integer from 0 to 65535 (0 picks a free one), got ${port}`);
  const host = options.host ?? '127.0.0.1';
  const durability = options.durability ?? 'process';
  if (durability !== 'process' && durability !== 'power') throw new TypeError(`${where}: durability must be "process" or "power", got "${String(durability)}"`);
  if (durability === 'power' && store.path === ':memory:') throw new TypeError(`${where}: durability "power" needs a database file, not :memory:`);
  const filters = (typeof options.topics === 'string' ? [options.topics] : options.topics).map(parseTopicFilter);
  if (filters.length === 0) throw new TypeError(`${where}: topics must name at least one filter`);
  const dedupe = options.dedupe ?? (options.eventTimeField ? 'content' : 'none');
  validateDedupe(dedupe, where);
  const codec = options.codec ?? jsonPayload();
  const clock = options.clock ?? systemClock;
  const decode = ingestDecoder({ codec, eventTimeField: options.eventTimeField, dedupe, maxPayloadBytes: options.maxPayloadBytes ?? 256 * 1024, clock });

  // `power`: the inbox is written through a second connection whose commits are fsynced.
  const inboxStore = durability === 'power' && store.db.pragma('synchronous', { simple: true }) !== 2 ? Store.open(store.path, { synchronous: 'FULL' }) : store;
  const gate = new CommitGate(new Inbox(inboxStore, name, options.retention), {
    name,
    retention: options.retention,
    retryMs: options.retryMs ?? 200,
    dedupeWindowMs: options.dedupeWindowMs ?? 24 * 3600_000,
    clock,
    timers: options.timers ?? systemTimers,
    log: options.log ?? ((m: string) => console.warn(m)),
    onCommit: options.onCommit,
  });

  let persistence: IncomingPackets | undefined;
  const always = (): boolean => true;
  const aedes = await Aedes.createBroker({
    authorizePublish(client: Client | null, packet: PublishPacket, callback: (error?: Error | null) => void): void {
      const topic = packet.topic;
      if (!filters.some((f) => topicMatches(f.filter, topic))) return callback(null);
      const payload = typeof packet.payload === 'string' ? Buffer.from(packet.payload) : packet.payload;
      // A will (published for a closed or absent client) has nobody to resend it: never abandoned.
      const publisher = client !== null && !client.closed && packet.qos > 0 ? client : undefined;
      const message: GatedMessage = {
        decoded: decode(topic, payload, packet.qos),
        release: (error) => callback(error ?? null),
        wanted: publisher ? () => !publisher.closed : always,
      };
      // A QoS 2 retransmission that aedes already holds was committed before aedes stored it.
      if (packet.qos === 2 && publisher && persistence) persistence.incomingGetPacket(publisher, packet).then(() => callback(null), () => gate.submit(message));
      else gate.submit(message);
    },
  });
  persistence = (aedes as unknown as { persistence: IncomingPackets }).persistence;

  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    aedes.handle(socket);
  });
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => resolve());
    });
  } catch (error) {
    gate.close();
    await new Promise<void>((resolve) => aedes.close(() => resolve()));
    if (inboxStore !== store) inboxStore.close();
    throw new Error(`${where}: cannot listen on ${host}:${port}: ${(error as Error).message}`);
  }
  const bound = (server.address() as net.AddressInfo).port;

  return {
    port: bound,
    url: `mqtt://${host.includes(':') ? `[${host}]` : host}:${bound}`,
    aedes,
    inbox: gate.inbox,
    stats: gate.stats,
    get blocked() {
      return gate.blocked;
    },
    source: (sourceOptions = {}) =>
      read(inboxSource(store, { name, codec, filters, maxLateness: sourceOptions.maxLateness ?? 0, deleteConsumed: sourceOptions.deleteConsumed ?? true }), name),
    async close() {
      gate.close();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => aedes.close(() => resolve()));
      await closed;
      if (inboxStore !== store) inboxStore.close();
    },
  };
}
