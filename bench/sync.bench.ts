/**
 * Model sync round trip against an S3 server on loopback (s3rver, in this process): one device
 * pushes a signed version (list, three PUTs), another pulls it (list, three GETs, signature and
 * SHA-256 checked), directly through S3Registry and through the sync queues (SQLite rows, a
 * push id, the version recorded as known). Model sizes: the demo's ridge model is ~1 kB; 100 kB
 * and 1 MB stand for small trees and CNNs. Versions accumulate per size as in a real bucket.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { VirtualClock } from '../src/core/clock.js';
import { Store } from '../src/store/store.js';
import { generateKeyPair, loadSigningKey, loadTrustSet } from '../src/sync/keys.js';
import { S3Registry } from '../src/sync/s3-registry.js';
import { SyncQueue } from '../src/sync/sync-queue.js';
import { startS3rver } from '../test/support/s3rver.js';
import { measure, printTable } from './harness.js';

const DETAILS = {
  inputs: [{ name: 'features', type: 'float32', shape: ['N', 9] }],
  outputs: [{ name: 'prediction', type: 'float32', shape: ['N', 1] }],
  metrics: { rmse: 0.2 },
  trainedOn: { samples: 40, from: 0, to: 1 },
};

export async function run(): Promise<void> {
  const s3 = await startS3rver();
  const dir = mkdtempSync(join(tmpdir(), 'runnel-bench-sync-'));
  const keys = generateKeyPair(dir, 'publisher');
  const options = { signingKey: loadSigningKey(keys.privateKeyFile), trust: loadTrustSet([keys.publicKeyFile]) };
  const rows: (string | number)[][] = [];
  try {
    for (const size of [1_000, 100_000, 1_000_000]) {
      const bytes = Uint8Array.from({ length: size }, (_, i) => (i * 7919) % 251);
      const prefix = `bench-${size}`;
      const a = new S3Registry({ ...s3.location, prefix }, options);
      const b = new S3Registry({ ...s3.location, prefix }, options);
      const direct = await measure(async () => {
        await a.push('model', bytes, DETAILS);
        const pulled = await b.pull('model');
        if (pulled.outcome !== 'pulled') throw new Error(`pull failed: ${JSON.stringify(pulled)}`);
      });
      const clock = new VirtualClock(0);
      const stores = [Store.open(join(dir, `a-${size}.db`)), Store.open(join(dir, `b-${size}.db`))];
      let received = 0;
      const pusher = new SyncQueue(stores[0]!, { remote: a, clock, log: () => undefined });
      const puller = new SyncQueue(stores[1]!, { remote: b, clock, log: () => undefined, onModel: () => received++ });
      const queued = await measure(async () => {
        pusher.push('queued', bytes, DETAILS);
        await pusher.runDue();
        puller.pull('queued');
        const before = received;
        await puller.runDue();
        if (received !== before + 1) throw new Error('the queued pull handed over no new version');
      });
      for (const store of stores) store.close();
      a.close();
      b.close();
      rows.push([`${size / 1000} kB`, direct.medianMs, direct.minMs, queued.medianMs, queued.minMs]);
    }
  } finally {
    await s3.stop();
  }
  printTable(
    'Push then pull of one signed version, s3rver on 127.0.0.1 (ms, median of 9 after 3 warm-up)',
    ['model', 'S3Registry median', 'min', 'through SyncQueue median', 'min'],
    rows,
  );
}
