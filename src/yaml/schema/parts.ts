import { DURATION_HINT } from '../duration.js';

/**
 * A JSON Schema (draft-07) node. Besides the standard keywords it may carry two annotations the
 * validator uses for its messages: `expected` (what a value of this node looks like: the message
 * is "expected <expected>, got <value>") and `messages` (a message per failing keyword, e.g.
 * `{ additionalProperties: '…' }`).
 */
export type JsonSchema = { readonly [keyword: string]: unknown };

/** The languages Beam names for expressions and callables. */
export const LANGUAGES = ['generic', 'python', 'javascript', 'java', 'sql'] as const;

/** A non-empty string. */
export const NAME: JsonSchema = { type: 'string', minLength: 1, expected: 'a non-empty string' };

/** One field name or a list of them (Beam reads `fields: col` as `[col]`). */
export const FIELD_NAMES: JsonSchema = {
  anyOf: [NAME, { type: 'array', items: NAME }],
  expected: 'a field name or a list of field names',
};

/** A duration: seconds as a number, or a number with a unit (`500ms`, `10s`, `1m`, `2h`, `1d`); never zero. */
export const DURATION: JsonSchema = {
  anyOf: [
    { type: 'number', exclusiveMinimum: 0 },
    { type: 'string', format: 'duration' },
  ],
  expected: DURATION_HINT,
};

/** A duration that may also be zero (a window offset). */
export const DURATION_OR_ZERO: JsonSchema = { anyOf: [{ enum: [0, '0'] }, DURATION], expected: `0 or ${DURATION_HINT}` };

/** `language:` of a transform with expressions. */
export const LANGUAGE: JsonSchema = { enum: [...LANGUAGES], expected: `one of ${LANGUAGES.join(', ')}` };

/**
 * A value computed from a row (a `fields:` entry, `keep:`, `by:`, `timestamp:`): a field name, a
 * literal, an expression, or `{ expression: … }` / `{ callable: … }`. Which of these a language
 * allows is the transform's to check: the schema cannot see Python in a string.
 */
export const ROW_VALUE: JsonSchema = {
  type: ['string', 'number', 'boolean', 'null', 'object'],
  expected: 'a field name, a literal, an expression, or { expression: … } / { callable: … }',
  properties: { expression: NAME, callable: NAME },
  additionalProperties: false,
  minProperties: 1,
  maxProperties: 1,
  messages: {
    additionalProperties: 'give exactly one of "expression" or "callable"',
    minProperties: 'give exactly one of "expression" or "callable"',
    maxProperties: 'give exactly one of "expression" or "callable"',
  },
};

/** The main output's name when a transform has an error output, as in Beam (`MapToFields.good`). */
export const GOOD = 'good';

/** The name of a transform's output, read as `<Transform>.<name>`. */
export const OUTPUT_NAME: JsonSchema = {
  type: 'string',
  minLength: 1,
  pattern: '^[^.]+$',
  not: { const: GOOD },
  expected: 'an output name',
  messages: {
    pattern: `an output cannot be named "${GOOD}" (the main output) or contain ".", got {value}`,
    not: `an output cannot be named "${GOOD}" (the main output) or contain ".", got {value}`,
  },
};

/** `error_handling: { output: name }`, Beam's form less `threshold` (Runnel has no failure ratio). */
export const ERROR_HANDLING: JsonSchema = {
  type: 'object',
  expected: 'a mapping { output: <name> }',
  properties: { output: OUTPUT_NAME },
  required: ['output'],
  additionalProperties: false,
};

/** A config mapping with exactly these keys (`required` among them). */
export function configOf(properties: Readonly<Record<string, JsonSchema>>, required: readonly string[] = []): JsonSchema {
  // In allOf, the check of unknown keys runs before `required` (ajv checks allOf first): a
  // misspelt key then reads as itself rather than as the key it was meant to be, missing.
  return { type: 'object', allOf: [{ properties, additionalProperties: false }], ...(required.length ? { required } : {}) };
}

/** Whether a config schema (as `configOf` makes, or with `properties` of its own) names `key`. */
export function takesKey(schema: JsonSchema, key: string): boolean {
  const properties = schema['properties'];
  if (typeof properties === 'object' && properties !== null && key in properties) return true;
  const parts = schema['allOf'];
  return Array.isArray(parts) && parts.some((part: JsonSchema) => takesKey(part, key));
}

/** The config of a transform that takes none. */
export const NO_CONFIG: JsonSchema = configOf({});
