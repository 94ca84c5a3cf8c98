import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RunnelError } from '../../../src/common/errors.js';
import { connectMqtt, reconnectDelay, toMqttOptions, type MqttConnection, type MqttConnectionOptions, type Timers } from '../../../src/io/mqtt/connection.js';
import { seededRandom } from '../../../src/common/random.js';
import { describeWithMosquitto, generateCertificates, startAedes, startMosquitto, type TestBroker, type TestCertificates } from '../../support/mosquitto.js';
import { until } from '../../support/until.js';
import { SEED } from '../../seed.js';

describe('MQTT connection options', () => {
  it('ask for a durable MQTT 5 session', () => {
    const options = toMqttOptions({ url: 'mqtt://127.0.0.1:1883', clientId: 'edge-1' });
    expect(options).toMatchObject({ protocolVersion: 5, clean: false, clientId: 'edge-1', reconnectPeriod: 0 });
    expect(options.properties?.sessionExpiryInterval).toBeGreaterThan(0);
  });

  it('refuse a missing client id and a zero session expiry with the fix', () => {
    expect(() => toMqttOptions({ url: 'mqtt://h:1', clientId: '' })).toThrow(/clientId is required/);
    expect(() => toMqttOptions({ url: 'mqtt://h:1', clientId: 'a', sessionExpirySeconds: 0 })).toThrow(/sessionExpirySeconds/);
    expect(() => toMqttOptions({ url: 'localhost:1883', clientId: 'a' })).toThrow(/mqtt:\/\/host/);
  });

  it('back off exponentially up to the cap', () => {
    const delays = [0, 1, 2, 3, 10].map((a) => reconnectDelay(a, { initialMs: 100, maxMs: 1000 }, () => 0));
    expect(delays).toEqual([100, 200, 400, 800, 1000]);
  });

  it(`jitter takes up to half of each delay by default, from the injected random (seed ${SEED})`, () => {
    expect(reconnectDelay(3, { initialMs: 100, maxMs: 1000 }, () => 1)).toBe(400);
    expect(reconnectDelay(3, { initialMs: 100, maxMs: 1000, jitter: 0.2 }, () => 1)).toBe(640);
    const random = seededRandom(SEED);
    const drawn = Array.from({ length: 200 }, (_, i) => reconnectDelay(i % 8, { initialMs: 100, maxMs: 5000 }, random) / Math.min(5000, 100 * 2 ** (i % 8)));
    expect(Math.min(...drawn)).toBeGreaterThanOrEqual(0.5);
    expect(Math.max(...drawn)).toBeLessThanOrEqual(1);
    expect(new Set(drawn.map((r) => r.toFixed(2))).size).toBeGreaterThan(20); // spread, not one value
  });

  it('refuse tls.cert without tls.key (and the reverse), naming both', () => {
    expect(() => toMqttOptions({ url: 'mqtts://h:8883', clientId: 'a', tls: { cert: 'x' } })).toThrow(/tls.cert and tls.key go together/);
    expect(() => toMqttOptions({ url: 'mqtts://h:8883', clientId: 'a', tls: { key: 'x' } })).toThrow(/tls.cert and tls.key go together/);
  });

  it('wait for a broker that is not there yet: log once "waiting for the MQTT broker at <url>: nothing is listening", retry with backoff, reject when aborted', async () => {
    const broker = await startAedes();
    const url = broker.url;
    await broker.stop();
    const scheduled: { ms: number; run: () => void }[] = [];
    const timers: Timers = { setTimeout: (run, ms) => scheduled.push({ ms, run }), clearTimeout: () => {} };
    const logged: string[] = [];
    const abort = new AbortController();
    const attempt = connectMqtt({ url, clientId: 'c', backoff: { initialMs: 100, maxMs: 400 }, timers, random: () => 0, log: (m) => logged.push(m), signal: abort.signal });
    let settled = false;
    void attempt.then(
      () => (settled = true),
      () => (settled = true),
    );
    for (let n = 1; n <= 4; n++) {
      await until(() => scheduled.length === n, `attempt ${n + 1} to be scheduled`);
      if (n < 4) scheduled[n - 1]!.run();
    }
    expect(scheduled.map((s) => s.ms)).toEqual([100, 200, 400, 400]);
    expect(settled).toBe(false);
    expect(logged).toEqual([
      `[runnel] waiting for the MQTT broker at ${url}: nothing is listening there (is the broker running, and is the port right?); trying again with backoff (at most 0.4 s apart) until it answers`,
    ]);
    abort.abort();
    await expect(attempt).rejects.toMatchObject({
      code: 'CONNECT_FAILED',
      message: `cannot connect to MQTT broker ${url}: stopped waiting for it (aborted); the last attempt failed: nothing is listening there (is the broker running, and is the port right?)`,
    });
  });

  it('say the broker lacks MQTT 5 when it is aedes 1.x', async () => {
    const broker = await startAedes();
    try {
      await expect(connectMqtt({ url: broker.url, clientId: 'c' })).rejects.toThrow(/does not support MQTT 5/);
    } finally {
      await broker.stop();
    }
  });
});

