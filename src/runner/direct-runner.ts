import { setTimeout as sleep } from 'node:timers/promises';
import { systemClock } from '../core/clock.js';
import type { Pipeline } from '../core/pipeline.js';
import { DeadLetters } from './dead-letters.js';
import { DiskFullPause } from './disk-full.js';
import { StepLog } from '../store/step-log.js';
import { Executor } from './executor.js';
import { resumeFor } from './pipeline-shape.js';
import { plan } from './plan.js';
import type { DeadLetter, PipelineResult, RunOptions } from './types.js';

const DEFAULT_BUNDLE_SIZE = 1000;
const DEFAULT_IDLE_WAIT_MS = 20;
/**
 * A busy run hands the event loop back at least this often (one `setImmediate`): steps of a
 * synchronous source resolve in microtasks only, so without it a backlog was drained with no
 * socket read, timer or sink pump in between (an MQTT job held the whole backlog in memory and
 * stalled its own ingest and sink for seconds).
 */
const YIELD_EVERY_MS = 5;
const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/**
 * Runs `pipeline` to completion in this process: `await run(p)`, or `await run(p, { store })` for a
 * durable run that resumes from the store's last commit. A pipeline is only a graph; running it is
 * the runner's business, so the graph does not import its runner.
 */
export function run(pipeline: Pipeline, options: RunOptions = {}): Promise<PipelineResult> {
  return new DirectRunner(options).run(pipeline);
}

/**
 * Runs a pipeline in-process, step by step, until every source has ended or `signal` fires.
 * Bounded and unbounded sources run on the same engine; with `store` the run is durable.
 */
export class DirectRunner {
  readonly #options: RunOptions;

  constructor(options: RunOptions = {}) {
    const bundleSize = options.bundleSize ?? DEFAULT_BUNDLE_SIZE;
    if (!Number.isInteger(bundleSize) || bundleSize < 1) {
      throw new RangeError(`RunOptions.bundleSize must be an integer >= 1, got ${options.bundleSize}`);
    }
    this.#options = options;
  }

  /** Runs `pipeline` and reports dead letters and counters. */
  async run(pipeline: Pipeline): Promise<PipelineResult> {
    const options = this.#options;
    const clock = options.clock ?? systemClock;
    const started = performance.now();
    const stepDeadLetters: DeadLetter[] = [];
    const deadLetters = new DeadLetters(clock, {
      failFast: options.failFast ?? false,
      maxKept: options.maxDeadLettersInResult ?? 10_000,
      // A durable run commits every dead letter, payload included, to the store; holding thousands
      // of payloads in memory as well could take a small device's heap.
      keepPayloads: options.store === undefined,
      onDeadLetter: options.store
        ? (d) => {
            stepDeadLetters.push(d);
            options.onDeadLetter?.(d);
          }
        : options.onDeadLetter,
    });
    const durable = options.store ? new StepLog(options.store) : undefined;
    const diskFull = options.store
      ? new DiskFullPause({
          path: options.store.path,
          log: options.log ?? ((m) => console.warn(m)),
          ...(options.diskFullRetryMs !== undefined ? { retryMs: options.diskFullRetryMs } : {}),
          ...(options.signal ? { signal: options.signal } : {}),
        })
      : undefined;
    const planned = plan(pipeline, deadLetters, clock, { durable: durable !== undefined, ...(diskFull ? { diskFull } : {}) });
    // Checked before anything starts: a refused run must not take input or touch the database.
    const restored = durable ? resumeFor(planned, durable, options.store!.path) : undefined;
    const executor = new Executor(planned, deadLetters, clock, diskFull);
    const bundleSize = options.bundleSize ?? DEFAULT_BUNDLE_SIZE;
    // Boxed, so that even a thrown `undefined` counts as a failure.
    let failure: { error: unknown } | undefined;
    try {
      await executor.open(restored, options.signal);
      let turn = performance.now();
      // A pipeline without sources still gets one sweep, so combineGlobally can emit its default.
      do {
        const stepStarted = performance.now();
        const busy = await executor.step(bundleSize);
        if (durable) {
          const changes = executor.takeChanges(stepDeadLetters.splice(0));
          try {
            durable.commit(changes);
          } catch (error) {
            await diskFull!.retry(error, `committing step ${durable.step + 1}`, () => durable.commit(changes));
          }
        }
        options.onProgress?.({
          bundles: executor.bundles,
          elementsRead: executor.elementsRead,
          deadLetters: deadLetters.count,
          stepMs: performance.now() - stepStarted,
          operators: executor.metrics(),
        });
        if (!executor.active || options.signal?.aborted) continue;
        if (!busy) await sleep(options.idleWaitMs ?? DEFAULT_IDLE_WAIT_MS);
        else if (performance.now() - turn >= YIELD_EVERY_MS) await nextTurn();
        else continue;
        turn = performance.now();
      } while (executor.active && !options.signal?.aborted);
    } catch (error) {
      failure = { error };
    }
    try {
      await executor.close();
    } catch (error) {
      failure ??= { error };
    }
    if (failure) throw failure.error;
    return {
      deadLetters: deadLetters.kept,
      deadLetterCount: deadLetters.count,
      operators: executor.metrics(),
      bundles: executor.bundles,
      ...(durable ? { committedSteps: durable.step } : {}),
      elapsedMs: performance.now() - started,
    };
  }
}
