/**
 * Offline-safe model sync: every push, pull, device report, announcement and fleet document is a
 * row in the store (`sync_queue`, migrations 6 and 7) until the remote confirmed it, retried with
 * exponential backoff on an injected clock and picked up again after a restart. A push carries
 * a push id, so a retry whose first attempt reached the bucket (and lost only the answer) finds
 * that version instead of making a second; a pulled version is handed to `onModel` once, after it
 * verified, and recorded as known in the same transaction that ends the job. A fleet document
 * replaces the device's previous one, so its retry is harmless.
 */
import { randomUUID } from 'node:crypto';
import { backoffDelay, type Backoff } from '../common/backoff.js';
import { messageOf } from '../common/errors.js';
import { systemClock, type Clock } from '../core/clock.js';
import type { Store } from '../store/store.js';
import { SyncJobs, type SyncJob } from '../store/sync-jobs.js';
import type { DeviceReport } from './device-report.js';
import { publishDocument, type DocumentStorage } from './fleet-documents.js';
import type { SigningKey } from './keys.js';
import type { ModelManifest } from './manifest.js';
import type { ModelRegistry, PulledModel, PushDetails } from './registry.js';
import { checkName } from './verified-registry.js';

/** A remote that also takes device reports (the S3 registry). */
export interface ReportTarget {
  /** Stores the report of `deviceId`, replacing the last; returns where it went. */
  putReport(deviceId: string, report: Uint8Array): Promise<string>;
}

/** Publishes a model announcement (see announcements.ts); rejects when it cannot be sent now. */
export type Announce = (model: string, manifest: { version: number; sha256: string }) => Promise<void>;

/** Options of `SyncQueue`. */
export interface SyncQueueOptions {
  /** Where models go and come from. */
  readonly remote: ModelRegistry & Partial<ReportTarget>;
  /** Retry times are on this clock (default the wall clock). */
  readonly clock?: Clock;
  /** Default: 1 s, doubling, at most 5 min, jitter 0.5. */
  readonly backoff?: Backoff;
  /** Draws the backoff's jitter (default `Math.random`). */
  readonly random?: () => number;
  /** Called with each newly pulled version that verified (not again for one it already had); may be async. */
  readonly onModel?: (model: PulledModel) => unknown;
  /** Called with each version a push made (or found, on a retry). */
  readonly onPushed?: (manifest: ModelManifest) => void;
  /** Announces each pushed version (queued as a job of its own after the push). */
  readonly announce?: Announce;
  /** Pull these models every `everyMs` (on `clock`; the first `tick` pulls at once). */
  readonly pullEvery?: { readonly models: readonly string[]; readonly everyMs: number };
  /** Where queued fleet documents go (`openRegistry` gives the registry's), signed with the device's `key`. */
  readonly documents?: { readonly storage: DocumentStorage; readonly key?: SigningKey };
  /** Where failures, refusals and pulls are said (default `console.warn`). */
  readonly log?: (line: string) => void;
}

/** What one `runDue` did. */
export interface SyncRun {
  readonly done: number;
  readonly failed: number;
  /** Jobs left in the queue (due later, or failed and backing off). */
  readonly waiting: number;
}

const DEFAULT_BACKOFF: Backoff = { initialMs: 1000, maxMs: 300_000 };

/** A push's details as stored in its row. */
type StoredPush = PushDetails & { readonly pushId: string };

/** The queue of sync jobs in one store, run against one remote. */
export class SyncQueue {
  readonly #jobs: SyncJobs;
  readonly #options: SyncQueueOptions;
  readonly #clock: Clock;
  #running: Promise<SyncRun> | undefined;
  #nextPullAt = -Infinity;

  constructor(store: Store, options: SyncQueueOptions) {
    const every = options.pullEvery?.everyMs;
    if (every !== undefined && !(every > 0)) throw new RangeError(`SyncQueue: pullEvery.everyMs must be a positive number of ms, got ${every}`);
    this.#jobs = new SyncJobs(store);
    this.#options = options;
    this.#clock = options.clock ?? systemClock;
  }

