import { timingSafeEqual } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isLoopback } from '../io/mqtt/broker-access.js';
import { STATUS_PAGE } from './page/html.js';
import type { Readiness, RunStatus } from './status.js';
import { StatusFeed } from './status-feed.js';

/** What the server serves, read at each request: the metrics text, the run's readiness, the status page's data. */
export interface Observed {
  render(): string;
  readonly readiness: Readiness;
  status(): RunStatus;
}

/** Options of `startObserveServer`. */
export interface ObserveServerOptions {
  /** TCP port; 0 picks a free one (see `port` of the result). */
  readonly port: number;
  /** Address to listen on (default 127.0.0.1). Anything but loopback needs `token`. */
  readonly host?: string;
  /**
   * Required on every request when set: as `Authorization: Bearer <token>`, or the cookie a
   * browser gets by opening any page with `?token=<token>` once.
   */
  readonly token?: string;
  /** Between two points of the status page's live feed, ms (default 1000). */
  readonly statusEveryMs?: number;
}

/** A listening server: its address, and how to stop it. */
export interface ObserveServer {
  readonly host: string;
  readonly port: number;
  close(): Promise<void>;
}

const PROMETHEUS_TEXT = 'text/plain; version=0.0.4; charset=utf-8';
/** Bytes of events a listener may leave unread before it is cut off (about two minutes of them). */
const MAX_UNSENT_BYTES = 256 * 1024;
const TOKEN_COOKIE = 'runnel_token';

/**
 * Serves the status page (`/`, its script and uPlot, live data on `/events` as Server-Sent
 * Events), `/metrics` (Prometheus text format), `/healthz` (200 while the process serves) and
 * `/readyz` (200 while the run is stepping, else 503 with the reason) over plain HTTP; 404
 * otherwise. A bind other devices can reach is refused without a token, since the page and the
 * metrics name topics and stages.
 */
