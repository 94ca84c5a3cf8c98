import { mkdtempSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { S3Client } from '@aws-sdk/client-s3';
import type { S3Location } from '../../src/sync/s3-registry.js';

/** The part of s3rver 3.7 (no type declarations) the tests use. */
interface S3rverServer {
  run(): Promise<AddressInfo>;
  readonly httpServer: Server;
}
type S3rverClass = new (options: { port: number; address: string; silent: boolean; directory: string; configureBuckets: { name: string }[] }) => S3rverServer;
const S3rver = createRequire(import.meta.url)('s3rver') as S3rverClass;

/** An S3 server started for a test, on 127.0.0.1, with its objects in a temporary folder. */
export interface TestS3 {
  readonly endpoint: string;
  readonly bucket: string;
  /** Where a registry finds the bucket (path style, the server's credentials). */
  readonly location: S3Location;
  /** A plain client on the server, to look at or spoil objects behind a registry's back. */
  readonly client: S3Client;
  /** Stops listening and cuts open connections (the objects stay). */
  pause(): Promise<void>;
  /** Listens again on the same port, with the same objects. */
  resume(): Promise<void>;
  stop(): Promise<void>;
}

/** Starts s3rver on a free 127.0.0.1 port with one bucket, `bucket`; it knows one access key, S3RVER (secret S3RVER), and refuses others with HTTP 403 (it does not check V4 signatures). */
export async function startS3rver(bucket = 'fleet'): Promise<TestS3> {
  const directory = mkdtempSync(join(tmpdir(), 'runnel-s3rver-'));
  let server: S3rverServer | undefined;
  let port = 0;
  const listen = async (): Promise<void> => {
    const s = new S3rver({ port, address: '127.0.0.1', silent: true, directory, configureBuckets: [{ name: bucket }] });
    port = (await s.run()).port;
    server = s;
  };
  const close = async (): Promise<void> => {
    const s = server;
    server = undefined;
    if (!s) return;
    // The SDK keeps connections alive; close() alone would wait for them.
    const closed = new Promise<void>((resolve) => s.httpServer.close(() => resolve()));
    s.httpServer.closeAllConnections();
    await closed;
  };
  await listen();
  const endpoint = `http://127.0.0.1:${port}`;
  const location: S3Location = { bucket, endpoint, region: 'us-east-1', forcePathStyle: true, credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } };
  const client = new S3Client({ endpoint, region: 'us-east-1', forcePathStyle: true, credentials: location.credentials! });
  return {
    endpoint,
    bucket,
    location,
    client,
    pause: close,
    resume: listen,
    async stop() {
      client.destroy();
      await close();
      rmSync(directory, { recursive: true, force: true });
    },
  };
}
