/**
 * An upload bandwidth cap: bytes handed out in chunks of a tenth of a second's worth, each after
 * a pause of that tenth of a second, so an upload never goes faster than the cap (it may go
 * slower: the pauses do not count the time the network took).
 */
import { Readable } from 'node:stream';

/** Waits `ms` (injected, so tests count the waits instead of sleeping). */
export type Sleep = (ms: number) => Promise<void>;

/** The process's timers. */
export const realSleep: Sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** `bytes` as a stream paced at `bytesPerSecond`, in chunks of at most a tenth of a second's worth. */
export function throttled(bytes: Uint8Array, bytesPerSecond: number, sleep: Sleep = realSleep): Readable {
  if (!(bytesPerSecond > 0 && Number.isFinite(bytesPerSecond))) throw new RangeError(`upload bandwidth cap must be a positive number of bytes per second, got ${bytesPerSecond}`);
  const chunk = Math.max(1, Math.floor(bytesPerSecond / 10));
  async function* paced(): AsyncGenerator<Uint8Array> {
    for (let sent = 0; sent < bytes.byteLength; sent += chunk) {
      if (sent > 0) await sleep((chunk / bytesPerSecond) * 1000);
      yield bytes.subarray(sent, Math.min(bytes.byteLength, sent + chunk));
    }
  }
  return Readable.from(paced(), { objectMode: false });
}
