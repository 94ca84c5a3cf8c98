import { timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { isLoopback } from '../io/mqtt/broker-access.js';
import type { Readiness } from './status.js';

/** What the server serves: the metrics text and the run's readiness, read at each request. */
export interface Observed {
  render(): string;
  readonly readiness: Readiness;
}

/** Options of `startObserveServer`. */
export interface ObserveServerOptions {
  /** TCP port; 0 picks a free one (see `port` of the result). */
  readonly port: number;
  /** Address to listen on (default 127.0.0.1). Anything but loopback needs `token`. */
  readonly host?: string;
  /** Required as `Authorization: Bearer <token>` on every request when set. */
  readonly token?: string;
}

/** A listening server: its address, and how to stop it. */
export interface ObserveServer {
  readonly host: string;
  readonly port: number;
  close(): Promise<void>;
}

const PROMETHEUS_TEXT = 'text/plain; version=0.0.4; charset=utf-8';

/**
 * Serves `/metrics` (Prometheus text format), `/healthz` (200 while the process serves) and
 * `/readyz` (200 while the run is stepping, else 503 with the reason) over plain HTTP; 404 otherwise.
 * A bind other devices can reach is refused without a token, since the metrics name topics and stages.
 */
export async function startObserveServer(observed: Observed, options: ObserveServerOptions): Promise<ObserveServer> {
  const host = options.host ?? '127.0.0.1';
  if (!Number.isInteger(options.port) || options.port < 0 || options.port > 65535) throw new RangeError(`the metrics port must be an integer from 0 to 65535, got ${options.port}`);
  if (options.token === '') throw new RangeError('the metrics token is empty: give a secret string, or none on a loopback address');
  if (options.token === undefined && !isLoopback(host)) {
    throw new RangeError(`the metrics server would listen on ${host}, which other devices can reach, without a token: give one, or listen on 127.0.0.1`);
  }
  const expected = options.token === undefined ? undefined : Buffer.from(`Bearer ${options.token}`);
  const server = createServer((request, response) => answer(observed, expected, request, response));
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
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

function answer(observed: Observed, expected: Buffer | undefined, request: IncomingMessage, response: ServerResponse): void {
  const send = (status: number, body: string, type = 'text/plain; charset=utf-8'): void => {
    response.writeHead(status, { 'Content-Type': type, 'Cache-Control': 'no-store' }).end(body);
  };
  if (expected !== undefined) {
    const given = Buffer.from(request.headers.authorization ?? '');
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
      response.setHeader('WWW-Authenticate', 'Bearer');
      send(401, 'unauthorized: send Authorization: Bearer <token>\n');
      return;
    }
  }
  if (request.method !== 'GET' && request.method !== 'HEAD') {
    response.setHeader('Allow', 'GET, HEAD');
    send(405, 'only GET and HEAD\n');
    return;
  }
  const path = (request.url ?? '/').split('?')[0];
  if (path === '/metrics') send(200, observed.render(), PROMETHEUS_TEXT);
  else if (path === '/healthz') send(200, 'ok\n');
  else if (path === '/readyz') {
    const { ready, reason } = observed.readiness;
    send(ready ? 200 : 503, `${reason}\n`);
  } else send(404, 'not found: try /metrics, /healthz or /readyz\n');
}
