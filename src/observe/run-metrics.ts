import type { Pipeline } from '../core/pipeline.js';
import type { IngestStats } from '../io/mqtt/commit-gate.js';
import { run } from '../runner/direct-runner.js';
import type { PipelineResult, RunOptions, RunProgress } from '../runner/types.js';
import { inspectStore } from '../store/inspect.js';
import type { Store } from '../store/store.js';
import { MetricsRegistry } from './registry.js';

/** Upper bounds of `runnel_step_duration_seconds`, from 0.5 ms to 5 s. */
const STEP_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];

/** Whether a run can take work, and why not. */
export interface Readiness {
  readonly ready: boolean;
  /** One line: `running`, or why the run is not ready. */
  readonly reason: string;
}

const STARTING: Readiness = { ready: false, reason: "starting: the pipeline's sources are not open yet" };
const RUNNING: Readiness = { ready: true, reason: 'running' };

/** Options of `RunMetrics`. */
export interface RunMetricsOptions {
  /** The durable run's database: inbox and outbox depths are read from it at each scrape. */
  readonly store?: Store;
}

/**
 * The Prometheus series of one pipeline run (see docs/observe.md) and its readiness. Run the
 * pipeline with `metrics.run(pipeline, options)` (or pass `hooks(options)` to `run()` and call
 * `stopped` at the end): the runner's progress and dead letters feed the counters; an MQTT ingest
 * the caller holds is added with `watchIngest`; process RSS and CPU are read at each scrape.
 */
export class RunMetrics {
  readonly registry = new MetricsRegistry();
  #readiness: Readiness = STARTING;
  readonly #ingests = new Map<string, Readonly<IngestStats>>();
  readonly #elementsRead;
  readonly #bundles;
  readonly #deadLetters;
  readonly #stepDuration;

  constructor(options: RunMetricsOptions = {}) {
    const r = this.registry;
    this.#elementsRead = r.counter('runnel_elements_read_total', 'Elements read from the pipeline sources.');
    this.#bundles = r.counter('runnel_bundles_total', 'Bundles read from the pipeline sources.');
    this.#deadLetters = r.counter('runnel_dead_letters_total', 'Elements the run rejected, by stage and reason code.', ['stage', 'code']);
    this.#stepDuration = r.histogram('runnel_step_duration_seconds', 'Time of one step: a bundle from each source through the graph, and its commit.', STEP_BUCKETS);
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
      const result = await run(pipeline, this.hooks(options));
      this.stopped('the pipeline finished');
      return result;
    } catch (error) {
      this.stopped('the run failed');
      throw error;
    }
  }

  /** `options` with the run's progress and dead letters also counted here (the caller's hooks still run). */
  hooks(options: RunOptions = {}): RunOptions {
    let last: RunProgress = { bundles: 0, elementsRead: 0, deadLetters: 0, stepMs: 0 };
    return {
      ...options,
      onProgress: (progress) => {
        this.#elementsRead.inc({}, progress.elementsRead - last.elementsRead);
        this.#bundles.inc({}, progress.bundles - last.bundles);
        this.#stepDuration.observe(progress.stepMs / 1000);
        last = progress;
        if (this.#readiness === STARTING) this.#readiness = RUNNING;
        options.onProgress?.(progress);
      },
      onDeadLetter: (deadLetter) => {
        this.#deadLetters.inc({ stage: deadLetter.stage, code: deadLetter.code });
        options.onDeadLetter?.(deadLetter);
      },
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

  /** Adds the inbox depth per source and the outbox depth, counted in `store` at each scrape (once per `RunMetrics`). */
  watchStore(store: Store): void {
    const inbox = this.registry.gauge('runnel_inbox_depth', 'MQTT messages committed to the inbox and not yet consumed by the run, by source.', ['source']);
    const outbox = this.registry.gauge('runnel_outbox_depth', 'Outputs in the outbox waiting for a sink to deliver them.');
    this.registry.onScrape(() => {
      const report = inspectStore(store.db, { maxReasons: 0 });
      for (const { source, rows } of report.inbox) inbox.set({ source }, rows);
      outbox.set(
        {},
        report.outbox.reduce((n, o) => n + o.rows, 0),
      );
    });
  }
}
