import { createHash } from 'node:crypto';
import { closeSync, fstatSync, fsyncSync, ftruncateSync, mkdirSync, openSync, readSync, statSync, truncateSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import type { PCollection } from '../core/pcollection.js';
import { PTransform, type ExpandContext } from '../core/ptransform.js';
import type { SinkWriter } from '../core/sink.js';

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
  /** What the format learnt from the first value (CSV columns), committed so a resumed run writes the same way. */
  layout?: { save(): unknown; restore(saved: unknown): void };
}

/** What a durable run commits of a file sink with each step. */
interface FileCheckpoint {
  /** The file's length after the step's lines, fsynced before the commit. */
  readonly length: number;
  /** SHA-256 (hex) of the file's first `headBytes` bytes: tells another file from this one. */
  readonly head: string;
  readonly headBytes: number;
  readonly layout?: unknown;
}

/** Bytes at the start of the file fingerprinted. */
const HEAD_BYTES = 64 * 1024;

class FileWriter<T> implements SinkWriter {
  #fd: number | undefined;
  #pending: string[] = [];
  #needsHeader = false;
  #length = 0;
  /** The file's length at the last checkpoint: what the step being written started from. */
  #synced = 0;
  /** The bytes written since the last checkpoint, in chunks; `#written` of them are in the file. */
  #step: Buffer[] = [];
  #written = 0;
  /** A write or fsync of the step failed: the file may end in part of a line. */
  #torn = false;
  #head: Buffer = Buffer.alloc(0);
  /** SHA-256 of `#head`, recomputed only while the head grows. */
  #headHash = '';

  constructor(
    readonly path: string,
    private readonly options: FileSinkOptions,
    private readonly format: FileFormat<T>,
  ) {}

  open(committed: unknown): void {
    mkdirSync(dirname(this.path), { recursive: true });
    if (committed === undefined) {
      this.#fd = openSync(this.path, this.options.append ? 'a' : 'w');
      this.#length = fstatSync(this.#fd).size;
      this.#setHead(readHead(this.path, Math.min(this.#length, HEAD_BYTES)));
    } else {
      const checkpoint = committed as FileCheckpoint;
      this.#checkResumable(checkpoint);
      // Lines past the committed length belong to a step that never committed: the resumed run writes them again.
      truncateSync(this.path, checkpoint.length);
      this.#fd = openSync(this.path, 'a');
      this.#length = checkpoint.length;
      this.#setHead(readHead(this.path, checkpoint.headBytes));
      if (checkpoint.layout !== undefined) this.format.layout?.restore(checkpoint.layout);
    }
    this.#synced = this.#length;
    this.#needsHeader = !this.options.append && this.#length === 0 && this.format.header !== undefined;
  }

  write(value: T): void {
    if (this.#needsHeader) {
      this.#needsHeader = false;
      this.#pending.push(this.format.header!(value));
    }
    this.#pending.push(this.format.format(value));
  }

  flush(): void {
    if (this.#pending.length > 0) {
      const bytes = Buffer.from(this.#pending.join(''));
      this.#pending = [];
      this.#step.push(bytes);
      if (this.#head.length < HEAD_BYTES) this.#setHead(Buffer.concat([this.#head, bytes.subarray(0, HEAD_BYTES - this.#head.length)]));
    }
    this.#writeStep();
  }

  checkpoint(): FileCheckpoint {
    this.#writeStep();
    if (this.#synced !== this.#length) {
      this.#torn = true; // a failed fsync may have dropped written pages
      fsyncSync(this.#fd!);
      this.#torn = false;
    }
    this.#synced = this.#length;
    this.#step = [];
    this.#written = 0;
    const layout = this.format.layout?.save();
    return { length: this.#length, head: this.#headHash, headBytes: this.#head.length, ...(layout !== undefined ? { layout } : {}) };
  }

  /** Writes the step's chunks not yet in the file; after a failure (a full disk), cuts the file back to the step's start and writes them all again. */
  #writeStep(): void {
    const fd = this.#fd!;
    if (this.#torn) {
      ftruncateSync(fd, this.#synced);
      this.#length = this.#synced;
      this.#written = 0;
    }
    this.#torn = true;
    for (; this.#written < this.#step.length; this.#written++) {
      const chunk = this.#step[this.#written]!;
      // At the file's length, not the fd's offset (a cut leaves that past the end); writeSync may
      // write part of the buffer (a disk filling up): write the rest.
      for (let done = 0; done < chunk.length;) done += writeSync(fd, chunk, done, chunk.length - done, this.#length + done);
      this.#length += chunk.length;
    }
    this.#torn = false;
  }

  #setHead(head: Buffer): void {
    this.#head = head;
    this.#headHash = sha256(head);
  }

  close(): void {
    if (this.#fd !== undefined) closeSync(this.#fd);
    this.#fd = undefined;
  }

  /** Refuses a file the committed checkpoint does not describe: gone, shorter, or another file. */
  #checkResumable({ length, head, headBytes }: FileCheckpoint): void {
    const resume = `Put the file back as it was to resume, or start over with a new database (another --db file).`;
    let size: number;
    try {
      size = statSync(this.path).size;
    } catch {
      throw new Error(`"${this.path}" is gone, but this database's run had written ${length} bytes of it, so resuming would lose them. ${resume}`);
    }
    if (size < length) {
      throw new Error(`"${this.path}" is ${size} bytes long, but this database's run had written ${length} bytes of it, so resuming would lose lines. ${resume}`);
    }
    if (sha256(readHead(this.path, headBytes)) !== head) {
      throw new Error(`"${this.path}" is not the file this database's run wrote (its first ${headBytes} bytes are different), so resuming would append to another file. ${resume}`);
    }
  }
}

function readHead(path: string, bytes: number): Buffer {
  const buffer = Buffer.alloc(bytes);
  if (bytes === 0) return buffer;
  const fd = openSync(path, 'r');
  try {
    let read = 0;
    while (read < bytes) {
      const n = readSync(fd, buffer, read, bytes - read, read);
      if (n === 0) break;
      read += n;
    }
    return buffer.subarray(0, read);
  } finally {
    closeSync(fd);
  }
}

const sha256 = (bytes: Buffer): string => createHash('sha256').update(bytes).digest('hex');

class FileSink<T> extends PTransform<PCollection<T>, void> {
  constructor(
    readonly defaultName: string,
    private readonly path: string,
    private readonly options: FileSinkOptions,
    private readonly format: FileFormat<T>,
  ) {
    super();
  }

  expand(input: PCollection<T>, context: ExpandContext): void {
    context.addNode({ kind: 'sink', writer: () => new FileWriter(this.path, this.options, this.format) }, [input], 0);
  }
}

/**
 * A sink writing each bundle's values to `path` as text, in order. A run without a store replaces
 * the file (or appends, with `append`); a durable run commits the file's length with each step and,
 * resumed, cuts the file back to it and appends, so the file ends as an uninterrupted run's.
 */
export function fileSink<T>(name: string, path: string, options: FileSinkOptions, format: FileFormat<T>): PTransform<PCollection<T>, void> {
  if (typeof path !== 'string' || path === '') throw new TypeError(`${name}(path): path must be a non-empty string`);
  return new FileSink(name, path, options, format);
}
