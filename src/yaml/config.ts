import type { RunnelError } from '../common/errors.js';
import type { YamlPath, YamlSource } from './source-map.js';

/** A YAML mapping read as plain values. */
export type Mapping = Record<string, unknown>;

/** True for a YAML mapping (not a list, not a scalar). */
export function isMapping(value: unknown): value is Mapping {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Reads one mapping of a pipeline file (a transform's `config`, a `windowing` spec) that the
 * pipeline schema has checked: the accessors trust the schema for keys and kinds of values, and
 * `error` reports what only the transform can see (an expression that does not compile, two
 * options that contradict each other) at the file position of the key.
 */
export class ConfigReader {
  readonly #values: Mapping;

  constructor(
    readonly source: YamlSource,
    readonly path: YamlPath,
    value: unknown,
    /** Says whose mapping this is in messages: `ReadFromCsv "Read input"`. */
    readonly owner: string,
  ) {
    this.#values = isMapping(value) ? value : {};
  }

  has(key: string): boolean {
    return this.#values[key] !== undefined;
  }

  /** The raw value of `key` (undefined when absent). */
  raw(key: string): unknown {
    return this.#values[key];
  }

  /** A value the schema requires. */
  required(key: string): unknown {
    return this.#values[key];
  }

  /** A string the schema requires. */
  string(key: string): string {
    return this.#values[key] as string;
  }

  optionalString(key: string): string | undefined {
    return this.#values[key] as string | undefined;
  }

  boolean(key: string, fallback: boolean): boolean {
    return (this.#values[key] as boolean | undefined) ?? fallback;
  }

  /** A list of names; a single string counts as a list of one (as Beam reads `fields: col`). */
  names(key: string, fallback: readonly string[] = []): readonly string[] {
    const value = this.#values[key] as string | string[] | undefined;
    return value === undefined ? fallback : typeof value === 'string' ? [value] : value;
  }

  /** The entries of this mapping. */
  entries(): [string, unknown][] {
    return Object.entries(this.#values);
  }

  /** A reader of the mapping under `key` (absent = empty). */
  child(key: string, owner = this.owner): ConfigReader {
    return new ConfigReader(this.source, [...this.path, key], this.#values[key], owner);
  }

  /** An error about `key` of this mapping (or about the mapping itself when the key is absent). */
  error(key: string, message: string, missing = false): RunnelError {
    return this.source.error(missing ? this.path : [...this.path, key], message, this.owner);
  }
}

/** A value as it reads in a message: `"abc"`, `42`, `a list`, `a mapping`. */
export function describe(value: unknown): string {
  if (Array.isArray(value)) return 'a list';
  if (isMapping(value)) return 'a mapping';
  if (value === undefined || value === null) return 'nothing';
  if (typeof value === 'string') return JSON.stringify(value);
  return typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint' ? String(value) : `a ${typeof value}`;
}
