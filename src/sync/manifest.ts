/**
 * A model version's manifest (design contract 5): what the model takes and gives, how it scored,
 * what it was trained on, and the SHA-256 of its ONNX bytes. The design's Ed25519 `signature`
 * lives beside it in `manifest.sig` (see signature.ts), since a signature cannot sign itself.
 */
import { createHash } from 'node:crypto';

/** One input or output tensor of a model. */
export interface TensorSpec {
  readonly name: string;
  /** Element type, ONNX spelling: `float32`, `int64`, … */
  readonly type: string;
  /** Dimensions; a string is a symbolic dimension (`N`, the batch). */
  readonly shape: readonly (number | string)[];
  /** Column names of a feature input, in order. */
  readonly features?: readonly string[];
}

/** Where a version's training data came from. */
export interface TrainedOn {
  /** Training rows (the held-out rows not included). */
  readonly samples: number;
  /** Event-time range of the training rows, ms since the epoch. */
  readonly from: number;
  readonly to: number;
}

/** What the registry stores beside each `model.onnx`. */
export interface ModelManifest {
  readonly name: string;
  /** 1, 2, 3, … per model name, assigned by the registry. */
  readonly version: number;
  /** ISO 8601. */
  readonly createdAt: string;
  readonly inputs: readonly TensorSpec[];
  readonly outputs: readonly TensorSpec[];
  /** Held-out scores, e.g. `{ rmse, championRmse, heldOut }`. */
  readonly metrics: Readonly<Record<string, number>>;
  readonly trainedOn: TrainedOn;
  /** Hex SHA-256 of `model.onnx`: a pull refuses bytes that do not match. */
  readonly sha256: string;
  /** Only approved versions are pulled; set false to withdraw one (the next pull takes the one before). */
  readonly approved: boolean;
  /** The id of the push that made this version, when the pusher gave one (a retried push finds it). */
  readonly pushId?: string;
}

/** Hex SHA-256 of `bytes`. */
export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** Checks a parsed `manifest.json`; throws a `TypeError` naming the first bad field. */
export function parseManifest(data: unknown, where: string): ModelManifest {
  const m = data as Partial<Record<keyof ModelManifest, unknown>> | null;
  const bad = (field: string, expected: string): never => {
    throw new TypeError(`${where}: "${field}" must be ${expected}`);
  };
  if (typeof m !== 'object' || m === null || Array.isArray(m)) bad('manifest', 'a JSON object');
  if (typeof m!.name !== 'string' || m!.name === '') bad('name', 'a non-empty string');
  if (!Number.isSafeInteger(m!.version) || (m!.version as number) < 1) bad('version', 'a positive integer');
  if (typeof m!.createdAt !== 'string' || Number.isNaN(Date.parse(m!.createdAt))) bad('createdAt', 'an ISO 8601 date');
  if (!Array.isArray(m!.inputs) || !Array.isArray(m!.outputs)) bad('inputs/outputs', 'arrays of tensors');
  if (typeof m!.metrics !== 'object' || m!.metrics === null) bad('metrics', 'an object of numbers');
  const t = m!.trainedOn as Partial<TrainedOn> | undefined;
  if (typeof t !== 'object' || t === null || !Number.isFinite(t.samples) || !Number.isFinite(t.from) || !Number.isFinite(t.to)) bad('trainedOn', '{ samples, from, to } numbers');
  if (typeof m!.sha256 !== 'string' || !/^[0-9a-f]{64}$/.test(m!.sha256)) bad('sha256', '64 lowercase hex digits');
  if (typeof m!.approved !== 'boolean') bad('approved', 'true or false');
  if (m!.pushId !== undefined && (typeof m!.pushId !== 'string' || m!.pushId === '')) bad('pushId', 'a non-empty string when present');
  return m as ModelManifest;
}
