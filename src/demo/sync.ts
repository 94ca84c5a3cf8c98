/**
 * The demo's model sync: every promoted version is pushed through a `SyncQueue` on the demo's
 * store (a row until the registry took it, retried with backoff while the registry cannot be
 * reached, resumed by the next start), followed by a device report; pulls every `pullEveryMs`
 * (and on an announcement over the embedded broker) bring in approved versions that others
 * published, which the lifecycle adopts once they verified. The status says, in plain words,
 * what waits and how the last push and pull went.
 */
import { join } from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import { messageOf } from '../common/errors.js';
import { pushDetails } from '../ml/lifecycle/model-lifecycle.js';
import type { ModelVersion } from '../store/model-versions.js';
import type { Store } from '../store/store.js';
import { listenForAnnouncements, mqttAnnouncer } from '../sync/announcements.js';
import { deviceReport } from '../sync/device-report.js';
import type { ModelManifest } from '../sync/manifest.js';
import type { OpenedRegistry } from '../sync/open-registry.js';
import type { ModelRegistry, PulledModel, PullResult } from '../sync/registry.js';
import { SyncQueue, type ReportTarget } from '../sync/sync-queue.js';
import { MODEL_NAME, MODEL_TENSORS } from './model.js';

/** The fleet the demo announces to: topics `runnel/demo/models/<model>` on its own broker. */
export const DEMO_FLEET = 'demo';

/** Options of `startDemoSync`. */
export interface DemoSyncOptions {
  readonly store: Store;
  readonly registry: OpenedRegistry;
  /** Names this device's report (`devices/<deviceId>/report.json`). */
  readonly deviceId: string;
  /** The embedded broker, for announcements. */
  readonly brokerUrl: string;
  readonly pullEveryMs: number;
  /** Pull at once rather than after `pullEveryMs` (the start could not reach the registry). */
  readonly pullAtOnce: boolean;
  /** Serves a pulled version that verified (the lifecycle adopts it); may throw to be retried. */
  readonly adopt: (pulled: PulledModel) => Promise<void>;
  /** Training samples held, for the device report. */
  readonly samples: () => number;
  readonly log: (line: string) => void;
}

/** A waiting sync job, for the status. */
export interface WaitingSyncJob {
  readonly kind: string;
  readonly name: string;
  readonly attempts: number;
  readonly lastError?: string;
}

/** The sync part of the demo's status. */
export interface SyncStatus {
  /** The folder or `s3://bucket/prefix` (and endpoint). */
  readonly registry: string;
  readonly waiting: readonly WaitingSyncJob[];
  /** How the last push that completed went, in words. */
  readonly lastPush?: string;
  /** How the last pull that got an answer went, in words. */
  readonly lastPull?: string;
  /** Versions this run pushed (registry numbers). */
  readonly pushed: readonly number[];
}

/** The demo's running sync. */
export interface DemoSync {
  /** Queues the push of a version the lifecycle promoted here. */
  promoted(version: ModelVersion): void;
  /** Records a version taken from the registry at start, so a pull does not hand it over again. */
  have(manifest: ModelManifest): void;
  status(): SyncStatus;
  /** Stops the timers, gives the queue up to `ms` to finish what is due (the rest waits for the next start), and disconnects. */
  stop(ms: number): Promise<void>;
}

const clockTime = (): string => new Date().toISOString().slice(11, 19);

