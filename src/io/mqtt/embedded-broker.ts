import { Aedes, type Client, type PublishPacket } from 'aedes';
import net from 'node:net';
import type { PBegin } from '../../core/pipeline.js';
import type { PCollection } from '../../core/pcollection.js';
import type { PTransform } from '../../core/ptransform.js';
import type { Inbox } from '../../store/inbox.js';
import type { Store } from '../../store/store.js';
import { read } from '../../transforms/read.js';
import type { GatedMessage, IngestStats } from './commit-gate.js';
import { inboxSource } from './inbox-source.js';
import { openIngest, type IngestOptions } from './ingest-options.js';
import { topicMatches } from './topic-filter.js';

/** Options of `startEmbeddedBroker`: where to listen, plus the shared ingest options (as `MqttIngest` takes them). */
export interface EmbeddedBrokerOptions extends IngestOptions {
  /** The database the inbox lives in (read it with `source()` or `inboxSource`). */
  readonly store: Store;
  /** TCP port; default 1883, 0 picks a free one. */
  readonly port?: number;
  /** Address to listen on; default `127.0.0.1` (`0.0.0.0` to let other devices publish: there is no authentication). */
  readonly host?: string;
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
  readonly stats: Readonly<IngestStats>;
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
  const ingest = openIngest(store, options, where);
  const { gate, filters, decode, codec } = ingest;

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
        decoded: decode(topic, payload, packet.qos, packet.dup),
        release: (error) => callback(error ?? null),
        wanted: publisher ? () => !publisher.closed : always,
      };
      // A QoS 2 retransmission that aedes already holds was committed before aedes stored it.
      if (packet.qos === 2 && publisher && persistence)
        persistence.incomingGetPacket(publisher, packet).then(
          () => callback(null),
          () => gate.submit(message),
        );
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
    ingest.close();
    await new Promise<void>((resolve) => aedes.close(() => resolve()));
    throw new Error(`${where}: cannot listen on ${host}:${port}: ${(error as Error).message}`, { cause: error });
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
      read(
        inboxSource(store, {
          name,
          codec,
          filters,
          maxLateness: sourceOptions.maxLateness ?? 0,
          eventTimeField: options.eventTimeField,
          deleteConsumed: sourceOptions.deleteConsumed ?? true,
        }),
        name,
      ),
    async close() {
      gate.close();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => aedes.close(() => resolve()));
      await closed;
      ingest.close();
    },
  };
}
