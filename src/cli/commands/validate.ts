import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { RunnelError } from '../../common/errors.js';
import { Store } from '../../store/store.js';
import { loadYamlPipeline } from '../../yaml/index.js';
import { UsageError, type Command } from '../command.js';

const HELP = `Usage: runnel validate <pipeline.yaml>

Checks a Beam YAML pipeline without running it: the YAML itself, the pipeline's form and
wiring, every transform's type and config, windowing specs and durations, and that each
JavaScript expression or callable compiles. Nothing is read, written or connected to.
Prints "<file>: valid (N transforms)" on success; otherwise the first problem with its
file:line:col, as runnel run would report it.

Options:
  -h, --help    show this help

Exit codes: 0 valid, 1 invalid, 2 a usage error.`;

async function run(args: string[]): Promise<void> {
  const { values, positionals } = parseArgs({ args, options: { help: { type: 'boolean', short: 'h' } }, allowPositionals: true, strict: true });
  if (values.help) {
    console.log(HELP);
    return;
  }
  if (positionals.length !== 1) throw new UsageError(`expected one pipeline file, got ${positionals.length}`);
  const path = resolve(positionals[0]!);
  const shown = relative(process.cwd(), path) || path;
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new RunnelError(
      'PIPELINE_INVALID',
      `cannot read the pipeline file ${path}: ${(error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (error as Error).message}`,
    );
  }
  // A scratch database, so transforms that need one (ReadFromMqtt, WriteToMqtt) are checked too; nothing runs.
  const scratch = mkdtempSync(join(tmpdir(), 'runnel-validate-'));
  const store = Store.open(join(scratch, 'validate.db'));
  try {
    const pipeline = loadYamlPipeline(text, shown, { store, log: () => undefined, publish: () => undefined });
    const transforms = new Set(pipeline.nodes.map((node) => node.name.split('/')[0])).size;
    console.log(`${shown}: valid (${transforms} transforms)`);
  } finally {
    store.close();
    rmSync(scratch, { recursive: true, force: true });
  }
}

/** `runnel validate <pipeline.yaml>`. */
export const validateCommand: Command = { name: 'validate', summary: 'check a Beam YAML pipeline without running it', help: HELP, run };
