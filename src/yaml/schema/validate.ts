import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import type { RunnelError } from '../../common/errors.js';
import { describe, isMapping } from '../config.js';
import { parseDuration } from '../duration.js';
import type { YamlPath, YamlSource } from '../source-map.js';
import { labelOf } from '../spec.js';
import type { JsonSchema } from './parts.js';

/** An ajv instance that knows Runnel's annotations (`expected`, `messages`) and the `duration` format. */
function newAjv(): Ajv {
  const ajv = new Ajv({ allErrors: false, verbose: true, strictTypes: false, strictRequired: false });
  ajv.addKeyword({ keyword: 'expected', schemaType: 'string' });
  ajv.addKeyword({ keyword: 'messages', schemaType: 'object' });
  ajv.addFormat('duration', { type: 'string', validate: (text: string) => parseDuration(text) !== undefined });
  return ajv;
}

/** A compiled schema: the error that says most about a value, or undefined when it is valid. */
export type SchemaCheck = (value: unknown) => ErrorObject | undefined;

let ajv: Ajv | undefined;

/** Compiles `schema` (with one ajv instance for all). */
export function compileSchema(schema: JsonSchema): SchemaCheck {
  ajv ??= newAjv();
  const validate = ajv.compile(schema);
  return (value) => (validate(value) ? undefined : chosen(validate));
}

/**
 * The `RunnelError` (`PIPELINE_INVALID`) for a schema error in the value at `at` of `document`:
 * the file, line and column of the key at fault, the transform, the path and what was expected,
 * as every load error says it.
 */
export function schemaError(source: YamlSource, document: unknown, error: ErrorObject, at: YamlPath = []): RunnelError {
  const pointer = at.map((s) => `/${String(s).replaceAll('~', '~0').replaceAll('/', '~1')}`).join('') + error.instancePath;
  return errorOf(source, document, source.pathOf(pointer), error);
}

/**
 * The error that says most: among those carrying Runnel's annotation the deepest (of equally deep
 * ones the last: an `anyOf` is reported after its branches), else the deepest of all. A failed
 * `if` only says its `then` failed; the error that made it fail is in the list too.
 */
function chosen(validate: ValidateFunction): ErrorObject {
  const errors = (validate.errors ?? []).filter((e) => e.keyword !== 'if');
  const depth = (e: ErrorObject): number => (e.instancePath === '' ? 0 : e.instancePath.split('/').length);
  const deepest = (list: ErrorObject[]): ErrorObject | undefined => list.reduce<ErrorObject | undefined>((best, e) => (best && depth(best) > depth(e) ? best : e), undefined);
  return deepest(errors.filter((e) => annotation(e) !== undefined)) ?? deepest(errors) ?? validate.errors![0]!;
}

/** The message a schema node gives for this error, if it gives one. */
function annotation(error: ErrorObject): string | undefined {
  const schema = (error.parentSchema ?? {}) as JsonSchema;
  const messages = schema['messages'] as Readonly<Record<string, string>> | undefined;
  const message = messages?.[error.keyword];
  if (message !== undefined) return message.replaceAll('{value}', describe(error.data));
  const expected = schema['expected'];
  return typeof expected === 'string' && !STRUCTURE_KEYWORDS.has(error.keyword) ? `expected ${expected}, got ${describe(error.data)}` : undefined;
}

/** Keywords about a mapping's keys: their own wording names the key, whatever the mapping is expected to be. */
const STRUCTURE_KEYWORDS = new Set(['required', 'additionalProperties']);

function errorOf(source: YamlSource, document: unknown, at: YamlPath, error: ErrorObject): RunnelError {
  const owner = ownerOf(document, at);
  const annotated = annotation(error);
  if (error.keyword === 'additionalProperties') {
    const key = String((error.params as { additionalProperty: string }).additionalProperty);
    return source.error([...at, key], annotated ?? unknownKey(key, error, at), owner);
  }
  if (error.keyword === 'required' && annotated === undefined) {
    return source.error(at, `"${String((error.params as { missingProperty: string }).missingProperty)}" is required`, owner);
  }
  return source.error(at, annotated ?? `${error.message ?? 'invalid'}, got ${describe(error.data)}`, owner);
}

/** `no option "kep": it takes keep, language` inside a config or windowing spec; `unknown key …` elsewhere. */
function unknownKey(key: string, error: ErrorObject, at: YamlPath): string {
  const known = Object.keys(((error.parentSchema ?? {}) as JsonSchema)['properties'] ?? {});
  if (at.includes('config') || at.includes('windowing')) return `no option "${key}": ${known.length ? `it takes ${known.join(', ')}` : 'it takes no config'}`;
  return `unknown key "${key}"${known.length ? `; known keys here: ${known.join(', ')}` : ''}`;
}

/**
 * Whose mapping `path` is in, for messages: the transform (`Filter "big"`) for its config and
 * input, `Combine windowing` for its windowing spec; nothing for the structure around them.
 */
function ownerOf(document: unknown, path: YamlPath): string | undefined {
  // Walks down the path: `body` is a mapping holding transforms (the pipeline, a composite).
  let at: 'root' | 'body' | 'list' | 'transform' | 'other' = 'root';
  let value: unknown = document;
  let label = '';
  let owner: string | undefined;
  for (const segment of path) {
    value = isMapping(value) || Array.isArray(value) ? (value as Record<string | number, unknown>)[segment] : undefined;
    if (at === 'root') at = segment === 'pipeline' ? 'body' : 'other';
    else if (at === 'list') at = 'transform';
    else if (at === 'transform' && !BODY_KEYS.has(String(segment))) {
      owner = segment === 'windowing' ? `${label} windowing` : segment === 'config' || segment === 'input' ? label : undefined;
      at = 'other';
    } else if (at === 'body' || at === 'transform') {
      at = segment === 'source' || segment === 'sink' ? 'transform' : BODY_KEYS.has(String(segment)) ? 'list' : 'other';
    }
    if (at === 'transform') {
      const t = isMapping(value) ? value : {};
      label = labelOf(t.type, t.name);
      owner = undefined;
    }
  }
  return owner;
}

/** The keys under which a pipeline or composite lists transforms (besides `source` and `sink`). */
const BODY_KEYS = new Set(['transforms', 'extra_transforms', 'source', 'sink']);
