#!/usr/bin/env node
import { readFileSync } from 'node:fs';
import { RunnelError } from '../common/errors.js';
import { UsageError, type Command } from './command.js';
import { bundleCommand } from './commands/bundle.js';
import { demoCommand } from './commands/demo.js';
import { flashCommand } from './commands/flash.js';
import { fleetCommand } from './commands/fleet.js';
import { inspectCommand } from './commands/inspect.js';
import { keysCommand } from './commands/keys.js';
import { modelsCommand } from './commands/models.js';
import { passwdCommand } from './commands/passwd.js';
import { runCommand } from './commands/run.js';
import { validateCommand } from './commands/validate.js';

const COMMANDS: readonly Command[] = [
  runCommand,
  validateCommand,
  demoCommand,
  inspectCommand,
  passwdCommand,
  bundleCommand,
  flashCommand,
  keysCommand,
  modelsCommand,
  fleetCommand,
];

function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

function help(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  return `Usage: runnel <command> [options]

Runnel: an embedded dataflow runtime for edge devices.

Commands:
${COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`).join('\n')}

Options:
  -h, --help     show this help (a command's: runnel help <command>, or runnel <command> --help)
  -v, --version  print the version`;
}

async function main(argv: string[]): Promise<number> {
  const [name, ...args] = argv;
  if (name === undefined || name === '-h' || name === '--help' || (name === 'help' && args.length === 0)) {
    console.log(help());
    return 0;
  }
  if (name === 'help') {
    const asked = COMMANDS.find((c) => c.name === args[0]);
    if (!asked) {
      console.error(`runnel help: unknown command "${args[0]}". Commands: ${COMMANDS.map((c) => c.name).join(', ')}.`);
      return 2;
    }
    console.log(asked.help);
    return 0;
  }
  if (name === '-v' || name === '--version') {
    console.log(version());
    return 0;
  }
  const command = COMMANDS.find((c) => c.name === name);
  if (!command) {
    console.error(`runnel: unknown command "${name}". Commands: ${COMMANDS.map((c) => c.name).join(', ')}. See runnel --help.`);
    return 2;
  }
  try {
    return (await command.run(args)) ?? 0;
  } catch (error) {
    if (error instanceof UsageError || (error instanceof TypeError && 'code' in error && String(error.code).startsWith('ERR_PARSE_ARGS'))) {
      console.error(`runnel ${name}: ${error.message}\nSee runnel ${name} --help.`);
      return 2;
    }
    const message = error instanceof RunnelError ? `${error.message} (${error.code})` : error instanceof Error ? error.message : String(error);
    console.error(`runnel ${name}: ${message}`);
    return 1;
  }
}

/**
 * A reader that goes away (`runnel run p.yaml | head`, a closed terminal) makes writes fail with
 * EPIPE: the command stops as on SIGTERM, cleanly (a durable run commits and closes its store),
 * instead of dying on an unhandled 'error' event. Output written after that is dropped.
 */
function stopWhenOutputCloses(stream: NodeJS.WriteStream): void {
  let stopping = false;
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE') throw error;
    if (stopping) return;
    stopping = true;
    process.kill(process.pid, 'SIGTERM');
  });
}

stopWhenOutputCloses(process.stdout);
stopWhenOutputCloses(process.stderr);
process.exitCode = await main(process.argv.slice(2));