describeWithMosquitto('MQTT reconnect backoff on injected timers (Mosquitto)', () => {
  it('waits 100, 200, 400 ms (virtual) between failed attempts, reconnects with the session, and starts over after success', async () => {
    const broker = await startMosquitto();
    const scheduled: { ms: number; run: () => void }[] = [];
    const timers: Timers = { setTimeout: (run, ms) => scheduled.push({ ms, run }), clearTimeout: () => {} };
    const connection = await connectMqtt({ url: broker.url, clientId: 'backoff', backoff: { initialMs: 100, maxMs: 1000, jitter: 0 }, timers, connectTimeoutMs: 1000 });
    const sessions: boolean[] = [];
    connection.onConnect((present) => sessions.push(present));
    let stopped = false;
    const restarting = broker.restart(async () => {
      // While the broker is down, run each attempt the virtual clock allows and watch it fail.
      await until(() => scheduled.length === 1, 'the first reconnect to be scheduled');
      for (let attempt = 1; attempt < 3; attempt++) {
        scheduled[attempt - 1]!.run();
        await until(() => scheduled.length === attempt + 1, `reconnect attempt ${attempt + 1} to be scheduled`);
      }
      stopped = true;
    });
    await restarting;
    expect(stopped).toBe(true);
    expect(scheduled.map((s) => s.ms)).toEqual([100, 200, 400]);
    scheduled[2]!.run();
    await until(() => sessions.length === 1, 'the reconnect');
    expect(sessions).toEqual([true]); // Mosquitto persisted the session across its restart
    expect(connection.client.connected).toBe(true);
    await connection.close();
    await broker.stop();
  });
});

describeWithMosquitto('MQTT first connection to a broker that starts later (Mosquitto)', () => {
  it('a device that boots before its broker: connectMqtt waits (logging once), connects when Mosquitto starts seconds later, and a message published afterwards arrives', async () => {
    const broker = await startMosquitto();
    const logged: string[] = [];
    let connecting: Promise<MqttConnection> | undefined;
    let startedAt = 0;
    await broker.restart(async () => {
      // The broker is down: start connecting, and bring it up on the same port 2.5 s later.
      startedAt = Date.now();
      connecting = connectMqtt({ url: broker.url, clientId: 'boots-early', backoff: { initialMs: 100, maxMs: 400 }, log: (m) => logged.push(m) });
      await until(() => logged.length === 1, 'the waiting line');
      await new Promise((resolve) => setTimeout(resolve, 2500));
    });
    const connection = await connecting!;
    try {
      expect(Date.now() - startedAt).toBeGreaterThanOrEqual(2500);
      expect(logged[0]).toBe(
        `[runnel] waiting for the MQTT broker at ${broker.url}: nothing is listening there (is the broker running, and is the port right?); trying again with backoff (at most 0.4 s apart) until it answers`,
      );
      expect(logged).toHaveLength(2); // one waiting line however many attempts, then the connected line
      expect(logged[1]).toMatch(new RegExp(`^\\[runnel\\] connected to the MQTT broker at ${broker.url.replace(/[.:/]/g, '\\$&')} after \\d+ attempts$`));
      const received: string[] = [];
      connection.client.on('message', (_topic, payload: Buffer) => received.push(payload.toString()));
      await connection.client.subscribeAsync('boot/test', { qos: 1 });
      execFileSync('mosquitto_pub', ['-p', String(broker.port), '-h', '127.0.0.1', '-t', 'boot/test', '-q', '1', '-m', 'hello after boot']);
      await until(() => received.length === 1, 'the message published after the connection');
      expect(received).toEqual(['hello after boot']);
    } finally {
      await connection.close();
      await broker.stop();
    }
  });
});

