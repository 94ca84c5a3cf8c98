/**
 * The embedded broker refuses an oversized MQTT packet from its fixed header, before buffering
 * it: a client announcing a 200 MiB (or 4 × 100 MiB) PUBLISH is disconnected after its first
 * bytes, the broker process stays small and keeps serving others. The broker runs as a device
 * runs it: compiled JS in a child process (npm test builds dist/ first).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync } from 'node:fs';
import net from 'node:net';
import tls from 'node:tls';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { afterAll, describe, expect, it } from 'vitest';
import { PacketSizeScanner } from '../../../src/io/mqtt/broker-packet-limit.js';
import { startEmbeddedBroker } from '../../../src/io/mqtt/embedded-broker.js';
import { Store } from '../../../src/store/store.js';
import { generateCertificates } from '../../support/mosquitto.js';
import { seededRandom } from '../../../src/testing/index.js';
import { SEED } from '../../seed.js';

const MiB = 1024 * 1024;
const CHILD = join(import.meta.dirname, '..', '..', '..', 'dist', 'test', 'io', 'mqtt', 'fixtures', 'broker-child.js');

/** MQTT's variable byte integer. */
function varint(n: number): number[] {
  const bytes: number[] = [];
  do {
    let byte = n % 128;
    n = Math.floor(n / 128);
    if (n > 0) byte |= 0x80;
    bytes.push(byte);
  } while (n > 0);
  return bytes;
}

/** A packet of `type` (the first byte) with a body of `body` bytes. */
function packet(type: number, body: number): Buffer {
  return Buffer.concat([Buffer.from([type, ...varint(body)]), Buffer.alloc(body, 7)]);
}

describe('PacketSizeScanner', () => {
  it(`passes any stream of packets within the limit and stops at the first larger one, however the bytes are split (seed ${SEED})`, () => {
    const random = seededRandom(SEED);
    for (let round = 0; round < 200; round++) {
      const max = 2 + Math.floor(random() * 20_000);
      // Bodies from 0 bytes to past the limit; lengths of 1 to 3 varint bytes.
      const sizes = Array.from({ length: 1 + Math.floor(random() * 8) }, () => Math.floor(random() * random() * max * 1.2));
      const packets = sizes.map((s) => packet(0x30, s));
      const firstOver = packets.find((p) => p.length > max);
      const stream = Buffer.concat(packets);
      const scanner = new PacketSizeScanner(max);
      let result: number | undefined;
      for (let at = 0; at < stream.length && result === undefined;) {
        const n = 1 + Math.floor(random() * random() * 5000);
        result = scanner.scan(stream.subarray(at, at + n));
        at += n;
      }
      expect(result, `round ${round}: max ${max}, sizes ${sizes.join(',')}`).toBe(firstOver?.length);
    }
  });

  it('reports the announced size from the header alone, and a remaining length of 5 bytes as malformed', () => {
    expect(new PacketSizeScanner(1000).scan(Buffer.from([0x32, ...varint(200 * MiB)]))).toBe(1 + 4 + 200 * MiB);
    expect(new PacketSizeScanner(1000).scan(Buffer.from([0x32, 0xff, 0xff, 0xff, 0xff, 0x7f]))).toBeNaN();
    expect(new PacketSizeScanner(1000).scan(packet(0xc0, 0))).toBeUndefined();
  });
});

/** An MQTT 3.1.1 CONNECT with a clean session and no credentials. */
function connectPacket(clientId: string): Buffer {
  const id = Buffer.from(clientId);
  const body = Buffer.concat([Buffer.from([0, 4, ...Buffer.from('MQTT'), 4, 0x02, 0, 60, 0, id.length]), id]);
  return Buffer.concat([Buffer.from([0x10, ...varint(body.length)]), body]);
}

/**
 * Connects, announces a QoS 1 PUBLISH of `announced` bytes, then streams its body until the
 * broker closes the connection or `cap` bytes are sent. Resolves with the bytes sent and whether
 * the broker closed it.
 */
