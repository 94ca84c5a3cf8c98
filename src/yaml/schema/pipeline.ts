import type { YamlTransform } from '../transforms/yaml-transform.js';
import { WINDOWING_SCHEMA } from '../windowing.js';
import { BEAM_PIPELINE_SCHEMA } from './beam.js';
import { NAME, takesKey, type JsonSchema } from './parts.js';

/** `input:` as Runnel reads it: Beam's forms, none of them empty. */
const INPUTS: JsonSchema = {
  oneOf: [NAME, { type: 'array', minItems: 1, items: NAME }, { type: 'object', minProperties: 1, additionalProperties: NAME }],
  expected: 'a transform name, a list of them, or a mapping of names',
};

const CHAIN_ONLY = (key: string): JsonSchema => ({ not: true, messages: { not: `"${key}:" belongs to a chain: add "type: chain"` } });

/**
 * The JSON Schema a pipeline file must meet to run on Runnel: Beam's structure
 * (`BEAM_PIPELINE_SCHEMA`) and Runnel's own rules: the transform types of `transforms` (each
 * with the config schema it declares), `windowing:` specs, and what Runnel refuses
 * (`providers:`, `output:` on a transform that is not a composite).
 */
export function pipelineSchema(transforms: Readonly<Record<string, YamlTransform>>, acceptsEmpty: (configSchema: JsonSchema) => boolean): JsonSchema {
  const types = Object.keys(transforms);
  const takesErrorHandling = types.filter((type) => takesKey(transforms[type]!.configSchema, 'error_handling'));
  const transform: JsonSchema = {
    type: 'object',
    expected: 'a transform: a mapping with "type:"',
    required: ['type'],
    messages: { required: 'a transform needs "type:" (a name such as MapToFields)' },
    properties: {
      type: { enum: types, messages: { enum: `unknown transform type {value}; Runnel runs ${types.join(', ')}` } },
      name: NAME,
      input: INPUTS,
      output: { not: true, messages: { not: '"output:" belongs to a composite transform; this one has its own outputs' } },
      windowing: WINDOWING_SCHEMA,
    },
    allOf: types.map((type) => configRule(type, transforms[type]!.configSchema, takesErrorHandling, acceptsEmpty)),
  };
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
    messages: { anyOf: 'the pipeline has no transforms' },
  };
  return {
    $schema: 'http://json-schema.org/draft-07/schema#',
    definitions: { transform },
    allOf: [
      {
        type: 'object',
        expected: 'a mapping with "pipeline:"',
        properties: {
          pipeline: body,
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

/** `config:` of a transform of type `type` must meet its schema (and be there, when an empty one would not). */
function configRule(type: string, schema: JsonSchema, takesErrorHandling: readonly string[], acceptsEmpty: (configSchema: JsonSchema) => boolean): JsonSchema {
  const required = Array.isArray(schema['required']) ? ` with ${(schema['required'] as string[]).join(', ')}` : '';
  const config = takesKey(schema, 'error_handling')
    ? schema
    : {
        allOf: [
          {
            properties: {
              error_handling: {
                not: true,
                messages: {
                  not: `${type} takes no error_handling (${listed(takesErrorHandling)} do); leave it out: its bad rows go to Runnel's dead letters`,
                },
              },
            },
          },
          schema,
        ],
      };
  return {
    if: { properties: { type: { const: type } }, required: ['type'] },
    then: {
      properties: { config },
      ...(acceptsEmpty(schema) ? {} : { required: ['config'], messages: { required: `${type} needs "config:"${required}` } }),
    },
  };
}

/** `a, b and c` */
function listed(names: readonly string[]): string {
  return names.length < 2 ? names.join('') : `${names.slice(0, -1).join(', ')} and ${names.at(-1)}`;
}
