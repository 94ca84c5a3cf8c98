/** The metrics server's access rule: loopback by default; any other bind only with a token, sent on every request. */
import { afterEach, expect, it } from 'vitest';
import { MetricsRegistry } from '../../src/observe/registry.js';
import { startObserveServer, type ObserveServer } from '../../src/observe/server.js';
import { get } from './prometheus.js';

const registry = new MetricsRegistry();
registry.counter('runnel_test_total', 'A test counter.').inc();
const observed = { render: () => registry.render(), readiness: { ready: true, reason: 'running' } };

let server: ObserveServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

it('listens on 127.0.0.1 by default, without a token', async () => {
  server = await startObserveServer(observed, { port: 0 });
  expect(server.host).toBe('127.0.0.1');
  const metrics = await get(server.port, '/metrics');
  expect(metrics.status).toBe(200);
  expect(metrics.body).toContain('runnel_test_total 1\n');
});

it('refuses to start on an address other devices can reach without a token, naming the address and the fix', async () => {
  await expect(startObserveServer(observed, { port: 0, host: '0.0.0.0' })).rejects.toThrow(
    /0\.0\.0\.0, which other devices can reach, without a token: give one, or listen on 127\.0\.0\.1/,
  );
  await expect(startObserveServer(observed, { port: 0, host: '0.0.0.0', token: '' })).rejects.toThrow(/token is empty/);
});

it('with a token on 0.0.0.0, answers 401 to a request without it or with another, and 200 with it', async () => {
  server = await startObserveServer(observed, { port: 0, host: '0.0.0.0', token: 's3cret' });
  for (const path of ['/metrics', '/healthz', '/readyz', '/nothing']) {
    const refused = await get(server.port, path);
    expect(refused.status).toBe(401);
    expect(refused.body).not.toContain('runnel_test_total');
    expect((await get(server.port, path, { Authorization: 'Bearer wrong!' })).status).toBe(401);
  }
  expect((await get(server.port, '/metrics', { Authorization: 'Bearer s3cret' })).status).toBe(200);
  expect((await get(server.port, '/readyz', { Authorization: 'Bearer s3cret' })).status).toBe(200);
  expect((await get(server.port, '/nothing', { Authorization: 'Bearer s3cret' })).status).toBe(404);
});
