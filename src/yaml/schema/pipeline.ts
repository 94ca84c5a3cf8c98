import type { YamlTransform } from '../transforms/yaml-transform.js';
import { WINDOWING_SCHEMA } from '../windowing.js';
import { BEAM_PIPELINE_SCHEMA } from './beam.js';
import { NAME, takesKey, type JsonSchema } from './parts.js';

/** `input:` as Runnel reads it: Beam's forms, none of them empty. */
const INPUTS: JsonSchema = {
  oneOf: [NAME, { type: 'array', minItems: 1, items: NAME }, { type: 'object', minProperties: 1, additionalProperties: NAME }],
  expected: 'a transform name, a list of them, or a mapping of names',
};

/** `output:` of a composite: one transform (read as the composite, or `<composite>.output`), or output names to transforms. */
const OUTPUTS: JsonSchema = {
  oneOf: [NAME, { type: 'object', minProperties: 1, additionalProperties: NAME }],
  expected: 'a transform name, or a mapping of output names to transform names',
};

/** The transform types that hold transforms: Beam's composite, and the chain. */
const NESTING = ['composite', 'chain'] as const;

const CHAIN_ONLY = (key: string): JsonSchema => ({ not: true, messages: { not: `"${key}:" belongs to a chain: add "type: chain"` } });

/**
 * The JSON Schema of a pipeline file's structure on Runnel: Beam's (`BEAM_PIPELINE_SCHEMA`) and
 * Runnel's own rules: the transform `types` it runs, composites and chains nested to any depth,
 * `windowing:` specs, and what Runnel refuses (`providers:`, `output:` on a transform that is not
 * a composite, `source:`/`sink:` outside a chain). Each transform's `config:` is checked apart,
 * against `configSchemaOf` its type: a run compiles the schemas of the types it uses only.
 */
export function pipelineSchema(types: readonly string[]): JsonSchema {
  const transform: JsonSchema = {
    type: 'object',
    expected: 'a transform: a mapping with "type:"',
    required: ['type'],
    messages: { required: 'a transform needs "type:" (a name such as MapToFields)' },
    properties: {
      type: { enum: [...types, ...NESTING], messages: { enum: `unknown transform type {value}; Runnel runs ${types.join(', ')}, and ${NESTING.join(' and ')} transforms` } },
      name: NAME,
      input: INPUTS,
      windowing: WINDOWING_SCHEMA,
    },
    if: { properties: { type: { enum: [...NESTING] } }, required: ['type'] },
    then: {
      allOf: [
        { $ref: '#/definitions/body' },
        {
          if: { properties: { type: { const: 'chain' } } },
          then: { properties: { output: { not: true, messages: { not: 'a chain\'s output is its last transform\'s; leave out "output:" (or make it a composite)' } } } },
          else: { properties: { output: OUTPUTS } },
        },
      ],
    },
    else: {
      properties: {
        output: { not: true, messages: { not: '"output:" belongs to a composite transform; this one has its own outputs' } },
        config: { type: 'object', expected: 'a mapping' },
      },
    },
  };
  /** What the pipeline, a composite and a chain hold. */
  const body: JsonSchema = {
    properties: {
      windowing: WINDOWING_SCHEMA,
      transforms: { type: 'array', items: { $ref: '#/definitions/transform' } },
      extra_transforms: { type: 'array', items: { $ref: '#/definitions/transform' } },
      source: { $ref: '#/definitions/transform' },
      sink: { $ref: '#/definitions/transform' },
    },
    if: { properties: { type: { const: 'chain' } }, required: ['type'] },
    else: { properties: { source: CHAIN_ONLY('source'), sink: CHAIN_ONLY('sink'), extra_transforms: CHAIN_ONLY('extra_transforms') } },
    anyOf: [{ required: ['source'] }, { required: ['sink'] }, { properties: { transforms: { minItems: 1 } } }],
    messages: { anyOf: 'has no transforms: list them under "transforms:"' },
  };
  return {
    $schema: 'http://json-schema.org/draft-07/schema#',
    definitions: { transform, body },
    allOf: [
      {
        type: 'object',
        expected: 'a mapping with "pipeline:"',
        properties: {
          pipeline: { $ref: '#/definitions/body' },
          options: true,
          providers: { not: true, messages: { not: 'unknown top-level key; Runnel reads pipeline and options (providers are not supported)' } },
        },
        additionalProperties: false,
        messages: { additionalProperties: 'unknown top-level key; Runnel reads pipeline and options' },
      },
      BEAM_PIPELINE_SCHEMA,
    ],
  };
}

/**
 * The schema `config:` of a transform of type `type` must meet: the one its module declares, and
 * for a type without an error output, no `error_handling` (saying which types take it).
 */
export function configSchemaOf(type: string, transforms: Readonly<Record<string, YamlTransform>>): JsonSchema {
  const schema = transforms[type]!.configSchema;
  if (takesKey(schema, 'error_handling')) return schema;
  const takers = Object.keys(transforms).filter((t) => takesKey(transforms[t]!.configSchema, 'error_handling'));
  const refusal = `${type} takes no error_handling (${listed(takers)} do); leave it out: its bad rows go to Runnel's dead letters`;
  return { allOf: [{ properties: { error_handling: { not: true, messages: { not: refusal } } } }, schema] };
}

/** `a, b and c` */
function listed(names: readonly string[]): string {
  return names.length < 2 ? names.join('') : `${names.slice(0, -1).join(', ')} and ${names.at(-1)}`;
}
