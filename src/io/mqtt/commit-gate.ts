import type { Clock } from '../../core/clock.js';
import { messageOf } from '../../common/errors.js';
import { freeSpace, isDiskFull } from '../../store/disk-full.js';
import { messageSize, type Inbox, type InboxMessage, type InboxRejection, type RetentionCaps } from '../../store/inbox.js';
import type { Timers } from './connection.js';
import type { DecodedMessage } from './ingest-decoder.js';

/** A message waiting for its commit, with the callback that acknowledges it. */
export interface GatedMessage {
  readonly decoded: DecodedMessage;
  /** Called once: with no argument after the commit (acknowledge), with an error when given back uncommitted. */
  readonly release: (error?: Error) => void;
  /** False once nobody waits for the acknowledgement any more (the connection it came on closed). */
  readonly wanted: () => boolean;
}

/** Counters of a durable ingest since start (both front doors: `MqttIngest` and the embedded broker). */
export interface IngestStats {
  received: number;
  stored: number;
  duplicates: number;
  deadLettered: number;
  /** Rows deleted by `dropOldest`. */
  dropped: number;
  /**
   * Messages given back uncommitted and unacknowledged because the connection they came on
   * closed first: the broker redelivers them, or the publisher sends them again (QoS 0 ones are lost).
   */
  abandoned: number;
  /** Transactions committed. */
  commits: number;
  /** Commits refused or failed (cap reached, disk full, SQLite error), retries included. */
  blocks: number;
}

/** Options of `CommitGate` (resolved by `openIngest`). */
export interface CommitGateOptions {
  /** Who ingests, for log lines: `mqtt source "x"` or `embedded broker "x"`. */
  readonly where: string;
  readonly retention: RetentionCaps | undefined;
  /** First retry delay while blocked, in ms (doubled per failure up to 30 s). */
  readonly retryMs: number;
  /** How long dedupe keys are remembered, in ms. */
  readonly dedupeWindowMs: number;
  readonly clock: Clock;
  readonly timers: Timers;
  readonly log: (message: string) => void;
  readonly onCommit: ((stats: Readonly<IngestStats>) => void) | undefined;
  /** Acknowledging stopped (the mqtt.js front door drops its connections so the broker keeps the messages). */
  readonly onBlock?: () => void;
  /** Acknowledging resumed. */
  readonly onResume?: () => void;
}

/**
 * The one group-commit engine of durable ingest. Messages submitted in one event-loop turn are
 * appended to the inbox in one transaction and released (acknowledged) in arrival order only
 * after it commits. When a commit cannot happen (a `block` cap, a full disk, any SQLite error)
 * nothing is released: the messages stay held, `onBlock` runs, and the commit is retried with
 * backoff until it succeeds. Held messages nobody waits for any more are given back with an
 * error instead, never committed: their broker or publisher sends them again.
 */
export class CommitGate {
  readonly stats: IngestStats = { received: 0, stored: 0, duplicates: 0, deadLettered: 0, dropped: 0, abandoned: 0, commits: 0, blocks: 0 };
  #pending: GatedMessage[] = [];
  #scheduled = false;
  #blocked = false;
  #failures = 0;
  #retryTimer: unknown;
  #lastPrune = 0;
  #lastDropLog = 0;
  #closed = false;

  constructor(
    readonly inbox: Inbox,
    private readonly options: CommitGateOptions,
  ) {}

