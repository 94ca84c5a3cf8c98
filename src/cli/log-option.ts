import type { DestinationStream, Logger } from 'pino';
import { createLogger, logLevelFrom } from '../observe/log.js';
import { UsageError } from './command.js';

/** The `--log-level` option of `runnel run` and `runnel demo`, for `parseArgs`. */
export const LOG_OPTIONS = { 'log-level': { type: 'string' } } as const;

/** Its lines in a command's help, descriptions starting at `column`. */
export function logHelp(column: number): string {
  const indent = ' '.repeat(column);
  return [
    `${'  --log-level <level>'.padEnd(column)}fatal, error, warn, info (default), debug, trace or silent; or set`,
    `${indent}RUNNEL_LOG_LEVEL. Logs go to stderr: JSON lines, readable on a terminal`,
  ].join('\n');
}

/**
 * The command's logger at the level asked for, never writing the HTTP token; a wrong level is a
 * usage error. `destination` replaces stderr (e.g. to print above a live progress block).
 */
export function commandLogger(name: string, values: { 'log-level'?: string | undefined }, destination?: DestinationStream): Logger {
  const level = logLevelFrom(values['log-level']);
  if ('error' in level) throw new UsageError(level.error);
  return createLogger({ name, level: level.level, secrets: [process.env.RUNNEL_HTTP_TOKEN], ...(destination ? { destination } : {}) });
}
