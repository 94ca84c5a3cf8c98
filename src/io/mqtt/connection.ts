import mqtt, { type IClientOptions, type IPublishPacket, type MqttClient } from 'mqtt';
import { RunnelError } from '../../common/errors.js';

/** Timers, injected so reconnect backoff runs on virtual time in tests. */
export interface Timers {
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

/** The process's timers. */
export const systemTimers: Timers = {
  setTimeout: (callback, ms) => setTimeout(callback, ms),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

/** Exponential reconnect backoff: `initialMs`, times `factor` per failed attempt, at most `maxMs`. */
export interface Backoff {
  /** Default 500 ms. */
  readonly initialMs?: number;
  /** Default 30 s. */
  readonly maxMs?: number;
  /** Default 2. */
  readonly factor?: number;
}

/** How to reach and log in to a broker; shared by the MQTT source and sink. */
export interface MqttConnectionOptions {
  /** `mqtt://host:port`, `mqtts://host:port` (TLS), `ws://…` or `wss://…`. */
  readonly url: string;
  /** Stable client id: the broker keeps the session (subscriptions, queued messages) under it. */
  readonly clientId: string;
  readonly username?: string;
  readonly password?: string;
  /** TLS: CA certificate(s) to trust, client certificate and key (PEM). */
  readonly tls?: {
    readonly ca?: string | Buffer;
    readonly cert?: string | Buffer;
    readonly key?: string | Buffer;
    /** Default true: refuse a server certificate the CA did not sign. */
    readonly rejectUnauthorized?: boolean;
  };
  /** How long the broker keeps the session while Runnel is away, in seconds (default 7 days). */
  readonly sessionExpirySeconds?: number;
  /** Default 30 s. */
  readonly keepaliveSeconds?: number;
  /** Connect timeout in ms (default 10 s). */
  readonly connectTimeoutMs?: number;
  readonly backoff?: Backoff;
  readonly timers?: Timers;
}

/**
 * mqtt.js's acknowledgement hook (called per QoS 1/2 message; MQTT 5 only), with the packet
 * typed (mqtt.js declares it `any`).
 */
export type AckHandler = (topic: string, payload: Buffer, packet: IPublishPacket, ack: (error: Error | number, code?: number) => void) => void;

const WEEK_S = 7 * 24 * 3600;

/** Checks the options at once, naming the option and the fix. */
export function validateConnectionOptions(options: MqttConnectionOptions, where: string): void {
  if (!/^(mqtts?|wss?):\/\/[^/]+/.test(options.url ?? '')) {
    throw new TypeError(`${where}: url must look like mqtt://host:1883 or mqtts://host:8883, got "${String(options.url)}"`);
  }
  if (typeof options.clientId !== 'string' || options.clientId === '') {
    throw new TypeError(`${where}: clientId is required and must stay the same across restarts (the broker keeps the session under it)`);
  }
  const expiry = options.sessionExpirySeconds ?? WEEK_S;
  if (!Number.isInteger(expiry) || expiry <= 0 || expiry > 0xffffffff) {
    throw new RangeError(`${where}: sessionExpirySeconds must be a whole number of seconds > 0, got ${expiry} (0 would drop the session on every disconnect)`);
  }
  if (options.password !== undefined && options.username === undefined) {
    throw new TypeError(`${where}: password given without username`);
  }
}

/**
 * mqtt.js options for a durable session: MQTT 5 (the only version where mqtt.js honours
 * `customHandleAcks`), `clean: false` and a session expiry > 0 (else the broker forgets the
 * session, and what was published while Runnel was down, at disconnect). Reconnects are left to
 * `connectMqtt` (`reconnectPeriod: 0`), which backs off on the injected timers.
 */
export function toMqttOptions(options: MqttConnectionOptions, customHandleAcks?: AckHandler): IClientOptions {
  validateConnectionOptions(options, 'MQTT connection');
  const result: IClientOptions = {
    clientId: options.clientId,
    protocolVersion: 5,
    clean: false,
    properties: { sessionExpiryInterval: options.sessionExpirySeconds ?? WEEK_S },
    keepalive: options.keepaliveSeconds ?? 30,
    connectTimeout: options.connectTimeoutMs ?? 10_000,
    reconnectPeriod: 0,
    resubscribe: false,
  };
  // mqtt.js logs through `debug` on every packet (~2 % of a forward job's CPU even when off): a
  // no-op unless DEBUG is set, so DEBUG=mqttjs* still shows mqtt.js's own log.
  if (!process.env['DEBUG']) result.log = noLog;
  if (options.username !== undefined) result.username = options.username;
  if (options.password !== undefined) result.password = options.password;
  if (options.tls) {
    if (options.tls.ca !== undefined) result.ca = options.tls.ca;
    if (options.tls.cert !== undefined) result.cert = options.tls.cert;
    if (options.tls.key !== undefined) result.key = options.tls.key;
    result.rejectUnauthorized = options.tls.rejectUnauthorized ?? true;
  }
  if (customHandleAcks) result.customHandleAcks = customHandleAcks;
  return result;
}

const noLog = (): void => {};

/** The delay before reconnect attempt `attempt` (0-based). */
export function reconnectDelay(attempt: number, backoff: Backoff = {}): number {
  const initial = backoff.initialMs ?? 500;
  const max = backoff.maxMs ?? 30_000;
  return Math.min(max, initial * (backoff.factor ?? 2) ** attempt);
}

/** MQTT 5 CONNACK reason codes, in words a user understands. */
const CONNACK_REASONS: Readonly<Record<number, string>> = {
  128: 'the broker refused the connection (unspecified error)',
  132: 'the broker does not support MQTT 5, which Runnel needs to acknowledge messages only after storing them',
  133: 'the broker rejected the client id',
  134: 'wrong username or password',
  135: 'not authorised: this user may not connect',
  136: 'the broker is unavailable',
  137: 'the broker is busy',
  138: 'this client is banned',
  140: 'bad authentication method',
  149: 'the connect packet is too large',
  151: 'quota exceeded',
  159: 'connection rate exceeded',
};

/** Turns an mqtt.js connect failure into a RunnelError (`CONNECT_FAILED`) saying what to fix. */
export function describeConnectError(url: string, error: unknown): RunnelError {
  const e = error as { code?: unknown; message?: string };
  const code = e?.code;
  let reason: string;
  if (typeof code === 'number' && CONNACK_REASONS[code]) reason = CONNACK_REASONS[code];
  else if (code === 'ECONNREFUSED') reason = 'nothing is listening there (is the broker running, and is the port right?)';
  else if (code === 'ENOTFOUND') reason = 'the host name does not resolve';
  else if (typeof code === 'string' && /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|ERR_TLS/.test(code)) {
    reason = `the broker's TLS certificate was not accepted (${e.message}); pass its CA as tls.ca`;
  } else if (/protocol version/i.test(e?.message ?? '')) reason = CONNACK_REASONS[132]!;
  else reason = e?.message ?? String(error);
  return new RunnelError('CONNECT_FAILED', `cannot connect to MQTT broker ${url}: ${reason}`, { cause: error });
}

/** A refusal that retrying will not fix (credentials, authorisation, protocol). */
function isPermanent(error: unknown): boolean {
  const code = (error as { code?: unknown })?.code;
  return typeof code === 'number' && [132, 133, 134, 135, 138, 140].includes(code);
}

/** A connected client that reconnects with backoff until `close()`. */
export interface MqttConnection {
  readonly client: MqttClient;
  /** Whether the broker had kept the session at the latest CONNACK (if not, subscribe again). */
  readonly sessionPresent: boolean;
  /** Called on each (re)connect with whether the broker still had the session. */
  onConnect(listener: (sessionPresent: boolean) => void): void;
  /** Called with a RunnelError when a reconnect attempt fails (the connection keeps trying). */
  onError(listener: (error: RunnelError) => void): void;
  /**
   * Disconnects without acknowledging anything more (what was already written, such as the
   * acknowledgements of committed messages, still goes out), and stays away until `resume()`:
   * the broker keeps the session and holds (then redelivers) the messages.
   */
  suspend(): void;
  /** Reconnects after `suspend()`. */
  resume(): void;
  /** True between `suspend()` and `resume()`. */
  readonly suspended: boolean;
  close(): Promise<void>;
}

/**
 * Connects, resolving once the first CONNACK arrives and rejecting with a clear
 * `CONNECT_FAILED` error when the first attempt fails. Afterwards a lost connection is retried
 * with exponential backoff on the injected timers; permanent refusals (wrong password) are
 * reported to `onError` and retried at the longest delay.
 */
export async function connectMqtt(options: MqttConnectionOptions, customHandleAcks?: AckHandler): Promise<MqttConnection> {
  const client = mqtt.connect(options.url, toMqttOptions(options, customHandleAcks));
  const timers = options.timers ?? systemTimers;
  const connectListeners: ((sessionPresent: boolean) => void)[] = [];
  const errorListeners: ((error: RunnelError) => void)[] = [];
  let attempt = 0;
  let timer: unknown;
  let closed = false;
  let suspended = false;
  let sessionPresent = false;

  await new Promise<void>((resolve, reject) => {
    const fail = (error: unknown): void => {
      client.removeListener('connect', ok);
      client.end(true);
      reject(describeConnectError(options.url, error));
    };
    const ok = (connack: { sessionPresent: boolean }): void => {
      sessionPresent = connack.sessionPresent;
      client.removeListener('error', fail);
      resolve();
    };
    client.once('connect', ok);
    client.once('error', fail);
  });

  const schedule = (permanent: boolean): void => {
    if (closed || suspended || timer !== undefined) return;
    const delay = permanent ? (options.backoff?.maxMs ?? 30_000) : reconnectDelay(attempt, options.backoff);
    attempt++;
    timer = timers.setTimeout(() => {
      timer = undefined;
      if (!closed) client.reconnect();
    }, delay);
  };
  client.on('connect', (connack) => {
    attempt = 0;
    sessionPresent = connack.sessionPresent;
    for (const l of connectListeners) l(connack.sessionPresent);
  });
  client.on('error', (error) => {
    const described = describeConnectError(options.url, error);
    for (const l of errorListeners) l(described);
    if (isPermanent(error)) schedule(true);
  });
  client.on('close', () => schedule(false));

  return {
    client,
    get sessionPresent() {
      return sessionPresent;
    },
    onConnect: (listener) => connectListeners.push(listener),
    onError: (listener) => errorListeners.push(listener),
    suspend() {
      if (closed || suspended) return;
      suspended = true;
      if (timer !== undefined) timers.clearTimeout(timer);
      timer = undefined;
      // Not forced: a forced end destroys the socket before mqtt.js's corked writes go out.
      client.end(false);
    },
    resume() {
      if (closed || !suspended) return;
      suspended = false;
      client.reconnect();
    },
    get suspended() {
      return suspended;
    },
    async close() {
      closed = true;
      if (timer !== undefined) timers.clearTimeout(timer);
      timer = undefined;
      await client.endAsync(true);
    },
  };
}
