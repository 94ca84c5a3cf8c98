import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectMqtt, reconnectDelay, toMqttOptions, type Timers } from '../../../src/io/mqtt/connection.js';
import { describeWithMosquitto, generateCertificates, startAedes, startMosquitto, type TestBroker, type TestCertificates } from '../../support/mosquitto.js';
import { until } from '../../support/until.js';

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
    const delays = [0, 1, 2, 3, 10].map((a) => reconnectDelay(a, { initialMs: 100, maxMs: 1000 }));
    expect(delays).toEqual([100, 200, 400, 800, 1000]);
  });

  it('say "nothing is listening" when the port is closed', async () => {
    const broker = await startAedes();
    const url = broker.url;
    await broker.stop();
    await expect(connectMqtt({ url, clientId: 'c', connectTimeoutMs: 2000 })).rejects.toThrow(/nothing is listening/);
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
    const connection = await connectMqtt({ url: broker.url, clientId: 'backoff', backoff: { initialMs: 100, maxMs: 1000 }, timers, connectTimeoutMs: 1000 });
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

describeWithMosquitto('MQTT connection to Mosquitto with a password file', () => {
  let broker: TestBroker;
  beforeAll(async () => {
    broker = await startMosquitto({ users: { edge: 's3cret' } });
  });
  afterAll(() => broker.stop());

  it('refuses a wrong password in plain words', async () => {
    const attempt = connectMqtt({ url: broker.url, clientId: 'auth-1', username: 'edge', password: 'wrong' });
    await expect(attempt).rejects.toMatchObject({ code: 'CONNECT_FAILED', message: expect.stringMatching(/wrong username or password|not authorised/) as unknown });
  });

  it('accepts the right password', async () => {
    const connection = await connectMqtt({ url: broker.url, clientId: 'auth-2', username: 'edge', password: 's3cret' });
    expect(connection.client.connected).toBe(true);
    await connection.close();
  });
});

describeWithMosquitto('MQTT connection to Mosquitto over TLS', () => {
  let broker: TestBroker;
  let certificates: TestCertificates;
  beforeAll(async () => {
    certificates = generateCertificates();
    broker = await startMosquitto({ tls: { certificates, requireClientCert: true } });
  });
  afterAll(() => broker.stop());

  it('connects with the generated CA and client certificate', async () => {
    const c = certificates;
    const connection = await connectMqtt({ url: broker.url, clientId: 'tls-1', tls: { ca: c.ca, cert: c.clientCert, key: c.clientKey } });
    expect(connection.client.connected).toBe(true);
    await connection.close();
  });

  it('refuses a server whose CA it was not given, saying so', async () => {
    const c = certificates;
    const attempt = connectMqtt({ url: broker.url, clientId: 'tls-2', tls: { cert: c.clientCert, key: c.clientKey } });
    await expect(attempt).rejects.toThrow(/TLS certificate was not accepted/);
  });
});
