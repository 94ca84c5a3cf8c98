/**
 * A busy run gives the event loop back: a source that always has data must not starve timers and
 * sockets (the MQTT ingest and sink of a forward job live on the same loop). Without the runner's
 * periodic yield this run never sees its abort timer and never returns (checked: the worker hangs).
 */
import { expect, it } from 'vitest';
import { Bundle } from '../../src/core/bundle.js';
import { Pipeline } from '../../src/core/pipeline.js';
import type { Source } from '../../src/core/source.js';
import { run } from '../../src/runner/direct-runner.js';
import { read } from '../../src/transforms/read.js';

/** An unbounded source that is never idle: every read returns a bundle at once. */
const endless: Source<number> = {
  bounded: false,
  open: () => ({
    read: (max: number) => ({ bundle: Bundle.of(Array.from({ length: Math.min(max, 100) }, (_, i) => i)), done: false, idle: false }),
    watermark: () => 0,
    close: () => {},
  }),
};

it('a run whose source is never idle still lets timers fire', { timeout: 10_000 }, async () => {
  const p = new Pipeline();
  p.apply(read(endless, 'endless')).map((x: number) => x + 1);
  const controller = new AbortController();
  let fired = false;
  setTimeout(() => {
    fired = true;
    controller.abort();
  }, 20);
  const result = await run(p, { signal: controller.signal });
  expect(fired).toBe(true);
  expect(result.deadLetterCount).toBe(0);
});