export async function startObserveServer(observed: Observed, options: ObserveServerOptions): Promise<ObserveServer> {
  const host = options.host ?? '127.0.0.1';
  if (!Number.isInteger(options.port) || options.port < 0 || options.port > 65535) throw new RangeError(`the metrics port must be an integer from 0 to 65535, got ${options.port}`);
  if (options.token === '') throw new RangeError('the metrics token is empty: give a secret string, or none on a loopback address');
  if (options.token === undefined && !isLoopback(host)) {
    throw new RangeError(`the metrics server would listen on ${host}, which other devices can reach, without a token: give one, or listen on 127.0.0.1`);
  }
  const feed = new StatusFeed(() => observed.status(), options.statusEveryMs === undefined ? {} : { intervalMs: options.statusEveryMs });
  const server = createServer((request, response) => {
    // A malformed request (an address or cookie that does not decode) must not end the process that runs the pipeline.
    try {
      if (allowed(options.token, request, response)) answer(observed, feed, request, response);
    } catch (error) {
      if (!response.headersSent) send(response, 400, `bad request: ${(error as Error).message}\n`);
      else response.destroy();
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : options.port;
  return {
    host,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        feed.stop();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

function send(response: ServerResponse, status: number, body: string | Buffer, type = 'text/plain; charset=utf-8'): void {
  response.writeHead(status, { 'Content-Type': type, 'Cache-Control': 'no-store' }).end(body);
}

/** Equal without telling by its timing how much of it matched. */
function same(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * Whether the request carries the token (always, without one). A valid `?token=` sets the cookie
 * and redirects to the same path without it, so the token leaves the address bar and history.
 */
function allowed(token: string | undefined, request: IncomingMessage, response: ServerResponse): boolean {
  if (token === undefined) return true;
  const url = new URL(request.url ?? '/', 'http://runnel');
  const inQuery = url.searchParams.get('token');
  if (inQuery !== null && same(inQuery, token)) {
    url.searchParams.delete('token');
    response.writeHead(303, {
      Location: `${url.pathname}${url.search}`,
      'Set-Cookie': `${TOKEN_COOKIE}=${encodeURIComponent(token)}; HttpOnly; SameSite=Strict; Path=/`,
      'Cache-Control': 'no-store',
    });
    response.end();
    return false;
  }
  const cookie = (request.headers.cookie ?? '')
    .split(';')
    .map((c) => c.trim())
    .find((c) => c.startsWith(`${TOKEN_COOKIE}=`));
  if (same(request.headers.authorization ?? '', `Bearer ${token}`) || (cookie !== undefined && same(decodeURIComponent(cookie.slice(TOKEN_COOKIE.length + 1)), token))) return true;
  response.setHeader('WWW-Authenticate', 'Bearer');
  send(response, 401, 'unauthorized: send Authorization: Bearer <token>, or open the page once with ?token=<token>\n');
  return false;
}

function answer(observed: Observed, feed: StatusFeed, request: IncomingMessage, response: ServerResponse): void {
  if (request.method !== 'GET' && request.method !== 'HEAD') {
    response.setHeader('Allow', 'GET, HEAD');
    send(response, 405, 'only GET and HEAD\n');
    return;
  }
  const path = (request.url ?? '/').split('?')[0];
  if (path === '/metrics') send(response, 200, observed.render(), PROMETHEUS_TEXT);
  else if (path === '/healthz') send(response, 200, 'ok\n');
  else if (path === '/readyz') {
    const { ready, reason } = observed.readiness;
    send(response, ready ? 200 : 503, `${reason}\n`);
  } else if (path === '/') {
    response.setHeader('Content-Security-Policy', "default-src 'self'; style-src 'self' 'unsafe-inline'");
    send(response, 200, STATUS_PAGE, 'text/html; charset=utf-8');
  } else if (path === '/events') streamEvents(feed, request, response);
  else if (path !== undefined && ASSETS.has(path)) serveAsset(path, response);
  else send(response, 404, 'not found: try /, /metrics, /healthz or /readyz\n');
}

/** Server-Sent Events: the kept history once, then a status message each interval until the page goes. */
function streamEvents(feed: StatusFeed, request: IncomingMessage, response: ServerResponse): void {
  response.writeHead(200, { 'Content-Type': 'text/event-stream; charset=utf-8', 'Cache-Control': 'no-store', Connection: 'keep-alive' });
  if (request.method === 'HEAD') {
    response.end();
    return;
  }
  response.write(`retry: 2000\nevent: history\ndata: ${JSON.stringify(feed.history)}\n\n`);
  const stop = feed.listen((message) => {
    // A listener that stopped reading (a dead Wi-Fi link) would make this process buffer for it
    // without end: past the bound it is cut off, and a browser that comes back reconnects.
    if (response.writableLength > MAX_UNSENT_BYTES) response.destroy();
    else response.write(`event: status\ndata: ${JSON.stringify(message)}\n\n`);
  });
  response.on('close', stop);
}

const require = createRequire(import.meta.url);
const here = dirname(fileURLToPath(import.meta.url));

/** The page's script as tsc compiled it: beside this module, or under dist/ when run from the TypeScript sources (tests, tsx). */
function pageScript(): string {
  const beside = join(here, 'page', 'status.js');
  return existsSync(beside) ? beside : join(here, '..', '..', 'dist', 'src', 'observe', 'page', 'status.js');
}

/** The page's files: its script, and uPlot from node_modules (no CDN: the device may be offline). */
const ASSETS = new Map<string, { file: () => string; type: string }>([
  ['/status.js', { file: pageScript, type: 'text/javascript; charset=utf-8' }],
  ['/uplot.js', { file: () => require.resolve('uplot/dist/uPlot.iife.min.js'), type: 'text/javascript; charset=utf-8' }],
  ['/uplot.css', { file: () => require.resolve('uplot/dist/uPlot.min.css'), type: 'text/css; charset=utf-8' }],
]);
const assetCache = new Map<string, Buffer>();

function serveAsset(path: string, response: ServerResponse): void {
  const asset = ASSETS.get(path)!;
  let body = assetCache.get(path);
  if (!body) {
    const file = asset.file();
    try {
      body = readFileSync(file);
    } catch {
      send(response, 500, `the status page's file ${file} is missing: build Runnel (npm run build) or reinstall it\n`);
      return;
    }
    assetCache.set(path, body);
  }
  send(response, 200, body, asset.type);
}
