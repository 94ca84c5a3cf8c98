import net from 'node:net';
import { Aedes } from 'aedes';
import mqtt from 'mqtt';
import { describe, expect, it } from 'vitest';

/**
 * Pins two bugs of aedes 1.2.0 (with aedes-persistence 11.0.0) that docs/durability.md, "Known
 * broker bugs", warns about. When an aedes upgrade fixes one, its test here fails: update the
 * docs (and the clean consumer in sink.test.ts's QoS tests), then delete the test.
 */
describe('aedes 1.2.0 known bugs (fail when fixed: update docs/durability.md)', () => {
  interface Arrived {
    payloads: string[];
    qos: number[];
  }

  /**
   * Connects a subscriber to a fresh in-process aedes, subscribes `filter` at `qos` and has the
   * broker publish `m0..m{n-1}` at QoS 2 to `t/x`. With `batchAcks` the subscriber's socket is
   * corked until all n PUBLISHes are in, so its PUBRECs reach aedes in one read (as they do when
   * a fast subscriber shares the process with the broker). Reconnects once before reporting,
   * so anything the session still owes is sent again.
   */
  async function deliver(options: { clean: boolean; filter: string; qos: 1 | 2; n: number; batchAcks: boolean }): Promise<Arrived> {
    const broker = await Aedes.createBroker();
    const server = net.createServer(broker.handle);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `mqtt://127.0.0.1:${(server.address() as net.AddressInfo).port}`;
    const client = await mqtt.connectAsync(url, { clientId: 'subscriber', clean: options.clean, protocolVersion: 4, reconnectPeriod: 50 });
    const arrived: Arrived = { payloads: [], qos: [] };
    client.on('message', (_topic, payload, packet) => {
      arrived.payloads.push(payload.toString());
      arrived.qos.push(packet.qos);
    });
    try {
      await client.subscribeAsync(options.filter, { qos: options.qos });
      if (options.batchAcks) {
        client.stream.cork();
        let publishes = 0;
        client.on('packetreceive', (packet) => {
          if (packet.cmd === 'publish' && ++publishes === options.n) setImmediate(() => client.stream.uncork());
        });
      }
      for (let i = 0; i < options.n; i++) {
        broker.publish({ cmd: 'publish', topic: 't/x', payload: Buffer.from(`m${i}`), qos: 2, retain: false, dup: false }, () => {});
      }
      await new Promise((r) => setTimeout(r, 200));
      client.stream.destroy(); // reconnect: a persistent session re-sends what it still owes
      await new Promise<void>((resolve) => client.once('connect', () => resolve()));
      await new Promise((r) => setTimeout(r, 200));
      return arrived;
    } finally {
      await client.endAsync(true);
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await new Promise<void>((resolve) => broker.close(() => resolve()));
    }
  }

  it('loses a QoS 2 message to a persistent session whose PUBRECs arrive in one read (the first PUBREL carries the last id)', async () => {
    const clean = await deliver({ clean: true, filter: 't/x', qos: 2, n: 3, batchAcks: true });
    expect(clean.payloads).toEqual(['m0', 'm1', 'm2']); // the control: same traffic, clean session
    const batched = await deliver({ clean: false, filter: 't/x', qos: 2, n: 3, batchAcks: true });
    expect(batched.payloads).toEqual(['m2', 'm1']); // m0 never arrives, not even after a reconnect
  });

  it('does not downgrade a QoS 2 message to a wildcard subscription granted QoS 1', async () => {
    const exact = await deliver({ clean: true, filter: 't/x', qos: 1, n: 1, batchAcks: false });
    expect(exact.qos).toEqual([1]);
    const wildcard = await deliver({ clean: true, filter: 't/#', qos: 1, n: 1, batchAcks: false });
    expect(wildcard.qos).toEqual([2]); // MQTT 3.1.1 [MQTT-3.8.4-6] says min(2, 1) = 1
  });
});
