import net from 'node:net';
import type { Duplex } from 'node:stream';
import tls from 'node:tls';
import { limitPacketSize } from './broker-packet-limit.js';

/** TLS for the embedded broker: PEM contents, as `node:tls` takes them (read the files yourself). */
export interface BrokerTlsOptions {
  /** The server's private key (PEM). */
  readonly key: string | Buffer;
  /** The server's certificate chain (PEM). */
  readonly cert: string | Buffer;
  /** CA certificate(s) (PEM) that client certificates must chain to; required with `requireClientCert`. */
  readonly ca?: string | Buffer | readonly (string | Buffer)[];
  /** Refuse clients without a valid certificate signed by `ca` (default false). */
  readonly requireClientCert?: boolean;
}

/** What `listenBroker` needs: where, how, and what to do with each accepted connection. */
export interface BrokerListenerOptions {
  readonly host: string;
  readonly port: number;
  /** From `brokerTlsOptions`; undefined for plain TCP. */
  readonly tls: tls.TlsOptions | undefined;
  /** Connections announcing a larger packet are closed before it is read. */
  readonly maxPacketBytes: number;
  /** Takes each accepted (and, with TLS, handshaken) connection, e.g. `aedes.handle`. */
  readonly handle: (conn: Duplex) => void;
  /** Told about each connection closed for an oversized packet. */
  readonly onOversized: (announcedBytes: number, remote: string) => void;
}

/** A listening broker socket. */
export interface BrokerListener {
  readonly port: number;
  /** Stops listening and destroys every open connection. */
  close(): Promise<void>;
}

/** Listens on TCP, or on TLS when `options.tls` is set, and hands each connection to `handle` behind the packet-size limit. */
export async function listenBroker(options: BrokerListenerOptions): Promise<BrokerListener> {
  const sockets = new Set<net.Socket>();
  const accept = (conn: net.Socket): void => {
    options.handle(conn);
    // After handle: aedes reads through 'readable', so this 'data' listener sees each read first.
    limitPacketSize(conn, options.maxPacketBytes, (bytes) => options.onOversized(bytes, `${conn.remoteAddress}:${conn.remotePort}`));
  };
  const server = options.tls ? tls.createServer(options.tls, accept) : net.createServer(accept);
  // With TLS, 'connection' gives the raw TCP sockets: destroying them ends handshakes in progress too.
  server.on('connection', (socket: net.Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return {
    port: (server.address() as net.AddressInfo).port,
    async close() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const socket of sockets) socket.destroy();
      await closed;
    },
  };
}

/** Checks `options` (a TypeError naming the fix) and turns them into `node:tls` server options. */
export function brokerTlsOptions(options: BrokerTlsOptions, where: string): tls.TlsOptions {
  if (options.key === undefined || options.cert === undefined) throw new TypeError(`${where}: tls needs key and cert (PEM contents, e.g. readFileSync('server.key'))`);
  const requireClientCert = options.requireClientCert ?? false;
  if (requireClientCert && options.ca === undefined)
    throw new TypeError(`${where}: tls.requireClientCert needs tls.ca, the CA certificate(s) that client certificates must be signed by`);
  return {
    key: options.key,
    cert: options.cert,
    ca: options.ca as tls.TlsOptions['ca'],
    requestCert: requireClientCert,
    rejectUnauthorized: requireClientCert,
  };
}
