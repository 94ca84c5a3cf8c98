/** The ONNX model handler: loading, rejection of corrupt models, frame validation, NaN policy, state inputs, metrics, release. */
import { spawnSync } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { RunnelError } from '../../src/common/errors.js';
import { allocFrame, instantiateKernels } from '../../src/kernels/index.js';
import { OnnxModelHandler, applyNanPolicy, findNanRows, frameOf, onnxRuntimeLoaded, tensor } from '../../src/ml/infer/index.js';
import { GraphBuilder, linearRegressionModel, sklearnLogisticRegressionModel, torchGruModel, treeEnsembleRegressorModel } from '../../src/ml/onnx/index.js';
import { randomFrame, randomMatrix, randomTrees, seededRng } from '../../src/ml/testing/random-models.js';
import * as ref from './reference.js';
import { expectClose } from './compare.js';

const TOL = { abs: 1e-5, rel: 1e-4 };
const names = ['temp', 'humidity', 'pressure'];
const rng = seededRng(6);
const weights = randomMatrix(rng, 1, 3)[0]!;
const linear = linearRegressionModel({ weights, bias: 0.25 }, { featureNames: names });

async function rejection(p: Promise<unknown>): Promise<RunnelError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(RunnelError);
  return err as RunnelError;
}

describe('OnnxModelHandler', () => {
  const handler = new OnnxModelHandler();

  it('imports onnxruntime-web only when the first model is loaded (checked with a resolve hook in a child process)', () => {
    const hook = join(tmpdir(), `runnel-lazy-hook-${process.pid}.mjs`);
    writeFileSync(
      hook,
      `import { register } from 'node:module';
register('data:text/javascript,' + encodeURIComponent("export async function resolve(s, c, n) { if (s === 'onnxruntime-web') process.stderr.write('RESOLVED onnxruntime-web' + String.fromCharCode(10)); return n(s, c); }"));`,
    );
    const script = `
      const infer = await import('./src/ml/infer/index.ts');
      const onnx = await import('./src/ml/onnx/index.ts');
      const handler = new infer.OnnxModelHandler();
      console.error('before load');
      const model = await handler.load(onnx.linearRegressionModel({ weights: [1], bias: 0 }));
      await model.release();
      console.error('after load');`;
    const child = spawnSync(process.execPath, ['--import', 'tsx', '--import', hook, '--input-type=module', '-e', script], { encoding: 'utf8', cwd: process.cwd() });
    rmSync(hook, { force: true });
    const lines = child.stderr.split('\n').filter((l) => /before load|after load|RESOLVED/.test(l));
    expect(lines, child.stderr).toEqual(['before load', 'RESOLVED onnxruntime-web', 'after load']);
  });

  it('tracks whether the runtime was loaded in this process', async () => {
    expect(onnxRuntimeLoaded()).toBe(false);
    const model = await handler.load(linear, { id: 'lin' });
    expect(onnxRuntimeLoaded()).toBe(true);
    await model.release();
  });

  it('describes inputs and outputs and runs a frame, including a view at an offset into a larger buffer', async () => {
    const model = await handler.load(linear, { id: 'lin' });
    expect(model.inputs).toEqual([{ name: 'features', isTensor: true, type: 'float32', shape: ['N', 3] }]);
    expect(model.outputs).toEqual([{ name: 'prediction', isTensor: true, type: 'float32', shape: ['N', 1] }]);
    expect(model.featureNames).toEqual(names);
    const backing = randomFrame(rng, 40, 3);
    const view = backing.subarray(9, 9 + 30); // rows 3..12
    const out = await model.run(frameOf(view, names));
    expect(out['prediction']!.dims).toEqual([10, 1]);
    expectClose(out['prediction']!.data as Float32Array, ref.linear(ref.toRows(view, 3), [weights], [0.25]), TOL, 'prediction');
    await model.release();
  });

  it("runs a kernels Frame living in the kernels' WASM memory, without copying it first", async () => {
    const { arena } = instantiateKernels();
    const frame = allocFrame(arena, 6, names);
    frame.view.set(randomFrame(rng, 6, 3));
    const model = await handler.load(linear);
    const out = await model.run(frame);
    expectClose(out['prediction']!.data as Float32Array, ref.linear(ref.toRows(frame.view, 3), [weights], [0.25]), TOL, 'kernels frame');
    await model.release();
    arena.free(frame.block);
  });

  it('rejects corrupt bytes with MODEL_REJECTED and a message saying why', async () => {
    const random = new Uint8Array(64).map((_, i) => (i * 37 + 11) & 0xff);
    const cases: [Uint8Array, RegExp][] = [
      [new Uint8Array(0), /rejected: no bytes/],
      [linear.subarray(0, linear.length - 5), /rejected: not an ONNX model \(field of \d+ bytes runs past the end/],
      [random, /rejected: (not an ONNX model|onnxruntime-web could not create a session)/],
      [new TextEncoder().encode('{"not": "onnx"}'), /rejected: /],
    ];
    for (const [bytes, message] of cases) {
      const err = await rejection(handler.load(bytes, { id: 'bad' }));
      expect(err.code).toBe('MODEL_REJECTED');
      expect(err.message).toMatch(/^model "bad" \(\d+ bytes\) rejected: /);
      expect(err.message).toMatch(message);
    }
    // Well-formed protobuf, invalid graph: onnxruntime's own message is passed on.
    const g = new GraphBuilder('bad');
    const x = g.input('x', 'float', ['N', 2]);
    g.output(g.op('NoSuchOp', [x]), 'float', ['N', 2]);
    const err = await rejection(handler.load(g.encode(), { id: 'unknown-op' }));
    expect(err.code).toBe('MODEL_REJECTED');
    expect(err.message).toMatch(/onnxruntime-web could not create a session: .*NoSuchOp/);
    expect(handler.failedLoads).toBeGreaterThanOrEqual(5);
  });

  it('rejects misconfiguration at load time with a RangeError naming the option', async () => {
    await expect(handler.load(linear, { input: 'nope' })).rejects.toThrow(/option input "nope" is not an input; inputs: features/);
    await expect(handler.load(linear, { featureNames: ['a', 'b'] })).rejects.toThrow(/2 featureNames for input "features" of 3 features/);
    await expect(handler.load(linear, { nan: { impute: [0] } })).rejects.toThrow(/nan.impute has 1 values for 3 features/);
    await expect(handler.load(linear, { outputs: ['label'] })).rejects.toThrow(/"label", which is not a tensor output; tensor outputs: prediction/);
    expect(() => new OnnxModelHandler({ numThreads: 0 })).toThrow(/numThreads must be a positive integer/);
    // The runtime already started with 1 thread in this process; another count cannot apply.
    await expect(new OnnxModelHandler({ numThreads: 2 }).load(linear)).rejects.toThrow(/numThreads 2 requested, but onnxruntime-web already runs with 1/);
  });

  it('names the mismatch when a frame does not fit the model', async () => {
    const model = await handler.load(linear, { id: 'lin' });
    const x = randomFrame(rng, 4, 3);
    const cases: [readonly string[], Float32Array, RegExp][] = [
      [['temp', 'humidity', 'wind'], x, /frame features do not match the model's: missing "pressure"; unexpected "wind"/],
      [['temp', 'pressure', 'humidity'], x, /different order: column 1 is "pressure", the model expects "humidity"/],
      [['temp', 'humidity'], randomFrame(rng, 4, 2), /missing "pressure"/],
      [[...names, 'extra'], randomFrame(rng, 4, 4), /unexpected "extra"/],
    ];
    for (const [cols, data, message] of cases) {
      const err = await rejection(model.run(frameOf(data, cols)));
      expect(err.code).toBe('BAD_INPUT');
      expect(err.message).toMatch(/^model "lin" input "features": /);
      expect(err.message).toMatch(message);
    }
    // Without names (no metadata, none given), only the width is checked.
    const anonymous = await handler.load(linearRegressionModel({ weights, bias: 0 }), { id: 'anon' });
    const err = await rejection(anonymous.run(frameOf(randomFrame(rng, 2, 4), ['a', 'b', 'c', 'd'])));
    expect(err.message).toMatch(/expects 3 columns, frame has 4/);
    await expect(anonymous.run(frameOf(randomFrame(rng, 2, 3), ['a', 'b', 'c']))).resolves.toBeDefined();
    expect(model.metrics().failedBatches).toBe(4);
    await Promise.all([model.release(), anonymous.release()]);
  });

  it('NaN policy: reject names the row and feature; impute substitutes per feature; pass lets trees route missing values', async () => {
    const x = randomFrame(rng, 5, 3);
    x[1 * 3 + 2] = NaN;
    x[3 * 3 + 0] = NaN;
    const rejecting = await handler.load(linear, { id: 'rej' });
    const err = await rejection(rejecting.run(frameOf(x, names)));
    expect(err.code).toBe('BAD_INPUT');
    expect(err.message).toMatch(/NaN in row 1, feature "pressure" \(2 of 5 rows have NaN; the model's NaN policy is "reject"\)/);
    expect(findNanRows(frameOf(x, names))).toEqual([1, 3]);

    const impute = [10, 20, 30];
    const imputing = await handler.load(linear, { id: 'imp', nan: { impute } });
    const out = await imputing.run(frameOf(x, names));
    const filled = ref.toRows(x, 3).map((r) => r.map((v, j) => (Number.isNaN(v) ? impute[j]! : v)));
    expectClose(out['prediction']!.data as Float32Array, ref.linear(filled, [weights], [0.25]), TOL, 'imputed');
    expect(Number.isNaN(x[5])).toBe(true); // the caller's frame is untouched

    const trees = randomTrees(rng, { trees: 5, depth: 3, features: 3, width: 1 });
    const passing = await handler.load(treeEnsembleRegressorModel({ trees, features: 3 }, { featureNames: names }), { nan: 'pass' });
    const treeOut = await passing.run(frameOf(x, names));
    expectClose(treeOut['prediction']!.data as Float32Array, ref.treeScores(ref.toRows(x, 3), trees, 1), TOL, 'trees with NaN');
    await Promise.all([rejecting.release(), imputing.release(), passing.release()]);
  });

  it("hands on NaN outputs as the canonical NaN (0x7fc00000), not onnxruntime-web's CPU-dependent bits", async () => {
    // Inf + (−Inf) and NaN inputs make NaN predictions; on x64 onnxruntime-web's are 0xffc00000.
    const ones = await handler.load(linearRegressionModel({ weights: [1, 1], bias: 0 }), { nan: 'pass' });
    const x = new Float32Array([Infinity, -Infinity, 1, 2, -Infinity, Infinity, 0, 0]);
    new Uint32Array(x.buffer).set([0xffc00000, 0xffc12345], 6); // NaNs with other bits carried in
    const out = (await ones.run(frameOf(x, ['a', 'b'])))['prediction']!.data as Float32Array;
    expect(Array.from(out)).toEqual([NaN, 3, NaN, NaN]);
    expect(Array.from(new Uint32Array(out.buffer, out.byteOffset, out.length), (bits) => bits.toString(16))).toEqual(['7fc00000', '40400000', '7fc00000', '7fc00000']);
    await ones.release();
  });

  it('reuses one scratch buffer for imputation across batches', () => {
    const scratch = { buffer: new Float32Array(0) };
    const f = frameOf(new Float32Array([NaN, 1, 2, NaN]), ['a', 'b']);
    const first = applyNanPolicy('m', f, { impute: [5, 6] }, scratch);
    expect(Array.from(first)).toEqual([5, 1, 2, 6]);
    const buffer = scratch.buffer;
    const second = applyNanPolicy('m', frameOf(new Float32Array([NaN, 0]), ['a', 'b']), { impute: [7, 8] }, scratch);
    expect(Array.from(second)).toEqual([7, 0]);
    expect(scratch.buffer).toBe(buffer);
    const clean = new Float32Array([1, 2]);
    expect(applyNanPolicy('m', frameOf(clean, ['a', 'b']), 'reject', scratch)).toBe(clean); // no copy when nothing to change
  });

  it('feeds extra inputs (RNN state) and names missing or misshapen ones', async () => {
    const H = 4,
      F = 3;
    const params = {
      weightIh: randomMatrix(rng, 3 * H, F, 0.5),
      weightHh: randomMatrix(rng, 3 * H, H, 0.5),
      biasIh: randomMatrix(rng, 1, 3 * H)[0]!,
      biasHh: randomMatrix(rng, 1, 3 * H)[0]!,
      fcWeight: randomMatrix(rng, 2, H),
      fcBias: [0.1, -0.1],
    };
    const model = await handler.load(torchGruModel(params), { id: 'gru' });
    expect(model.frameInput).toBe('input');
    const x = randomFrame(rng, 2, F);
    const err = await rejection(model.run(frameOf(x, ['a', 'b', 'c'])));
    expect(err.message).toMatch(/inputs "h0" float32 \[1, batch_size, 4\] need values/);
    const bad = await rejection(model.run(frameOf(x, ['a', 'b', 'c']), { h0: { data: new Float32Array(8), dims: [2, 4] } }));
    expect(bad.message).toMatch(/input "h0" got float32 \[2, 4\].*expects float32 \[1, batch_size, 4\]/);
    const typed = await rejection(model.run(frameOf(x, ['a', 'b', 'c']), { h0: tensor('int64', new BigInt64Array(8), [1, 2, 4]) }));
    expect(typed.message).toMatch(/input "h0" got int64 \[1, 2, 4\].*expects float32 .*make it with tensor\('float32'/);
    const wrong = await rejection(model.run(frameOf(x, ['a', 'b', 'c']), { h1: { data: new Float32Array(8), dims: [1, 2, 4] } }));
    expect(wrong.message).toMatch(/extra input "h1" is not one of "h0"/);
    const out = await model.run(frameOf(x, ['a', 'b', 'c']), { h0: { data: new Float32Array(8), dims: [1, 2, 4] } });
    const [y, hn] = ref.gruStep(params, ref.toRows(x, F), [
      [0, 0, 0, 0],
      [0, 0, 0, 0],
    ]);
    expectClose(out['output']!.data as Float32Array, y, TOL, 'gru output');
    expectClose(out['hn']!.data as Float32Array, hn, TOL, 'gru state');
    await model.release();
  });

  it('skips non-tensor outputs (skl2onnx ZipMap) and reports them', async () => {
    const bytes = sklearnLogisticRegressionModel({ coef: randomMatrix(rng, 3, 2), intercept: [0, 0, 0], classes: [1, 2, 3] });
    const model = await handler.load(bytes);
    expect(model.outputs.map((o) => [o.name, o.isTensor])).toEqual([
      ['output_label', true],
      ['output_probability', false],
    ]);
    expect(model.skippedOutputs).toEqual(['output_probability']);
    // skl2onnx's unnamed batch dim (None) is reported by onnxruntime-web 1.30 as 4294967295; the handler says -1.
    expect(model.inputs).toEqual([{ name: 'float_input', isTensor: true, type: 'float32', shape: [-1, 2] }]);
    const err = await rejection(model.run(frameOf(randomFrame(rng, 2, 3), ['x0', 'x1', 'x2'])));
    expect(err.message).toMatch(/expects 2 columns, frame has 3/);
    const out = await model.run(frameOf(randomFrame(rng, 3, 2), ['x0', 'x1']));
    expect(Object.keys(out)).toEqual(['output_label']);
    await model.release();
  });

  it('counts inferences, batches, failures and latency percentiles on an injected clock', async () => {
    let t = 0;
    const timed = new OnnxModelHandler({ now: () => (t += 2) }); // every reading advances 2 ms
    const model = await timed.load(linear, { id: 'm' });
    for (const rows of [1, 5, 10]) await model.run(frameOf(randomFrame(rng, rows, 3), names));
    await model.run(frameOf(new Float32Array([NaN, 0, 0]), names)).catch(() => undefined);
    expect(model.metrics()).toEqual({
      numInferences: 16,
      numBatches: 3,
      failedBatches: 1,
      batchLatencyP50Ms: 2,
      batchLatencyP99Ms: 2,
      loadLatencyMs: 2,
      modelByteSize: linear.byteLength,
    });
    await model.release();
  });

  it('gives the same results for batch sizes 1, 7 and 1024 (what RunInference batching relies on)', async () => {
    const f = 16;
    const fnames = Array.from({ length: f }, (_, i) => `f${i}`);
    const bytesList = [
      linearRegressionModel({ weights: randomMatrix(rng, 1, f)[0]!, bias: 0.5 }),
      treeEnsembleRegressorModel({ trees: randomTrees(rng, { trees: 20, depth: 5, features: f, width: 1 }), features: f }),
      sklearnLogisticRegressionModel({ coef: randomMatrix(rng, 3, f), intercept: [0, 0.1, 0.2], classes: [0, 1, 2], zipMap: false }),
    ];
    const x = randomFrame(rng, 1024, f);
    for (const bytes of bytesList) {
      const model = await handler.load(bytes);
      const whole = await model.run(frameOf(x, fnames));
      for (const size of [1, 7]) {
        const parts: Record<string, number[]> = {};
        for (let r = 0; r < 1024; r += size) {
          const out = await model.run(frameOf(x.subarray(r * f, Math.min(1024, r + size) * f), fnames));
          for (const [name, v] of Object.entries(out)) (parts[name] ??= []).push(...Array.from(v.data as ArrayLike<number | bigint>, Number));
        }
        for (const [name, v] of Object.entries(whole)) {
          expect(parts[name], `${name} in batches of ${size}`).toEqual(Array.from(v.data as ArrayLike<number | bigint>, Number));
        }
      }
      await model.release();
    }
  });

  it('runs concurrent batches one at a time, finishes in-flight batches before release, refuses runs after', async () => {
    const model = await handler.load(linear, { id: 'lin' });
    const frames = Array.from({ length: 8 }, (_, i) => frameOf(randomFrame(rng, 1 + i * 3, 3), names));
    const pending = frames.map((f) => model.run(f));
    const released = model.release();
    const outs = await Promise.all(pending);
    await released;
    outs.forEach((o, i) => expectClose(o['prediction']!.data as Float32Array, ref.linear(ref.toRows(frames[i]!.view, 3), [weights], [0.25]), TOL, `batch ${i}`));
    expect(model.isReleased).toBe(true);
    await expect(model.run(frames[0]!)).rejects.toThrow(/model "lin" was released/);
    await model.release(); // idempotent
  });
});
