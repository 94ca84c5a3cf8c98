import mqtt, { type MqttClient } from 'mqtt';
import type { Store } from '../../store/store.js';
import { MqttSink } from './sink.js';

/** Where one outbox stage is published. */
export interface OutboxTarget<T = Record<string, unknown>> {
  /** The outbox stage (the full name of its `writeOutbox` step). */
  readonly stage: string;
  /** `mqtt://host:port`, `mqtts://…`, `ws://…` or `wss://…`. */
  readonly url: string;
  /** Stable client id: the broker keeps the session, so messages in flight at a disconnect are re-sent. */
  readonly clientId: string;
  readonly username?: string;
  readonly password?: string;
  /** The topic of a value. */
  readonly topic: (value: T) => string;
  readonly retain: boolean;
}

/** Running publishers of outbox stages. */
export interface OutboxPublisher {
  /** Wakes the sinks at once (call it after each committed step). */
  notify(): void;
  /** Waits up to `drainMs` for what is in the outbox to be delivered, then stops and disconnects; the rest waits for the next start. */
  close(drainMs: number): Promise<void>;
}

/**
 * Publishes outbox stages to MQTT brokers while a durable run writes them: one MQTT 5 client
 * (persistent session) and one `MqttSink` per target, at QoS 1, each output with its id as the
 * user property `runnel-output-id`. A client connects in the background and keeps reconnecting,
 * so a broker that is down only delays delivery: the rows wait in the outbox.
 */
export function publishOutbox<T>(store: Store, targets: readonly OutboxTarget<T>[], log: (line: string) => void): OutboxPublisher {
  const running = targets.map((target) => {
    const client: MqttClient = mqtt.connect(target.url, {
      clientId: target.clientId,
      protocolVersion: 5,
      clean: false,
      reconnectPeriod: 1000,
      ...(target.username === undefined ? {} : { username: target.username }),
      ...(target.password === undefined ? {} : { password: target.password }),
    });
    let said = false;
    client.on('error', (error) => {
      if (!said) log(`publishing ${target.stage} to ${target.url}: ${error.message}; retrying, the outputs wait in the outbox`);
      said = true;
    });
    client.on('connect', () => (said = false));
    const sink = new MqttSink<T>(store, { client, topic: target.topic, stages: [target.stage], retain: target.retain, name: target.stage }).start();
    return { client, sink };
  });
  return {
    notify: () => running.forEach(({ sink }) => sink.notify()),
    async close(drainMs) {
      let timer: NodeJS.Timeout | undefined;
      const deadline = new Promise<void>((resolve) => (timer = setTimeout(resolve, drainMs)));
      await Promise.race([Promise.all(running.map(({ sink }) => sink.drained().catch(() => undefined))), deadline]);
      clearTimeout(timer);
      for (const { sink } of running) sink.stop();
      await Promise.all(running.map(({ client }) => client.endAsync()));
    },
  };
}
