/**
 * A model registry in an S3-compatible bucket (AWS S3, MinIO, Garage, Ceph):
 * `<prefix>models/<name>/<version>/model.onnx`, `manifest.json`, `manifest.sig`, checked as the
 * directory registry checks its folders (verified-registry.ts), and device reports at
 * `<prefix>devices/<deviceId>/report.json`. A version exists once its `manifest.json` does: a push
 * writes the model and the signature first and the manifest last, each with `If-None-Match: *`,
 * so a number another publisher took is refused by the server (AWS, MinIO) and the next is tried.
 * A bucket that cannot be reached makes the call reject; nothing is retried here (the sync
 * queue does that), and no credential is ever put in a message.
 *
 * This module loads `@aws-sdk/client-s3`; import it only where S3 is used (`openRegistry` does so
 * lazily), so a device without S3 does not pay for the SDK at start-up.
 */
import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client, type S3ClientConfig } from '@aws-sdk/client-s3';
import type { DocumentStorage } from './fleet-documents.js';
import type { Refusal } from './registry.js';
import { throttled, type Sleep } from './throttle.js';
import { checkName, VerifiedRegistry, type EntryFile, type RegistryOptions, type VersionFiles, type VersionStorage } from './verified-registry.js';

/** Where the bucket is and how to talk to it. */
export interface S3Location {
  readonly bucket: string;
  /** Key prefix inside the bucket (e.g. `fleet-a/`); default none. A missing final `/` is added. */
  readonly prefix?: string;
  /** `http(s)://host:port` of an S3-compatible server; default: AWS S3 for the region (or `AWS_ENDPOINT_URL`). */
  readonly endpoint?: string;
  /** Default `AWS_REGION`, else `us-east-1` (MinIO and most others accept any). */
  readonly region?: string;
  /** Path-style URLs (`host/bucket/key`), which MinIO, Garage and s3rver need; default true when `endpoint` is set. */
  readonly forcePathStyle?: boolean;
  /** Default: the SDK's chain (AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, profiles, instance roles). */
  readonly credentials?: { readonly accessKeyId: string; readonly secretAccessKey: string; readonly sessionToken?: string };
}

/** Options of `S3Registry`: those of every registry, and an upload cap. */
export interface S3RegistryOptions extends RegistryOptions {
  /** Upload bandwidth cap in bytes per second (model bytes and reports); default none. */
  readonly uploadBytesPerSecond?: number;
  /** Waits between paced chunks (default real timers). */
  readonly sleep?: Sleep;
  /** Milliseconds to wait for a connection (default 5000) and for a response (default 60000). */
  readonly connectTimeoutMs?: number;
  readonly requestTimeoutMs?: number;
}

/** An S3 error's name and HTTP status, when the server answered. */
function s3Failure(error: unknown): { name: string; status: number | undefined } {
  const e = error as { name?: string; $metadata?: { httpStatusCode?: number } };
  return { name: e?.name ?? 'Error', status: e?.$metadata?.httpStatusCode };
}

/** `prefix` with one final slash, or empty. */
function normalPrefix(prefix: string | undefined): string {
  const trimmed = (prefix ?? '').replace(/^\/+|\/+$/g, '');
  return trimmed === '' ? '' : `${trimmed}/`;
}

/**
 * Objects under one prefix of a bucket, by `/`-separated path: what the registry's versions, the
 * device reports and the fleet documents (`DocumentStorage`) are kept in.
 */
export class S3Objects implements DocumentStorage {
  /** `s3://bucket/prefix` (no final slash). */
  readonly location: string;
  readonly #client: S3Client;
  readonly #bucket: string;
  readonly #prefix: string;
  readonly #endpoint: string;
  readonly #options: S3RegistryOptions;

  constructor(where: S3Location, options: S3RegistryOptions = {}) {
    if (typeof where.bucket !== 'string' || !/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(where.bucket))
      throw new TypeError(`S3 registry: bucket must be an S3 bucket name (3-63 lowercase letters, digits, "." or "-"), got ${JSON.stringify(where.bucket)}`);
    if (options.uploadBytesPerSecond !== undefined && !(options.uploadBytesPerSecond > 0))
      throw new RangeError(`S3 registry: uploadBytesPerSecond must be a positive number of bytes per second, got ${options.uploadBytesPerSecond}`);
    this.#bucket = where.bucket;
    this.#prefix = normalPrefix(where.prefix);
    this.location = `s3://${where.bucket}/${this.#prefix}`.replace(/\/$/, '');
    const endpoint = where.endpoint ?? process.env['AWS_ENDPOINT_URL_S3'] ?? process.env['AWS_ENDPOINT_URL'];
    this.#endpoint = endpoint ?? 'AWS S3';
    const config: S3ClientConfig = {
      region: where.region ?? process.env['AWS_REGION'] ?? 'us-east-1',
      forcePathStyle: where.forcePathStyle ?? endpoint !== undefined,
      // One attempt per call: the sync queue retries with its own backoff, and keeps the row meanwhile.
      maxAttempts: 1,
      // The SDK's default CRC trailers (aws-chunked bodies) are not understood by every
      // S3-compatible server (s3rver stores them as part of the object); checksums only when required.
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
      requestHandler: { connectionTimeout: options.connectTimeoutMs ?? 5000, requestTimeout: options.requestTimeoutMs ?? 60_000 },
      ...(endpoint === undefined ? {} : { endpoint }),
      ...(where.credentials ? { credentials: where.credentials } : {}),
    };
    this.#client = new S3Client(config);
    this.#options = options;
  }

  /** The object's `s3://` address. */
  address(path: string): string {
    return `s3://${this.#bucket}/${this.#prefix}${path}`;
  }

