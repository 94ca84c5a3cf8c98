import type { IClientPublishOptions, MqttClient } from 'mqtt';
import { systemClock, type Clock } from '../../core/clock.js';
import { messageOf } from '../../common/errors.js';
import { decodeJson } from '../../store/json-codec.js';
import { OutboxQueue, type OutboxRow, type Undeliverable } from '../../store/outbox-queue.js';
import type { Store } from '../../store/store.js';
import { topicNameProblem } from './topic-name.js';

/** The most QoS 1/2 publishes one MQTT connection can have unacknowledged (16-bit packet ids). */
const PACKET_IDS = 65_535;

/** PUBACK/PUBCOMP reason codes that will not change on a retry: the row becomes a dead letter. */
const REFUSED_FOR_GOOD: ReadonlyMap<number, string> = new Map([
  [0x87, 'not authorized'],
  [0x90, 'topic name invalid'],
  [0x95, 'packet too large'],
  [0x99, 'payload format invalid'],
]);

/** Options of `MqttSink`. */
export interface MqttSinkOptions<T> {
  /**
   * The mqtt.js client to publish with; the caller connects and ends it. Use MQTT 5
   * (`protocolVersion: 5`) for the output id user property, and a persistent session
   * (`clean: false`) so messages in flight at a disconnect are re-sent on reconnect.
   */
  readonly client: MqttClient;
  /** The topic of every output, or a function of the value (`(v) => \`alerts/${v.device}\``). */
  readonly topic: string | ((value: T) => string);
  /** Default 1. With 0 a row is deleted once written to the socket: no delivery promise. */
  readonly qos?: 0 | 1 | 2;
  /** Outbox stages to publish (names given to `writeOutbox()`); default all. */
  readonly stages?: readonly string[];
  /**
   * Most publishes awaiting their PUBACK/PUBCOMP at once (default 1000; at most 65,535, and
   * at most the broker's Receive Maximum): mqtt.js hangs when it runs out of packet ids.
   */
  readonly maxInFlight?: number;
  /** How often to look for new outbox rows when idle, in ms (default 50); `notify()` wakes it at once. */
  readonly pollMs?: number;
  /** How long to wait before re-sending after a failed publish, in ms (default 1000). */
  readonly retryMs?: number;
  /** MQTT 5 user property carrying the output id (default `runnel-output-id`; `null` for none). */
  readonly idProperty?: string | null;
  /** Also put the output id into the payload under this field (the value must be a JSON object). */
  readonly idField?: string;
  /** Payload of a value (default: the value as JSON). */
  readonly encode?: (value: T) => string | Uint8Array;
  readonly retain?: boolean;
  /** Stage name in dead letters (default `mqttSink`). */
  readonly name?: string;
  /** Time of dead letters (default: the system clock). */
  readonly clock?: Clock;
  /** Told about publishes that failed and will be retried (a lost connection, say). */
  readonly onRetry?: (error: Error, outputId: string) => void;
}

/** Counters of an `MqttSink` since it was made. */
export interface MqttSinkStats {
  /** Publishes handed to the client (re-sends included). */
  readonly published: number;
  /** Rows confirmed by the broker and deleted from the outbox. */
  readonly delivered: number;
  /** Rows moved to dead letters (cannot be encoded, or refused by the broker for good). */
  readonly deadLettered: number;
  readonly inFlight: number;
  /** Publishes that failed and were scheduled again. */
  readonly retries: number;
}

/**
 * Store-and-forward egress: publishes outbox rows to MQTT in commit order and deletes each row
 * only once the broker confirmed it (PUBACK for QoS 1, PUBCOMP for QoS 2), so outputs made while
 * the broker is away are delivered when it returns. Delivery is at least once: every message
 * carries its row's stable output id so consumers can drop duplicates.
 *
 * It runs in the runner's process as its own loop over the same `Store` (better-sqlite3 is
 * synchronous, so its reads and deletes never interleave with a runner's step commit); call
 * `notify()` from `onProgress` to publish a step's outputs without waiting for the next poll.
 */
export class MqttSink<T = unknown> {
  readonly #client: MqttClient;
  readonly #queue: OutboxQueue;
  readonly #topic: string | ((value: T) => string);
  readonly #qos: 0 | 1 | 2;
  readonly #maxInFlight: number;
  readonly #pollMs: number;
  readonly #retryMs: number;
  readonly #options: MqttSinkOptions<T>;
  readonly #name: string;
  readonly #clock: Clock;
  readonly #decode: boolean;

