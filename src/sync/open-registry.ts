/**
 * A registry named the way a command line names it: a folder, or `s3://bucket/prefix` with the
 * endpoint and credentials from the environment (`AWS_ENDPOINT_URL`, `AWS_REGION`,
 * `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, … as every AWS tool reads them). The S3 module,
 * and with it `@aws-sdk/client-s3`, is imported only for an `s3://` name, so a device whose
 * registry is a folder never loads the SDK.
 */
import { DirectoryRegistry } from './directory-registry.js';
import { DirectoryDocuments, type DocumentStorage } from './fleet-documents.js';
import type { ModelRegistry } from './registry.js';
import type { S3RegistryOptions } from './s3-registry.js';
import type { ReportTarget } from './sync-queue.js';

/** An opened registry, where its fleet documents go, and how to let it go. */
export interface OpenedRegistry {
  readonly registry: ModelRegistry & Partial<ReportTarget>;
  readonly documents: DocumentStorage;
  /** The folder or `s3://bucket/prefix`, and for S3 the endpoint: for logs (never a credential). */
  readonly description: string;
  readonly close: () => void;
}

/** The bucket and prefix of `s3://bucket/prefix`, or undefined for anything else. */
export function parseS3Url(spec: string): { bucket: string; prefix: string } | undefined {
  const match = /^s3:\/\/([^/]+)\/?(.*)$/.exec(spec);
  return match ? { bucket: match[1]!, prefix: match[2]! } : undefined;
}

/**
 * Opens the registry `spec` names: `s3://bucket/prefix` (endpoint from `AWS_ENDPOINT_URL_S3` or
 * `AWS_ENDPOINT_URL`, default AWS; path-style addressing when an endpoint is set, as MinIO and
 * Garage need; credentials from the SDK's usual chain), or a folder.
 */
export async function openRegistry(spec: string, options: S3RegistryOptions = {}): Promise<OpenedRegistry> {
  if (spec.startsWith('s3:')) {
    const where = parseS3Url(spec);
    if (!where) throw new TypeError(`registry ${spec}: an S3 registry is named s3://<bucket>/<prefix>, e.g. s3://models/fleet-a`);
    const { S3Registry } = await import('./s3-registry.js');
    const registry = new S3Registry(where, options);
    const endpoint = process.env['AWS_ENDPOINT_URL_S3'] ?? process.env['AWS_ENDPOINT_URL'] ?? 'AWS S3';
    return { registry, documents: registry.objects, description: `${registry.location} at ${endpoint}`, close: () => registry.close() };
  }
  const registry = new DirectoryRegistry(spec, options);
  return { registry, documents: new DirectoryDocuments(spec), description: spec, close: () => undefined };
}
