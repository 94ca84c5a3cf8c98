import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { loadDeviceProfile } from '../../config/device-profile.js';
import { isLoopback } from '../../io/mqtt/broker-access.js';
import { watchMemory } from '../../config/memory-watch.js';
import type { DemoStatus, DemoSummary } from '../../demo/job.js';
import { RunMetrics } from '../../observe/run-metrics.js';
import { UsageError, type Command } from '../command.js';
import { relaunchWithHeapFlags } from '../heap-relaunch.js';
import { HTTP_OPTIONS, httpHelp, httpPort, serveMetrics } from '../http-option.js';
import { commandLogger, LOG_OPTIONS, logHelp } from '../log-option.js';
import { LiveBlock } from '../progress.js';
import { formatBytes, formatDuration, formatTable, shorten } from '../table.js';

const HELP = `Usage: runnel demo [options]

Runs the demo job on embedded defaults, all in this process: an MQTT broker (aedes) on a free
127.0.0.1 port that commits each message to SQLite before acknowledging it; simulated machines
publishing temperature and vibration readings (about 1 % malformed, to show dead letters); a
durable pipeline (one-second windows per sensor in event time → window statistics in the
WebAssembly kernels → ONNX inference of the next window's mean temperature → outbox → MQTT
topic predictions/<sensor>); retraining every few seconds (a ridge regression challenger
against the serving champion on the same held-out windows, promoted only if 2 % better);
and model sync through a queue in the database: each promoted version is pushed to the
registry (<model>/<version>/model.onnx + manifest.json + manifest.sig) with a device report,
retried while the registry cannot be reached, and versions others published there (signed by a
key in <dir>/keys) are pulled and served. A second start on the same --dir resumes from the
committed offsets and the queue's waiting jobs. One process per --dir: a start on
a folder another demo is using is refused (STORE_LOCKED, exit 1).

Options:
  --duration <s>       seconds to run (default 60); Ctrl-C stops early and cleanly
  --sensors <n>        simulated sensors (default 20)
  --rate <n>           readings per second per sensor (default 10)
  --dir <path>         database, keys and model registry (default ./runnel-demo)
  --registry <where>   the model registry: a folder, or s3://<bucket>/<prefix> with the
                       endpoint and credentials from AWS_ENDPOINT_URL, AWS_REGION,
                       AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY (default <dir>/registry)
  --pull-every <s>     seconds between pulls of versions others published (default 10)
  --retrain-every <s>  seconds between retrains (default 10)
  --device <profile>   take thread counts, batch sizes, SQLite settings and V8 heap limits
                       from a device profile: a name in devices/ (raspberry-pi-4,
                       raspberry-pi-zero-2w, …) or a path to a JSON file. V8 sizes its heap at
                       start, so the demo runs itself again under the profile's heap flags
                       (unless NODE_OPTIONS or node's own flags size the heap, or
                       RUNNEL_HEAP_FLAGS=off), and warns when memory nears the budget
  --port <n>           the embedded broker's port (default: a free one, printed at start),
                       e.g. to publish your own readings with mosquitto_pub
  --host <address>     the address the broker listens on (default 127.0.0.1). The demo's
                       broker checks nobody, so a host other devices can reach is refused
                       unless --allow-anonymous-on-network is given too (it warns)
  --allow-anonymous-on-network
                       let anyone who can reach --host publish readings and read every topic
  --no-publish         keep predictions in the outbox instead of publishing them
  --seed <n>           seed of the simulation (default 1)
${httpHelp(23, true)}
${logHelp(23)}
  -h, --help           show this help`;

function positive(name: string, text: string | undefined, fallback: number, integer = true): number {
  if (text === undefined) return fallback;
  const n = Number(text);
  if (!(n > 0 && Number.isFinite(n)) || (integer && !Number.isSafeInteger(n)))
    throw new UsageError(`--${name} must be a positive ${integer ? 'integer' : 'number'}, got "${text}"`);
  return n;
}

