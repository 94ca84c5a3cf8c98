import { readFileSync } from 'node:fs';
import { relative, resolve } from 'node:path';
import { RunnelError } from '../common/errors.js';
import { fillVariables } from '../yaml/variables.js';

/** A pipeline file read for a command: its absolute path, the path as messages show it, and its text. */
export interface PipelineFile {
  readonly path: string;
  readonly shown: string;
  readonly text: string;
}

/**
 * Reads the pipeline file a command was given, its `{{ RUNNEL_… }}` placeholders filled from the
 * environment (`fillVariables`); a missing or unreadable file, or a placeholder without a value, is
 * `PIPELINE_INVALID` naming it.
 */
export function readPipelineFile(argument: string): PipelineFile {
  const path = resolve(argument);
  const shown = relative(process.cwd(), path) || path;
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (error as Error).message;
    throw new RunnelError('PIPELINE_INVALID', `cannot read the pipeline file ${path}: ${reason}`);
  }
  return { path, shown, text: fillVariables(text, shown, process.env) };
}
