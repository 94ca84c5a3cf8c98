import type { RunMetrics } from '../observe/run-metrics.js';
import { startObserveServer, type ObserveServer } from '../observe/server.js';
import { UsageError } from './command.js';

/** The `--http` and `--http-host` options of `runnel run` and `runnel demo`, for `parseArgs`. */
export const HTTP_OPTIONS = { http: { type: 'string' }, 'http-host': { type: 'string' } } as const;

/** Their lines in a command's help, descriptions starting at `column`; `onByDefault`: the server runs unless `--http off`. */
export function httpHelp(column: number, onByDefault = false): string {
  const indent = ' '.repeat(column);
  return [
    `${`  --http <port${onByDefault ? '|off' : ''}>`.padEnd(column)}serve a live status page at /, Prometheus metrics at /metrics, and`,
    `${indent}/healthz and /readyz, on this port (0: a free one; the address is printed`,
    `${indent}on stderr)${onByDefault ? '; default 0, off: no server' : ''}; see docs/observability.md`,
    `${'  --http-host <addr>'.padEnd(column)}listen there instead of 127.0.0.1; an address other devices can reach`,
    `${indent}needs a token in RUNNEL_HTTP_TOKEN, sent as Authorization: Bearer <token>`,
    `${indent}(a browser opens the page once with ?token=<token> and keeps a cookie)`,
  ].join('\n');
}

/**
 * The port `--http` asks for, or undefined for none; `byDefault`: the port without `--http`
 * (`--http off` then turns the server off). A bad value, or `--http-host` without a server, is a
 * usage error.
 */
export function httpPort(values: { http?: string | undefined; 'http-host'?: string | undefined }, byDefault?: number): number | undefined {
  const given = values.http ?? (byDefault === undefined ? undefined : String(byDefault));
  if (given === undefined || (byDefault !== undefined && given === 'off')) {
    if (values['http-host'] !== undefined) throw new UsageError(`--http-host needs --http <port>${given === 'off' ? ', not off' : ''}`);
    return undefined;
  }
  const port = /^\d{1,5}$/.test(given) ? Number(given) : NaN;
  if (!(port <= 65535)) throw new UsageError(`--http: expected a port from 0 to 65535${byDefault === undefined ? '' : ' or off'}, got ${given}`);
  return port;
}

/**
 * Starts the status and metrics server for `--http`, with the token from `RUNNEL_HTTP_TOKEN`, and says where
 * it listens; a bind refused (no token off loopback) is a usage error.
 */
export async function serveMetrics(metrics: RunMetrics, port: number, host: string | undefined, say: (line: string) => void): Promise<ObserveServer> {
  let server: ObserveServer;
  try {
    server = await startObserveServer(metrics, {
      port,
      ...(host === undefined ? {} : { host }),
      ...(process.env.RUNNEL_HTTP_TOKEN ? { token: process.env.RUNNEL_HTTP_TOKEN } : {}),
    });
  } catch (error) {
    throw new UsageError(`--http: ${(error as Error).message}${error instanceof RangeError ? ' (the token is read from RUNNEL_HTTP_TOKEN)' : ''}`);
  }
  const base = `http://${server.host.includes(':') ? `[${server.host}]` : server.host}:${server.port}`;
  say(`status page on ${base}/, metrics on ${base}/metrics (and /healthz, /readyz)`);
  return server;
}
