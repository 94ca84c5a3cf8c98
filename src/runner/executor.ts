import { messageOf, RunnelError } from '../common/errors.js';
import type { DeadLetterCode } from '../common/dead-letter-codes.js';
import type { Clock } from '../core/clock.js';
import { Bundle } from '../core/bundle.js';
import type { SourceReader } from '../core/source.js';
import { MIN_TIMESTAMP } from '../core/time.js';
import type { DeadLetters } from './dead-letters.js';
import type { DiskFullPause } from './disk-full.js';
import type { Restored, StepChanges } from '../store/step-log.js';
import type { Plan, PlannedOperator, PlannedSource } from './plan.js';
import type { DeadLetter, OperatorMetrics } from './types.js';

interface OpenSource {
  readonly planned: PlannedSource;
  readonly reader: SourceReader<unknown>;
  done: boolean;
}

interface OperatorState {
  readonly planned: PlannedOperator;
  pending: Bundle<unknown>[];
  inputWatermark: number;
  elementsIn: number;
  elementsOut: number;
}

/**
 * Executes a plan in steps: read one bundle from each source, then sweep the operators in
 * topological order, each processing what it was sent and then firing for the new watermark
 * (the minimum over its inputs). One step is the unit a durable runner commits.
 */
export class Executor {
  readonly #states: OperatorState[];
  readonly #consumers = new Map<number, OperatorState[]>();
  readonly #watermarks = new Map<number, number>();
  #sources: OpenSource[] = [];
  bundles = 0;
  elementsRead = 0;

  constructor(
    private readonly plan: Plan,
    private readonly deadLetters: DeadLetters,
    private readonly clock: Clock,
    /** A durable run's: a source read that fails on a full disk waits for space and reads again. */
    private readonly diskFull?: DiskFullPause,
  ) {
    this.#states = plan.operators.map((planned) => ({ planned, pending: [], inputWatermark: MIN_TIMESTAMP, elementsIn: 0, elementsOut: 0 }));
    for (const state of this.#states) {
      for (const input of state.planned.inputs) this.#consumers.set(input, [...(this.#consumers.get(input) ?? []), state]);
      for (const output of state.planned.outputs) this.#watermarks.set(output, MIN_TIMESTAMP);
    }
  }

  /**
   * Loads operators' saved state and sets operators up, then opens sources (resuming from
   * `restored` checkpoints in a durable run). Set-up comes first so that a stage that cannot start
   * (a missing kernels file, a model that does not load) fails the run before a source takes any
   * input: opening an MQTT source already acknowledges messages and dead-letters bad ones.
   */
  async open(restored?: Pick<Restored, 'checkpoints' | 'state'>, signal?: AbortSignal): Promise<void> {
    for (const { planned } of this.#states) {
      const durable = planned.operator.durable;
      if (restored && durable) durable.restore(restored.state.get(durable.stage) ?? []);
      await planned.operator.setup();
    }
    for (const planned of this.plan.sources) {
      const context = {
        clock: this.clock,
        ...(signal ? { signal } : {}),
        deadLetter: (reason: string, payload: unknown, code?: DeadLetterCode) => this.deadLetters.reject(planned.name, reason, payload, undefined, code ?? 'BAD_INPUT'),
      };
      let reader: SourceReader<unknown>;
      try {
        reader = await planned.source.open(context, restored?.checkpoints.get(planned.name));
      } catch (error) {
        throw new RunnelError('SOURCE_FAILED', `cannot open source: ${messageOf(error)}`, { stage: planned.name, cause: error });
      }
      if (restored && !reader.checkpoint) {
        throw new RunnelError('PIPELINE_INVALID', 'this source cannot resume from a checkpoint, so it cannot feed a durable run', { stage: planned.name });
      }
      this.#sources.push({ planned, reader, done: false });
      this.#watermarks.set(planned.output, reader.watermark());
    }
  }

