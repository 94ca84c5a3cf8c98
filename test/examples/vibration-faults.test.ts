/**
 * examples/vibration-faults.yaml runs on files examples/vibration-faults-model.ts makes (the
 * readings, the model, its scaler): they are what the script makes now, so the example never runs
 * on a stale model. (test/examples/yaml-examples.test.ts runs the pipeline itself.)
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { vibrationFaultFiles } from '../../examples/vibration-faults-model.js';

const EXAMPLES = join(import.meta.dirname, '..', '..', 'examples');

describe('examples/vibration-faults-model', () => {
  it('makes the readings, model and scaler the example ships', { timeout: 60_000 }, async () => {
    const files = await vibrationFaultFiles();
    expect(readFileSync(join(EXAMPLES, 'data', 'vibration.csv'), 'utf8')).toBe(files.csv);
    expect(readFileSync(join(EXAMPLES, 'models', 'vibration-scaler.json'), 'utf8')).toBe(files.scaler);
    expect(new Uint8Array(readFileSync(join(EXAMPLES, 'models', 'vibration-faults.onnx')))).toEqual(files.model);
  });
});
