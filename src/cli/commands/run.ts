import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { loadDeviceProfile, type DeviceProfile } from '../../config/device-profile.js';
import { watchMemory } from '../../config/memory-watch.js';
import { run as runPipeline } from '../../runner/direct-runner.js';
import type { RunProgress } from '../../runner/types.js';
import type { IngestStats } from '../../io/mqtt/commit-gate.js';
import { publishOutbox, type OutboxPublisher } from '../../io/mqtt/outbox-publisher.js';
import { loadYamlPipeline, type MqttEgress, type PipelineModel } from '../../yaml/index.js';
import { Store } from '../../store/store.js';
import { RunMetrics } from '../../observe/run-metrics.js';
import type { RunInferenceMetrics } from '../../ml/infer/metrics.js';
import type { ModelLifecycle } from '../../ml/lifecycle/model-lifecycle.js';
import type { ObserveServer } from '../../observe/server.js';
import { UsageError, type Command } from '../command.js';
import { relaunchWithHeapFlags } from '../heap-relaunch.js';
import { startModelLoops, type ModelLoops } from '../model-loops.js';
import { fleetLink, startRunSync, type RunSync } from '../run-sync.js';
import { HTTP_OPTIONS, httpHelp, httpPort, serveMetrics } from '../http-option.js';
import { commandLogger, LOG_OPTIONS, logHelp } from '../log-option.js';
import { readPipelineFile } from '../pipeline-file.js';
import { RunProgressView } from '../run-progress.js';

const HELP = `Usage: runnel run <pipeline.yaml> [options]

Runs a Beam YAML pipeline to completion (file sources, Create): the same file format Apache
Beam runs, so a pipeline of the common subset also runs on Beam's runners. What Runnel
supports and refuses is in docs/yaml.md.

LogForTesting prints one JSON object per element on stdout and nothing else goes there; the
log, the summary, dead letters and errors go to stderr. Relative paths in the pipeline are read from
the current directory, as Beam does.

Elements a transform rejects (a missing field, an expression that throws, a CSV row that does
not parse) become dead letters: the run goes on, and the first few are listed at the end.

On a terminal, stderr shows live progress: time, elements read and their rate, dead letters,
and elements in and out per stage, with log lines above it. There is none when stderr is not a
terminal, or with --quiet.

Options:
  --device <profile>  run with a device profile: a name in devices/ (raspberry-pi-4,
                      raspberry-pi-zero-2w, …) or a path to a JSON file. Applies its bundle
                      size and V8 heap limits (V8 sizes its heap at start, so the command runs
                      itself again under them unless NODE_OPTIONS or node's own flags size the
                      heap, or RUNNEL_HEAP_FLAGS=off), warns when memory nears its budget,
                      and gives the models a pipeline trains its training budget
  --db <file>         run durably on this SQLite database: each step commits there and a
                      restart resumes from the last commit; ReadFromMqtt needs one (it
                      commits every message before acknowledging it), and so do WriteSamples
                      and the models of options.runnel_models (their learning loops tick while
                      the run lasts and once more at its end). A pipeline that reads
                      MQTT runs until Ctrl-C or SIGTERM, which stop it cleanly
  --registry <dir | s3://bucket/prefix>
                      sync the models of options.runnel_models with this registry (default
                      the RUNNEL_REGISTRY environment variable; neither: no sync): each
                      promotion is pushed, signed, with its manifest and metrics (queued in
                      the database while the registry cannot be reached), and newer versions
                      that trusted publishers signed are pulled (at start, then every minute)
                      and adopted. S3 endpoint and credentials come from AWS_* as every AWS
                      tool reads them. A model declared with fleet: also publishes the
                      statistics of each fit there, for runnel fleet merge. Needs --db
  --key <file>        the private key pushes are signed with (default keys/device.key in the
                      --db file's folder, made on first use)
  --trust <path>      a publisher's public key (.pub) or a folder of them whose versions are
                      adopted; repeat for more (default every .pub beside the key)
  --fail-fast         stop at the first dead letter, with exit code 1
  -q, --quiet         no live progress on the terminal
${httpHelp(22)}
${logHelp(22)}
  -h, --help          show this help

Exit codes: 0 the pipeline ran (dead letters or not; also when Ctrl-C or SIGTERM stopped it),
1 the pipeline file is invalid or the run failed (the message names file, line and column where
it can; with --fail-fast, the first dead letter), 2 a usage error.`;

/** How long a stopping run waits for its outbox to be published before it leaves the rest for the next start. */
const EGRESS_DRAIN_MS = 2000;

/** How long a stopping run gives the registry to take what is queued (the rest waits in the database for the next start). */
const SYNC_DRAIN_MS = 5000;

/** Dead letters listed on stderr at the end of a run. */
const SHOWN_DEAD_LETTERS = 5;

