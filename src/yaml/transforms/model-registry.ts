/**
 * `RunInference`'s model from a registry folder (`model_registry: { path, name, trusted_keys }`):
 * the newest approved version that passes the registry's checks (SHA-256, and the signature by a
 * trusted key when `trusted_keys` are given), pulled when the run first needs it.
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { OnnxModelHandler, type LoadedOnnxModel, type OnnxModelOptions } from '../../ml/infer/onnx-handler.js';
import { ServedModel } from '../../ml/infer/served-model.js';
import { DirectoryRegistry } from '../../sync/directory-registry.js';
import { loadTrustSet } from '../../sync/keys.js';
import type { ConfigReader } from '../config.js';
import { configOf, NAME, type JsonSchema } from '../schema/parts.js';

/** The schema of `model_registry:`. */
export const MODEL_REGISTRY: JsonSchema = configOf(
  {
    path: NAME,
    name: NAME,
    trusted_keys: { anyOf: [NAME, { type: 'array', items: NAME, minItems: 1 }], expected: 'a public key file or a list of them' },
  },
  ['path', 'name'],
);

/**
 * A model served from the registry `registry` (a reader of `model_registry:`) describes, with the
 * model `options`; its id is `<name>@<version>`. Paths are relative to `pipelineDir`. The folder
 * and the key files are checked now; a registry with no version to take makes the rows that reach
 * the model dead letters saying so (each bundle asks again).
 */
export function registryModel(registry: ConfigReader, pipelineDir: string, options: OnnxModelOptions): ServedModel<OnnxModelOptions, LoadedOnnxModel> {
  const path = resolve(pipelineDir, registry.string('path'));
  if (!existsSync(path)) throw registry.error('path', `no registry folder ${path} (a relative path is read from the pipeline file's folder)`);
  const name = registry.string('name');
  const keys = registry.names('trusted_keys').map((key) => resolve(pipelineDir, key));
  let trust;
  try {
    trust = keys.length > 0 ? loadTrustSet(keys) : undefined;
  } catch (error) {
    throw registry.error('trusted_keys', (error as Error).message);
  }
  const models = new DirectoryRegistry(path, trust ? { trust } : {});
  return new ServedModel(new OnnxModelHandler(), async () => {
    const pulled = await models.pull(name);
    if (pulled.outcome === 'empty') throw new Error(`the registry ${path} has no version of "${name}"`);
    if (pulled.outcome === 'all-refused') {
      throw new Error(`every version of "${name}" in ${path} was refused: ${pulled.refused.map((r) => `version ${r.version}: ${r.reason}`).join('; ')}`);
    }
    return { bytes: pulled.bytes, options: { ...options, id: `${name}@${pulled.manifest.version}` } };
  });
}
