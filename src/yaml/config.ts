import type { RunnelError } from '../common/errors.js';
import type { YamlPath, YamlSource } from './source-map.js';

/** A YAML mapping read as plain values. */
export type Mapping = Record<string, unknown>;

/** True for a YAML mapping (not a list, not a scalar). */
export function isMapping(value: unknown): value is Mapping {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Reads one mapping of a pipeline file (a transform's `config`, a `windowing` spec) and refuses,
 * with the file position, keys it does not know and values of the wrong kind.
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
    if (value !== undefined && value !== null && !isMapping(value)) throw source.error(path, `expected a mapping, got ${describe(value)}`, owner);
    this.#values = value ?? {};
  }

  /** Refuses keys outside `allowed`, naming the ones that are. */
  allowOnly(allowed: readonly string[]): this {
    for (const key of Object.keys(this.#values)) {
      if (key === 'error_handling' && !allowed.includes(key)) {
        throw this.error(
          key,
          `${this.owner} takes no error_handling (MapToFields, Filter, Explode, AssignTimestamps and Partition do); leave it out: its bad rows go to Runnel's dead letters`,
        );
      }
      if (!allowed.includes(key)) {
        const known = allowed.length ? `it takes ${allowed.join(', ')}` : 'it takes no config';
        throw this.error(key, `no option "${key}": ${known}`);
      }
    }
    return this;
  }

  has(key: string): boolean {
    return this.#values[key] !== undefined;
  }

  /** The raw value of `key` (undefined when absent). */
  raw(key: string): unknown {
    return this.#values[key];
  }

  /** A required value of any kind. */
  required(key: string): unknown {
    const value = this.#values[key];
    if (value === undefined || value === null) throw this.error(key, `"${key}" is required`, true);
    return value;
  }

  string(key: string): string {
    const value = this.required(key);
    if (typeof value !== 'string' || value === '') throw this.error(key, `expected a non-empty string, got ${describe(value)}`);
    return value;
  }

  optionalString(key: string): string | undefined {
    return this.has(key) ? this.string(key) : undefined;
  }

  boolean(key: string, fallback: boolean): boolean {
    const value = this.#values[key];
    if (value === undefined || value === null) return fallback;
    if (typeof value !== 'boolean') throw this.error(key, `expected true or false, got ${describe(value)}`);
    return value;
  }

  /** A list of names; a single string counts as a list of one (as Beam reads `fields: col`). */
  names(key: string, fallback?: readonly string[]): readonly string[] {
    const value = this.#values[key];
    if ((value === undefined || value === null) && fallback) return fallback;
    const list = typeof value === 'string' ? [value] : this.required(key);
    if (!Array.isArray(list) || !list.every((v) => typeof v === 'string' && v !== '')) {
      throw this.error(key, `expected a field name or a list of field names, got ${describe(value)}`);
    }
    return list as string[];
  }

  /** A required mapping, as a reader of its own. */
  mapping(key: string): ConfigReader {
    const value = this.required(key);
    if (!isMapping(value)) throw this.error(key, `expected a mapping, got ${describe(value)}`);
    return this.child(key);
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
