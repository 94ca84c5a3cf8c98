import type { IPublishPacket } from 'mqtt';
import type { Inbox } from '../../store/inbox.js';
import type { Store } from '../../store/store.js';
import { AckGate } from './ack-gate.js';
import type { GatedMessage, IngestStats } from './commit-gate.js';
import { connectMqtt, validateConnectionOptions, type AckHandler, type MqttConnection, type MqttConnectionOptions } from './connection.js';
import type { DecodedMessage } from './ingest-decoder.js';
import { openIngest, type IngestOptions, type OpenedIngest } from './ingest-options.js';

export type { Durability } from './ingest-options.js';

/** Options of `MqttIngest.start`: the shared ingest options, plus the connection to a broker. */
export interface MqttIngestOptions extends IngestOptions {
  readonly connection: MqttConnectionOptions;
  /** Subscription QoS (default 1). QoS 0 messages are buffered too, with no promise. */
  readonly qos?: 0 | 1 | 2;
  /**
   * Connections sharing the subscription (`$share/<clientId>/<filter>` when > 1; messages of a
   * topic then lose their relative order); default 1 (`process`) or 4 (`power`: more messages
   * wait for one fsync).
   */
  readonly connections?: number;
  /** Stops a start still waiting for its broker (the first connection retries until it connects). */
  readonly signal?: AbortSignal;
}

/** Counters since start (the ingest engine's, shared with the embedded broker). */
export type MqttIngestStats = IngestStats;

const always = (): boolean => true;

/** A QoS 1/2 message whose acknowledgement the ack gate holds: one object per message, no closures. */
class HeldMessage implements GatedMessage {
  constructor(
    readonly decoded: DecodedMessage,
    private readonly acks: AckGate,
    private readonly id: number,
    private readonly token: number,
  ) {}

  release(error?: Error): void {
    if (error === undefined) this.acks.release(this.id, this.token);
  }

  wanted(): boolean {
    return this.acks.current(this.token);
  }
}
const ignore = (): void => {};

/**
 * Durable MQTT ingest from a broker: subscribes with a persistent MQTT 5 session and acknowledges
 * each QoS 1/2 message (PUBACK/PUBREC, through mqtt.js `customHandleAcks` and an `AckGate`) only
 * after the commit engine (`CommitGate`) committed its inbox row or dead letter. When it cannot
 * commit (a `block` cap, a full disk, any SQLite error) it drops its connections without
 * acknowledging and reconnects once there is room: the broker holds the messages meanwhile and
 * redelivers the unacknowledged ones.
 */
export class MqttIngest {
  readonly #ingest: OpenedIngest;
  /** Filled as they connect; suspended while the engine is blocked. */
  readonly #connections: MqttConnection[];

  private constructor(ingest: OpenedIngest, connections: MqttConnection[]) {
    this.#ingest = ingest;
    this.#connections = connections;
  }

  get stats(): Readonly<MqttIngestStats> {
    return this.#ingest.gate.stats;
  }

  get inbox(): Inbox {
    return this.#ingest.gate.inbox;
  }

  /** True while acknowledging is stopped. */
  get blocked(): boolean {
    return this.#ingest.gate.blocked;
  }

  /**
   * Opens the inbox, connects and subscribes; resolves once the broker has confirmed the
   * subscription (SUBACK) or already held the session. Rejects with a clear error when the broker refuses.
   */
  static async start(store: Store, options: MqttIngestOptions): Promise<MqttIngest> {
    if (typeof options.name !== 'string' || options.name === '') throw new TypeError('mqtt source: name is required (rows and offsets are filed under it)');
    const where = `mqtt source "${options.name}"`;
    validateConnectionOptions(options.connection, where);
    const connections = options.connections ?? (options.durability === 'power' ? 4 : 1);
    if (!Number.isInteger(connections) || connections < 1 || connections > 64) throw new RangeError(`${where}: connections must be an integer from 1 to 64, got ${connections}`);
    const qos = options.qos ?? 1;
    if (qos !== 0 && qos !== 1 && qos !== 2) throw new RangeError(`${where}: qos must be 0, 1 or 2, got ${String(qos)}`);
    const live: MqttConnection[] = [];
    const opened = openIngest(store, options, where, {
      onBlock: () => live.forEach((c) => c.suspend()),
      onResume: () => live.forEach((c) => c.resume()),
    });
    const ingest = new MqttIngest(opened, live);
    try {
      for (let i = 0; i < connections; i++) {
        const clientId = connections === 1 ? options.connection.clientId : `${options.connection.clientId}-${i}`;
        const subscribeTo = opened.filters.map((f) => (connections === 1 ? f.filter : `$share/${options.connection.clientId}/${f.filter}`));
        const log = options.log ?? ((m: string) => console.warn(m));
        const connection = { ...options.connection, clientId, timers: options.timers ?? options.connection.timers, log: options.connection.log ?? log };
        await ingest.#connect(options.signal ? { ...connection, signal: options.signal } : connection, subscribeTo, qos, where, log);
      }
    } catch (error) {
      await ingest.close();
      throw error;
    }
    return ingest;
  }

  async #connect(options: MqttConnectionOptions, filters: readonly string[], qos: 0 | 1 | 2, where: string, log: (message: string) => void): Promise<void> {
    const { gate, decode } = this.#ingest;
    // Until the ack gate is in place (packets right after the CONNACK) mqtt.js waits for each
    // message's acknowledgement before the next; from then on acknowledgements wait in the gate
    // and many messages share a commit.
    let acks: AckGate | undefined;
    const handler: AckHandler = (topic, payload, packet, ack) => {
      const id = packet.messageId;
      const decoded = decode(topic, payload, packet.qos, packet.dup);
      if (acks === undefined || id === undefined) {
        gate.submit({ decoded, release: (error?: Error) => error === undefined && ack(0), wanted: always });
        return;
      }
      gate.submit(new HeldMessage(decoded, acks, id, acks.hold(id)));
      ack(0);
    };
    const connection = await connectMqtt(options, handler);
    acks = new AckGate(connection.client);
    this.#connections.push(connection);
    const subscribe = (): Promise<void> =>
      new Promise((resolve) => {
        connection.client.subscribe(filters as string[], { qos }, (error) => {
          if (error) log(`[runnel] ${where}: subscribe to ${filters.join(', ')} failed: ${error.message}`);
          resolve();
        });
      });
    connection.client.on('message', (topic: string, payload: Buffer, packet: IPublishPacket) => {
      // QoS 1/2 went through the handler above; QoS 0 has no acknowledgement to hold.
      if (packet.qos === 0) gate.submit({ decoded: decode(topic, payload, 0), release: ignore, wanted: always });
    });
    connection.onConnect((sessionPresent) => {
      if (!sessionPresent) void subscribe();
    });
    connection.onError((error) => log(`[runnel] ${where}: ${error.message}`));
    // Once this resolves the broker queues matching messages for the session, whoever publishes next.
    if (!connection.sessionPresent) await subscribe();
  }

  /**
   * Commits what is waiting, disconnects (the session stays with the broker, which keeps
   * unacknowledged and new messages for the next start) and closes a store opened for `power`.
   */
  async close(): Promise<void> {
    this.#ingest.gate.close();
    await Promise.all(this.#connections.map((c) => c.close()));
    this.#connections.length = 0;
    this.#ingest.close();
  }
}