async function run(args: string[]): Promise<number | void> {
  const { values, positionals } = parseArgs({
    args,
    options: {
      device: { type: 'string' },
      db: { type: 'string' },
      registry: { type: 'string' },
      key: { type: 'string' },
      trust: { type: 'string', multiple: true },
      'fail-fast': { type: 'boolean' },
      quiet: { type: 'boolean', short: 'q' },
      ...HTTP_OPTIONS,
      ...LOG_OPTIONS,
      help: { type: 'boolean', short: 'h' },
    },
    allowPositionals: true,
    strict: true,
  });
  if (values.help) {
    console.log(HELP);
    return;
  }
  if (positionals.length !== 1) throw new UsageError(`expected one pipeline file, got ${positionals.length}`);
  let profile: DeviceProfile | undefined;
  try {
    profile = values.device === undefined ? undefined : loadDeviceProfile(values.device);
  } catch (error) {
    throw new UsageError(`--device: ${(error as Error).message}`);
  }
  // stdout carries LogForTesting's JSON lines only: the log (and the progress) go to stderr.
  const progress = values.quiet || process.stderr.isTTY !== true ? undefined : new RunProgressView(`runnel run ${positionals[0]!}`, process.stderr);
  const log = commandLogger('runnel run', values, progress?.logDestination);
  const say = (line: string): void => log.info(line);
  const warn = (line: string): void => log.warn(line);
  if (profile) {
    const exitCode = await relaunchWithHeapFlags(profile, say);
    if (exitCode !== undefined) return exitCode;
  }
  const port = httpPort(values);
  const { shown, text } = readPipelineFile(positionals[0]!);
  const store = values.db === undefined ? undefined : Store.open(resolve(values.db), profile ? { cacheMiB: profile.sqlite.cacheMiB, synchronous: profile.sqlite.synchronous } : {});
  const metrics = port === undefined ? undefined : new RunMetrics(store ? { store } : {});
  let server: ObserveServer | undefined;
  if (metrics && port !== undefined) {
    try {
      server = await serveMetrics(metrics, port, values['http-host'], say);
    } catch (error) {
      store?.close();
      throw error;
    }
  }
  const stop = new AbortController();
  const onSignal = (): void => {
    say('stopping: finishing the current step, then closing');
    metrics?.stopped('stopping on a signal');
    stop.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const stopWatching = profile ? watchMemory({ budgetMiB: profile.memoryBudgetMiB, log: warn }) : undefined;
  const egress: MqttEgress[] = [];
  const models: PipelineModel[] = [];
  let publisher: OutboxPublisher | undefined;
  let loops: ModelLoops | undefined;
  let sync: RunSync | undefined;
  const registrySpec = values.registry ?? process.env['RUNNEL_REGISTRY'];
  // Models declared with fleet: publish through the registry sync, so a run without one refuses them.
  const fleet = registrySpec ? fleetLink() : undefined;
  let result;
  try {
    const pipeline = loadYamlPipeline(text, shown, {
      log: (line) => process.stdout.write(`${line}\n`),
      ...(store ? { store, publish: (e: MqttEgress) => egress.push(e) } : {}),
      ...(metrics
        ? { onIngest: (source: string, stats: Readonly<IngestStats>) => metrics.watchIngest(source, stats), onInference: (m: RunInferenceMetrics) => metrics.watchInference(m) }
        : {}),
      onModel: (model) => models.push(model),
      models: { log: say, ...(profile?.training ? { training: profile.training } : {}), ...(fleet ? { fleet: fleet.publisher } : {}) },
    });
    publisher = store && egress.length > 0 ? publishOutbox(store, egress, warn) : undefined;
    for (const { name, lifecycle } of models)
      metrics?.modelEvent({ model: name, version: lifecycle.champion.version, kind: 'serving', ...servingMetric(lifecycle), at: Date.now() });
    const registry = { registry: registrySpec, key: values.key, trust: values.trust, db: values.db, ...(fleet ? { fleet } : {}) };
    sync = await startRunSync(registry, store, models, say);
    loops =
      models.length > 0
        ? startModelLoops(models, warn, ({ name, lifecycle }, decision) => {
            metrics?.modelDecision(name, decision, servingMetric(lifecycle).metric);
            if (decision.action === 'promoted') sync?.sync.promoted(name, lifecycle.champion);
          })
        : undefined;
    const options = {
      failFast: values['fail-fast'] ?? false,
      signal: stop.signal,
      log: warn,
      ...(store ? { store } : {}),
      ...(publisher || progress
        ? {
            onProgress: (step: RunProgress) => {
              publisher?.notify();
              progress?.update(step);
            },
          }
        : {}),
      ...(profile ? { bundleSize: profile.bundle.maxElements } : {}),
    };
    result = await (metrics ? metrics.run(pipeline, options) : runPipeline(pipeline, options));
  } finally {
    progress?.finish();
    await server?.close();
    await publisher?.close(EGRESS_DRAIN_MS);
    stopWatching?.();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await loops?.stop(() => sync?.close(SYNC_DRAIN_MS) ?? Promise.resolve());
    store?.close();
  }
  console.error(`${shown}: done in ${Math.round(result.elapsedMs)} ms, ${result.deadLetterCount.toLocaleString('en-US')} dead letters`);
  for (const d of result.deadLetters.slice(0, SHOWN_DEAD_LETTERS)) console.error(`  [${d.stage}] ${d.code ?? ''} ${d.reason}`);
  if (result.deadLetterCount > SHOWN_DEAD_LETTERS) console.error(`  … and ${(result.deadLetterCount - SHOWN_DEAD_LETTERS).toLocaleString('en-US')} more`);
}

/** `runnel run <pipeline.yaml>`. */
export const runCommand: Command = {
  name: 'run',
  summary: 'run a Beam YAML pipeline (see docs/yaml.md)',
  help: HELP,
  run,
};

/** The champion's score on the metric its loop promotes by, once a retrain has measured it. */
function servingMetric(lifecycle: ModelLifecycle): { metric?: { name: string; value: number } } {
  const value = lifecycle.champion.metrics[lifecycle.metric];
  return value === undefined ? {} : { metric: { name: lifecycle.metric, value } };
}