  /** Highest outbox id handed to the client; moves back when a publish must be retried. */
  #cursor = 0;
  readonly #inFlight = new Set<number>();
  #delivered: number[] = [];
  #rejected: Undeliverable[] = [];
  #retryAt = 0;
  #backlog = false;
  #running = false;
  #timer: NodeJS.Timeout | undefined;
  #immediate: NodeJS.Immediate | undefined;
  #waiters: { resolve: () => void; reject: (error: Error) => void }[] = [];
  #stats = { published: 0, delivered: 0, deadLettered: 0, retries: 0 };
  readonly #onConnect = (): void => this.notify();
  /**
   * A lost connection puts every unconfirmed row back in line: mqtt.js's own `reconnect()`
   * (which `connectMqtt` uses) starts with an empty outgoing store and never calls their
   * callbacks. Where mqtt.js does re-send them itself, the extra copy is a duplicate that
   * consumers drop by output id.
   */
  readonly #onClose = (): void => {
    if (this.#inFlight.size === 0) return;
    this.#cursor = Math.min(this.#cursor, Math.min(...this.#inFlight) - 1);
    this.#inFlight.clear();
  };

  constructor(store: Store, options: MqttSinkOptions<T>) {
    const qos = options.qos ?? 1;
    if (qos !== 0 && qos !== 1 && qos !== 2) throw new RangeError(`MqttSink: qos must be 0, 1 or 2, got ${String(options.qos)}`);
    const maxInFlight = options.maxInFlight ?? 1000;
    if (!Number.isInteger(maxInFlight) || maxInFlight < 1 || maxInFlight > PACKET_IDS) {
      throw new RangeError(`MqttSink: maxInFlight must be an integer from 1 to ${PACKET_IDS} (MQTT packet ids are 16-bit), got ${maxInFlight}`);
    }
    const idProperty = options.idProperty === undefined ? 'runnel-output-id' : options.idProperty;
    if (idProperty !== null && options.client.options.protocolVersion !== 5 && options.idField === undefined) {
      throw new TypeError(
        'MqttSink: the output id travels as an MQTT 5 user property, but the client does not use MQTT 5: connect with protocolVersion: 5, or set idField to put the id into the payload',
      );
    }
    if (typeof options.topic === 'string') {
      const problem = topicNameProblem(options.topic);
      if (problem) throw new TypeError(`MqttSink: ${problem}`);
    }
    this.#client = options.client;
    this.#queue = new OutboxQueue(store, options.stages);
    this.#topic = options.topic;
    this.#qos = qos;
    this.#maxInFlight = maxInFlight;
    this.#pollMs = positive('pollMs', options.pollMs ?? 50);
    this.#retryMs = positive('retryMs', options.retryMs ?? 1000);
    this.#options = { ...options, idProperty };
    this.#name = options.name ?? 'mqttSink';
    this.#clock = options.clock ?? systemClock;
    this.#decode = typeof options.topic === 'function' || options.idField !== undefined || options.encode !== undefined;
  }

