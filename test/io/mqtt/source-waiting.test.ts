/**
 * An MQTT source whose broker is not up yet: the run waits for it, says so through the source's
 * own log, and a stop while it waits ends the run at once instead of retrying forever.
 */
import { mkdtempSync } from 'node:fs';
import { once } from 'node:events';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { Pipeline, collect, mqttSource, run } from '../../../src/index.js';
import { Store } from '../../../src/store/store.js';
import { until } from '../../support/until.js';

it('a run waiting for its broker logs it through the source and stops promptly when aborted', async () => {
  // A port nothing listens on: taken from the OS, then released.
  const server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));

  const store = Store.open(join(mkdtempSync(join(tmpdir(), 'runnel-waiting-')), 'runnel.db'));
  const lines: string[] = [];
  const p = new Pipeline();
  p.apply(
    mqttSource(store, { name: 'sensors', topics: 'sensors/#', connection: { url: `mqtt://127.0.0.1:${port}`, clientId: 'waiting-test' }, log: (line) => lines.push(line) }),
  ).apply(collect());
  const stop = new AbortController();
  const running = run(p, { store, signal: stop.signal }).then(
    () => 'resolved',
    (error: unknown) => (error as Error).message,
  );
  try {
    await until(() => lines.some((line) => line.includes(`waiting for the MQTT broker at mqtt://127.0.0.1:${port}`)), 'the waiting line in the source log', 10_000);
    const stoppedAt = performance.now();
    stop.abort();
    const outcome = await running;
    expect(performance.now() - stoppedAt).toBeLessThan(2000);
    expect(outcome).toMatch(/aborted/);
  } finally {
    stop.abort();
    await running;
    store.close();
  }
});
