import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Aedes } from 'aedes';
import { describe } from 'vitest';

/** A broker started for a test: where to reach it and how to stop or restart it. */
export interface TestBroker {
  readonly port: number;
  /** `mqtt://127.0.0.1:PORT`, or `mqtts://…` when TLS is on. */
  readonly url: string;
  /** Stops the broker (by pid for Mosquitto) and waits until it has exited. */
  stop(): Promise<void>;
  /**
   * Starts it again on the same port (Mosquitto: same persistence directory, so sessions survive),
   * after running `whileDown` (if given) while it is stopped.
   */
  restart(whileDown?: () => Promise<void> | void): Promise<void>;
  /** The in-process broker (`startAedes` only), e.g. to watch what it receives. */
  readonly aedes?: Aedes;
}

/** PEM files made by `generateCertificates`; `dir` holds them as `ca.crt`, `server.crt`, … */
export interface TestCertificates {
  readonly dir: string;
  readonly ca: string;
  readonly serverCert: string;
  readonly serverKey: string;
  readonly clientCert: string;
  readonly clientKey: string;
}

/** Options of `startMosquitto`. */
export interface MosquittoOptions {
  /** Users allowed to connect; anonymous clients are refused when this is set. */
  readonly users?: Readonly<Record<string, string>>;
  /** Serve TLS with these certificates (from `generateCertificates`); `requireClientCert` asks for a client certificate too. */
  readonly tls?: { readonly certificates: TestCertificates; readonly requireClientCert?: boolean };
  /** Extra lines for mosquitto.conf. */
  readonly extraConfig?: readonly string[];
}

const MOSQUITTO_PATHS = ['/usr/sbin/mosquitto', '/usr/bin/mosquitto', '/usr/local/sbin/mosquitto'];

/** The Mosquitto binary, or undefined when it is not installed. */
export const mosquittoBinary: string | undefined = MOSQUITTO_PATHS.find((p) => existsSync(p));

/**
 * `describe` for suites that need a real Mosquitto: without one the suite is one skipped line
 * saying so (`.ci/run` installs it, so CI always runs these).
 */
export function describeWithMosquitto(name: string, body: () => void): void {
  if (mosquittoBinary) describe(name, body);
  else describe.skip(`${name} (skipped: mosquitto is not installed; apt-get install mosquitto)`, body);
}