  /** Starts publishing (again, after `stop()`: rows not confirmed before are re-sent). */
  start(): this {
    if (this.#running) return this;
    this.#running = true;
    this.#client.on('connect', this.#onConnect);
    this.#client.on('close', this.#onClose);
    this.notify();
    return this;
  }

  /** Looks at the outbox now instead of at the next poll. */
  notify(): void {
    if (!this.#running || this.#immediate) return;
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#immediate = setImmediate(this.#pump);
  }

  /**
   * Resolves once every outbox row of this sink's stages is confirmed and deleted (rejects if
   * the sink is stopped first). Rows the runner commits later are not waited for.
   */
  drained(): Promise<void> {
    return new Promise((resolve, reject) => {
      if (!this.#running) return reject(new Error('MqttSink.drained(): the sink is not running; call start() first'));
      this.#waiters.push({ resolve, reject });
      this.notify();
    });
  }

  /**
   * Stops reading the outbox and deletes the rows confirmed so far. Publishes still awaiting
   * confirmation keep their rows and are sent again after a restart. The client stays open.
   */
  stop(): void {
    if (!this.#running) return;
    this.#running = false;
    clearTimeout(this.#timer);
    if (this.#immediate) clearImmediate(this.#immediate);
    this.#timer = this.#immediate = undefined;
    this.#client.removeListener('connect', this.#onConnect);
    this.#client.removeListener('close', this.#onClose);
    this.#flush();
    this.#cursor = 0;
    this.#inFlight.clear();
    for (const waiter of this.#waiters.splice(0)) waiter.reject(new Error('MqttSink stopped before the outbox was drained'));
  }

  get stats(): MqttSinkStats {
    return { ...this.#stats, inFlight: this.#inFlight.size };
  }

  readonly #pump = (): void => {
    this.#immediate = this.#timer = undefined;
    if (!this.#running) return;
    this.#flush();
    const room = this.#room();
    let read = -1;
    if (this.#client.connected && room > 0 && this.#clock.now() >= this.#retryAt) {
      const rows = this.#queue.after(this.#cursor, room);
      for (const row of rows) {
        this.#cursor = row.id;
        if (!this.#inFlight.has(row.id)) this.#send(row);
      }
      read = rows.length;
      this.#flush();
    }
    this.#backlog = read === room;
    if (read === 0 && this.#inFlight.size === 0) for (const waiter of this.#waiters.splice(0)) waiter.resolve();
    if (this.#backlog) this.#immediate = setImmediate(this.#pump);
    else this.#timer = setTimeout(this.#pump, this.#pollMs);
  };

  /** Publishes still allowed: our cap, and the broker's Receive Maximum (MQTT 5). */
  #room(): number {
    const brokerMax = this.#client.serverProperties?.receiveMaximum ?? PACKET_IDS;
    return Math.min(this.#maxInFlight, this.#qos === 0 ? PACKET_IDS : brokerMax) - this.#inFlight.size;
  }

  #send(row: OutboxRow): void {
    let topic: string;
    let payload: string | Uint8Array;
    try {
      const value = this.#decode ? (decodeJson(row.payload) as T) : undefined;
      topic = typeof this.#topic === 'string' ? this.#topic : this.#topic(value as T);
      const problem = topicNameProblem(topic);
      if (problem) throw new Error(problem);
      payload = this.#payload(row, value as T);
    } catch (error) {
      this.#reject(row, `cannot publish output ${row.outputId}: ${messageOf(error)}`);
      return;
    }
    const { idProperty, retain } = this.#options;
    const publish: IClientPublishOptions = { qos: this.#qos, retain: retain ?? false };
    if (idProperty !== null && idProperty !== undefined) publish.properties = { userProperties: { [idProperty]: row.outputId } };
    this.#inFlight.add(row.id);
    this.#stats.published++;
    this.#client.publish(topic, typeof payload === 'string' ? payload : Buffer.from(payload), publish, (error) => this.#settled(row, error));
  }

  #payload(row: OutboxRow, value: T): string | Uint8Array {
    const { encode, idField } = this.#options;
    if (idField === undefined) return encode ? encode(value) : row.payload;
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      throw new TypeError(`idField "${idField}" needs a JSON object value to add the id to, got ${Array.isArray(value) ? 'an array' : typeof value}`);
    }
    const withId = { ...value, [idField]: row.outputId } as T;
    return encode ? encode(withId) : JSON.stringify(withId);
  }

  #settled(row: OutboxRow, error: Error | undefined): void {
    if (!this.#inFlight.delete(row.id)) return; // stopped meanwhile: the row stays for the next start
    const code = (error as { code?: unknown } | undefined)?.code;
    const refused = typeof code === 'number' ? REFUSED_FOR_GOOD.get(code) : undefined;
    if (!error) {
      this.#delivered.push(row.id);
    } else if (refused) {
      this.#reject(row, `the broker refused output ${row.outputId}: ${refused} (reason code 0x${(code as number).toString(16)})`);
    } else {
      this.#stats.retries++;
      this.#cursor = Math.min(this.#cursor, row.id - 1);
      this.#retryAt = this.#clock.now() + this.#retryMs;
      this.#options.onRetry?.(error, row.outputId);
    }
    if (this.#backlog) this.notify();
  }

  #reject(row: OutboxRow, reason: string): void {
    this.#rejected.push({ id: row.id, stage: this.#name, reason });
  }

  /** Deletes confirmed rows and dead-letters rejected ones, one transaction each. */
  #flush(): void {
    if (this.#delivered.length > 0) {
      this.#queue.delivered(this.#delivered);
      this.#stats.delivered += this.#delivered.length;
      this.#delivered = [];
    }
    if (this.#rejected.length > 0) {
      this.#queue.undeliverable(this.#rejected, this.#clock.now());
      this.#stats.deadLettered += this.#rejected.length;
      this.#rejected = [];
    }
  }
}

function positive(name: string, ms: number): number {
  if (!(ms > 0) || !Number.isFinite(ms)) throw new RangeError(`MqttSink: ${name} must be a positive number of ms, got ${ms}`);
  return ms;
}
