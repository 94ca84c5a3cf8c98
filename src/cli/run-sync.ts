/**
 * `runnel run --registry`: the models a pipeline declares (`options.runnel_models`) synced with a
 * registry as the demo syncs its own (ml/lifecycle/model-sync.ts). The registry defaults to
 * `RUNNEL_REGISTRY`, which a flashed device's service gets; the keys to a `keys/` folder beside
 * the database (a service's data folder), made on first use as the demo makes its own.
 */
import { dirname, join, resolve } from 'node:path';
import { queueStatistics } from '../ml/fleet/merge.js';
import type { FleetOptions } from '../ml/lifecycle/index.js';
import { startModelSync, type ModelSync } from '../ml/lifecycle/model-sync.js';
import { SampleTable } from '../store/samples.js';
import type { Store } from '../store/store.js';
import { deviceKeys, loadSigningKey, loadTrustSet } from '../sync/keys.js';
import { openRegistry } from '../sync/open-registry.js';
import type { SyncQueue } from '../sync/sync-queue.js';
import type { PipelineModel } from '../yaml/index.js';
import { UsageError } from './command.js';

/** How often a running pipeline pulls its models. */
const PULL_EVERY_MS = 60_000;

/** How long a start waits for its first pull, so a newer published version serves from the first element. */
const FIRST_PULL_MS = 5000;

/** What `runnel run` was given about the registry. */
export interface RunSyncOptions {
  /** `--registry`, else `RUNNEL_REGISTRY`; neither: no sync. */
  readonly registry: string | undefined;
  /** `--key`: this device's private key (default `keys/device.key` beside the database, made on first use). */
  readonly key: string | undefined;
  /** `--trust`: publisher `.pub` files or folders (default every `.pub` beside the key). */
  readonly trust: readonly string[] | undefined;
  /** The `--db` file. */
  readonly db: string | undefined;
  /** The link the models declared with `fleet:` publish through, attached to the sync queue once it runs. */
  readonly fleet?: FleetLink;
}

/**
 * How models declared with `fleet:` (opened before the registry, see yaml/runnel-models.ts) hand
 * each fit's statistics to the run's sync queue: `publisher` goes to the models, `attach` gives
 * it the queue and this run's device id once sync started, before any loop ticks.
 */
export interface FleetLink {
  readonly publisher: (model: string, device: string | undefined) => FleetOptions['publish'];
  readonly attach: (queue: SyncQueue, device: string) => void;
}

/** A `FleetLink` not yet attached. */
export function fleetLink(): FleetLink {
  let target: { queue: SyncQueue; device: string } | undefined;
  return {
    publisher: (model, device) => (statistics, from, to) => {
      if (!target) throw new Error(`fleet statistics of ${model}: the registry sync has not started`);
      queueStatistics(target.queue, model, device ?? target.device)(statistics, from, to);
    },
    attach: (queue, device) => {
      target = { queue, device };
    },
  };
}

/** A run's sync and how to let it go. */
export interface RunSync {
  readonly sync: ModelSync;
  /** Gives the queue up to `ms` to finish what is due (the rest waits in the database for the next start), then closes the registry. */
  close(ms: number): Promise<void>;
}

/** Starts syncing `models`, or returns undefined when no registry is named; checks the options first. */
export async function startRunSync(o: RunSyncOptions, store: Store | undefined, models: readonly PipelineModel[], say: (line: string) => void): Promise<RunSync | undefined> {
  if (o.registry === undefined || o.registry === '') {
    if (o.key !== undefined || o.trust !== undefined) throw new UsageError('--key and --trust are for --registry (or RUNNEL_REGISTRY): name the registry to sync with');
    return undefined;
  }
  if (models.length === 0) {
    say(`registry ${o.registry}: the pipeline declares no models (options.runnel_models), so there is nothing to sync`);
    return undefined;
  }
  if (!store || o.db === undefined) throw new UsageError('--registry syncs the models the run trains, which live in its database: add --db <file>');
  const keysDir = join(dirname(resolve(o.db)), 'keys');
  let signingKey;
  let trustFrom = o.trust;
  if (o.key === undefined) {
    const keys = deviceKeys(keysDir);
    if (keys.generated) say(`keys: made this device's signing key ${keys.generated.privateKeyFile}; it trusts the .pub files beside it`);
    signingKey = keys.signingKey;
    trustFrom ??= [keysDir];
  } else {
    signingKey = loadSigningKey(o.key);
    trustFrom ??= [dirname(resolve(o.key))];
  }
  const opened = await openRegistry(o.registry, { signingKey, trust: loadTrustSet(trustFrom) });
  say(`registry ${opened.description}: syncing ${models.map((m) => m.name).join(', ')} (pushes as key ${signingKey.keyId})`);
  const samples = new SampleTable(store);
  const deviceId = `run-${signingKey.keyId}`;
  const sync = startModelSync({
    store,
    registry: opened,
    deviceId,
    documentKey: signingKey,
    models,
    pullEveryMs: PULL_EVERY_MS,
    pullAtOnce: true,
    samples: (model) => samples.size(model),
    log: say,
    onPushed: (model, manifest, local) => say(`sync: pushed ${model}${local === undefined ? '' : ` v${local}`} as registry v${manifest.version} to ${opened.description}`),
  });
  o.fleet?.attach(sync.queue, deviceId);
  await Promise.race([sync.queue.runDue().catch(() => undefined), new Promise((done) => setTimeout(done, FIRST_PULL_MS).unref())]);
  return {
    sync,
    async close(ms) {
      await sync.stop(ms);
      opened.close();
    },
  };
}
