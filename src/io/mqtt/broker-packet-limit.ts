import type { Duplex } from 'node:stream';

/**
 * Reads the MQTT fixed headers in a byte stream (a type byte, then the remaining length as a
 * variable byte integer of 1 to 4 bytes) and skips each packet's body without looking at it, so
 * an oversized packet is seen from its first bytes, before anyone buffers its body.
 */
export class PacketSizeScanner {
  /** 0: expecting a type byte; 1: inside the remaining length; 2: skipping a body. */
  private phase: 0 | 1 | 2 = 0;
  private length = 0;
  private lengthBytes = 0;
  private bodyLeft = 0;

  constructor(readonly maxBytes: number) {}

  /**
   * Scans the next bytes of the stream. Returns the whole size a packet announces when it is
   * larger than `maxBytes`, `NaN` for a remaining length longer than 4 bytes (malformed), else
   * undefined.
   */
  scan(chunk: Uint8Array): number | undefined {
    let i = 0;
    while (i < chunk.length) {
      if (this.phase === 2) {
        const skipped = Math.min(this.bodyLeft, chunk.length - i);
        this.bodyLeft -= skipped;
        i += skipped;
        if (this.bodyLeft === 0) this.phase = 0;
        continue;
      }
      const byte = chunk[i++]!;
      if (this.phase === 0) {
        this.phase = 1;
        this.length = 0;
        this.lengthBytes = 0;
        continue;
      }
      this.length += (byte & 0x7f) * 128 ** this.lengthBytes++;
      if (byte & 0x80) {
        if (this.lengthBytes === 4) return NaN;
        continue;
      }
      const size = 1 + this.lengthBytes + this.length;
      if (size > this.maxBytes) return size;
      this.bodyLeft = this.length;
      this.phase = this.length === 0 ? 0 : 2;
    }
    return undefined;
  }
}

/**
 * Destroys `conn` as soon as it announces a packet larger than `maxBytes` (or a malformed
 * length), calling `onRefused` with the announced size. It listens to `'data'`, which a stream
 * read through `'readable'` (as aedes reads) emits inside each `read()`, before the reader gets
 * the bytes: so the MQTT parser never holds more than the one read that carried the header.
 */
export function limitPacketSize(conn: Duplex, maxBytes: number, onRefused: (announcedBytes: number) => void): void {
  const scanner = new PacketSizeScanner(maxBytes);
  const onData = (chunk: Buffer): void => {
    const over = scanner.scan(chunk);
    if (over === undefined) return;
    conn.off('data', onData);
    onRefused(over);
    conn.destroy();
  };
  conn.on('data', onData);
}
