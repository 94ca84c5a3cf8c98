/**
 * `RunInference` with Runnel's `OnnxModelHandler` in a YAML pipeline: on seeded random rows it gives
 * the predictions the TypeScript `runInference` gives for the same model; the PredictionResult sits
 * under `inference_tag`; a row that cannot feed the model is a dead letter; and a handler Runnel
 * cannot run, a missing model file, features that do not fit the model and an unknown output are
 * refused at load with file:line:col and the key.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../src/common/random.js';
import { Pipeline } from '../../src/core/pipeline.js';
import { collect } from '../../src/io/collect.js';
import { readJsonl } from '../../src/io/jsonl.js';
import { OnnxModelHandler } from '../../src/ml/infer/onnx-handler.js';
import { inferenceValues, type PredictionResult } from '../../src/ml/infer/prediction.js';
import { runInference } from '../../src/ml/infer/run-inference.js';
import { servedModel } from '../../src/ml/infer/served-model.js';
import { logisticRegressionModel } from '../../src/ml/onnx/builders/logistic-regression.js';
import { linearRegressionModel } from '../../src/ml/onnx/builders/linear-regression.js';
import { run } from '../../src/runner/direct-runner.js';
import { DirectoryRegistry } from '../../src/sync/directory-registry.js';
import { generateKeyPair } from '../../src/sync/keys.js';
import { loadYamlPipeline } from '../../src/yaml/index.js';
import { SEED } from '../seed.js';

const FEATURES = ['a', 'b', 'c'];

/** A folder holding `rows.jsonl` and the models, and a runner of pipelines written into it. */
function workspace(rows: readonly object[]) {
  const dir = mkdtempSync(join(tmpdir(), 'runnel-yaml-infer-'));
  writeFileSync(join(dir, 'rows.jsonl'), rows.map((r) => JSON.stringify(r)).join('\n'));
  const load = (yaml: string, lines: string[] = []) => {
    const file = join(dir, 'pipeline.yaml');
    writeFileSync(file, yaml);
    return loadYamlPipeline(yaml, file, { log: (l) => lines.push(l), baseDir: dir });
  };
  return { dir, load };
}

const pipeline = (runInference: string): string => `pipeline:
  type: chain
  source: {type: ReadFromJson, config: {path: rows.jsonl}}
  transforms:
${runInference}
  sink: {type: LogForTesting}
`;

const failure = (fn: () => unknown): string => {
  try {
    fn();
  } catch (error) {
    expect(error).toMatchObject({ code: 'PIPELINE_INVALID' });
    return (error as Error).message;
  }
  throw new Error('expected the pipeline to be refused');
};

