/**
 * The observe server: its access rule (loopback by default; any other bind only with a token, sent
 * on every request as a header or, for a browser, as the cookie a `?token=` visit sets), the
 * status page and its files, and its Server-Sent Events.
 */
import { connect } from 'node:net';
import { afterEach, expect, it } from 'vitest';
import { MetricsRegistry } from '../../src/observe/registry.js';
import { RunMetrics } from '../../src/observe/run-metrics.js';
import { startObserveServer, type ObserveServer } from '../../src/observe/server.js';
import type { StatusMessage, StatusPoint } from '../../src/observe/status-feed.js';
import { eventually, get } from './prometheus.js';

const registry = new MetricsRegistry();
registry.counter('runnel_test_total', 'A test counter.').inc();
const run = new RunMetrics();
const observed = { render: () => registry.render(), readiness: { ready: true, reason: 'running' }, status: () => run.status() };

/** Reads Server-Sent Events from `path` until `count` events arrived: their names and parsed data. */
async function readEvents(port: number, path: string, count: number, headers: Record<string, string> = {}): Promise<{ event: string; data: unknown }[]> {
  const response = await fetch(`http://127.0.0.1:${port}${path}`, { headers });
  expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
  const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
  const events: { event: string; data: unknown }[] = [];
  let text = '';
  while (events.length < count) {
    const { value, done } = await reader.read();
    if (done) break;
    text += value;
    for (let end = text.indexOf('\n\n'); end >= 0; end = text.indexOf('\n\n')) {
      const block = text.slice(0, end).split('\n');
      text = text.slice(end + 2);
      const event = block.find((l) => l.startsWith('event: '))?.slice(7);
      const data = block.find((l) => l.startsWith('data: '))?.slice(6);
      if (event !== undefined && data !== undefined) events.push({ event, data: JSON.parse(data) });
    }
  }
  await reader.cancel();
  return events;
}

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
  for (const path of ['/metrics', '/healthz', '/readyz', '/nothing', '/', '/events', '/status.js', '/uplot.js']) {
    const refused = await get(server.port, path);
    expect(refused.status).toBe(401);
    expect(refused.body).not.toContain('runnel_test_total');
    expect((await get(server.port, path, { Authorization: 'Bearer wrong!' })).status).toBe(401);
  }
  expect((await get(server.port, '/metrics', { Authorization: 'Bearer s3cret' })).status).toBe(200);
  expect((await get(server.port, '/readyz', { Authorization: 'Bearer s3cret' })).status).toBe(200);
  expect((await get(server.port, '/nothing', { Authorization: 'Bearer s3cret' })).status).toBe(404);
});

it('serves the status page, its script and uPlot from this package (no CDN)', async () => {
  server = await startObserveServer(observed, { port: 0 });
  const page = await fetch(`http://127.0.0.1:${server.port}/`);
  expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
  const html = await page.text();
  for (const asset of ['/uplot.css', '/uplot.js', '/status.js']) {
    expect(html).toContain(`"${asset}"`);
    const file = await get(server.port, asset);
    expect(file.status).toBe(200);
    expect(file.body.length).toBeGreaterThan(1000);
  }
  expect(html).not.toMatch(/https?:\/\//);
  expect((await get(server.port, '/uplot.js')).body).toContain('uPlot');
  expect((await get(server.port, '/status.js')).body).toContain("new EventSource('/events')");
});

it('streams the history, then a status each interval, with rates from the second on; closes with listeners attached', async () => {
  server = await startObserveServer(observed, { port: 0, statusEveryMs: 20 });
  const [history, first, second] = await readEvents(server.port, '/events', 3);
  expect(history).toEqual({ event: 'history', data: [] });
  expect(first!.event).toBe('status');
  const message = first!.data as StatusMessage;
  expect(message.status.readiness).toEqual({ ready: false, reason: "starting: the pipeline's sources are not open yet" });
  expect(message.point).toHaveLength(10);
  // The first point has no rate yet (nothing to compare with); the next one has.
  expect(message.point[1]).toBeNull();
  expect((second!.data as StatusMessage).point[2]).toBe(0);
  // A page opened later starts from the points kept so far.
  const [again] = await readEvents(server.port, '/events', 1);
  expect((again!.data as StatusPoint[]).length).toBeGreaterThanOrEqual(2);
  // A listener still attached does not keep the server from closing.
  const response = await fetch(`http://127.0.0.1:${server.port}/events`);
  expect(response.status).toBe(200);
  await server.close();
  server = undefined;
});

it('with a token, a browser opens the page once with ?token=: a cookie for the page and its events, and the token leaves the address', async () => {
  server = await startObserveServer(observed, { port: 0, host: '0.0.0.0', token: 's3cret' });
  const wrong = await fetch(`http://127.0.0.1:${server.port}/?token=wrong`, { redirect: 'manual' });
  expect(wrong.status).toBe(401);
  expect(wrong.headers.get('set-cookie')).toBeNull();
  const visit = await fetch(`http://127.0.0.1:${server.port}/?token=s3cret`, { redirect: 'manual' });
  expect(visit.status).toBe(303);
  expect(visit.headers.get('location')).toBe('/');
  const cookie = visit.headers.get('set-cookie')!;
  expect(cookie).toMatch(/^runnel_token=s3cret; HttpOnly; SameSite=Strict; Path=\//);
  const withCookie = { Cookie: cookie.split(';')[0]! };
  expect((await get(server.port, '/', withCookie)).status).toBe(200);
  expect((await get(server.port, '/metrics', withCookie)).status).toBe(200);
  const [history] = await readEvents(server.port, '/events', 1, withCookie);
  expect(history!.event).toBe('history');
  expect((await get(server.port, '/', { Cookie: 'runnel_token=wrong' })).status).toBe(401);
  // A cookie that does not decode is a bad request, not the end of the process.
  expect((await get(server.port, '/', { Cookie: 'runnel_token=%E0%A4%A' })).status).toBe(400);
  expect((await get(server.port, '/healthz', withCookie)).status).toBe(200);
});

it('cuts off a listener that stopped reading instead of buffering its events without end', { timeout: 60_000 }, async () => {
  // A large status each millisecond fills the socket's buffers quickly.
  const big = { ...run.status(), deadLetters: [{ stage: 's', code: 'USER_CODE', reason: 'x'.repeat(100_000), count: 1 }] };
  let reads = 0;
  server = await startObserveServer({ ...observed, status: () => (reads++, big) }, { port: 0, statusEveryMs: 1 });
  const socket = connect(server.port, '127.0.0.1');
  socket.pause(); // reads nothing
  socket.write('GET /events HTTP/1.1\r\nHost: runnel\r\n\r\n');
  // Once it is cut off nobody listens, so the feed stops reading the status.
  await eventually(
    async () => {
      const before = reads;
      await new Promise((resolve) => setTimeout(resolve, 300));
      return reads > 0 && reads === before;
    },
    'the feed to stop for the listener that does not read',
    40_000,
  );
  // What was sent before the cut is there to read, then the stream ends.
  let received = 0;
  socket.on('data', (chunk: Buffer) => (received += chunk.length));
  const closed = new Promise<void>((resolve) => socket.on('close', () => resolve()));
  socket.resume();
  await closed;
  expect(received).toBeGreaterThan(256 * 1024);
  expect((await get(server.port, '/healthz')).status).toBe(200);
});
