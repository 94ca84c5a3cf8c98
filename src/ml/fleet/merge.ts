/**
 * Fleet learning without moving raw data: each device publishes the sufficient statistics of its
 * training rows (`publishStatistics`); any machine with the registry's signing key merges every
 * trusted device's statistics into the model a single fit on all their rows gives, and pushes it
 * as the next version (`mergeFleet`). Only models whose fit is a function of such statistics
 * qualify: linear/ridge regression and Gaussian naive Bayes.
 */
import { readGraph } from '../onnx/decode-graph.js';
import type { ValueInfoSpec } from '../onnx/encode.js';
import type { LinearRegressionModel } from '../train/linear-regression.js';
import type { GaussianNBModel } from '../train/naive-bayes.js';
import { fitFromStatistics, parseStatistics, type StatisticsFitOptions, type SufficientStatistics } from '../train/sufficient-statistics.js';
import { collectDocuments, publishDocument, type DocumentStorage, type LeftOut } from '../../sync/fleet-documents.js';
import type { SigningKey, TrustSet } from '../../sync/keys.js';
import type { ModelManifest, TensorSpec } from '../../sync/manifest.js';
import type { ModelRegistry } from '../../sync/registry.js';
import type { SyncQueue } from '../../sync/sync-queue.js';

/** What a device publishes: the statistics of its training rows and their event-time range (ms since the epoch). */
export interface PublishedStatistics {
  readonly statistics: SufficientStatistics;
  readonly from: number;
  readonly to: number;
}

function checkRange(published: PublishedStatistics): PublishedStatistics {
  if (!(Number.isFinite(published.from) && Number.isFinite(published.to) && published.from <= published.to))
    throw new RangeError(`fleet statistics: from and to must be event times (ms) with from ≤ to, got ${published.from} and ${published.to}`);
  return published;
}

/** Publishes `device`'s statistics for `model` (replacing its previous ones), signed with the device's key. */
export function publishStatistics(documents: DocumentStorage, model: string, device: string, published: PublishedStatistics, key: SigningKey | undefined): Promise<string> {
  return publishDocument(documents, model, device, checkRange(published), key);
}

/**
 * A `ModelLifecycle`'s `fleet.publish` that queues `device`'s statistics for `model` on `queue`
 * (made with a `documents` option): published, signed with the queue's device key, once the
 * registry answers; a newer fit's statistics replace ones still waiting.
 */
export function queueStatistics(queue: SyncQueue, model: string, device: string): (statistics: SufficientStatistics, from: number, to: number) => void {
  return (statistics, from, to) => queue.publishDocument(model, device, checkRange({ statistics, from, to }));
}

/** Checks a document's body as published statistics; throws a `TypeError` naming `where`. */
function parsePublished(body: unknown, where: string): PublishedStatistics {
  const b = body as Partial<Record<keyof PublishedStatistics, unknown>> | null;
  if (typeof b !== 'object' || b === null || typeof b.from !== 'number' || typeof b.to !== 'number' || !(Number.isFinite(b.from) && Number.isFinite(b.to)))
    throw new TypeError(`${where}: must be { "statistics", "from", "to" } with event times in ms`);
  return { statistics: parseStatistics(b.statistics, `${where} statistics`), from: b.from, to: b.to };
}

/** Options of `mergeFleet`. */
export interface FleetMergeOptions {
  readonly documents: DocumentStorage;
  /** Where the merged model is pushed (signed by the registry's own key, if it has one). */
  readonly registry: ModelRegistry;
  readonly model: string;
  /** Device keys a document must be signed by; without one, every well-formed document counts. */
  readonly trust?: TrustSet;
  /** Options of the fit (ridge `l2`, naive Bayes `varSmoothing`, …). */
  readonly fit?: StatisticsFitOptions;
}

/** What a merge did. */
export interface FleetMergeResult {
  /** The pushed version. */
  readonly manifest: ModelManifest;
  /** The fitted model (its parameters in double precision; the ONNX holds them as float32). */
  readonly model: LinearRegressionModel | GaussianNBModel;
  /** Devices merged, with their rows. */
  readonly devices: readonly { readonly device: string; readonly rows: number }[];
  /** Documents not merged, and why. */
  readonly leftOut: readonly LeftOut[];
}

/** An ONNX value's tensor spec as a manifest writes it. */
function tensorSpec(value: ValueInfoSpec, features?: readonly string[]): TensorSpec {
  if (!('tensor' in value.type)) throw new TypeError(`fleet merge: model value "${value.name}" is not a tensor`);
  const { elem, shape = [] } = value.type.tensor;
  return {
    name: value.name,
    type: elem === 'float' ? 'float32' : elem === 'double' ? 'float64' : elem,
    shape: shape.map((d) => d ?? 'N'),
    ...(features ? { features } : {}),
  };
}

/** Merges the fleet's statistics for `model`, fits, and pushes the result as its next version. */
export async function mergeFleet(options: FleetMergeOptions): Promise<FleetMergeResult> {
  const { accepted, leftOut } = await collectDocuments(options.documents, options.model, options.trust);
  const devices: { device: string; rows: number }[] = [];
  const published: PublishedStatistics[] = [];
  const left: LeftOut[] = [...leftOut];
  for (const document of accepted) {
    try {
      const parsed = parsePublished(document.body, `${options.documents.location}: fleet/${options.model}/${document.device}.json`);
      published.push(parsed);
      devices.push({ device: document.device, rows: parsed.statistics.rows });
    } catch (error) {
      left.push({ device: document.device, reason: (error as Error).message });
    }
  }
  if (published.length === 0) {
    const why = left.length ? ` (left out: ${left.map((l) => l.reason).join('; ')})` : '';
    throw new RangeError(`fleet merge: no usable statistics for "${options.model}" in ${options.documents.location}${why}`);
  }
  const fitted = fitFromStatistics(
    published.map((p) => p.statistics),
    options.fit,
  );
  const bytes = fitted.toOnnx({ graphName: options.model });
  const graph = readGraph(bytes);
  const rows = devices.reduce((sum, d) => sum + d.rows, 0);
  const manifest = await options.registry.push(options.model, bytes, {
    inputs: graph.inputs.map((input, i) => tensorSpec(input, i === 0 ? fitted.featureNames : undefined)),
    outputs: graph.outputs.map((output) => tensorSpec(output)),
    metrics: { devices: devices.length, rows },
    trainedOn: { samples: rows, from: Math.min(...published.map((p) => p.from)), to: Math.max(...published.map((p) => p.to)) },
  });
  return { manifest, model: fitted, devices, leftOut: left };
}