  /** Holds `message` until the next group commit. */
  submit(message: GatedMessage): void {
    if (this.#closed) {
      message.release(new Error(`${this.options.where} is closed`));
      return;
    }
    this.stats.received++;
    this.#pending.push(message);
    if (this.#blocked || this.#scheduled) return;
    // Every packet of a socket read (and of other sockets read in the same poll phase) is pending by then.
    this.#scheduled = true;
    setImmediate(() => {
      this.#scheduled = false;
      if (!this.#blocked) this.#drain();
    });
  }

  /** True while acknowledging is stopped. */
  get blocked(): boolean {
    return this.#blocked;
  }

  /** Commits what is pending unless blocked, stops retrying, and gives back whatever is still held. */
  close(): void {
    if (this.#closed) return;
    if (!this.#blocked) this.#drain();
    this.#closed = true;
    if (this.#retryTimer !== undefined) this.options.timers.clearTimeout(this.#retryTimer);
    this.#retryTimer = undefined;
    const held = this.#pending;
    this.#pending = [];
    for (const m of held) m.release(new Error(`${this.options.where} closed before the message was committed`));
  }

  /** Commits what is pending (as much as a `block` cap lets in); blocks on failure. */
  #drain(): void {
    if (this.#closed) return;
    this.#abandonUnwanted();
    const batch = this.#pending;
    const now = this.options.clock.now();
    const take = this.#fitting(batch, now);
    if (take > 0) {
      // Out of the queue before any release runs, so nothing committed is ever committed twice.
      this.#pending = batch.slice(take);
      const failure = this.#commit(batch.slice(0, take), now);
      if (failure !== undefined) {
        this.#pending = batch;
        return this.#block(failure);
      }
    }
    if (take < batch.length) return this.#block(atCap(this.options.retention));
    if (this.#blocked) {
      this.#blocked = false;
      this.options.log(`[runnel] ${this.options.where}: resuming`);
      this.options.onResume?.();
    }
  }

  /** Appends `batch` in one transaction and releases it; returns why not, when it could not. */
  #commit(batch: readonly GatedMessage[], now: number): string | undefined {
    const messages: InboxMessage[] = [];
    const rejections: InboxRejection[] = [];
    for (const { decoded } of batch) {
      if (decoded.message) messages.push(decoded.message);
      else rejections.push(decoded.rejection);
    }
    let result;
    try {
      result = this.inbox.append(messages, rejections, now);
    } catch (error) {
      return isDiskFull(error)
        ? `the disk holding ${this.inbox.store.path} is full (SQLITE_FULL), ${freeSpace(this.inbox.store.path)}; free some space: ingest resumes by itself`
        : `committing to the inbox failed: ${messageOf(error)}`;
    }
    if (!result.accepted) return atCap(this.options.retention);
    const stats = this.stats;
    stats.commits++;
    stats.stored += result.stored;
    stats.duplicates += result.duplicates;
    stats.deadLettered += rejections.length;
    this.#failures = 0;
    if (result.dropped > 0) this.#dropped(result.dropped, now);
    this.options.onCommit?.(stats);
    for (const m of batch) m.release();
    this.#pruneKeys(now);
    return undefined;
  }

  /** How many leading messages of `batch` a `block` cap lets in now (all of them without one). */
  #fitting(batch: readonly GatedMessage[], now: number): number {
    if (this.options.retention?.policy !== 'block') return batch.length;
    // Rows and bytes of the first k messages; dead letters do not count against the caps.
    const rows = [0];
    const bytes = [0];
    for (const { decoded } of batch) {
      const m = decoded.message;
      rows.push(rows.at(-1)! + (m ? 1 : 0));
      bytes.push(bytes.at(-1)! + (m ? messageSize(m.topic, m.payload) : 0));
    }
    const fits = (k: number): boolean => rows[k] === 0 || this.inbox.hasRoom(rows[k], bytes[k], now);
    if (fits(batch.length)) return batch.length;
    let lo = 0;
    let hi = batch.length;
    while (hi - lo > 1) {
      const mid = (lo + hi) >>> 1;
      if (fits(mid)) lo = mid;
      else hi = mid;
    }
    return lo;
  }

  #abandonUnwanted(): void {
    if (this.#pending.every((m) => m.wanted())) return;
    const kept: GatedMessage[] = [];
    for (const m of this.#pending) {
      if (m.wanted()) kept.push(m);
      else {
        this.stats.abandoned++;
        m.release(new Error('the connection closed before the message was committed; it comes again'));
      }
    }
    this.#pending = kept;
  }

  /** Stops acknowledging: everything pending stays held until a retry commits it. */
  #block(reason: string): void {
    this.#failures++;
    this.stats.blocks++;
    if (!this.#blocked) {
      this.#blocked = true;
      this.options.log(`[runnel] ${this.options.where}: stopped acknowledging (${this.#pending.length} message(s) held, unacknowledged): ${reason}`);
      this.options.onBlock?.();
    }
    const delay = Math.min(30_000, this.options.retryMs * 2 ** Math.min(this.#failures - 1, 8));
    // A `block` cap frees up when rows are consumed: check for room at the base rate.
    const full = !this.inbox.hasRoom(1, 0, this.options.clock.now());
    this.#retryTimer = this.options.timers.setTimeout(
      () => {
        this.#retryTimer = undefined;
        if (!this.inbox.hasRoom(1, 0, this.options.clock.now())) {
          this.#abandonUnwanted();
          this.#block(reason);
        } else this.#drain();
      },
      full ? this.options.retryMs : delay,
    );
  }

  #dropped(count: number, now: number): void {
    this.stats.dropped += count;
    if (now - this.#lastDropLog >= 10_000) {
      this.#lastDropLog = now;
      this.options.log(
        `[runnel] ${this.options.where}: inbox at its cap (${describeRetention(this.options.retention)}): dropped the ${count} oldest messages (${this.stats.dropped} so far)`,
      );
    }
  }

  #pruneKeys(now: number): void {
    if (now - this.#lastPrune < 60_000) return;
    this.#lastPrune = now;
    this.inbox.pruneKeys(now - this.options.dedupeWindowMs);
  }
}

const atCap = (caps: RetentionCaps | undefined): string => `the inbox is at its cap (${describeRetention(caps)}, policy "block")`;

/** The caps in words, for log lines. */
export function describeRetention(caps: RetentionCaps | undefined): string {
  if (!caps) return 'no caps';
  const parts: string[] = [];
  if (caps.maxRows !== undefined) parts.push(`maxRows ${caps.maxRows}`);
  if (caps.maxBytes !== undefined) parts.push(`maxBytes ${caps.maxBytes}`);
  if (caps.maxAgeMs !== undefined) parts.push(`maxAgeMs ${caps.maxAgeMs}`);
  return parts.join(', ');
}
