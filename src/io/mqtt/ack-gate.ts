import type { MqttClient, Packet } from 'mqtt';

type SendPacket = (packet: Packet, callback?: (error?: Error) => void, ...rest: unknown[]) => void;

/**
 * Holds a client's PUBACK/PUBREC for each message until `release(messageId)` (its inbox row is
 * committed), while letting mqtt.js go on to the next packet at once.
 *
 * mqtt.js (5.x, `handlers/publish.js`) handles the next incoming packet only after the current
 * one's acknowledgement has been handed to its private `_sendPacket`, so acknowledging after a
 * commit meant one commit per message on a connection. The gate wraps `_sendPacket`: an
 * acknowledgement of a message still waiting is kept back (and mqtt.js told it was sent), and
 * goes out on release. Many messages of one connection can then share one commit, in arrival
 * order. When the connection closes, what was held is dropped: the broker redelivers those
 * messages. Checked against mqtt 5.16.0 (pinned); the ingest tests fail if this stops working.
 */
export class AckGate {
  readonly #send: SendPacket;
  /** Messages received and not yet committed, with their acknowledgement once mqtt.js made it. */
  readonly #waiting = new Map<number, Packet | undefined>();
  /** Counts closes: a release from before one must not acknowledge a redelivery after it. */
  #epoch = 0;

  constructor(client: MqttClient) {
    const internals = client as unknown as { _sendPacket: SendPacket };
    if (typeof internals._sendPacket !== 'function') throw new Error('this mqtt.js has no _sendPacket: the ack gate needs mqtt 5.x');
    this.#send = internals._sendPacket.bind(client);
    internals._sendPacket = (packet, callback, ...rest) => {
      if ((packet.cmd === 'puback' || packet.cmd === 'pubrec') && packet.messageId !== undefined && this.#waiting.has(packet.messageId)) {
        this.#waiting.set(packet.messageId, packet);
        callback?.();
        return;
      }
      this.#send(packet, callback, ...rest);
    };
    client.on('close', () => {
      this.#epoch++;
      this.#waiting.clear();
    });
  }

  /** Keeps the acknowledgement of message `messageId` back until `release`; returns the token to release it with. */
  hold(messageId: number): number {
    this.#waiting.set(messageId, undefined);
    return this.#epoch;
  }

  /** False once the connection a `hold` token belongs to has closed (its message is redelivered). */
  current(token: number): boolean {
    return token === this.#epoch;
  }

  /** The message is committed: sends its acknowledgement (now, or when mqtt.js makes it). */
  release(messageId: number, token: number): void {
    if (token !== this.#epoch || !this.#waiting.has(messageId)) return; // the connection closed meanwhile
    const packet = this.#waiting.get(messageId);
    this.#waiting.delete(messageId);
    if (packet) this.#send(packet);
  }
}