/** A free TCP port on 127.0.0.1 (asked from the kernel, then released). */
export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Resolves once something accepts TCP connections on the port, or rejects after `timeoutMs`. */
async function waitForPort(port: number, timeoutMs: number, alive: () => boolean): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const open = await new Promise<boolean>((resolve) => {
      const socket = net.connect(port, '127.0.0.1');
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (open) return;
    if (!alive()) throw new Error(`mosquitto exited before listening on port ${port}`);
    if (Date.now() > deadline) throw new Error(`mosquitto did not listen on port ${port} within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/**
 * Starts Mosquitto on a free 127.0.0.1 port with a temporary config: no queue limit
 * (`max_queued_messages 0`: the default of 1000 silently drops QoS 1 messages to a slow
 * subscriber), a raised in-flight limit, and persistence in a temporary directory so
 * `restart()` keeps sessions. Runs as root without dropping to the `mosquitto` user.
 */
export async function startMosquitto(options: MosquittoOptions = {}): Promise<TestBroker> {
  if (!mosquittoBinary) throw new Error('mosquitto is not installed (apt-get install mosquitto); use describeWithMosquitto');
  const dir = mkdtempSync(join(tmpdir(), 'runnel-mosquitto-'));
  const port = await freePort();
  const lines = [
    'user root',
    `listener ${port} 127.0.0.1`,
    `allow_anonymous ${options.users ? 'false' : 'true'}`,
    'max_queued_messages 0',
    'max_inflight_messages 1000',
    'persistence true',
    `persistence_location ${dir}/`,
    'autosave_interval 1',
    `log_dest file ${join(dir, 'mosquitto.log')}`,
  ];
  if (options.users) {
    const passwords = join(dir, 'passwords');
    writeFileSync(passwords, '');
    for (const [user, password] of Object.entries(options.users)) {
      execFileSync('mosquitto_passwd', ['-b', passwords, user, password], { stdio: 'ignore' });
    }
    lines.push(`password_file ${passwords}`);
  }
  if (options.tls) {
    const c = options.tls.certificates;
    lines.push(`cafile ${join(c.dir, 'ca.crt')}`, `certfile ${join(c.dir, 'server.crt')}`, `keyfile ${join(c.dir, 'server.key')}`);
    if (options.tls.requireClientCert) lines.push('require_certificate true');
  }
  lines.push(...(options.extraConfig ?? []));
  const config = join(dir, 'mosquitto.conf');
  writeFileSync(config, `${lines.join('\n')}\n`);

  let child: ChildProcess | undefined;
  const start = async (): Promise<void> => {
    const proc = spawn(mosquittoBinary, ['-c', config], { stdio: 'ignore' });
    child = proc;
    await waitForPort(port, 5000, () => proc.exitCode === null && proc.signalCode === null);
  };
  const stop = async (): Promise<void> => {
    const proc = child;
    child = undefined;
    if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
    process.kill(proc.pid!, 'SIGTERM');
    await exited;
  };
  await start();
  return {
    port,
    url: `${options.tls ? 'mqtts' : 'mqtt'}://127.0.0.1:${port}`,
    async stop() {
      await stop();
      rmSync(dir, { recursive: true, force: true });
    },
    async restart(whileDown) {
      await stop();
      await whileDown?.();
      await start();
    },
  };
}

/**
 * Generates a throw-away CA, a server certificate for 127.0.0.1/localhost signed by it, and a
 * client certificate, with `openssl` (EC P-256 keys, valid one day).
 */
export function generateCertificates(): TestCertificates {
  const dir = mkdtempSync(join(tmpdir(), 'runnel-certs-'));
  const ssl = (...args: string[]): void => {
    execFileSync('openssl', args, { cwd: dir, stdio: 'ignore' });
  };
  const newKey = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  ssl('req', '-x509', ...newKey, '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '1', '-subj', '/CN=Runnel test CA');
  writeFileSync(join(dir, 'server.ext'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\n');
  for (const name of ['server', 'client']) {
    ssl('req', ...newKey, '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=runnel-test-${name}`);
    const ext = name === 'server' ? ['-extfile', 'server.ext'] : [];
    ssl('x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-out', `${name}.crt`, '-days', '1', ...ext);
  }
  const read = (file: string): string => readFileSync(join(dir, file), 'utf8');
  return {
    dir,
    ca: read('ca.crt'),
    serverCert: read('server.crt'),
    serverKey: read('server.key'),
    clientCert: read('client.crt'),
    clientKey: read('client.key'),
  };
}

/**
 * An in-process aedes broker on a free 127.0.0.1 port, with the same shape as `startMosquitto`.
 * `restart()` closes the listener (dropping all connections) and listens again on the same port;
 * sessions live on in the broker's memory. aedes 1.2.0 speaks MQTT 3.1.1 only (an MQTT 5
 * connect is refused with "Unacceptable protocol version"), so acknowledgement gating, which
 * mqtt.js supports only on MQTT 5, cannot be tested against it.
 */
export async function startAedes(): Promise<TestBroker> {
  const broker = await Aedes.createBroker();
  const sockets = new Set<net.Socket>();
  let server: net.Server | undefined;
  let port = 0;
  const listen = async (): Promise<void> => {
    const s = net.createServer((socket) => {
      sockets.add(socket);
      socket.once('close', () => sockets.delete(socket));
      broker.handle(socket);
    });
    server = s;
    await new Promise<void>((resolve, reject) => {
      s.once('error', reject);
      s.listen(port, '127.0.0.1', () => resolve());
    });
    port = (s.address() as net.AddressInfo).port;
  };
  const close = async (): Promise<void> => {
    const s = server;
    server = undefined;
    if (!s) return;
    for (const socket of sockets) socket.destroy();
    await new Promise<void>((resolve) => s.close(() => resolve()));
  };
  await listen();
  return {
    port,
    aedes: broker,
    url: `mqtt://127.0.0.1:${port}`,
    async stop() {
      await close();
      await new Promise<void>((resolve) => broker.close(() => resolve()));
    },
    async restart(whileDown) {
      await close();
      await whileDown?.();
      await listen();
    },
  };
}
