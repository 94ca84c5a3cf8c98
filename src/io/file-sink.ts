import { closeSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import type { DoFn } from '../core/do-fn.js';
import type { PCollection } from '../core/pcollection.js';
import { composite, type PTransform } from '../core/ptransform.js';
import { parDo } from '../transforms/par-do.js';

/** Options shared by the file sinks. */
export interface FileSinkOptions {
  /** Append to an existing file instead of replacing it (default false). */
  append?: boolean;
}

/** How a sink turns values into text. */
export interface FileFormat<T> {
  /** Text written once before the first value (a CSV header, say), given that value. */
  header?: (first: T) => string;
  /** The text of one value, line ending included. A value it throws for is a dead letter. */
  format(value: T): string;
}

class FileWriteFn<T> implements DoFn<T, never> {
  #fd: number | undefined;
  #pending: string[] = [];
  #wroteHeader = false;

  constructor(
    private readonly path: string,
    private readonly options: FileSinkOptions,
    private readonly format: FileFormat<T>,
  ) {}

  setup(): void {
    mkdirSync(dirname(this.path), { recursive: true });
    this.#fd = openSync(this.path, this.options.append ? 'a' : 'w');
    this.#wroteHeader = false;
  }

  process(value: T): void {
    if (!this.#wroteHeader) {
      this.#wroteHeader = true;
      if (this.format.header && !this.options.append) this.#pending.push(this.format.header(value));
    }
    this.#pending.push(this.format.format(value));
  }

  finishBundle(): void {
    if (this.#pending.length === 0) return;
    const text = this.#pending.join('');
    this.#pending = [];
    writeSync(this.#fd!, text);
  }

  teardown(): void {
    if (this.#fd !== undefined) closeSync(this.#fd);
    this.#fd = undefined;
  }
}

/** A sink writing each bundle's values to `path` as text, in order. */
export function fileSink<T>(name: string, path: string, options: FileSinkOptions, format: FileFormat<T>): PTransform<PCollection<T>, void> {
  if (typeof path !== 'string' || path === '') throw new TypeError(`${name}(path): path must be a non-empty string`);
  return composite(name, (input: PCollection<T>) => {
    input.apply(parDo(new FileWriteFn(path, options, format)).withName('write'));
  });
}