describe(`YAML RunInference with OnnxModelHandler (seed ${SEED})`, () => {
  const random = seededRandom(SEED);
  const rows = Array.from({ length: 300 }, (_, id) => ({ id, a: random() * 4 - 2, b: random() * 4 - 2, c: random() * 4 - 2 }));
  const weights = [0, 1, 2].map(() => FEATURES.map(() => random() * 2 - 1));
  const model = logisticRegressionModel({ weights, bias: [random(), random(), random()] }, { featureNames: FEATURES });
  const { dir, load } = workspace(rows);
  writeFileSync(join(dir, 'classes.onnx'), model);
  writeFileSync(join(dir, 'named.onnx'), linearRegressionModel({ weights: [1], bias: 0 }, { metadata: { 'runnel.features': 'temp' } }));
  writeFileSync(
    join(dir, 'sum.onnx'),
    linearRegressionModel({
      weights: [
        [1, 1],
        [1, -1],
      ],
      bias: [0, 0],
    }),
  );

  it('gives the probabilities the TypeScript runInference gives, under inference_tag', async () => {
    const lines: string[] = [];
    const yaml = pipeline(`    - type: RunInference
      config:
        inference_tag: scores
        model_handler:
          type: OnnxModelHandler
          config:
            model_uri: classes.onnx
            max_batch_size: 64
`);
    const result = await run(load(yaml, lines));
    expect(result.deadLetterCount).toBe(0);

    const p = new Pipeline();
    const out = collect<PredictionResult<Record<string, number>>>();
    p.apply(readJsonl<{ a: number; b: number; c: number }>(join(dir, 'rows.jsonl')))
      .map(({ a, b, c }) => ({ a, b, c }))
      .apply(runInference(servedModel(new OnnxModelHandler(), model)))
      .apply(out);
    await run(p);

    const typescript = out.values
      .map((r) => {
        const { label, probabilities } = inferenceValues(r.inference);
        return JSON.stringify([r.example.a, r.example.b, r.example.c, label![0], probabilities]);
      })
      .sort();
    const yamlRows = lines.map(
      (l) =>
        JSON.parse(l) as { id: number; a: number; b: number; c: number; scores: { example: number[]; inference: { label: number; probabilities: number[] }; model_id: string } },
    );
    expect(yamlRows).toHaveLength(rows.length);
    for (const r of yamlRows) {
      expect(r.scores.example).toEqual([r.a, r.b, r.c]);
      expect(r.scores.model_id).toBe('classes.onnx');
      expect(r.scores.inference.probabilities).toHaveLength(3);
    }
    expect(yamlRows.map((r) => JSON.stringify([r.a, r.b, r.c, r.scores.inference.label, r.scores.inference.probabilities])).sort()).toEqual(typescript);
  });

  it('features name the row fields for a model without feature names; outputs pick outputs; a bad row is a dead letter', async () => {
    const lines: string[] = [];
    const yaml = `pipeline:
  type: chain
  source: {type: Create, config: {elements: [{x: 3, y: 1}, {x: 2, y: "two"}, {x: 5}]}}
  transforms:
    - type: RunInference
      config:
        model_handler:
          type: OnnxModelHandler
          config: {model_uri: sum.onnx, features: [x, y], outputs: [prediction]}
  sink: {type: LogForTesting}
`;
    const result = await run(load(yaml, lines));
    expect(lines.map((l) => JSON.parse(l) as unknown)).toEqual([{ x: 3, y: 1, inference: { example: [3, 1], inference: [4, 2], model_id: 'sum.onnx' } }]);
    expect(result.deadLetterCount).toBe(2);
    expect(result.deadLetters.map((d) => d.reason).sort()).toEqual(['feature "y" must be a number, got "two"', 'feature "y" must be a number, got no such field']);
  });

  it('refuses what it cannot run at load, naming the file, line, column and key', () => {
    const handler = (type: string, config: string) =>
      pipeline(`    - type: RunInference
      config:
        model_handler:
          type: ${type}
          config: ${config}
`);
    expect(failure(() => load(handler('VertexAIModelHandlerJSON', '{endpoint_id: 1, project: p, location: l}')))).toMatch(
      /^.*pipeline\.yaml:8:11: RunInference \(pipeline\.transforms\[0\]\.config\.model_handler\.type\): VertexAIModelHandlerJSON sends each row to a model served on Vertex AI, .*write model_handler: \{ type: OnnxModelHandler, config: \{ model_uri: model\.onnx \} \}$/,
    );
    expect(failure(() => load(handler('HuggingFacePipelineModelHandler', '{task: x}')))).toMatch(
      /HuggingFacePipelineModelHandler runs a Hugging Face pipeline in Python, .*optimum-cli export onnx/,
    );
    expect(failure(() => load(handler('MyHandler', '{}')))).toMatch(
      /model_handler\.type\): unknown model handler type "MyHandler"; Runnel runs OnnxModelHandler \(a model file\) and RunnelModel \(a model the pipeline trains, declared under options\.runnel_models\): export the model to ONNX/,
    );
    expect(failure(() => load(handler('OnnxModelHandler', '{model_uri: missing.onnx}')))).toMatch(
      /pipeline\.yaml:9:20: RunInference \(pipeline\.transforms\[0\]\.config\.model_handler\.config\.model_uri\): cannot read the model file .*missing\.onnx: no such file \(a relative path is read from the pipeline file's folder\)$/,
    );
    writeFileSync(join(dir, 'junk.onnx'), 'not a model');
    expect(failure(() => load(handler('OnnxModelHandler', '{model_uri: junk.onnx}')))).toMatch(/model_uri\): .*junk\.onnx is not an ONNX model/);
    expect(failure(() => load(handler('OnnxModelHandler', '{model_uri: classes.onnx, features: [a, b]}')))).toMatch(
      /pipeline\.yaml:9:45: RunInference \(pipeline\.transforms\[0\]\.config\.model_handler\.config\.features\): classes\.onnx takes 3 features, and 2 are given \(a, b\)$/,
    );
    expect(failure(() => load(handler('OnnxModelHandler', '{model_uri: classes.onnx, outputs: [score]}')))).toMatch(
      /config\.outputs\): the model has no output "score"; its outputs: label, probabilities$/,
    );
    expect(failure(() => load(handler('OnnxModelHandler', '{model_uri: sum.onnx}')))).toMatch(
      /model_handler\.config\): "features" is required: sum\.onnx does not name its features \(no runnel\.features metadata\)/,
    );
    expect(failure(() => load(handler('OnnxModelHandler', '{model_uri: named.onnx}')))).toMatch(
      /config\.model_uri\): named\.onnx's runnel\.features metadata is not a JSON list of names; give "features", the row fields it reads in its input order$/,
    );
    expect(failure(() => load(handler('OnnxModelHandler', '{model_uri: classes.onnx, nan: drop}')))).toMatch(/config\.nan\): expected reject .* or pass, got "drop"$/);
    expect(failure(() => load(handler('OnnxModelHandler', '{model_uri: classes.onnx, preprocess: {callable: f}}')))).toMatch(
      /config\.preprocess\): no option "preprocess": it takes model_uri, model_registry, features, outputs, nan, max_batch_size$/,
    );
  });

  it('takes the model from a registry folder: the newest version that passes its checks, or dead letters saying why', async () => {
    const registry = join(dir, 'registry');
    const details = { inputs: [], outputs: [], metrics: {}, trainedOn: { samples: 0, from: 0, to: 0 } };
    await new DirectoryRegistry(registry).push('classes', linearRegressionModel({ weights: [1, 1, 1], bias: 0 }), details);
    await new DirectoryRegistry(registry).push('classes', model, details);
    const fromRegistry = (name: string, keys = '') =>
      pipeline(`    - type: RunInference
      config:
        model_handler:
          type: OnnxModelHandler
          config:
            model_registry: {path: registry, name: ${name}${keys}}
            features: [a, b, c]
            outputs: [probabilities]
`);
    const lines: string[] = [];
    const result = await run(load(fromRegistry('classes'), lines));
    expect(result.deadLetterCount).toBe(0);
    const byId = new Map(lines.map((l) => JSON.parse(l) as { id: number; inference: { inference: number[]; model_id: string } }).map((r) => [r.id, r.inference]));
    const fromFile: string[] = [];
    await run(
      load(pipeline(`    - {type: RunInference, config: {model_handler: {type: OnnxModelHandler, config: {model_uri: classes.onnx, outputs: [probabilities]}}}}\n`), fromFile),
    );
    expect(fromFile).toHaveLength(rows.length);
    for (const line of fromFile) {
      const r = JSON.parse(line) as { id: number; inference: { inference: number[] } };
      expect(byId.get(r.id)).toEqual({ example: [rows[r.id]!.a, rows[r.id]!.b, rows[r.id]!.c], inference: r.inference.inference, model_id: 'classes@2' });
    }

    const empty = await run(load(fromRegistry('absent')));
    expect(empty.deadLetterCount).toBe(rows.length);
    expect(empty.deadLetters[0]!.reason).toMatch(/^no model to run: the registry .*registry has no version of "absent"$/);

    const publisher = generateKeyPair(join(dir, 'keys'), 'publisher');
    const unsigned = await run(load(fromRegistry('classes', `, trusted_keys: [${publisher.publicKeyFile}]`)));
    expect(unsigned.deadLetterCount).toBe(rows.length);
    expect(unsigned.deadLetters[0]!.reason).toMatch(/^no model to run: every version of "classes" in .* was refused: version 2: .*; version 1: /);

    const handler = (config: string) => pipeline(`    - {type: RunInference, config: {model_handler: {type: OnnxModelHandler, config: ${config}}}}\n`);
    expect(failure(() => load(handler('{model_registry: {path: registry, name: classes}}')))).toMatch(
      /5:77: RunInference \(pipeline\.transforms\[0\]\.config\.model_handler\.config\): "features" is required with model_registry: list the row fields/,
    );
    expect(failure(() => load(handler('{model_uri: classes.onnx, model_registry: {path: registry, name: classes}}')))).toMatch(
      /config\.model_registry\): give either model_uri \(an ONNX file\) or model_registry \(a registry folder\), not both$/,
    );
    expect(failure(() => load(handler('{model_registry: {path: nowhere, name: classes}, features: [a]}')))).toMatch(
      /config\.model_registry\.path\): no registry folder .*nowhere \(a relative path is read from the pipeline file's folder\)$/,
    );
    expect(failure(() => load(handler('{model_registry: {path: registry, name: classes, trusted_keys: missing.pub}, features: [a]}')))).toMatch(
      /config\.model_registry\.trusted_keys\): .*missing\.pub/,
    );
    expect(failure(() => load(handler('{features: [a]}')))).toMatch(
      /config\): give model_uri \(an ONNX file, relative to the pipeline file\) or model_registry: \{ path, name \}$/,
    );
  });
});
