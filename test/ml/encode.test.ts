/** The protobuf encoder: varints (negative int64 = 10 bytes), packed values, strings, messages; round trips through the decoder and onnxruntime. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import * as ort from 'onnxruntime-web';
import { GraphBuilder, ProtoWriter, encodeModel, float, floats, int, ints, readFields, readModelInfo, str, tensorAttr, type ProtoField } from '../../src/ml/onnx/index.js';
import { expectClose } from './compare.js';

function varintBytes(v: number | bigint): number[] {
  const w = new ProtoWriter();
  w.varint(v);
  return Array.from(w.finish());
}

function onlyField(bytes: Uint8Array): ProtoField {
  const fields = [...readFields(bytes)];
  expect(fields).toHaveLength(1);
  return fields[0]!;
}

describe('ProtoWriter', () => {
  it('writes varints as protobuf does, negative int64 as 10 bytes', () => {
    expect(varintBytes(0)).toEqual([0]);
    expect(varintBytes(1)).toEqual([1]);
    expect(varintBytes(127)).toEqual([0x7f]);
    expect(varintBytes(128)).toEqual([0x80, 0x01]);
    expect(varintBytes(300)).toEqual([0xac, 0x02]);
    expect(varintBytes(2 ** 31 - 1)).toEqual([0xff, 0xff, 0xff, 0xff, 0x07]);
    expect(varintBytes(2 ** 31)).toEqual([0x80, 0x80, 0x80, 0x80, 0x08]);
    expect(varintBytes(2 ** 53 - 1)).toEqual([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x0f]);
    expect(varintBytes(-1)).toEqual([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]);
    expect(varintBytes(-2)).toEqual([0xfe, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]);
    expect(varintBytes(-(2n ** 63n))).toEqual([0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01]);
    expect(varintBytes(2n ** 64n - 1n)).toEqual(varintBytes(-1));
  });

  it('refuses values that are not 64-bit integers', () => {
    expect(() => varintBytes(1.5)).toThrow(/needs an integer/);
    expect(() => varintBytes(2 ** 60)).toThrow(/not a safe integer: pass a bigint/);
    expect(() => varintBytes(2n ** 64n)).toThrow(/does not fit 64 bits/);
    expect(() => varintBytes(-(2n ** 63n) - 1n)).toThrow(/does not fit 64 bits/);
  });

  it('round-trips any int64 through the decoder (property)', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }), fc.integer({ min: 1, max: 536870911 }), (v, field) => {
        const w = new ProtoWriter();
        w.intField(field, v);
        const f = onlyField(w.finish());
        expect(f.field).toBe(field);
        expect(f.wire).toBe(0);
        expect(BigInt.asIntN(64, f.value as bigint)).toBe(v);
        if (v < 0n) expect(varintBytes(v)).toHaveLength(10);
      }),
      { numRuns: 500 },
    );
  });

  it('writes packed floats as little-endian float32, strings as UTF-8, and grows its buffer', () => {
    fc.assert(
      fc.property(fc.array(fc.float({ noNaN: true }), { maxLength: 300 }), fc.string({ unit: 'grapheme', maxLength: 200 }), (values, text) => {
        const w = new ProtoWriter();
        w.packedFloats(4, values);
        w.stringField(8, text);
        const [a, b] = [...readFields(w.finish())];
        expect(a!.field).toBe(4);
        const bytes = a!.value as Uint8Array;
        const got = Array.from(new Float32Array(bytes.slice().buffer));
        expect(got).toEqual(values.map((v) => Math.fround(v)));
        expect(new TextDecoder().decode(b!.value as Uint8Array)).toBe(text);
      }),
      { numRuns: 200 },
    );
  });
});

describe('encodeModel / readModelInfo', () => {
  it('writes IR version, opsets, producer and metadata, and reads them back', () => {
    const g = new GraphBuilder('g');
    g.output(g.op('Identity', [g.input('x', 'float', ['N', 1])]), 'float', ['N', 1]);
    const bytes = encodeModel({ ...g.build(), producerName: 'p', producerVersion: '1.2', metadata: { 'runnel.features': '["a"]', é: '✓' } });
    expect(readModelInfo(bytes)).toEqual({
      irVersion: 8,
      producerName: 'p',
      producerVersion: '1.2',
      opsets: [
        { domain: '', version: 13 },
        { domain: 'ai.onnx.ml', version: 3 },
      ],
      metadata: { 'runnel.features': '["a"]', é: '✓' },
      hasGraph: true,
    });
  });

  it('reports malformed bytes with a RangeError saying what is wrong', () => {
    expect(() => readModelInfo(new Uint8Array([0x08]))).toThrow(/truncated varint/);
    expect(() => readModelInfo(new Uint8Array([0x3a, 0x05, 0x01]))).toThrow(/field of 5 bytes runs past the end \(1 left\)/);
    expect(() => readModelInfo(new Uint8Array([0x0b]))).toThrow(/unsupported wire type 3/);
    expect(() => readModelInfo(new Uint8Array([0x00]))).toThrow(/field number 0/);
    expect(() => readModelInfo(new Uint8Array(11).fill(0xff))).toThrow(/longer than 10 bytes/);
  });

  it('every attribute type, negative int attributes and int64 initializers survive onnxruntime loading', async () => {
    const g = new GraphBuilder('all_attributes');
    const x = g.input('x', 'float', ['batch', 3]);
    const c = g.op('Constant', [], { attributes: { value: tensorAttr({ elem: 'float', dims: [3], data: [1, -2, 3] }) } });
    const leaky = g.op('LeakyRelu', [g.op('Mul', [x, c])], { attributes: { alpha: float(0.1) } });
    const back = g.op('Transpose', [g.op('Transpose', [leaky], { attributes: { perm: ints([1, 0]) } })], { attributes: { perm: ints([1, 0]) } });
    const reshaped = g.op('Reshape', [back, g.int64s([2], [-1, 3])]);
    const soft = g.op('Softmax', [reshaped], { attributes: { axis: int(-1) }, output: 'soft' });
    g.output(g.op('ArgMax', [soft], { attributes: { axis: int(-1), keepdims: int(0) }, output: 'label' }), 'int64', ['batch']);
    g.output(soft, 'float', ['batch', 3]);
    const scaled = g.op('Scaler', [x], { domain: 'ai.onnx.ml', attributes: { offset: floats([1, 1, 1]), scale: floats([2, 0.5, -1]) }, output: 'scaled' });
    g.output(scaled, 'float', ['batch', 3]);
    const clipped = g.op('Clip', [x, g.floats([], [-0.5]), g.floats([], [0.5])], { output: 'clipped' });
    g.output(clipped, 'float', [null, 3]);
    const normed = g.op('Normalizer', [x], { domain: 'ai.onnx.ml', attributes: { norm: str('MAX') }, output: 'normed' });
    g.output(normed, 'float', ['batch', 3]);
    const bytes = g.encode();

    const session = await ort.InferenceSession.create(bytes);
    // An unknown (null) output dim is filled in by onnxruntime's shape inference.
    expect(session.outputMetadata.find((o) => o.name === 'clipped')).toEqual({ name: 'clipped', isTensor: true, type: 'float32', shape: ['batch', 3] });
    const input = new Float32Array([1, 2, 3, -1, 0.25, -3]);
    const out = await session.run({ x: new ort.Tensor('float32', input, [2, 3]) });
    const rows = [
      [1, 2, 3],
      [-1, 0.25, -3],
    ];
    const mul = rows.map((r) => r.map((v, j) => v * [1, -2, 3][j]!).map((v) => (v < 0 ? 0.1 * v : v)));
    const softRef = mul.map((r) => {
      const m = Math.max(...r);
      const e = r.map((v) => Math.exp(v - m));
      const s = e.reduce((a, b) => a + b);
      return e.map((v) => v / s);
    });
    const tol = { abs: 1e-6, rel: 1e-6 };
    expectClose(out['soft']!.data as Float32Array, softRef, tol, 'softmax');
    expect(Array.from(out['label']!.data as BigInt64Array)).toEqual([2n, 1n]); // [1, -4, 9] and leaky [-0.1, -0.05, -0.9]
    expectClose(
      out['scaled']!.data as Float32Array,
      rows.map((r) => r.map((v, j) => (v - 1) * [2, 0.5, -1][j]!)),
      tol,
      'scaler',
    );
    expectClose(
      out['clipped']!.data as Float32Array,
      rows.map((r) => r.map((v) => Math.min(0.5, Math.max(-0.5, v)))),
      tol,
      'clip',
    );
    expectClose(
      out['normed']!.data as Float32Array,
      rows.map((r) => r.map((v) => v / Math.max(...r))),
      tol,
      'normalizer MAX',
    );
    await session.release();
  });

  it('GraphBuilder refuses undefined inputs, duplicate names and missing outputs', () => {
    const g = new GraphBuilder('g');
    const x = g.input('x', 'float', ['N', 1]);
    expect(() => g.op('Relu', ['y'])).toThrow(/Relu input "y" is not defined/);
    expect(() => g.input('x', 'float', [1])).toThrow(/value "x" is defined twice/);
    expect(() => g.op('Relu', [x], { output: 'x' })).toThrow(/defined twice/);
    expect(() => g.output('nope', 'float')).toThrow(/output "nope" is not produced/);
    expect(() => g.build()).toThrow(/declare at least one output/);
    expect(() => g.floats([2, 2], [1, 2, 3])).not.toThrow(); // checked when encoded:
    g.output(g.op('Relu', [x]), 'float');
    expect(() => g.encode()).toThrow(/3 values for dims \[2, 2\] \(4\)/);
  });
});