async function run(args: string[]): Promise<number | void> {
  const { values } = parseArgs({
    args,
    options: {
      duration: { type: 'string' },
      sensors: { type: 'string' },
      rate: { type: 'string' },
      dir: { type: 'string' },
      registry: { type: 'string' },
      'pull-every': { type: 'string' },
      'retrain-every': { type: 'string' },
      device: { type: 'string' },
      port: { type: 'string' },
      host: { type: 'string' },
      'allow-anonymous-on-network': { type: 'boolean' },
      publish: { type: 'boolean', default: true },
      seed: { type: 'string' },
      ...HTTP_OPTIONS,
      ...LOG_OPTIONS,
      help: { type: 'boolean', short: 'h' },
    },
    allowNegative: true,
    strict: true,
  });
  if (values.help) {
    console.log(HELP);
    return;
  }
  const durationMs = positive('duration', values.duration, 60, false) * 1000;
  const sensors = positive('sensors', values.sensors, 20);
  const rate = positive('rate', values.rate, 10, false);
  if (rate > 1000) throw new UsageError(`--rate must be at most 1000 readings per second per sensor, got ${rate}`);
  const retrainEveryMs = positive('retrain-every', values['retrain-every'], 10, false) * 1000;
  const seed = positive('seed', values.seed, 1);
  const pullEveryMs = positive('pull-every', values['pull-every'], 10, false) * 1000;
  const port = values.port === undefined ? 0 : positive('port', values.port, 0);
  if (port > 65535) throw new UsageError(`--port must be at most 65535, got ${port}`);
  let profile;
  try {
    profile = values.device === undefined ? undefined : loadDeviceProfile(values.device);
  } catch (error) {
    throw new UsageError(`--device: ${(error as Error).message}`);
  }
  if (values.host !== undefined && !isLoopback(values.host) && !values['allow-anonymous-on-network'])
    throw new UsageError(
      `--host ${values.host} lets other devices connect, and the demo's broker checks nobody: add --allow-anonymous-on-network to run it open on purpose, or leave --host out (127.0.0.1)`,
    );
  const dir = resolve(values.dir ?? 'runnel-demo');
  // On by default: the status page is part of the demo.
  const httpAt = httpPort(values, 0);
  const log = commandLogger('runnel demo', values);
  if (profile) {
    const exitCode = await relaunchWithHeapFlags(profile, (line) => console.log(`runnel demo: ${line}`));
    if (exitCode !== undefined) return exitCode;
  }

  const metrics = httpAt === undefined ? undefined : new RunMetrics();
  const server = metrics && httpAt !== undefined ? await serveMetrics(metrics, httpAt, values['http-host'], (line) => log.info(line)) : undefined;
  const block = new LiveBlock();
  const stop = new AbortController();
  const onSignal = (): void => {
    if (stop.signal.aborted) process.exit(130); // a second Ctrl-C: leave at once
    block.event('stopping: finishing the current step, then closing the broker and the database (Ctrl-C again to quit at once)');
    stop.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const stopWatching = profile ? watchMemory({ budgetMiB: profile.memoryBudgetMiB, log: (line) => block.event(line) }) : undefined;
  block.event(
    `runnel demo: ${sensors} sensors × ${rate}/s for ${formatDuration(durationMs)} in ${dir}${profile ? ` (device profile ${profile.name})` : ''}. Ctrl-C to stop early.`,
  );
  // Imported here so that --help and usage errors do not load the broker, SQLite and the runtimes.
  const { runDemo } = await import('../../demo/job.js');
  try {
    const summary = await runDemo(
      {
        dir,
        sensors,
        rate,
        durationMs,
        retrainEveryMs,
        ...(values.registry === undefined ? {} : { registry: values.registry }),
        pullEveryMs,
        publish: values.publish !== false,
        profile,
        seed,
        port,
        ...(values.host === undefined ? {} : { host: values.host }),
        allowAnonymousOnNetwork: values['allow-anonymous-on-network'] ?? false,
        signal: stop.signal,
        statusEveryMs: block.live ? 250 : 2000,
        ...(metrics ? { metrics } : {}),
      },
      { event: (line) => block.event(line), status: (s) => block.update(statusLines(s, durationMs)) },
    );
    block.finish();
    console.log(summaryText(summary));
  } finally {
    await server?.close();
    stopWatching?.();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

const n = (v: number): string => v.toLocaleString('en-US');
const rmse = (v: number | undefined): string => (v === undefined ? 'not scored yet' : `held-out RMSE ${v.toFixed(3)} °C`);

/** The live line: the total, and the largest groups by stage and code. */
function deadLetterLine(s: DemoStatus, max: number): string {
  const total = s.deadLetters.reduce((sum, g) => sum + g.count, 0);
  const groups = s.deadLetters.slice(0, max).map((g) => `${g.stage} ${g.code ?? 'reason'} ×${n(g.count)}`);
  return `${n(total)}${groups.length > 0 ? ` (${groups.join('; ')}${s.deadLetters.length > max ? '; …' : ''})` : ''}`;
}

/** The summary's lines: the total, then a table of the largest groups with the latest reason of each, shortened at a word. */
function deadLetterTable(s: DemoStatus, max: number): string {
  const total = s.deadLetters.reduce((sum, g) => sum + g.count, 0);
  if (total === 0) return '0';
  const rows = s.deadLetters.slice(0, max).map((g) => [g.count, g.stage, g.code ?? '-', shorten(g.reason, 200)]);
  const table = formatTable(['count', 'stage', 'code', 'latest reason'], rows, { width: (process.stdout.columns ?? 120) - 4 });
  const more = s.deadLetters.length > max ? `\n    … and ${s.deadLetters.length - max} more groups (runnel inspect lists them)` : '';
  return `${n(total)}, by stage and code:\n${table.replace(/^/gm, '    ')}${more}`;
}

/** The sync queue in words: what waits (and why the first waiting job failed), the last push and pull. */
function syncLine(s: DemoStatus): string {
  const { waiting, lastPush, lastPull } = s.sync;
  const first = waiting[0];
  const queue =
    waiting.length === 0
      ? 'queue empty'
      : `${waiting.length} job${waiting.length === 1 ? '' : 's'} waiting (${waiting.map((j) => j.kind).join(', ')})${
          first?.lastError ? `; ${first.kind} failed ${first.attempts}×, retrying: ${shorten(first.lastError, 120)}` : ''
        }`;
  return `${queue}; last push ${lastPush ?? 'none yet'}; last pull ${lastPull ?? 'none yet'}`;
}

/** The live block: one line per part of the loop. */
function statusLines(s: DemoStatus, durationMs: number): string[] {
  const seconds = s.elapsedMs / 1000;
  return [
    `[${formatDuration(s.elapsedMs)} of ${formatDuration(durationMs)}]`,
    `  ingest     ${n(s.ingested)} messages (${n(Math.round(s.ingested / Math.max(seconds, 0.001)))}/s), inbox ${n(s.inboxDepth)} waiting`,
    `  features   ${n(s.windows)} windows, ${n(s.samples)} stored as samples`,
    `  inference  ${n(s.predictions)} predictions by v${s.model.version} (${rmse(s.model.rmse)}); ${n(s.published)} published, ${n(s.outboxWaiting)} in the outbox`,
    `  retrain    ${s.lastRetrain ? `#${s.retrains}: ${s.lastRetrain.summary}` : 'not yet'}`,
    `  sync       ${syncLine(s)}`,
    `  dead       ${deadLetterLine(s, 3)}`,
  ];
}

function summaryText(s: DemoSummary): string {
  const seconds = s.elapsedMs / 1000;
  const lines = [
    '',
    `Summary (${formatDuration(s.elapsedMs)}):`,
    `  sensors       ${n(s.sensors.published)} readings sent, ${n(s.sensors.acknowledged)} acknowledged by the broker after their commit; malformed on purpose: ${Object.entries(
      s.sensors.malformed,
    )
      .map(([k, v]) => `${k} ${v}`)
      .join(', ')}`,
    `  ingest        ${n(s.ingested)} messages committed to the inbox (${n(Math.round(s.ingested / seconds))}/s), ${n(s.inboxDepth)} left for the next start`,
    `  pipeline      ${n(s.result.bundles)} bundles, ${n(s.result.committedSteps ?? 0)} steps committed in all runs on this folder`,
    `  features      ${n(s.windows)} windows; ${n(s.samples)} training samples stored`,
    `  predictions   ${n(s.predictions)} made; ${n(s.published)} published to predictions/<sensor>, ${n(s.outboxWaiting)} in the outbox`,
    `  model         v${s.model.version} (${s.model.reason}), ${rmse(s.model.rmse)}; ${s.retrains} retrains, ${s.promotions} promoted`,
    `  sync          ${syncLine(s)}`,
    `  dead letters  ${deadLetterTable(s, 10)}`,
    `  start-up      ${s.startupMs.toFixed(0)} ms from process start to the first committed message; peak RSS ${formatBytes(s.maxRssBytes)}`,
    `  files         ${s.databasePath} (runnel inspect ${s.databasePath}), ${s.registryPath}`,
  ];
  return lines.join('\n');
}

/** `runnel demo`: the job `npm start` runs. */
export const demoCommand: Command = { name: 'demo', summary: 'run the demo job: embedded broker, simulated sensors, the full loop', help: HELP, run };
