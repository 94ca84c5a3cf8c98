import { expect } from 'vitest';
import { loadYamlPipeline } from '../../src/yaml/index.js';

/** The message of the `PIPELINE_INVALID` error loading `text` (as `p.yaml`) fails with; throws if it loads. */
export function loadFailure(text: string): string {
  try {
    loadYamlPipeline(text, 'p.yaml', { log: () => {} });
  } catch (error) {
    expect(error).toMatchObject({ code: 'PIPELINE_INVALID' });
    return (error as Error).message;
  }
  throw new Error('expected the pipeline to be refused');
}
