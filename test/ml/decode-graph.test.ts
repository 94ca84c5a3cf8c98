/** The graph decoder reads back exactly what the encoder wrote, on random graphs (fast-check, seeded). */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { encodeModel, readGraph, readTensor, ProtoWriter, type AttributeValue, type GraphSpec, type TensorSpec, type TypeSpec } from '../../src/ml/onnx/index.js';
import { SEED } from './train/data.js';

const name = fc.string({ minLength: 1, maxLength: 8 });
const f32 = fc.float({ noNaN: true });
const int64 = fc.oneof(fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }), fc.bigInt({ min: -(1n << 63n), max: (1n << 63n) - 1n }));
const dims = fc.array(fc.integer({ min: 0, max: 3 }), { maxLength: 3 });

const tensor: fc.Arbitrary<TensorSpec> = fc
  .tuple(dims, fc.constantFrom<TensorSpec['elem']>('float', 'int64', 'int32'), fc.option(name, { nil: undefined }))
  .chain(([d, elem, n]) => {
    const count = d.reduce((a, b) => a * b, 1);
    const values =
      elem === 'float'
        ? fc.array(f32, { minLength: count, maxLength: count })
        : elem === 'int32'
          ? fc.array(fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }), { minLength: count, maxLength: count })
          : fc.array(int64, { minLength: count, maxLength: count });
    return values.map((data) => ({ elem, dims: d, data: data as number[], ...(n !== undefined ? { name: n } : {}) }));
  });

const attribute: fc.Arbitrary<AttributeValue> = fc.oneof(
  f32.map((value) => ({ kind: 'float' as const, value })),
  int64.map((value) => ({ kind: 'int' as const, value })),
  fc.string().map((value) => ({ kind: 'string' as const, value })),
  tensor.map((value) => ({ kind: 'tensor' as const, value })),
  fc.array(f32, { maxLength: 4 }).map((value) => ({ kind: 'floats' as const, value })),
  fc.array(int64, { maxLength: 4 }).map((value) => ({ kind: 'ints' as const, value })),
  fc.array(fc.string(), { maxLength: 3 }).map((value) => ({ kind: 'strings' as const, value })),
);

const elem = fc.constantFrom('float', 'int32', 'int64', 'string', 'bool', 'double') as fc.Arbitrary<'float'>;
const dim = fc.oneof(fc.nat(100), name, fc.constant(null));
const type: fc.Arbitrary<TypeSpec> = fc.letrec<{ t: TypeSpec }>((tie) => ({
  t: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.record({ tensor: fc.record({ elem, shape: fc.option(fc.array(dim, { maxLength: 3 }), { nil: undefined }) }, { requiredKeys: ['elem'] }) }),
    fc.record({ sequence: tie('t') }),
    fc.record({ map: fc.record({ key: elem, value: tie('t') }) }),
  ),
})).t;
const valueInfo = fc.record({ name, type, doc: fc.option(fc.string(), { nil: undefined }) }, { requiredKeys: ['name', 'type'] });
const node = fc.record(
  {
    opType: name,
    inputs: fc.array(fc.oneof(name, fc.constant('')), { maxLength: 3 }),
    outputs: fc.array(name, { maxLength: 2 }),
    name: name,
    domain: name,
    attributes: fc.dictionary(name, attribute, { maxKeys: 3, minKeys: 1 }),
  },
  { requiredKeys: ['opType', 'inputs', 'outputs'] },
);
const graph: fc.Arbitrary<GraphSpec> = fc.record(
  {
    name,
    nodes: fc.array(node, { maxLength: 4 }),
    initializers: fc.array(tensor, { maxLength: 4 }),
    inputs: fc.array(valueInfo, { maxLength: 3 }),
    outputs: fc.array(valueInfo, { maxLength: 3 }),
    doc: fc.string(),
  },
  { requiredKeys: ['name', 'nodes', 'initializers', 'inputs', 'outputs'] },
);

/** Plain data for comparison: typed arrays and number/bigint mixes become arrays of one kind. */
function plain(value: unknown, key = ''): unknown {
  if (typeof value === 'bigint') return value;
  if (ArrayBuffer.isView(value) || (Array.isArray(value) && key === 'data')) {
    return Array.from(value as ArrayLike<number | bigint>, (v) => (typeof v === 'bigint' || key === 'data64' ? BigInt(v) : v));
  }
  if (Array.isArray(value)) return value.map((v) => plain(v));
  if (value && typeof value === 'object') {
    const o = value as Record<string, unknown>;
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(o)) if (v !== undefined) out[k] = plain(v, k === 'data' && o['elem'] === 'int64' ? 'data64' : k);
    return out;
  }
  return value;
}

/** Integer attributes decode to a number when safe: the spec's safe bigints compare as numbers. */
function normaliseInts(spec: GraphSpec): unknown {
  return JSON.parse(
    JSON.stringify(plain(spec), (_, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v)),
    (_, v: unknown) => (typeof v === 'string' && /^-?\d+n$/.test(v) && Number.isSafeInteger(Number(v.slice(0, -1))) ? Number(v.slice(0, -1)) : v),
  );
}

describe(`readGraph (seed ${SEED})`, () => {
  it('reads back every node, attribute, initializer, input and output the encoder wrote', () => {
    fc.assert(
      fc.property(graph, (g) => {
        const back = readGraph(encodeModel({ graph: g }));
        expect(normaliseInts(back)).toEqual(normaliseInts(g));
      }),
      { seed: SEED, numRuns: 300 },
    );
  });

  it('reads raw_data tensors (what other exporters write) and rejects a size mismatch', () => {
    const w = new ProtoWriter();
    w.packedVarints(1, [2, 2]);
    w.intField(2, 1);
    w.stringField(8, 'w');
    w.bytesField(9, new Uint8Array(new Float32Array([1, -2.5, 3, 4]).buffer));
    expect(readTensor(w.finish())).toEqual({ name: 'w', elem: 'float', dims: [2, 2], data: new Float32Array([1, -2.5, 3, 4]) });
    const bad = new ProtoWriter();
    bad.packedVarints(1, [3]);
    bad.intField(2, 1);
    bad.bytesField(9, new Uint8Array(8));
    expect(() => readTensor(bad.finish())).toThrow(/raw_data of 8 bytes for 3 float values/);
  });

  it('names an element type it does not read, and a model without a graph', () => {
    const w = new ProtoWriter();
    w.intField(2, 10); // float16
    expect(() => readTensor(w.finish())).toThrow(/element type 10 is not one Runnel reads/);
    const model = new ProtoWriter();
    model.intField(1, 8);
    expect(() => readGraph(model.finish())).toThrow(/no graph/);
  });
});
