import { existsSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { promoteByHand, rollbackByHand } from '../../ml/lifecycle/by-hand.js';
import { openForInspect } from '../../store/inspect.js';
import { ModelVersionTable, type ModelVersion } from '../../store/model-versions.js';
import { Store } from '../../store/store.js';
import { UsageError, type Command } from '../command.js';
import { formatTable } from '../table.js';

const HELP = `Usage: runnel models <subcommand> <db> [options]

The model versions a device trained or was given, from its store (the model_versions table the
learning loop writes; see docs/models.md, "The learning loop").

Subcommands:
  list <db> [--model <name>]                       every version: status, metric, training window, why
  show <db> --model <name> [--version <n>]         one version in full (default: the champion)
  promote <db> --model <name> --version <n>        make a version the champion (the current one is retired)
  rollback <db> --model <name>                     put back the version the champion replaced (the champion is rejected)
  export <db> --model <name> [--version <n>] --out <file.onnx>
                                                   write a version's ONNX bytes (default: the champion)

list, show and export read the database without locking it, so they work beside a running job.
promote and rollback change it: stop the job first (its store is locked while it runs); it serves
the new champion from its next start.

Options:
  --model <name>    the model (its name in writeSamples and ModelLifecycle)
  --version <n>     a version number, as list shows it
  --out <file>      where export writes the ONNX file (never overwritten)
  -h, --help        show this help`;

const SUBCOMMANDS = ['list', 'show', 'promote', 'rollback', 'export'] as const;
type Subcommand = (typeof SUBCOMMANDS)[number];

interface Options {
  readonly model?: string;
  readonly version?: number;
  readonly out?: string;
}

async function run(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    options: { model: { type: 'string' }, version: { type: 'string' }, out: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
    allowPositionals: true,
    strict: true,
  });
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  const [sub, db, ...extra] = positionals;
  if (!SUBCOMMANDS.includes(sub as Subcommand)) throw new UsageError(`expected a subcommand (${SUBCOMMANDS.join(', ')}), got ${sub === undefined ? 'none' : `"${sub}"`}`);
  if (db === undefined || extra.length > 0) throw new UsageError(`runnel models ${sub} takes one database file, got ${positionals.length - 1}`);
  const version = values.version === undefined ? undefined : Number(values.version);
  if (version !== undefined && !(Number.isSafeInteger(version) && version > 0)) throw new UsageError(`--version must be a version number (1, 2, …), got "${values.version}"`);
  const options: Options = {
    ...(values.model === undefined ? {} : { model: values.model }),
    ...(version === undefined ? {} : { version }),
    ...(values.out === undefined ? {} : { out: values.out }),
  };
  if (!existsSync(db)) {
    console.error(`runnel models: ${db} does not exist; give the database of a Runnel job (runnel demo keeps it in <dir>/runnel.db)`);
    return 1;
  }
  return sub === 'promote' || sub === 'rollback' ? change(sub, db, options) : read(sub as 'list' | 'show' | 'export', db, options);
}

function need<K extends keyof Options>(options: Options, key: K, what: string): NonNullable<Options[K]> {
  const value = options[key];
  if (value === undefined) throw new UsageError(`--${key} is required: ${what}`);
  return value;
}

/** list, show and export: read-only, no lock. */
function read(sub: 'list' | 'show' | 'export', path: string, options: Options): number {
  const db = openForInspect(path);
  try {
    if (!db.prepare("SELECT 1 FROM sqlite_master WHERE name = 'model_versions'").get()) {
      console.error(
        `runnel models: ${path} has no model versions (it was written before the learning loop, schema ${String(db.pragma('user_version', { simple: true }))}); a Runnel job that opens it adds the table`,
      );
      return 1;
    }
    const table = new ModelVersionTable({ db });
    if (sub === 'list') return list(table, options.model);
    const model = need(options, 'model', 'the model whose version to ' + sub);
    const v = options.version === undefined ? table.champion(model) : table.get(model, options.version);
    if (!v) {
      console.error(
        `runnel models: ${path} has no ${options.version === undefined ? 'champion' : `version ${options.version}`} of model "${model}"; runnel models list ${path} shows what there is`,
      );
      return 1;
    }
    if (sub === 'show') console.log(describe(v));
    else exportVersion(v, need(options, 'out', 'the ONNX file to write'));
    return 0;
  } finally {
    db.close();
  }
}

function list(table: ModelVersionTable, model: string | undefined): number {
  const versions = table.list(model);
  if (versions.length === 0) {
    console.log(model === undefined ? 'no model versions yet' : `no versions of model "${model}"`);
    return 0;
  }
  const rows = versions.map((v) => [v.model, `v${v.version}`, v.status, metricsLine(v), v.trainedRows, new Date(v.createdAt).toISOString(), v.reason]);
  console.log(formatTable(['model', 'version', 'status', 'metrics', 'trained on', 'created', 'why'], rows, { width: process.stdout.columns ?? 160 }));
  return 0;
}

function metricsLine(v: ModelVersion): string {
  const shown = Object.entries(v.metrics).filter(([k]) => !['liveFrom', 'fitMs'].includes(k));
  return shown.length === 0 ? '-' : shown.map(([k, x]) => `${k} ${Number.isInteger(x) ? x : x.toPrecision(4)}`).join(', ');
}

function describe(v: ModelVersion): string {
  const time = (ms: number | undefined): string => (ms === undefined ? '-' : new Date(ms).toISOString());
  return [
    `${v.model} v${v.version}: ${v.status}`,
    `  why           ${v.reason}`,
    `  parent        ${v.parent === undefined ? '-' : `v${v.parent}`}`,
    `  model         ${v.onnx.byteLength.toLocaleString('en-US')} bytes of ONNX, SHA-256 ${v.sha256}`,
    `  metrics       ${metricsLine(v)}`,
    `  trained on    ${v.trainedRows.toLocaleString('en-US')} samples, event time ${time(v.trainedFrom)} to ${time(v.trainedTo)}`,
    `  statistics    ${JSON.stringify(v.preprocessing)}`,
    `  created       ${time(v.createdAt)}; promoted ${time(v.promotedAt)}; status changed ${time(v.changedAt)}`,
  ].join('\n');
}

function exportVersion(v: ModelVersion, out: string): void {
  if (existsSync(out)) throw new UsageError(`${out} exists; export never overwrites a file: give another --out`);
  writeFileSync(out, v.onnx, { flag: 'wx' });
  console.log(`wrote ${v.model} v${v.version} (${v.status}) to ${out}: ${v.onnx.byteLength.toLocaleString('en-US')} bytes, SHA-256 ${v.sha256}`);
}

/** promote and rollback: on the store, under its lock. */
function change(sub: 'promote' | 'rollback', path: string, options: Options): number {
  const model = need(options, 'model', `the model to ${sub}`);
  const store = Store.open(path);
  try {
    const { from, to } = sub === 'promote' ? promoteByHand(store, model, need(options, 'version', 'the version to make the champion')) : rollbackByHand(store, model);
    console.log(
      `${model} v${to.version} is the champion now${from ? ` (was v${from.version}, now ${sub === 'promote' ? 'retired' : 'rejected'})` : ''}; a job serves it from its next start`,
    );
    return 0;
  } catch (error) {
    if (!(error instanceof RangeError)) throw error;
    console.error(`runnel models ${sub}: ${error.message}`);
    return 1;
  } finally {
    store.close();
  }
}

export const modelsCommand: Command = { name: 'models', summary: 'list, show, promote, roll back and export the model versions in a store', help: HELP, run };
