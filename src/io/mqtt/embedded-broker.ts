import { Aedes, type Client, type PublishPacket } from 'aedes';
import type { PBegin } from '../../core/pipeline.js';
import type { PCollection } from '../../core/pcollection.js';
import type { PTransform } from '../../core/ptransform.js';
import type { Inbox } from '../../store/inbox.js';
import type { Store } from '../../store/store.js';
import { read } from '../../transforms/read.js';
import { brokerAccess, checkExposure, type BrokerAccessOptions } from './broker-access.js';
import { brokerTlsOptions, listenBroker, type BrokerListener, type BrokerTlsOptions } from './broker-listener.js';
import type { GatedMessage, IngestStats } from './commit-gate.js';
import { inboxSource } from './inbox-source.js';
import { DEFAULT_MAX_PAYLOAD_BYTES, openIngest, type IngestOptions } from './ingest-options.js';
import { topicMatches } from './topic-filter.js';

/**
 * Room for everything of a PUBLISH but its payload: the longest topic (65,535 bytes) with its
 * length, a packet id and the fixed header.
 */
const PUBLISH_HEADER_ROOM = 65_544;

/**
 * Options of `startEmbeddedBroker`: where and how to listen, who may connect and use which
 * topics, plus the shared ingest options (as `MqttIngest` takes them).
 */
export interface EmbeddedBrokerOptions extends IngestOptions, BrokerAccessOptions {
  /** The database the inbox lives in (read it with `source()` or `inboxSource`). */
  readonly store: Store;
  /** TCP port; default 1883 (8883 with `tls`), 0 picks a free one. */
  readonly port?: number;
  /**
   * Address to listen on; default `127.0.0.1`. Any other address (`0.0.0.0` to let other devices
   * publish) needs `passwordFile` or `tls.requireClientCert`, or `allowAnonymousOnNetwork`.
   */
  readonly host?: string;
  /** Serve MQTT over TLS (`mqtts://`), optionally requiring client certificates. */
  readonly tls?: BrokerTlsOptions;
  /** Let anyone who can reach a non-loopback `host` connect without a password or client certificate (logs a warning). Default false. */
  readonly allowAnonymousOnNetwork?: boolean;
  /**
   * A connection announcing a larger MQTT packet (any kind) is closed before the packet is read,
   * unacknowledged. Default `maxPayloadBytes` + 65,544 (room for the longest topic), so every
   * payload up to `maxPayloadBytes` gets through and a larger one up to that margin still becomes
   * a dead letter.
   */
  readonly maxPacketBytes?: number;
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
 *
 * Who may connect and use which topics: `passwordFile`, `acl`, `tls` (see `BrokerAccessOptions`);
 * a non-loopback `host` with none of them is refused unless `allowAnonymousOnNetwork` is set. A
 * connection announcing a packet over `maxPacketBytes` is closed before the packet is read.
 */
export async function startEmbeddedBroker(options: EmbeddedBrokerOptions): Promise<EmbeddedBroker> {
  const { store, name } = options;
  if (typeof name !== 'string' || name === '') throw new TypeError('embedded broker: name is required (rows and offsets are filed under it)');
  const where = `embedded broker "${name}"`;
  const port = options.port ?? (options.tls ? 8883 : 1883);
  if (!Number.isInteger(port) || port < 0 || port > 65_535) throw new RangeError(`${where}: port must be an integer from 0 to 65535 (0 picks a free one), got ${port}`);
  const host = options.host ?? '127.0.0.1';
  const maxPacketBytes = options.maxPacketBytes ?? (options.maxPayloadBytes ?? DEFAULT_MAX_PAYLOAD_BYTES) + PUBLISH_HEADER_ROOM;
  if (!Number.isInteger(maxPacketBytes) || maxPacketBytes < 2) throw new RangeError(`${where}: maxPacketBytes must be an integer of at least 2, got ${maxPacketBytes}`);
  const tls = options.tls && brokerTlsOptions(options.tls, where);
  const access = brokerAccess(options, where);
  const log = options.log ?? ((m: string) => console.warn(m));
  checkExposure(
    { host, passwords: access.passwords, clientCertificates: options.tls?.requireClientCert ?? false, allowAnonymousOnNetwork: options.allowAnonymousOnNetwork ?? false },
    where,
    log,
  );
  const ingest = openIngest(store, options, where);
  const { gate, filters, decode, codec } = ingest;

  let persistence: IncomingPackets | undefined;
  const always = (): boolean => true;
  const aedes = await Aedes.createBroker({
    ...access.hooks,
    authorizePublish(client: Client | null, packet: PublishPacket, callback: (error?: Error | null) => void): void {
      const topic = packet.topic;
      const refused = access.refusePublish(client, topic);
      if (refused) return callback(refused);
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

  let listener: BrokerListener;
  try {
    listener = await listenBroker({
      host,
      port,
      tls,
      maxPacketBytes,
      handle: (conn) => aedes.handle(conn),
      onOversized: (bytes, remote) =>
        log(
          `[runnel] ${where}: closed the connection from ${remote}: it announced a ${Number.isNaN(bytes) ? 'malformed' : `${bytes}-byte`} packet, over maxPacketBytes (${maxPacketBytes}); nothing of it was read or acknowledged`,
        ),
    });
  } catch (error) {
    ingest.close();
    await new Promise<void>((resolve) => aedes.close(() => resolve()));
    throw new Error(`${where}: cannot listen on ${host}:${port}: ${(error as Error).message}`, { cause: error });
  }

  return {
    port: listener.port,
    url: `${tls ? 'mqtts' : 'mqtt'}://${host.includes(':') ? `[${host}]` : host}:${listener.port}`,
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
      const closed = listener.close();
      await new Promise<void>((resolve) => aedes.close(() => resolve()));
      await closed;
      ingest.close();
    },
  };
}
