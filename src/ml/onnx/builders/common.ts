/**
 * What every Runnel-built model shares: one float input `[N, features]` (N symbolic), an optional
 * scaler in front, and metadata naming the model kind and its features, which the inference
 * handler checks frames against.
 */
import { GraphBuilder } from '../graph-builder.js';
import { appendScaler, type FeatureScaler } from './scaler.js';

/** Metadata key holding the JSON array of feature names. */
export const FEATURES_KEY = 'runnel.features';
/** Metadata key holding the builder that made the model. */
export const KIND_KEY = 'runnel.kind';

/** Options shared by the graph builders. */
export interface BuildOptions {
  /** Name of the float input; default `'features'`. */
  inputName?: string;
  /** Feature names in column order, stored in metadata (`runnel.features`) for input validation. */
  featureNames?: readonly string[];
  /** Scaling applied to the input before the model. */
  scaler?: FeatureScaler;
  /** Name of the symbolic batch dimension; default `'N'`. */
  batchDim?: string;
  /** Graph name; default the model kind. */
  graphName?: string;
  /** Extra metadata_props. */
  metadata?: Readonly<Record<string, string>>;
  /** Written as ModelProto.model_version. */
  modelVersion?: number;
}

/** A graph with its (possibly scaled) input, ready for the model's own nodes. */
export interface GraphStart {
  g: GraphBuilder;
  /** The value the model reads: the input, or the scaler's output. */
  x: string;
  /** The batch dimension's name. */
  n: string;
}

/** Starts a graph with a `[N, features]` float input and the optional scaler. */
export function beginGraph(kind: string, features: number, options: BuildOptions): GraphStart {
  if (!Number.isInteger(features) || features < 1) throw new RangeError(`${kind}: needs at least one feature, got ${features}`);
  if (options.featureNames && options.featureNames.length !== features) {
    throw new RangeError(`${kind}: ${options.featureNames.length} featureNames for ${features} features`);
  }
  const n = options.batchDim ?? 'N';
  const g = new GraphBuilder(options.graphName ?? kind);
  const input = g.input(options.inputName ?? 'features', 'float', [n, features]);
  const x = options.scaler ? appendScaler(g, input, options.scaler, features) : input;
  return { g, x, n };
}

/** Encodes the graph with Runnel's metadata. */
export function finishModel(g: GraphBuilder, kind: string, options: BuildOptions): Uint8Array {
  const metadata: Record<string, string> = { ...options.metadata, [KIND_KEY]: kind };
  if (options.featureNames) metadata[FEATURES_KEY] = JSON.stringify(options.featureNames);
  return g.encode({ metadata, producerName: 'runnel', ...(options.modelVersion !== undefined ? { modelVersion: options.modelVersion } : {}) });
}

/** Checks a row-major matrix given as rows; returns it flattened as float64 values. */
export function flattenRows(what: string, rows: readonly (readonly number[])[], cols: number): number[] {
  if (rows.length === 0) throw new RangeError(`${what}: needs at least one row`);
  const out: number[] = [];
  rows.forEach((r, i) => {
    if (r.length !== cols) throw new RangeError(`${what}: row ${i} has ${r.length} values, expected ${cols}`);
    out.push(...r);
  });
  return out;
}

/** Transposes rows (`rows.length × cols`) into a flat `cols × rows.length` matrix. */
export function transposeFlat(rows: readonly (readonly number[])[], cols: number): number[] {
  const out = new Array<number>(rows.length * cols);
  rows.forEach((r, i) => r.forEach((v, j) => (out[j * rows.length + i] = v)));
  return out;
}
