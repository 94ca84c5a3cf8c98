/**
 * Learning loops kept in step with a model registry through a `SyncQueue` on their store: each
 * promoted version is queued as a push with its manifest and metrics (a row until the registry
 * took it, retried with backoff, resumed by the next start) and followed by a device report;
 * pulls bring in versions others published, which the loop adopts once they verified and only
 * when they take the features it makes. The demo and `runnel run --registry` both run on this.
 */
import { join } from 'node:path';
import type { Backoff } from '../../common/backoff.js';
import { messageOf } from '../../common/errors.js';
import type { ModelVersion } from '../../store/model-versions.js';
import type { Store } from '../../store/store.js';
import { deviceReport } from '../../sync/device-report.js';
import type { ModelManifest, TensorSpec } from '../../sync/manifest.js';
import type { SigningKey } from '../../sync/keys.js';
import type { OpenedRegistry } from '../../sync/open-registry.js';
import type { ModelRegistry, PulledModel, PullResult } from '../../sync/registry.js';
import { SyncQueue, type Announce, type ReportTarget } from '../../sync/sync-queue.js';
import { pushDetails, type LifecycleEvent, type ModelLifecycle } from './model-lifecycle.js';

/** A learning loop to sync, with the tensors its manifests declare (`inputs[0].features` are the features it makes). */
export interface SyncedModel {
  readonly name: string;
  readonly lifecycle: ModelLifecycle;
  readonly tensors: { readonly inputs: readonly TensorSpec[]; readonly outputs: readonly TensorSpec[] };
}

/** Options of `startModelSync`. */
export interface ModelSyncOptions {
  readonly store: Store;
  readonly registry: OpenedRegistry;
  /** Names this device's report (`devices/<deviceId>/report.json`). */
  readonly deviceId: string;
  readonly models: readonly SyncedModel[];
  /** Pull every model this often, ms. */
  readonly pullEveryMs: number;
  /** Pull at once rather than after `pullEveryMs`. */
  readonly pullAtOnce: boolean;
  /** Signs the fleet documents queued on `queue` (`queueStatistics`); without it they go unsigned, and a merge that trusts keys leaves them out. */
  readonly documentKey?: SigningKey;
  /** Retry backoff of the queue (default the queue's: 1 s doubling to 5 min). */
  readonly backoff?: Backoff;
  /** Announces each pushed version (e.g. over MQTT). */
  readonly announce?: Announce;
  /** Training samples held of a model, for the device report. */
  readonly samples: (model: string) => number;
  readonly log: (line: string) => void;
  /** Hears each pull's answer, with the registry version this device had. */
  readonly onPull?: (model: string, result: PullResult, had: number | undefined) => void;
  /** Hears each push the registry took, with the store's version it was. */
  readonly onPushed?: (model: string, manifest: ModelManifest, local: number | undefined) => void;
  /** Hears each pulled version the loop adopted (or rejected as failing to load). */
  readonly onAdopted?: (model: string, pulled: PulledModel, event: LifecycleEvent) => void;
}

/** Running sync; `queue` is open for announcements and status. */
export interface ModelSync {
  readonly queue: SyncQueue;
  /** Queues the push of a version `model`'s loop promoted here. */
  promoted(model: string, version: ModelVersion): void;
  /** Stops the timers and gives the queue up to `ms` to finish what is due (the rest waits for the next start). */
  stop(ms: number): Promise<void>;
}

/** Starts the queue and its timers: a pull of every model each `pullEveryMs`, due jobs every second. */
export function startModelSync(o: ModelSyncOptions): ModelSync {
  const byName = new Map(o.models.map((m) => [m.name, m]));
  // This run's push ids and the store's version each pushes (registry numbers differ: the registry counts every publisher's).
  const localVersions = new Map<string, number>();
  const { registry, documents } = o.registry;
  const remote: ModelRegistry & ReportTarget = {
    push: (...args) => registry.push(...args),
    list: (name) => registry.list(name),
    async pull(name) {
      const result = await registry.pull(name);
      o.onPull?.(name, result, queue.known(name)?.version);
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
  // The report lists the newest version of each model this run pushed or adopted.
  const latest = new Map<string, ModelManifest>();
  const report = (manifest: ModelManifest): void => {
    latest.set(manifest.name, manifest);
    const samples = Object.fromEntries([...latest.keys()].map((name) => [name, o.samples(name)]));
    queue.report(deviceReport(o.deviceId, [...latest.values()], samples, Date.now()));
  };
  const queue = new SyncQueue(o.store, {
    remote,
    documents: { storage: documents, ...(o.documentKey && { key: o.documentKey }) },
    ...(o.backoff && { backoff: o.backoff }),
    ...(o.announce && { announce: o.announce }),
    onPushed: (manifest) => {
      o.onPushed?.(manifest.name, manifest, manifest.pushId === undefined ? undefined : localVersions.get(manifest.pushId));
      report(manifest);
    },
    onModel: async (pulled) => {
      const model = byName.get(pulled.manifest.name);
      if (model && (await adoptPulled(model, pulled, o))) report(pulled.manifest);
    },
    log: o.log,
  });
  const run = (): void => void queue.runDue().catch((error: unknown) => o.log(`sync: ${messageOf(error)}`));
  // A pull still waiting keeps its backoff (the 1 s timer runs it when due).
  const pull = (): void => {
    const waiting = new Set(queue.waiting().flatMap((j) => (j.kind === 'pull' ? [j.name] : [])));
    for (const m of o.models) if (!waiting.has(m.name)) queue.pull(m.name);
    run();
  };
  if (o.pullAtOnce) pull();
  else run();
  const timers = [setInterval(pull, o.pullEveryMs), setInterval(run, 1000)];
  let stopped: Promise<void> | undefined;
  return {
    queue,
    promoted(model, version) {
      const m = byName.get(model);
      if (!m) throw new TypeError(`model sync: "${model}" is not one of the synced models (${[...byName.keys()].join(', ')})`);
      localVersions.set(queue.push(model, version.onnx, pushDetails(version, m.tensors)), version.version);
      run();
    },
    stop(ms) {
      stopped ??= (async () => {
        for (const t of timers) clearInterval(t);
        await Promise.race([queue.runDue().catch(() => undefined), new Promise((resolve) => setTimeout(resolve, ms).unref())]);
      })();
      return stopped;
    },
  };
}

/** Adopts a pulled version that verified, unless its inputs are not the features the loop makes; true when it was adopted. */
async function adoptPulled(model: SyncedModel, pulled: PulledModel, o: ModelSyncOptions): Promise<boolean> {
  const m = pulled.manifest;
  const makes = model.tensors.inputs[0]?.features ?? [];
  const takes = m.inputs[0]?.features;
  if (takes?.join() !== makes.join()) {
    o.log(
      `sync: registry v${m.version} of ${model.name} not adopted: it takes ${takes ? `features ${takes.join(', ')}` : 'no named features'}, this device makes ${makes.join(', ')}`,
    );
    return false;
  }
  const reason = `pulled from the registry: ${model.name} v${m.version}, signed by key ${pulled.signedBy}`;
  const event = await model.lifecycle.adopt(pulled.bytes, { reason, metrics: m.metrics, trainedRows: m.trainedOn.samples });
  o.log(`sync: ${event.summary}`);
  o.onAdopted?.(model.name, pulled, event);
  return event.action === 'promoted';
}
