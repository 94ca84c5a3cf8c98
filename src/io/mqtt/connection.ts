import { readFileSync } from 'node:fs';
import mqtt, { type IClientOptions, type IPublishPacket, type MqttClient } from 'mqtt';
import { backoffDelay, type Backoff } from '../../common/backoff.js';
import { messageOf, type RunnelError } from '../../common/errors.js';
import { connectError, connectFailure, type ConnectContext, type ConnectFailure } from './connect-error.js';

/** Timers, injected so reconnect backoff runs on virtual time in tests. */
export interface Timers {
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

/** Reconnect backoff (common/backoff.ts), under the names the MQTT options have always used. */
export { backoffDelay as reconnectDelay, type Backoff };

/** The process's timers. */
export const systemTimers: Timers = {
  setTimeout: (callback, ms) => setTimeout(callback, ms),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

/** How to reach and log in to a broker; shared by the MQTT source and sink. */
export interface MqttConnectionOptions {
  /** `mqtt://host:port`, `mqtts://host:port` (TLS), `ws://…` or `wss://…`. */
  readonly url: string;
  /** Stable client id: the broker keeps the session (subscriptions, queued messages) under it. */
  readonly clientId: string;
  readonly username?: string;
  readonly password?: string;
  /**
   * TLS: CA certificate(s) to trust, client certificate and key, each as PEM text (a string with
   * `-----BEGIN`, or a Buffer) or as the path of a PEM file.
   */
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
  /** Draws the backoff's jitter (default `Math.random`). */
  readonly random?: () => number;
  /** Where the one line saying that the first connection waits for the broker goes (default `console.warn`). */
  readonly log?: (message: string) => void;
  /** Stops waiting for the first connection: `connectMqtt` then rejects. */
  readonly signal?: AbortSignal;
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
  if ((options.tls?.cert === undefined) !== (options.tls?.key === undefined)) {
    throw new TypeError(`${where}: tls.cert and tls.key go together (the client certificate and its private key); one was given without the other`);
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
    if (options.tls.ca !== undefined) result.ca = pem(options.url, 'tls.ca', 'the CA certificate(s) to trust', options.tls.ca);
    if (options.tls.cert !== undefined) result.cert = pem(options.url, 'tls.cert', 'the client certificate', options.tls.cert);
    if (options.tls.key !== undefined) result.key = pem(options.url, 'tls.key', "the client certificate's private key", options.tls.key);
    result.rejectUnauthorized = options.tls.rejectUnauthorized ?? true;
  }
  if (customHandleAcks) result.customHandleAcks = customHandleAcks;
  return result;
}

const noLog = (): void => {};

/**
 * PEM text as given, or read from the file a string names. Node ignores a string that is not PEM
 * (a path given as `ca` would fail later as an untrusted certificate), so a missing or unreadable
 * file, or one without a PEM block, is a `CONNECT_FAILED` naming the option and the file.
 */
function pem(url: string, option: string, what: string, value: string | Buffer): string | Buffer {
  if (typeof value !== 'string' || value.includes('-----BEGIN')) return value;
  let text: string;
  try {
    text = readFileSync(value, 'utf8');
  } catch (error) {
    const missing = (error as NodeJS.ErrnoException).code === 'ENOENT';
    throw connectError(
      url,
      `${option}: ${missing ? `no file at ${value}` : `cannot read ${value} (${messageOf(error)})`}; give ${what} as PEM text or the path of a PEM file`,
      error,
    );
  }
  if (!text.includes('-----BEGIN')) throw connectError(url, `${option}: ${value} holds no PEM block (-----BEGIN …); give ${what} in PEM form`);
  return text;
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
 * Connects, resolving once the first CONNACK arrives. A broker that is not there yet (a device
 * that boots before its broker) is waited for: attempts are retried with backoff on the injected
 * timers, logging once that it waits, until the broker answers or `signal` aborts (then it
 * rejects). A refusal that cannot get better (wrong password, not authorised, a TLS certificate
 * refused by either side, a TLS file missing) rejects at once with a `CONNECT_FAILED` error saying
 * what to fix. Afterwards a lost connection is retried the same way; permanent refusals are then
 * reported to `onError` and retried at the longest delay.
 */
export async function connectMqtt(options: MqttConnectionOptions, customHandleAcks?: AckHandler): Promise<MqttConnection> {
  const { url, signal } = options;
  const mqttOptions = toMqttOptions(options, customHandleAcks);
  if (signal?.aborted) throw connectError(url, 'aborted before the first attempt');
  const timers = options.timers ?? systemTimers;
  const context: ConnectContext = { clientCertificate: options.tls?.cert !== undefined };
  const connectListeners: ((sessionPresent: boolean) => void)[] = [];
  const errorListeners: ((error: RunnelError) => void)[] = [];
  let attempt = 0;
  let timer: unknown;
  let closed = false;
  let suspended = false;
  let sessionPresent = false;
  let connected = false;

  const client = mqtt.connect(url, mqttOptions);
  const stop = (): void => {
    closed = true;
    if (timer !== undefined) timers.clearTimeout(timer);
    timer = undefined;
  };
  const schedule = (permanent: boolean): void => {
    if (closed || suspended || timer !== undefined) return;
    const delay = permanent ? (options.backoff?.maxMs ?? 30_000) : backoffDelay(attempt, options.backoff, options.random);
    attempt++;
    timer = timers.setTimeout(() => {
      timer = undefined;
      if (!closed) client.reconnect();
    }, delay);
  };
  const first = firstConnection(options, () => {
    stop();
    client.end(true);
  });
  client.on('connect', (connack) => {
    attempt = 0;
    sessionPresent = connack.sessionPresent;
    if (!connected) {
      connected = true;
      first.connected();
    } else for (const l of connectListeners) l(connack.sessionPresent);
  });
  client.on('error', (error) => {
    const failure = connectFailure(error, context);
    if (!connected) return first.failed(failure, error);
    const described = connectError(url, failure.reason, error);
    for (const l of errorListeners) l(described);
    if (failure.permanent) schedule(true);
  });
  client.on('close', () => {
    if (!connected && !closed) first.waiting();
    schedule(false);
  });
  await first.done;

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
      stop();
      await client.endAsync(true);
    },
  };
}

/**
 * The wait for the first CONNACK: `failed` with each attempt's failure (a permanent one gives up
 * at once), `waiting` when an attempt has ended (logged once), `connected` at the CONNACK; `done`
 * settles. Giving up (a permanent failure, or `signal` aborting) runs `giveUp` first.
 */
function firstConnection(options: MqttConnectionOptions, giveUp: () => void) {
  const { url, signal } = options;
  const log = options.log ?? ((message: string) => console.warn(message));
  let last: ConnectFailure | undefined;
  let attempts = 0;
  let settled = false;
  let resolve!: () => void;
  let reject!: (error: RunnelError) => void;
  const done = new Promise<void>((yes, no) => {
    resolve = yes;
    reject = no;
  });
  const fail = (error: RunnelError): void => {
    if (settled) return;
    settled = true;
    signal?.removeEventListener('abort', onAbort);
    giveUp();
    reject(error);
  };
  const onAbort = (): void => fail(connectError(url, `stopped waiting for it (aborted)${last ? `; the last attempt failed: ${last.reason}` : ''}`));
  signal?.addEventListener('abort', onAbort, { once: true });
  return {
    done,
    failed(failure: ConnectFailure, cause: unknown): void {
      last = failure;
      if (failure.permanent) fail(connectError(url, failure.reason, cause));
    },
    waiting(): void {
      if (settled || attempts++ > 0) return;
      const maxS = (options.backoff?.maxMs ?? 30_000) / 1000;
      log(
        `[runnel] waiting for the MQTT broker at ${url}: ${last?.reason ?? 'the connection closed before the broker answered'}; trying again with backoff (at most ${maxS} s apart) until it answers`,
      );
    },
    connected(): void {
      if (settled) return;
      settled = true;
      signal?.removeEventListener('abort', onAbort);
      if (attempts > 0) log(`[runnel] connected to the MQTT broker at ${url} after ${attempts + 1} attempts`);
      resolve();
    },
  };
}