describeWithMosquitto('MQTT connection to Mosquitto with a password file', () => {
  let broker: TestBroker;
  beforeAll(async () => {
    broker = await startMosquitto({ users: { edge: 's3cret' } });
  });
  afterAll(() => broker.stop());

  it('refuses a wrong password in plain words, at once: it is not waited for like a broker that is down', async () => {
    const logged: string[] = [];
    const started = Date.now();
    const attempt = connectMqtt({ url: broker.url, clientId: 'auth-1', username: 'edge', password: 'wrong', log: (m) => logged.push(m) });
    await expect(attempt).rejects.toMatchObject({ code: 'CONNECT_FAILED', message: expect.stringMatching(/wrong username or password|not authorised/) as unknown });
    expect(Date.now() - started).toBeLessThan(2000);
    expect(logged).toEqual([]);
  });

  it('accepts the right password', async () => {
    const connection = await connectMqtt({ url: broker.url, clientId: 'auth-2', username: 'edge', password: 's3cret' });
    expect(connection.client.connected).toBe(true);
    await connection.close();
  });
});

describeWithMosquitto('MQTT connection to Mosquitto over TLS: each refusal says which side refused what, at once', () => {
  let certificates: TestCertificates;
  let broker: TestBroker; // requires a client certificate signed by its CA
  const others: TestBroker[] = [];
  beforeAll(async () => {
    certificates = generateCertificates();
    broker = await startMosquitto({ tls: { certificates, requireClientCert: true } });
  });
  afterAll(async () => {
    await broker.stop();
    for (const b of others) await b.stop();
  });

  /** Connects and expects a refusal that is immediate (no waiting line) with this message after "cannot connect to …: ". */
  async function refused(url: string, tls: MqttConnectionOptions['tls'], reason: string | RegExp): Promise<void> {
    const logged: string[] = [];
    const started = Date.now();
    const error = await connectMqtt({ url, clientId: `tls-${Math.random()}`, tls, log: (m) => logged.push(m) }).then(
      (c) => c.close().then(() => new Error('connected')),
      (e: unknown) => e as RunnelError,
    );
    expect(error).toBeInstanceOf(RunnelError);
    const prefix = `cannot connect to MQTT broker ${url}: `;
    expect(error.message.startsWith(prefix)).toBe(true);
    if (typeof reason === 'string') expect(error.message.slice(prefix.length)).toBe(reason);
    else expect(error.message.slice(prefix.length)).toMatch(reason);
    expect(Date.now() - started).toBeLessThan(2000);
    expect(logged).toEqual([]);
  }

  /** A broker whose server certificate is self-signed, or signed by the test CA for another name. */
  async function brokerWithServerCertificate(kind: 'self-signed' | 'another name'): Promise<TestBroker> {
    const dir = mkdtempSync(join(tmpdir(), 'runnel-certs-'));
    const ssl = (...args: string[]): void => void execFileSync('openssl', args, { cwd: dir, stdio: 'ignore' });
    const newKey = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', 'server.key'];
    writeFileSync(join(dir, 'ca.crt'), certificates.ca);
    if (kind === 'self-signed') {
      ssl('req', '-x509', ...newKey, '-out', 'server.crt', '-days', '1', '-subj', '/CN=self-signed broker', '-addext', 'subjectAltName=IP:127.0.0.1');
    } else {
      writeFileSync(join(dir, 'ca.key'), readFileSync(join(certificates.dir, 'ca.key')));
      writeFileSync(join(dir, 'server.ext'), 'subjectAltName=DNS:broker.example\n');
      ssl('req', ...newKey, '-out', 'server.csr', '-subj', '/CN=broker.example');
      ssl('x509', '-req', '-in', 'server.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'server.crt', '-days', '1', '-extfile', 'server.ext');
    }
    const b = await startMosquitto({ tls: { certificates: { ...certificates, dir } } });
    others.push(b);
    return b;
  }

  it('connects with the generated CA and client certificate, given as PEM text or as file paths', async () => {
    const c = certificates;
    for (const tls of [
      { ca: c.ca, cert: c.clientCert, key: c.clientKey },
      { ca: join(c.dir, 'ca.crt'), cert: join(c.dir, 'client.crt'), key: join(c.dir, 'client.key') },
    ]) {
      const connection = await connectMqtt({ url: broker.url, clientId: 'tls-1', tls });
      expect(connection.client.connected).toBe(true);
      await connection.close();
    }
  });

  it("our side refuses the broker's certificate: signed by a CA we were not given", async () => {
    const c = certificates;
    await refused(
      broker.url,
      { cert: c.clientCert, key: c.clientKey },
      "the broker's TLS certificate is signed by a CA this client does not trust: pass that CA's certificate as tls.ca",
    );
  });

  it("our side refuses the broker's certificate: self-signed", async () => {
    const b = await brokerWithServerCertificate('self-signed');
    await refused(b.url, { ca: certificates.ca }, "the broker's TLS certificate is self-signed and this client does not trust it: pass that certificate as tls.ca");
  });

  it("our side refuses the broker's certificate: made for another host name", async () => {
    const b = await brokerWithServerCertificate('another name');
    await refused(
      b.url,
      { ca: certificates.ca },
      "the broker's TLS certificate is not for the host name in the url (the url names 127.0.0.1; the certificate is for DNS:broker.example): connect with a name the certificate lists, or give the broker a certificate for this one",
    );
  });

  it('the broker requires a client certificate and none was given', async () => {
    await refused(broker.url, { ca: certificates.ca }, 'the broker requires a client certificate and none was given: pass tls.cert and tls.key (signed by a CA the broker trusts)');
  });

  it('the broker refuses our client certificate (signed by a CA it does not trust)', async () => {
    const other = generateCertificates();
    await refused(
      broker.url,
      { ca: certificates.ca, cert: other.clientCert, key: other.clientKey },
      /^the broker refused this client's TLS certificate \((decrypt error|unknown CA|bad certificate)[^)]*\): use tls.cert and tls.key signed by a CA the broker trusts \(Mosquitto: its cafile\)$/,
    );
  });

  it('a missing TLS file, or one without PEM, is named', async () => {
    const c = certificates;
    await refused(broker.url, { ca: '/nonexistent/ca.crt' }, 'tls.ca: no file at /nonexistent/ca.crt; give the CA certificate(s) to trust as PEM text or the path of a PEM file');
    const missingKey = join(c.dir, 'missing.key');
    await refused(
      broker.url,
      { ca: c.ca, cert: c.clientCert, key: missingKey },
      `tls.key: no file at ${missingKey}; give the client certificate's private key as PEM text or the path of a PEM file`,
    );
    const notPem = join(c.dir, 'server.ext');
    writeFileSync(notPem, 'subjectAltName=IP:127.0.0.1\n');
    await refused(broker.url, { ca: c.ca, cert: notPem, key: c.clientKey }, `tls.cert: ${notPem} holds no PEM block (-----BEGIN …); give the client certificate in PEM form`);
  });
});