/** Connects to the broker, subscribes to announcements and starts the queue's timers. */
export async function startDemoSync(o: DemoSyncOptions): Promise<DemoSync> {
  let lastPush: string | undefined;
  let lastPull: string | undefined;
  const pushed: number[] = [];
  // This run's push ids and the store's version each pushes (registry numbers differ: the registry counts every publisher's).
  const localVersions = new Map<string, number>();
  let stopped: Promise<void> | undefined;
  const { registry, documents, description } = o.registry;
  const remote: ModelRegistry & ReportTarget = {
    push: (...args) => registry.push(...args),
    list: (name) => registry.list(name),
    async pull(name) {
      const result = await registry.pull(name);
      lastPull = `${clockTime()}: ${pullWords(result, queue.known(name)?.version)}`;
      return result;
    },
    // A folder registry keeps reports beside its models, where an S3 registry puts them.
    putReport: registry.putReport
      ? (id, bytes) => registry.putReport!(id, bytes)
      : async (id, bytes) => {
          await documents.put(`devices/${id}/report.json`, bytes);
          return join(documents.location, 'devices', id, 'report.json');
        },
  };
  const report = (manifest: ModelManifest): void => queue.report(deviceReport(o.deviceId, [manifest], { [MODEL_NAME]: o.samples() }, Date.now()));
  const client: MqttClient = await mqtt.connectAsync(o.brokerUrl, { clientId: `runnel-demo-sync-${o.deviceId}`, protocolVersion: 4, reconnectPeriod: 500 });
  const queue = new SyncQueue(o.store, {
    remote,
    // A demo shows a registry coming back within seconds: retries back off to 15 s at most.
    backoff: { initialMs: 1000, maxMs: 15_000 },
    announce: mqttAnnouncer(client, DEMO_FLEET),
    onPushed: (manifest) => {
      pushed.push(manifest.version);
      const local = manifest.pushId === undefined ? undefined : localVersions.get(manifest.pushId);
      const which = `registry v${manifest.version}${local === undefined ? '' : ` (v${local} here)`}`;
      lastPush = `${clockTime()}: ${which} with its manifest and metrics`;
      o.log(`sync: pushed ${MODEL_NAME} as ${which} to ${description}`);
      report(manifest);
    },
    onModel: async (pulled) => {
      await o.adopt(pulled);
      lastPull = `${clockTime()}: registry v${pulled.manifest.version} pulled and serving`;
      report(pulled.manifest);
    },
    log: o.log,
  });
  const stopListening = await listenForAnnouncements(client, DEMO_FLEET, queue, o.log);
  const run = (): void => void queue.runDue().catch((error: unknown) => o.log(`sync: ${messageOf(error)}`));
  // Then every pullEveryMs; a pull still waiting keeps its backoff (the 1 s timer runs it when due).
  const pull = (): void => {
    if (!queue.waiting().some((j) => j.kind === 'pull')) queue.pull(MODEL_NAME);
    run();
  };
  if (o.pullAtOnce) pull();
  else run();
  const timers = [setInterval(pull, o.pullEveryMs), setInterval(run, 1000)];
  return {
    promoted(version) {
      localVersions.set(queue.push(MODEL_NAME, version.onnx, pushDetails(version, MODEL_TENSORS)), version.version);
      run();
    },
    have: (manifest) => queue.have(MODEL_NAME, manifest),
    status: () => ({
      registry: description,
      waiting: queue.waiting().map((j) => ({ kind: j.kind, name: j.name, attempts: j.attempts, ...(j.lastError === undefined ? {} : { lastError: j.lastError }) })),
      ...(lastPush === undefined ? {} : { lastPush }),
      ...(lastPull === undefined ? {} : { lastPull }),
      pushed: [...pushed],
    }),
    stop(ms) {
      stopped ??= stopSync(ms);
      return stopped;
    },
  };
  async function stopSync(ms: number): Promise<void> {
    for (const t of timers) clearInterval(t);
    await Promise.race([queue.runDue().catch(() => undefined), new Promise((resolve) => setTimeout(resolve, ms).unref())]);
    await stopListening().catch(() => undefined);
    await client.endAsync();
  }
}

/** A pull's answer in words, `had` being the registry version this device has. */
function pullWords(result: PullResult, had: number | undefined): string {
  if (result.outcome === 'empty') return 'nothing published yet';
  if (result.outcome === 'all-refused') return `all ${result.refused.length} versions refused`;
  const refused = result.refused.length > 0 ? ` (${result.refused.length} newer refused)` : '';
  const v = result.manifest.version;
  return `${v === had ? `nothing new: registry v${v} is the one this device has` : `newest verified is registry v${v}`}${refused}`;
}