  /** What the last step changed, for a durable run to commit (clears it). */
  takeChanges(deadLetters: readonly DeadLetter[]): StepChanges {
    return {
      sources: this.#sources.map(({ planned, reader }) => ({ name: planned.name, checkpoint: reader.checkpoint!() })),
      state: this.#states.flatMap(({ planned }) => {
        const durable = planned.operator.durable;
        return durable ? [{ stage: durable.stage, entries: durable.takeChanges() }] : [];
      }),
      outbox: this.#states.flatMap(({ planned }) => planned.operator.takeOutbox?.() ?? []),
      training: this.#states.flatMap(({ planned }) => planned.operator.takeTraining?.() ?? []),
      deadLetters,
    };
  }

  /** True while some source may still produce elements. */
  get active(): boolean {
    return this.#sources.some((s) => !s.done);
  }

  /**
   * Reads one bundle from each active source and pushes everything through the graph. Returns
   * false when every source that is still active said it is idle (nothing to read now).
   */
  async step(bundleSize: number): Promise<boolean> {
    let busy = false;
    for (const source of this.#sources) {
      if (source.done) continue;
      const { planned, reader } = source;
      let result;
      try {
        try {
          const reading = reader.read(bundleSize);
          result = reading instanceof Promise ? await reading : reading;
        } catch (error) {
          // A store-backed source (the MQTT inbox) writes as it reads; such a write is one transaction.
          if (!this.diskFull) throw error;
          result = await this.diskFull.retry(error, `reading source "${planned.name}"`, () => reader.read(bundleSize));
        }
      } catch (error) {
        if (error instanceof RunnelError && error.code === 'DISK_FULL') throw error; // stopped while waiting for space
        throw new RunnelError('SOURCE_FAILED', `read failed: ${messageOf(error)}`, { stage: planned.name, cause: error });
      }
      source.done = result.done;
      busy ||= !result.idle;
      this.bundles++;
      this.elementsRead += result.bundle.length;
      if (result.bundle.length > 0) this.#send(planned.output, result.bundle);
      this.#watermarks.set(planned.output, reader.watermark());
    }
    await this.#sweep();
    return busy;
  }

  /** Tears operators down and closes sources, even after a failure; rethrows the first error. */
  async close(): Promise<void> {
    let first: { error: unknown } | undefined; // boxed: a thrown `undefined` is a failure too
    for (const { planned } of this.#states) {
      try {
        await planned.operator.teardown();
      } catch (error) {
        first ??= { error };
      }
    }
    for (const { reader } of this.#sources) {
      try {
        await reader.close();
      } catch (error) {
        first ??= { error };
      }
    }
    if (first) throw first.error;
  }

  /** Per-operator counters. */
  metrics(): OperatorMetrics[] {
    return this.#states.map((s) => ({ stages: s.planned.operator.stages, elementsIn: s.elementsIn, elementsOut: s.elementsOut }));
  }

  async #sweep(): Promise<void> {
    for (const state of this.#states) {
      const { operator, inputs, outputs } = state.planned;
      if (state.pending.length > 0) {
        const input = Bundle.concat(state.pending);
        state.pending = [];
        state.elementsIn += input.length;
        const processing = operator.process(input);
        if (processing) await processing;
        this.#route(state);
      }
      if (operator.onProcessingTime) {
        operator.onProcessingTime(this.clock.now());
        this.#route(state);
      }
      let watermark = Infinity;
      for (const input of inputs) watermark = Math.min(watermark, this.#watermarks.get(input)!);
      if (watermark > state.inputWatermark) {
        state.inputWatermark = watermark;
        const firing = operator.onWatermark(watermark);
        if (firing) await firing;
        this.#route(state);
      }
      const outputWatermark = operator.outputWatermark?.(state.inputWatermark) ?? state.inputWatermark;
      for (const output of outputs) this.#watermarks.set(output, outputWatermark);
    }
  }

  #route(state: OperatorState): void {
    const taken = state.planned.operator.output.take();
    taken.forEach((bundle, port) => {
      if (bundle.length === 0) return;
      state.elementsOut += bundle.length;
      this.#send(state.planned.outputs[port]!, bundle);
    });
  }

  #send(collection: number, bundle: Bundle<unknown>): void {
    for (const consumer of this.#consumers.get(collection) ?? []) consumer.pending.push(bundle);
  }
}