  /** Queues a push of `bytes` as the next version of `model`; returns the job's push id. */
  push(model: string, bytes: Uint8Array, details: PushDetails): string {
    checkName(model);
    const pushId = details.pushId ?? randomUUID();
    this.#jobs.add({ kind: 'push', name: model, body: bytes, details: JSON.stringify({ ...details, pushId }) }, this.#clock.now());
    return pushId;
  }

  /** Queues a pull of `model` (one waiting pull per model: a second is the same job, due now). */
  pull(model: string): void {
    checkName(model);
    this.#jobs.add({ kind: 'pull', name: model }, this.#clock.now());
  }

  /** Queues a pull of `model` if `announced` is newer than the version this device has (a withdrawal is seen by scheduled pulls). */
  announced(model: string, announced: { version: number; sha256: string }): boolean {
    const known = this.#jobs.known(model);
    if (known && known.version >= announced.version) return false;
    this.pull(model);
    return true;
  }

  /** Queues a device report (see device-report.ts), replacing one of the same device still waiting. */
  report(report: DeviceReport): void {
    checkName(report.deviceId, 'device id');
    if (!this.#options.remote.putReport) throw new TypeError('SyncQueue: this remote takes no device reports (an S3Registry does)');
    this.#jobs.add({ kind: 'report', name: report.deviceId, body: Buffer.from(`${JSON.stringify(report, null, 2)}\n`) }, this.#clock.now());
  }

  /**
   * Queues `device`'s fleet document for `model` (see fleet-documents.ts), replacing one of the
   * same model and device still waiting: the document is replaced in storage too, so only the
   * newest counts, and a retry after a lost answer writes the same document again.
   */
  publishDocument(model: string, device: string, body: unknown): void {
    checkName(model);
    checkName(device, 'device id');
    if (!this.#options.documents)
      throw new TypeError('SyncQueue: no documents option to publish fleet documents to; pass documents: { storage, key } (openRegistry gives the storage)');
    const json = JSON.stringify(body);
    if (json === undefined) throw new TypeError(`SyncQueue: the fleet document of ${model} for ${device} must be JSON data, got ${typeof body}`);
    this.#jobs.add({ kind: 'document', name: `fleet/${model}/${device}`, body: Buffer.from(json), details: JSON.stringify({ model, device }) }, this.#clock.now());
  }

  /** Records that this device has `version` of `model` (taken from the remote another way, e.g. at start), so a pull does not hand it over again. */
  have(model: string, version: { version: number; sha256: string }): void {
    checkName(model);
    this.#jobs.know(model, version, this.#clock.now());
  }

  /** The version of `model` last pulled or pushed. */
  known(model: string): { version: number; sha256: string } | undefined {
    return this.#jobs.known(model);
  }

  /** Jobs waiting, oldest first (for status lines and tests). */
  waiting(): SyncJob[] {
    return this.#jobs.all();
  }

  /** Queues the scheduled pulls when their time has come, then runs what is due. */
  tick(): Promise<SyncRun> {
    const schedule = this.#options.pullEvery;
    if (schedule && this.#clock.now() >= this.#nextPullAt) {
      this.#nextPullAt = this.#clock.now() + schedule.everyMs;
      for (const model of schedule.models) this.pull(model);
    }
    return this.runDue();
  }

  /** Calls `tick` every `pollMs` of real time until the returned function is called. */
  start(pollMs = 1000): () => void {
    const timer = setInterval(() => void this.tick().catch((error: unknown) => this.#log(`sync: ${messageOf(error)}`)), pollMs);
    void this.tick().catch((error: unknown) => this.#log(`sync: ${messageOf(error)}`));
    return () => clearInterval(timer);
  }

  /** Runs every job due now, one at a time, oldest first; a run already going is joined, not doubled. */
  runDue(): Promise<SyncRun> {
    this.#running ??= this.#runDue().finally(() => (this.#running = undefined));
    return this.#running;
  }

  async #runDue(): Promise<SyncRun> {
    let done = 0;
    let failed = 0;
    // A done job is deleted and a started one is due again only later (at least 1 ms), so this ends.
    for (;;) {
      const [job] = this.#jobs.due(this.#clock.now(), 1);
      if (!job) break;
      const delay = Math.max(1, backoffDelay(job.attempts, this.#options.backoff ?? DEFAULT_BACKOFF, this.#options.random));
      this.#jobs.started(job.id, this.#clock.now() + delay);
      try {
        await this.#run(job);
        done++;
      } catch (error) {
        failed++;
        this.#jobs.failed(job.id, messageOf(error));
        this.#log(`sync: ${job.kind} of ${job.name} failed (attempt ${job.attempts + 1}; next in ${Math.round(delay / 1000)} s, kept in the queue): ${messageOf(error)}`);
      }
    }
    return { done, failed, waiting: this.#jobs.all().length };
  }

  async #run(job: SyncJob): Promise<void> {
    const { remote, announce } = this.#options;
    const now = (): number => this.#clock.now();
    switch (job.kind) {
      case 'push': {
        const details = JSON.parse(job.details!) as StoredPush;
        // A push id never sent before cannot have made a version: no need to look for one.
        const manifest = await remote.push(job.name, job.body!, details, { neverSent: job.attempts === 0 });
        // A retried push may find an older version than one pushed since: the newest stays known.
        const newer = (this.#jobs.known(job.name)?.version ?? 0) < manifest.version;
        const announcement =
          announce && newer ? { kind: 'announce' as const, name: job.name, details: JSON.stringify({ version: manifest.version, sha256: manifest.sha256 }) } : undefined;
        this.#jobs.done(job, now(), { ...(newer && { known: { model: job.name, version: manifest } }), ...(announcement && { next: announcement }) });
        this.#options.onPushed?.(manifest);
        return;
      }
      case 'pull':
        return this.#pull(job);
      case 'report': {
        const where = await remote.putReport!(job.name, job.body!);
        this.#jobs.done(job, now());
        this.#log(`sync: device report written to ${where}`);
        return;
      }
      case 'document': {
        const documents = this.#options.documents;
        if (!documents) throw new Error(`no document storage configured for the queued ${job.name}; give SyncQueue a documents option`);
        const { model, device } = JSON.parse(job.details!) as { model: string; device: string };
        const body: unknown = JSON.parse(Buffer.from(job.body!).toString('utf8'));
        const where = await publishDocument(documents.storage, model, device, body, documents.key);
        this.#jobs.done(job, now());
        this.#log(`sync: fleet document written to ${where}`);
        return;
      }
      case 'announce': {
        if (!announce) throw new Error(`no announcer configured for the queued announcement of ${job.name}; give SyncQueue an announce option`);
        await announce(job.name, JSON.parse(job.details!) as { version: number; sha256: string });
        this.#jobs.done(job, now());
        return;
      }
    }
  }

  /** Pulls, hands a new verified version to `onModel`, then records it; refusals are logged, not retried. */
  async #pull(job: SyncJob): Promise<void> {
    const result = await this.#options.remote.pull(job.name);
    if (result.outcome !== 'empty') for (const r of result.refused) this.#log(`registry: refused ${job.name} v${r.version} (${r.code}): ${r.reason}`);
    if (result.outcome !== 'pulled') {
      if (result.outcome === 'all-refused') this.#log(`sync: all ${result.refused.length} versions of ${job.name} refused (reasons above); the current model keeps serving`);
      this.#jobs.done(job, this.#clock.now());
      return;
    }
    const known = this.#jobs.known(job.name);
    const { manifest } = result;
    if (known && known.version === manifest.version && known.sha256 === manifest.sha256) {
      this.#jobs.done(job, this.#clock.now());
      return;
    }
    await this.#options.onModel?.(result);
    this.#jobs.done(job, this.#clock.now(), { known: { model: job.name, version: manifest } });
    this.#log(
      `sync: pulled ${job.name} v${manifest.version} (SHA-256 ${manifest.sha256.slice(0, 12)}…${result.signedBy ? `, signed by key ${result.signedBy}` : ', NOT verified: no trust set'})`,
    );
  }

  #log(line: string): void {
    (this.#options.log ?? console.warn)(line);
  }
}
