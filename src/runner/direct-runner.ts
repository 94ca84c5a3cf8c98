import { systemClock } from '../core/clock.js';
import type { Pipeline } from '../core/pipeline.js';
import { DeadLetters } from './dead-letters.js';
import { Executor } from './executor.js';
import { plan } from './plan.js';
import type { PipelineResult, RunOptions } from './types.js';

const DEFAULT_BUNDLE_SIZE = 1000;

/** Runs bounded pipelines in-process, bundle by bundle, until every source has ended. */
export class DirectRunner {
  readonly #options: RunOptions;

  constructor(options: RunOptions = {}) {
    const bundleSize = options.bundleSize ?? DEFAULT_BUNDLE_SIZE;
    if (!Number.isInteger(bundleSize) || bundleSize < 1) {
      throw new RangeError(`RunOptions.bundleSize must be an integer >= 1, got ${options.bundleSize}`);
    }
    this.#options = options;
  }

  /** Runs `pipeline` to completion and reports dead letters and counters. */
  async run(pipeline: Pipeline): Promise<PipelineResult> {
    const clock = this.#options.clock ?? systemClock;
    const started = performance.now();
    const deadLetters = new DeadLetters(clock, {
      failFast: this.#options.failFast ?? false,
      maxKept: this.#options.maxDeadLettersInResult ?? 10_000,
      onDeadLetter: this.#options.onDeadLetter,
    });
    const executionPlan = plan(pipeline, deadLetters, clock);
    const executor = new Executor(executionPlan, deadLetters, clock);
    const bundleSize = this.#options.bundleSize ?? DEFAULT_BUNDLE_SIZE;
    let failure: unknown;
    try {
      await executor.open();
      // A pipeline without sources still gets one sweep, so combineGlobally can emit its default.
      const onProgress = this.#options.onProgress;
      do {
        await executor.step(bundleSize);
        onProgress?.({ bundles: executor.bundles, elementsRead: executor.elementsRead, deadLetters: deadLetters.count });
      } while (executor.active);
    } catch (error) {
      failure = error;
    }
    try {
      await executor.close();
    } catch (error) {
      failure ??= error;
    }
    if (failure !== undefined) throw failure;
    return {
      deadLetters: deadLetters.kept,
      deadLetterCount: deadLetters.count,
      operators: executor.metrics(),
      bundles: executor.bundles,
      elapsedMs: performance.now() - started,
    };
  }
}
