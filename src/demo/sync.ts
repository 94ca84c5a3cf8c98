/**
 * The demo's model sync: the shared one (ml/lifecycle/model-sync.ts: promotions pushed through
 * the sync queue on the demo's store, pulls every `pullEveryMs` adopted once they verified),
 * with pulls also on an announcement over the embedded broker and each push announced there.
 * The status says, in plain words, what waits and how the last push and pull went.
 */
import mqtt, { type MqttClient } from 'mqtt';
import type { LifecycleEvent, ModelLifecycle } from '../ml/lifecycle/model-lifecycle.js';
import { startModelSync } from '../ml/lifecycle/model-sync.js';
import type { ModelVersion } from '../store/model-versions.js';
import type { Store } from '../store/store.js';
import { listenForAnnouncements, mqttAnnouncer } from '../sync/announcements.js';
import type { ModelManifest } from '../sync/manifest.js';
import type { OpenedRegistry } from '../sync/open-registry.js';
import type { PulledModel, PullResult } from '../sync/registry.js';
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
  /** The learning loop: promotions are pushed, pulled versions that verified and take its features are adopted. */
  readonly lifecycle: ModelLifecycle;
  /** Hears each pulled version the lifecycle adopted (or rejected as failing to load). */
  readonly onAdopted?: (event: LifecycleEvent, pulled: PulledModel) => void;
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

/** Connects to the broker, subscribes to announcements and starts the sync (see ml/lifecycle/model-sync.ts). */
export async function startDemoSync(o: DemoSyncOptions): Promise<DemoSync> {
  let lastPush: string | undefined;
  let lastPull: string | undefined;
  const pushed: number[] = [];
  let stopped: Promise<void> | undefined;
  const { description } = o.registry;
  const client: MqttClient = await mqtt.connectAsync(o.brokerUrl, { clientId: `runnel-demo-sync-${o.deviceId}`, protocolVersion: 4, reconnectPeriod: 500 });
  const sync = startModelSync({
    store: o.store,
    registry: o.registry,
    deviceId: o.deviceId,
    models: [{ name: MODEL_NAME, lifecycle: o.lifecycle, tensors: MODEL_TENSORS }],
    pullEveryMs: o.pullEveryMs,
    pullAtOnce: o.pullAtOnce,
    // A demo shows a registry coming back within seconds: retries back off to 15 s at most.
    backoff: { initialMs: 1000, maxMs: 15_000 },
    announce: mqttAnnouncer(client, DEMO_FLEET),
    samples: o.samples,
    log: o.log,
    onPull: (_model, result, had) => (lastPull = `${clockTime()}: ${pullWords(result, had)}`),
    onPushed: (_model, manifest, local) => {
      pushed.push(manifest.version);
      const which = `registry v${manifest.version}${local === undefined ? '' : ` (v${local} here)`}`;
      lastPush = `${clockTime()}: ${which} with its manifest and metrics`;
      o.log(`sync: pushed ${MODEL_NAME} as ${which} to ${description}`);
    },
    onAdopted: (_model, pulled, event) => {
      if (event.action === 'promoted') lastPull = `${clockTime()}: registry v${pulled.manifest.version} pulled and serving`;
      o.onAdopted?.(event, pulled);
    },
  });
  const stopListening = await listenForAnnouncements(client, DEMO_FLEET, sync.queue, o.log);
  return {
    promoted: (version) => sync.promoted(MODEL_NAME, version),
    have: (manifest) => sync.queue.have(MODEL_NAME, manifest),
    status: () => ({
      registry: description,
      waiting: sync.queue.waiting().map((j) => ({ kind: j.kind, name: j.name, attempts: j.attempts, ...(j.lastError === undefined ? {} : { lastError: j.lastError }) })),
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
    await sync.stop(ms);
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
