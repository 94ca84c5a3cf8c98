import type { YamlSource } from '../source-map.js';
import { YAML_TRANSFORMS } from '../transforms/index.js';
import { pipelineSchema } from './pipeline.js';
import { acceptsEmptyConfig, schemaCheck } from './validate.js';

let check: ReturnType<typeof schemaCheck> | undefined;

/**
 * Checks a parsed pipeline file against Beam's structure and the config schemas of Runnel's
 * transform types (compiled on first use), failing with the first problem's file, line and key.
 */
export function checkPipeline(source: YamlSource): void {
  check ??= schemaCheck(pipelineSchema(YAML_TRANSFORMS, acceptsEmptyConfig));
  check(source, source.toJS());
}
