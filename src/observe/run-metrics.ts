import type { Pipeline } from '../core/pipeline.js';
import type { IngestStats } from '../io/mqtt/commit-gate.js';
import { run } from '../runner/direct-runner.js';
import type { OperatorMetrics, PipelineResult, RunOptions, RunProgress } from '../runner/types.js';
import { inspectStore } from '../store/inspect.js';
import type { Store } from '../store/store.js';
import { DeadLetterTally } from './dead-letter-tally.js';
import { graphOperators, upstreamStages } from './pipeline-graph.js';
import { MetricsRegistry } from './registry.js';
import type { InferenceSource, ModelEvent, Readiness, RunStatus } from './status.js';

/** Upper bounds of `runnel_step_duration_seconds`, from 0.5 ms to 5 s. */
const STEP_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];
/** Upper bounds of `runnel_inference_latency_seconds`, from 50 µs to 5 s. */
const INFERENCE_BUCKETS = [0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];
/** Model events kept for the status page (the newest). */
const KEPT_MODEL_EVENTS = 100;
/** Dead-letter groups the status page lists (the largest). */
const SHOWN_DEAD_LETTER_GROUPS = 10;

const STARTING: Readiness = { ready: false, reason: "starting: the pipeline's sources are not open yet" };
const RUNNING: Readiness = { ready: true, reason: 'running' };

/** The model event of each learning-loop decision that changes or confirms what serves. */
const DECISION_KINDS: Readonly<Record<string, ModelEvent['kind']>> = { promoted: 'promoted', rejected: 'kept', 'rolled-back': 'rolled-back' };

/** Options of `RunMetrics`. */
export interface RunMetricsOptions {
  /** The durable run's database: inbox and outbox depths are read from it at each scrape. */
  readonly store?: Store;
}

/**
 * The Prometheus series of one pipeline run (see docs/observability.md), its readiness and the
 * status page's data. Run the pipeline with `metrics.run(pipeline, options)` (or pass
 * `hooks(options, pipeline)` to `run()` and call `stopped` at the end): the runner's progress and
 * dead letters feed the counters; an MQTT ingest the caller holds is added with `watchIngest`, a
 * RunInference's batches with `watchInference`, model versions with `modelEvent`; process RSS
 * and CPU are read at each scrape.
 */
export class RunMetrics {
  readonly registry = new MetricsRegistry();
  #readiness: Readiness = STARTING;
  readonly #ingests = new Map<string, Readonly<IngestStats>>();
  readonly #elementsRead;
  readonly #bundles;
  readonly #deadLetters;
  readonly #stepDuration;
  readonly #inferenceLatency;
  readonly #modelVersion;
  readonly #inference: InferenceSource[] = [];
  readonly #models = new Map<string, ModelEvent>();
  readonly #modelEvents: ModelEvent[] = [];
  #upstream: ReadonlyMap<string, readonly string[]> = new Map();
  #operators: readonly OperatorMetrics[] = [];
  #elementsReadSoFar = 0;
  #deadLetterTally = new DeadLetterTally();
  #storeDepths: (() => { inbox: Map<string, number>; outbox: number }) | undefined;

  constructor(options: RunMetricsOptions = {}) {
    const r = this.registry;
    this.#elementsRead = r.counter('runnel_elements_read_total', 'Elements read from the pipeline sources.');
    this.#bundles = r.counter('runnel_bundles_total', 'Bundles read from the pipeline sources.');
    this.#deadLetters = r.counter('runnel_dead_letters_total', 'Elements the run rejected, by stage and reason code.', ['stage', 'code']);
    this.#stepDuration = r.histogram('runnel_step_duration_seconds', 'Time of one step: a bundle from each source through the graph, and its commit.', STEP_BUCKETS);
    this.#inferenceLatency = r.histogram('runnel_inference_latency_seconds', 'Time of one inference batch (RunInference), in seconds.', INFERENCE_BUCKETS);
    this.#modelVersion = r.gauge('runnel_model_version', 'Version of the model serving now, by model name.', ['model']);
    const ingested = r.counter('runnel_messages_ingested_total', 'MQTT messages committed to the inbox, by source.', ['source']);
    const rejected = r.counter('runnel_messages_dead_lettered_total', 'MQTT messages the ingest could not decode, committed as dead letters instead, by source.', ['source']);
    r.onScrape(() => {
      for (const [source, stats] of this.#ingests) {
        ingested.set({ source }, stats.stored);
        rejected.set({ source }, stats.deadLettered);
      }
    });
    if (options.store) this.watchStore(options.store);
    const rss = r.gauge('process_resident_memory_bytes', 'Resident memory size in bytes.');
    const cpu = r.counter('process_cpu_seconds_total', 'User and system CPU time spent, in seconds.');
    r.gauge('process_start_time_seconds', 'Start time of the process since the Unix epoch, in seconds.').set({}, Math.round(Date.now() / 1000 - process.uptime()));
    r.onScrape(() => {
      rss.set({}, process.memoryUsage.rss());
      const { user, system } = process.cpuUsage();
      cpu.set({}, (user + system) / 1e6);
    });
  }

  /** Runs `pipeline` with these metrics watching it; not ready any more once it returns or throws. */
  async run(pipeline: Pipeline, options: RunOptions = {}): Promise<PipelineResult> {
    try {
      const result = await run(pipeline, this.hooks(options, pipeline));
      this.stopped('the pipeline finished');
      return result;
    } catch (error) {
      this.stopped('the run failed');
      throw error;
    }
  }