async function sendHugePublish(port: number, clientId: string, announced: number, cap: number, secure?: tls.ConnectionOptions): Promise<{ sent: number; closed: boolean }> {
  const socket = secure ? tls.connect({ ...secure, port, host: '127.0.0.1' }) : net.connect(port, '127.0.0.1');
  await once(socket, secure ? 'secureConnect' : 'connect');
  let closed = false;
  socket.on('error', () => {});
  socket.once('close', () => (closed = true));
  socket.write(connectPacket(clientId));
  socket.write(Buffer.from([0x32, ...varint(announced), 0, 5, ...Buffer.from('big/x'), 0, 1]));
  const chunk = Buffer.alloc(256 * 1024, 0x41);
  let sent = 0;
  while (!closed && sent < cap) {
    sent += chunk.length;
    // Not events.once: it rejects on the 'error' (ECONNRESET) that comes with the close.
    if (!socket.write(chunk)) await new Promise((resolve) => socket.once('drain', resolve).once('close', resolve));
  }
  const stillOpen = !closed;
  socket.destroy();
  return { sent, closed: !stillOpen };
}

interface ChildReport {
  stored: number;
  maxRssBytes: number;
  log: string[];
}

describe('embedded broker, packets larger than maxPacketBytes', () => {
  let child: ChildProcess | undefined;
  afterAll(() => {
    child?.kill();
  });

  it('closes a connection announcing 200 MiB or 4 x 100 MiB after its header, stays under 150 MiB RSS, and keeps storing normal publishes', async () => {
    const db = join(mkdtempSync(join(tmpdir(), 'runnel-packet-limit-')), 'broker.db');
    child = spawn(process.execPath, [CHILD, db], { stdio: ['ignore', 'pipe', 'inherit', 'ipc'] });
    const [line] = (await once(child.stdout!, 'data')) as [Buffer];
    const { port } = JSON.parse(line.toString()) as { port: number };
    const report = async (): Promise<ChildReport> => {
      child!.send('report');
      return ((await once(child!, 'message')) as [ChildReport])[0];
    };

    // A client connected through the attack, publishing after it.
    const client = await mqtt.connectAsync(`mqtt://127.0.0.1:${port}`, { protocolVersion: 4, reconnectPeriod: 0 });
    const before = await report();
    // Without the limit, every connection's body is buffered whole: 5 x 32 MiB here.
    const cap = 32 * MiB;
    const attacks = await Promise.all([sendHugePublish(port, 'huge-200', 200 * MiB, cap), ...[1, 2, 3, 4].map((i) => sendHugePublish(port, `huge-100-${i}`, 100 * MiB, cap))]);
    await client.publishAsync('big/ok', JSON.stringify({ id: 1 }), { qos: 1 });
    await client.endAsync();
    const after = await report();

    for (const attack of attacks) {
      expect(attack.closed, `the broker closed the connection (sent ${attack.sent} bytes)`).toBe(true);
      // What the kernel's socket buffers took before the close was seen (up to 4 MiB here), far from the cap.
      expect(attack.sent).toBeLessThan(16 * MiB);
    }
    expect(after.stored).toBe(before.stored + 1);
    expect(after.maxRssBytes, `peak RSS ${(after.maxRssBytes / MiB).toFixed(1)} MiB (before the attack ${(before.maxRssBytes / MiB).toFixed(1)} MiB)`).toBeLessThan(150 * MiB);
    expect(after.log.filter((m) => m.includes('over maxPacketBytes'))).toHaveLength(5);
    expect(after.log.join('\n')).toContain(`announced a ${1 + 4 + 200 * MiB}-byte packet`);
  }, 60_000);
});

describe('embedded broker over TLS, a packet larger than maxPacketBytes', () => {
  it('is refused after its header as on plain TCP', async () => {
    const { serverKey: key, serverCert: cert, ca } = generateCertificates();
    const store = Store.open(':memory:');
    const log: string[] = [];
    const broker = await startEmbeddedBroker({ store, name: 'big', port: 0, topics: 'big/#', dedupe: 'none', maxPayloadBytes: 1024, tls: { key, cert }, log: (m) => log.push(m) });
    try {
      const attack = await sendHugePublish(broker.port, 'huge-tls', 100 * MiB, 16 * MiB, { ca });
      expect(attack.closed, `the broker closed the connection (sent ${attack.sent} bytes)`).toBe(true);
      expect(log.join('\n')).toContain(`over maxPacketBytes (${1024 + 65_544})`);
    } finally {
      await broker.close();
      store.close();
    }
  });
});
