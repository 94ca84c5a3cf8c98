/**
 * Model announcements over MQTT: after a push, a retained message on
 * `runnel/<fleet>/models/<name>` with `{ "version": N, "sha256": "<hex>" }`; every device of the
 * fleet subscribed to `runnel/<fleet>/models/+` queues a pull when the announced version is newer
 * than the one it has. Retained, so a device that was off gets the latest announcement when it
 * subscribes. The announcement only says where to look: what is loaded is what the pull
 * verifies, so a forged announcement costs a pull, never a model.
 */
import type { MqttClient } from 'mqtt';
import { messageOf } from '../common/errors.js';
import type { Announce, SyncQueue } from './sync-queue.js';
import { checkName, isName } from './verified-registry.js';

/** The topic announcing versions of `model` to `fleet`. */
export function announcementTopic(fleet: string, model: string): string {
  checkName(fleet, 'fleet');
  checkName(model);
  return `runnel/${fleet}/models/${model}`;
}

/** An `Announce` publishing retained QoS 1 messages through `client`; rejects while it is not connected (the queue retries). */
export function mqttAnnouncer(client: MqttClient, fleet: string): Announce {
  checkName(fleet, 'fleet');
  return async (model, { version, sha256 }) => {
    if (!client.connected) throw new Error(`cannot announce ${model} v${version} on ${announcementTopic(fleet, model)}: not connected to the MQTT broker`);
    await client.publishAsync(announcementTopic(fleet, model), JSON.stringify({ version, sha256 }), { qos: 1, retain: true });
  };
}

/** Reads an announcement's payload, or says why it is not one. */
export function parseAnnouncement(payload: Uint8Array): { version: number; sha256: string } | string {
  let data: { version?: unknown; sha256?: unknown };
  try {
    data = JSON.parse(Buffer.from(payload).toString('utf8')) as typeof data;
  } catch {
    return 'not JSON';
  }
  if (!Number.isSafeInteger(data?.version) || (data.version as number) < 1 || typeof data.sha256 !== 'string' || !/^[0-9a-f]{64}$/.test(data.sha256))
    return 'expected { "version": <positive integer>, "sha256": "<64 hex digits>" }';
  return { version: data.version as number, sha256: data.sha256 };
}

/**
 * Subscribes `client` to the fleet's announcements; each announced version newer than this device's
 * queues a pull and runs the queue. Returns a function that unsubscribes.
 */
export async function listenForAnnouncements(client: MqttClient, fleet: string, queue: SyncQueue, log: (line: string) => void = console.warn): Promise<() => Promise<void>> {
  const filter = `runnel/${fleet}/models/+`;
  checkName(fleet, 'fleet');
  const prefix = `runnel/${fleet}/models/`;
  const onMessage = (topic: string, payload: Buffer): void => {
    if (!topic.startsWith(prefix)) return;
    const model = topic.slice(prefix.length);
    const announcement = isName(model) ? parseAnnouncement(payload) : 'not a model name';
    if (typeof announcement === 'string') {
      log(`sync: ignored the announcement on ${topic}: ${announcement}`);
      return;
    }
    if (queue.announced(model, announcement)) {
      queue.runDue().catch((error: unknown) => log(`sync: ${messageOf(error)}`));
    }
  };
  client.on('message', onMessage);
  await client.subscribeAsync(filter, { qos: 1 });
  return async () => {
    client.off('message', onMessage);
    await client.unsubscribeAsync(filter);
  };
}
