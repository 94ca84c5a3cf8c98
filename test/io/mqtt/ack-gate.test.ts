import mqtt from 'mqtt';
import { expect, it } from 'vitest';
import { AckGate } from '../../../src/io/mqtt/ack-gate.js';
import { connectMqtt } from '../../../src/io/mqtt/connection.js';
import { describeWithMosquitto, startMosquitto } from '../../support/mosquitto.js';
import { until } from '../../support/until.js';

describeWithMosquitto('AckGate on mqtt.js (Mosquitto)', () => {
  it('holds each PUBACK until release while mqtt.js goes on to the next message; a close drops what it held', async () => {
    const broker = await startMosquitto();
    const events: string[] = [];
    const waiting: { id: number; token: number }[] = [];
    let gate: AckGate | undefined;
    const connection = await connectMqtt({ url: broker.url, clientId: 'gated' }, (_topic, payload, packet, ack) => {
      events.push(`message ${payload.toString()}`);
      const id = packet.messageId!;
      waiting.push({ id, token: gate!.hold(id) });
      ack(0);
    });
    gate = new AckGate(connection.client);
    connection.client.on('packetsend', (packet) => {
      if (packet.cmd === 'puback') events.push('puback');
    });
    const publisher = await mqtt.connectAsync(broker.url, { clientId: 'gate-publisher', protocolVersion: 5 });
    try {
      await connection.client.subscribeAsync('gate/#', { qos: 1 });
      await Promise.all(Array.from({ length: 5 }, (_, i) => publisher.publishAsync('gate/a', String(i), { qos: 1 })));
      await until(() => events.length === 5, 'the 5 messages');
      // All five handed over with no PUBACK sent: mqtt.js did not wait for one.
      expect(events).toEqual(['message 0', 'message 1', 'message 2', 'message 3', 'message 4']);
      for (const { id, token } of waiting.splice(0, 3)) gate.release(id, token);
      expect(events.filter((e) => e === 'puback')).toHaveLength(3);
      // The connection goes: the other two are never acknowledged, so the broker sends them again.
      connection.suspend();
      await until(() => !connection.client.connected, 'the disconnect');
      for (const { id, token } of waiting.splice(0)) gate.release(id, token);
      expect(events.filter((e) => e === 'puback')).toHaveLength(3);
      connection.resume();
      await until(() => events.filter((e) => e.startsWith('message')).length === 7, 'the redelivered 2');
      expect(events.slice(-2)).toEqual(['message 3', 'message 4']);
    } finally {
      await publisher.endAsync();
      await connection.close();
      await broker.stop();
    }
  });
});
