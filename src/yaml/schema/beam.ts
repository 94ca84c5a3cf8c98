import type { JsonSchema } from './parts.js';

/** Why a transform of a chain takes no `input:`. */
const CHAIN_INPUT = 'a chain wires each transform to the one before it; leave out "input:" (or drop "type: chain")';

/** In a chain a transform may only say that it reads nothing, with Beam\'s marker. */
const IMPLICIT_IO: JsonSchema = {
  properties: {
    input: { const: '__explicitly_empty__', messages: { const: CHAIN_INPUT } },
    output: { not: true, messages: { not: 'a chain\'s transforms have implicit outputs; leave out "output:"' } },
  },
};

/**
 * The structure of a Beam YAML file as Apache Beam's own schema defines it
 * (`sdks/python/apache_beam/yaml/pipeline.schema.yaml` in apache/beam), restated: what a file
 * must look like for Beam to accept it, whatever its transforms. Like Beam's, it leaves `config:`
 * and `windowing:` open; Runnel's schema (`pipelineSchema`) adds its own rules on top.
 */
export const BEAM_PIPELINE_SCHEMA: JsonSchema = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  $id: 'runnel:beam-pipeline',
  definitions: {
    /** `input:` names one transform, lists several, or maps tags to them. */
    inputs: {
      oneOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' } }, { type: 'object', additionalProperties: { type: 'string' } }],
      expected: 'a transform name, a list of them, or a mapping of names',
    },
    /** `output:` of a composite: one reference, or a mapping of output names to references. */
    outputs: {
      oneOf: [{ type: 'string' }, { type: 'object', additionalProperties: { type: 'string' } }],
      expected: 'a transform name or a mapping of output names to transform names',
    },
    /** Every transform has a string `type:`; these keys mean the same for every kind. */
    common: {
      type: 'object',
      expected: 'a transform: a mapping with "type:"',
      required: ['type'],
      properties: {
        type: { type: 'string' },
        name: { type: 'string' },
        input: { $ref: '#/definitions/inputs' },
        output: { $ref: '#/definitions/outputs' },
      },
    },
    /** The body of a pipeline, a composite or a chain: its transforms, or a source and a sink. */
    body: {
      type: 'object',
      properties: {
        type: true,
        name: true,
        input: true,
        output: true,
        windowing: true,
        transforms: { type: 'array', items: { $ref: '#/definitions/transform' } },
        extra_transforms: { type: 'array', items: { $ref: '#/definitions/transform' } },
        source: { $ref: '#/definitions/transform' },
        sink: { $ref: '#/definitions/transform' },
      },
      additionalProperties: false,
      anyOf: [{ required: ['transforms'] }, { required: ['source', 'sink'] }],
      messages: { anyOf: 'needs "transforms:" (or a "source:" and a "sink:")' },
    },
    /** In a chain every input and output is implicit: each transform reads the one before it. */
    chained: {
      properties: {
        transforms: { type: 'array', items: IMPLICIT_IO },
        source: IMPLICIT_IO,
        sink: IMPLICIT_IO,
      },
    },
    transform: {
      allOf: [
        { $ref: '#/definitions/common' },
        {
          if: { properties: { type: { const: 'composite' } } },
          then: { allOf: [{ $ref: '#/definitions/body' }, { properties: { extra_transforms: { not: true } } }] },
        },
        {
          if: { properties: { type: { const: 'chain' } } },
          then: { allOf: [{ $ref: '#/definitions/body' }, { $ref: '#/definitions/chained' }] },
        },
        {
          if: { properties: { type: { enum: ['composite', 'chain'] } } },
          else: {
            properties: { type: true, name: true, input: true, output: true, windowing: true, config: { type: 'object', expected: 'a mapping' } },
            additionalProperties: false,
          },
        },
      ],
    },
    /** A provider of extra transform types, or a file of them to include. */
    provider: {
      if: { properties: { include: { type: 'string' } }, required: ['include'] },
      then: { type: 'object', properties: { include: { type: 'string' } }, required: ['include'], additionalProperties: false },
      else: {
        type: 'object',
        properties: { type: { type: 'string' }, transforms: { type: 'object', additionalProperties: { type: 'string' } }, config: { type: 'object' } },
        required: ['type', 'transforms', 'config'],
        additionalProperties: false,
      },
    },
  },
  type: 'object',
  expected: 'a mapping with "pipeline:"',
  required: ['pipeline'],
  properties: {
    pipeline: {
      allOf: [
        {
          type: 'object',
          expected: 'a mapping with "transforms:"',
          properties: {
            type: { enum: ['composite', 'chain'], expected: '"chain" or "composite"' },
            windowing: true,
            transforms: true,
            extra_transforms: true,
            source: true,
            sink: true,
          },
          additionalProperties: false,
        },
        { $ref: '#/definitions/body' },
        { if: { properties: { type: { const: 'chain' } }, required: ['type'] }, then: { $ref: '#/definitions/chained' } },
      ],
    },
    providers: { type: 'array', items: { $ref: '#/definitions/provider' } },
    options: { type: 'object', expected: 'a mapping' },
  },
};
