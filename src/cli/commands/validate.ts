import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Store } from '../../store/store.js';
import { loadYamlPipeline } from '../../yaml/index.js';
import { UsageError, type Command } from '../command.js';
import { readPipelineFile } from '../pipeline-file.js';

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
  const { shown, text } = readPipelineFile(positionals[0]!);
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