  /**
   * `options` with the run's progress and dead letters also counted here (the caller's hooks still
   * run); `pipeline`, the one run with them, gives the status page its graph.
   */
  hooks(options: RunOptions = {}, pipeline?: Pipeline): RunOptions {
    if (pipeline) this.#upstream = upstreamStages(pipeline);
    let last: Pick<RunProgress, 'bundles' | 'elementsRead'> = { bundles: 0, elementsRead: 0 };
    return {
      ...options,
      onProgress: (progress) => {
        this.#elementsRead.inc({}, progress.elementsRead - last.elementsRead);
        this.#bundles.inc({}, progress.bundles - last.bundles);
        this.#stepDuration.observe(progress.stepMs / 1000);
        this.#elementsReadSoFar += progress.elementsRead - last.elementsRead;
        this.#operators = progress.operators;
        last = progress;
        if (this.#readiness === STARTING) this.#readiness = RUNNING;
        options.onProgress?.(progress);
      },
      onDeadLetter: (deadLetter) => {
        this.#deadLetters.inc({ stage: deadLetter.stage, code: deadLetter.code });
        // A durable run's dead letters are read back from its store, with the ingest's.
        if (!this.#storeDepths) this.#deadLetterTally.add(deadLetter);
        options.onDeadLetter?.(deadLetter);
      },
    };
  }

  /** Times each inference batch `source` reports (a RunInference's `metrics`), for the latency histogram and the page's p50/p99. */
  watchInference(source: InferenceSource): void {
    this.#inference.push(source);
    source.onBatch((_rows, ms) => this.#inferenceLatency.observe(ms / 1000));
  }

  /**
   * A model version started serving, was promoted, kept or rolled back: sets
   * `runnel_model_version{model}` and marks the status page's model plot. The seam for a model
   * lifecycle: whatever promotes or rolls back calls this.
   */
  modelEvent(event: ModelEvent): void {
    if (event.kind !== 'kept') this.#modelVersion.set({ model: event.model }, event.version);
    this.#models.set(event.model, event);
    this.#modelEvents.push(event);
    if (this.#modelEvents.length > KEPT_MODEL_EVENTS) this.#modelEvents.shift();
  }

  /**
   * A learning loop's decision (what a `ModelLifecycle` tick returns) as a model event: promoted,
   * rejected (the champion is kept) or rolled back; anything else (a challenger starting in
   * shadow, nothing to do) changes nothing served and is ignored.
   */
  modelDecision(model: string, decision: { readonly action: string; readonly champion: number }, metric?: ModelEvent['metric']): void {
    const kind = DECISION_KINDS[decision.action];
    if (kind) this.modelEvent({ model, version: decision.champion, kind, ...(metric ? { metric } : {}), at: Date.now() });
  }

  /** What the status page shows, counted now: cumulative counters, depths, latency, models, dead letters, the graph. */
  status(): RunStatus {
    const depths = this.#storeDepths?.();
    const ingested: Record<string, number> = {};
    for (const [source, stats] of this.#ingests) ingested[source] = stats.stored;
    const latency = this.#inference.map((i) => i.snapshot()).find((s) => s.numBatches > 0);
    const { user, system } = process.cpuUsage();
    return {
      at: Date.now(),
      readiness: this.#readiness,
      elementsRead: this.#elementsReadSoFar,
      ingested,
      inbox: depths ? Object.fromEntries(depths.inbox) : {},
      outbox: depths?.outbox ?? null,
      latencyMs: latency ? { p50: latency.batchLatencyP50Ms, p99: latency.batchLatencyP99Ms } : null,
      models: [...this.#models.values()],
      modelEvents: [...this.#modelEvents],
      deadLetters: this.#deadLetterTally.update().slice(0, SHOWN_DEAD_LETTER_GROUPS),
      operators: graphOperators(this.#upstream, this.#operators),
      rssBytes: process.memoryUsage.rss(),
      cpuSeconds: (user + system) / 1e6,
    };
  }

  /** Counts the messages `stats` (an `MqttIngest`'s or embedded broker's live counters, read at each scrape) stores and rejects, as `source`. */
  watchIngest(source: string, stats: Readonly<IngestStats>): void {
    this.#ingests.set(source, stats);
  }

  /** The run is over (finished, stopped or failed): `/readyz` answers 503 with `reason`. */
  stopped(reason: string): void {
    this.#readiness = { ready: false, reason: `stopped: ${reason}` };
  }

  /** The series in the Prometheus text format. */
  render(): string {
    return this.registry.render();
  }

  /** Ready once the first step has run, until `stopped`. */
  get readiness(): Readiness {
    return this.#readiness;
  }

  /**
   * Adds the inbox depth per source and the outbox depth, counted in `store` at each scrape (once
   * per `RunMetrics`); the status page's dead letters are read from it from now on.
   */
  watchStore(store: Store): void {
    const inbox = this.registry.gauge('runnel_inbox_depth', 'MQTT messages committed to the inbox and not yet consumed by the run, by source.', ['source']);
    const outbox = this.registry.gauge('runnel_outbox_depth', 'Outputs in the outbox waiting for a sink to deliver them.');
    this.#deadLetterTally = new DeadLetterTally(store);
    let last = { inbox: new Map<string, number>(), outbox: 0 };
    this.#storeDepths = () => {
      // The run closes its database before the server stops; a scrape or a page in between gets the last depths.
      if (!store.db.open) return last;
      const report = inspectStore(store.db, { maxReasons: 0 });
      return (last = { inbox: new Map(report.inbox.map((i) => [i.source, i.rows])), outbox: report.outbox.reduce((n, o) => n + o.rows, 0) });
    };
    this.registry.onScrape(() => {
      const depths = this.#storeDepths!();
      for (const [source, rows] of depths.inbox) inbox.set({ source }, rows);
      outbox.set({}, depths.outbox);
    });
  }
}
