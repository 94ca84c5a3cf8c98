import { RUNNEL_MODELS } from '../runnel-models.js';
import type { YamlSource } from '../source-map.js';
import { readPipelineSpec, type PipelineSpec, type TransformSpec } from '../spec.js';
import { YAML_TRANSFORMS } from '../transforms/index.js';
import { configSchemaOf, pipelineSchema } from './pipeline.js';
import { compileSchema, schemaError, type SchemaCheck } from './validate.js';

let structure: SchemaCheck | undefined;
let models: SchemaCheck | undefined;
const configChecks = new Map<string, SchemaCheck>();

/**
 * Reads a pipeline file after checking it against the pipeline schema: its structure (Beam's and
 * Runnel's rules), then each transform's `config:` against its type's schema, compiled the first
 * time a pipeline uses that type. Fails with the first problem's file, line and key.
 */
export function checkedPipelineSpec(source: YamlSource): PipelineSpec {
  const document = source.toJS();
  structure ??= compileSchema(pipelineSchema(Object.keys(YAML_TRANSFORMS)));
  const error = structure(document);
  if (error) throw schemaError(source, document, error);
  const spec = readPipelineSpec(source, document);
  checkModels(source, document, spec.options['runnel_models']);
  checkConfigs(source, document, spec.transforms);
  return spec;
}

/** `options.runnel_models` (Runnel's, see runnel-models.ts) against its schema. */
function checkModels(source: YamlSource, document: unknown, declared: unknown): void {
  if (declared === undefined) return;
  models ??= compileSchema(RUNNEL_MODELS);
  const error = models(declared);
  if (error) throw schemaError(source, document, error, ['options', 'runnel_models']);
}

function checkConfigs(source: YamlSource, document: unknown, transforms: readonly TransformSpec[]): void {
  for (const t of transforms) {
    if (t.composite) {
      checkConfigs(source, document, t.composite.transforms);
      continue;
    }
    let check = configChecks.get(t.type);
    if (!check) configChecks.set(t.type, (check = compileSchema(configSchemaOf(t.type, YAML_TRANSFORMS))));
    const error = check(t.config ?? {});
    if (!error) continue;
    if (t.config === undefined) {
      const required = YAML_TRANSFORMS[t.type]!.configSchema['required'];
      throw source.error(t.path, `${t.type} needs "config:"${Array.isArray(required) ? ` with ${required.join(', ')}` : ''}`);
    }
    throw schemaError(source, document, error, [...t.path, 'config']);
  }
}