  /** A transport or server failure as an error naming the object, the endpoint and what to check (never a credential). */
  #unreachable(action: string, path: string, error: unknown): Error {
    const { name, status } = s3Failure(error);
    const answer = status === undefined ? `no answer (${name}: ${(error as Error)?.message ?? String(error)})` : `HTTP ${status} ${name}`;
    const hint =
      status === 403
        ? 'check the access key and the bucket policy'
        : status === 404
          ? `check that bucket ${this.#bucket} exists`
          : 'check the endpoint and the network; the sync queue retries';
    return new Error(`S3 registry: ${action} ${this.address(path)} at ${this.#endpoint} failed: ${answer}; ${hint}`, { cause: error });
  }

  /** Paths (relative to the prefix) of every object under `folder`, at any depth. */
  async keys(folder: string): Promise<string[]> {
    const from = `${this.#prefix}${folder.replace(/\/*$/, '/')}`;
    const keys: string[] = [];
    let token: string | undefined;
    do {
      let page;
      try {
        page = await this.#client.send(new ListObjectsV2Command({ Bucket: this.#bucket, Prefix: from, ...(token ? { ContinuationToken: token } : {}) }));
      } catch (error) {
        throw this.#unreachable('listing', from.slice(this.#prefix.length), error);
      }
      for (const object of page.Contents ?? []) if (object.Key) keys.push(object.Key.slice(this.#prefix.length));
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    return keys;
  }

  /** The names of the objects directly in `folder`. */
  async list(folder: string): Promise<string[]> {
    const base = folder.replace(/\/*$/, '/');
    return (await this.keys(folder)).map((key) => key.slice(base.length)).filter((name) => !name.includes('/'));
  }

  /** The object's bytes, undefined when there is none. */
  async get(path: string): Promise<Uint8Array | undefined> {
    try {
      const object = await this.#client.send(new GetObjectCommand({ Bucket: this.#bucket, Key: `${this.#prefix}${path}` }));
      return object.Body ? await object.Body.transformToByteArray() : new Uint8Array(0);
    } catch (error) {
      if (s3Failure(error).name === 'NoSuchKey') return undefined;
      throw this.#unreachable('reading', path, error);
    }
  }

  /** Replaces the object at `path` (paced when capped). */
  async put(path: string, bytes: Uint8Array): Promise<void> {
    await this.#put(path, bytes, false);
  }

  /** Writes the object only if there is none at `path` (`If-None-Match: *`); false when there was. */
  putNew(path: string, bytes: Uint8Array): Promise<boolean> {
    return this.#put(path, bytes, true);
  }

  async #put(path: string, bytes: Uint8Array, exclusive: boolean): Promise<boolean> {
    const cap = this.#options.uploadBytesPerSecond;
    const body = cap === undefined ? bytes : throttled(bytes, cap, this.#options.sleep);
    try {
      await this.#client.send(
        new PutObjectCommand({ Bucket: this.#bucket, Key: `${this.#prefix}${path}`, Body: body, ContentLength: bytes.byteLength, ...(exclusive ? { IfNoneMatch: '*' } : {}) }),
      );
      return true;
    } catch (error) {
      const { name, status } = s3Failure(error);
      if (exclusive && (status === 412 || name === 'PreconditionFailed')) return false;
      throw this.#unreachable('writing', path, error);
    }
  }

  /** Closes the client's connections. */
  close(): void {
    this.#client.destroy();
  }
}

/** A `VersionStorage` in a bucket: `models/<name>/<version>/<file>`. */
class S3Storage implements VersionStorage {
  constructor(readonly objects: S3Objects) {}

  get location(): string {
    return this.objects.location;
  }

  async versions(name: string): Promise<number[]> {
    const versions: number[] = [];
    for (const key of await this.objects.keys(`models/${name}`)) {
      const match = /^models\/[^/]+\/([1-9]\d*)\/manifest\.json$/.exec(key);
      if (match) versions.push(Number(match[1]));
    }
    return versions;
  }

  where(name: string, version: number, file: EntryFile): string {
    return this.objects.address(`models/${name}/${version}/${file}`);
  }

  /** Objects cannot be links: nothing to refuse before reading. */
  async inspect(): Promise<Refusal | undefined> {
    return undefined;
  }

  read(name: string, version: number, file: EntryFile): Promise<Uint8Array | undefined> {
    return this.objects.get(`models/${name}/${version}/${file}`);
  }

  async write(name: string, version: number, files: VersionFiles): Promise<boolean> {
    const parts: [EntryFile, Uint8Array][] = [['model.onnx', files.model]];
    if (files.sig !== undefined) parts.push(['manifest.sig', Buffer.from(files.sig)]);
    parts.push(['manifest.json', files.manifest]); // last: the version exists once this does
    for (const [file, bytes] of parts) if (!(await this.objects.putNew(`models/${name}/${version}/${file}`, bytes))) return false;
    return true;
  }
}

/** A `ModelRegistry` in an S3-compatible bucket, which also takes device reports and fleet documents. */
export class S3Registry extends VerifiedRegistry {
  /** The bucket's objects under the prefix: also where fleet documents go (`fleet/<model>/<device>.json`). */
  readonly objects: S3Objects;

  constructor(where: S3Location, options: S3RegistryOptions = {}) {
    const objects = new S3Objects(where, options);
    super(new S3Storage(objects), options);
    this.objects = objects;
  }

  /** Writes `report` as `<prefix>devices/<deviceId>/report.json`; returns its `s3://` address. */
  async putReport(deviceId: string, report: Uint8Array): Promise<string> {
    checkName(deviceId, 'device id');
    await this.objects.put(`devices/${deviceId}/report.json`, report);
    return this.objects.address(`devices/${deviceId}/report.json`);
  }

  /** Closes the client's connections. */
  close(): void {
    this.objects.close();
  }
}
