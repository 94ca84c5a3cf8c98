/**
 * The model registry contract: what a device asks of any store of model versions (a folder, an
 * S3-compatible bucket), and what a pull answers, refusals included. `test/sync/registry-contract.ts`
 * is the suite every implementation passes.
 */
import type { ModelManifest } from './manifest.js';
import type { SignatureFailure } from './signature.js';

/** What `push` needs besides the bytes; the registry adds name, version, createdAt and sha256. */
export type PushDetails = Omit<ModelManifest, 'name' | 'version' | 'createdAt' | 'sha256' | 'approved' | 'pushId'> & {
  readonly approved?: boolean;
  /**
   * Makes the push idempotent: a push with the id of an existing version returns that version
   * instead of making another (a retry whose first attempt succeeded but whose answer was lost).
   */
  readonly pushId?: string;
};

/** How `push` may save work. */
export interface PushOptions {
  /**
   * The push id has never been sent before (a first attempt): no earlier attempt can have made a
   * version, so the registry skips looking for one (which reads every manifest of the model).
   */
  readonly neverSent?: boolean;
}

/** Why a version was passed over: a failed check, or withdrawn by its publisher. */
export type RefusalCode = SignatureFailure | 'symlink' | 'hash-mismatch' | 'unreadable' | 'withdrawn';

/** A version a pull did not take, and why (the reason names the file and what failed). */
export interface Refusal {
  readonly version: number;
  readonly code: RefusalCode;
  readonly reason: string;
}

/** A version that passed every check. */
export interface PulledModel {
  readonly manifest: ModelManifest;
  /** The model's bytes, checked against the manifest's SHA-256. */
  readonly bytes: Uint8Array;
  /** Id of the trusted key whose signature was checked; undefined when the registry has no trust set. */
  readonly signedBy: string | undefined;
}

/** What a pull found: the newest acceptable version, no version at all, or versions that were all refused. */
export type PullResult =
  | (PulledModel & {
      readonly outcome: 'pulled';
      /** Newer versions passed over, newest first. */
      readonly refused: readonly Refusal[];
    })
  | { readonly outcome: 'empty' }
  | { readonly outcome: 'all-refused'; readonly refused: readonly Refusal[] };

/**
 * A store of model versions, all async so a remote fits. A remote that cannot be reached makes
 * the call reject (so a sync queue retries it); a version that fails a check is a refusal.
 */
export interface ModelRegistry {
  /** Stores `bytes` as the next version of `name` (approved unless said otherwise). */
  push(name: string, bytes: Uint8Array, details: PushDetails, options?: PushOptions): Promise<ModelManifest>;
  /** The newest approved version that passes every check, with the versions refused on the way. */
  pull(name: string): Promise<PullResult>;
  /** Every readable manifest of `name`, oldest version first (for display: signatures not checked). */
  list(name: string): Promise<ModelManifest[]>;
}
