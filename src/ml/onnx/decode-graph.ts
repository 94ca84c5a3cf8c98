/**
 * Reads a model's graph (GraphProto) back into the encoder's plain data (`GraphSpec`): nodes with
 * their attributes, initializers with their values, inputs and outputs with their types. What the
 * WASM fast path needs to recognise a small model and take its weights. Only the element types the
 * encoder knows are read; anything else is a `RangeError` naming it.
 */
import { readFields, type ProtoField } from './decode.js';
import { ELEM_TYPES, type AttributeValue, type Dim, type ElemType, type GraphSpec, type NodeSpec, type TensorSpec, type TypeSpec, type ValueInfoSpec } from './encode.js';

const utf8 = new TextDecoder('utf-8', { fatal: true });
const ELEM_NAMES = new Map<number, ElemType>(Object.entries(ELEM_TYPES).map(([name, code]) => [code, name as ElemType]));

function elemOf(code: bigint): ElemType {
  const elem = ELEM_NAMES.get(Number(code));
  if (!elem) throw new RangeError(`element type ${code} is not one Runnel reads (${[...ELEM_NAMES.values()].join(', ')})`);
  return elem;
}

/** An int64 as a number when it is safe, else a bigint (as the encoder takes it). */
function int64Of(v: bigint): number | bigint {
  const signed = BigInt.asIntN(64, v);
  return signed >= BigInt(Number.MIN_SAFE_INTEGER) && signed <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(signed) : signed;
}

/** Varints of a packed (wire 2) or unpacked (wire 0) repeated field, appended to `out`. */
function pushVarints(f: ProtoField, out: bigint[]): void {
  if (f.wire === 0) out.push(f.value);
  else if (f.wire === 2) {
    // A packed run is a message of field-1 varints once a key is put in front of each: read it by hand.
    let pos = 0;
    const b = f.value;
    while (pos < b.length) {
      let v = 0n;
      for (let shift = 0n; ; shift += 7n) {
        if (pos >= b.length || shift >= 70n) throw new RangeError('truncated packed varint');
        const byte = b[pos++]!;
        v |= BigInt(byte & 0x7f) << shift;
        if ((byte & 0x80) === 0) break;
      }
      out.push(v);
    }
  } else throw new RangeError(`repeated integer field ${f.field} has wire type ${f.wire}`);
}

/** Floats of a packed (wire 2) or unpacked (wire 5) repeated field, appended to `out`. */
function pushFloats(f: ProtoField, out: number[]): void {
  if (f.wire === 5) out.push(f.value.getFloat32(0, true));
  else if (f.wire === 2) {
    if (f.value.length % 4 !== 0) throw new RangeError(`packed floats of ${f.value.length} bytes`);
    const view = new DataView(f.value.buffer, f.value.byteOffset, f.value.byteLength);
    for (let i = 0; i < f.value.length; i += 4) out.push(view.getFloat32(i, true));
  } else throw new RangeError(`repeated float field ${f.field} has wire type ${f.wire}`);
}

/** Reads a TensorProto: dims, element type, values from `float_data`/`int32_data`/`int64_data` or `raw_data`. */
export function readTensor(bytes: Uint8Array): TensorSpec {
  const dims: bigint[] = [];
  const floats: number[] = [];
  const ints: bigint[] = [];
  let elem: ElemType | undefined;
  let raw: Uint8Array | undefined;
  let name: string | undefined;
  for (const f of readFields(bytes)) {
    if (f.field === 1) pushVarints(f, dims);
    else if (f.field === 2 && f.wire === 0) elem = elemOf(f.value);
    else if (f.field === 4) pushFloats(f, floats);
    else if (f.field === 5 || f.field === 7) pushVarints(f, ints);
    else if (f.field === 8 && f.wire === 2) name = utf8.decode(f.value);
    else if (f.field === 9 && f.wire === 2) raw = f.value;
    else if (f.field === 13 || f.field === 14) throw new RangeError(`tensor ${name ?? '(unnamed)'}: external or segmented data is not read`);
  }
  if (elem !== 'float' && elem !== 'int64' && elem !== 'int32')
    throw new RangeError(`tensor ${name ?? '(unnamed)'}: element type ${elem ?? '(none)'} is not read (float, int64, int32 are)`);
  const shape = dims.map(Number);
  const count = shape.reduce((a, b) => a * b, 1);
  const size = elem === 'int64' ? 8 : 4;
  let data: TensorSpec['data'];
  if (raw) {
    if (raw.length !== count * size) throw new RangeError(`tensor ${name ?? '(unnamed)'}: raw_data of ${raw.length} bytes for ${count} ${elem} values`);
    const copy = raw.slice().buffer; // aligned, and not a view of the model's bytes
    data = elem === 'float' ? new Float32Array(copy) : elem === 'int64' ? new BigInt64Array(copy) : new Int32Array(copy);
  } else {
    data =
      elem === 'float'
        ? Float32Array.from(floats)
        : elem === 'int64'
          ? BigInt64Array.from(ints, (v) => BigInt.asIntN(64, v))
          : Int32Array.from(ints, (v) => Number(BigInt.asIntN(32, v)));
  }
  if (data.length !== count) throw new RangeError(`tensor ${name ?? '(unnamed)'}: ${data.length} values for dims [${shape.join(', ')}]`);
  return { ...(name !== undefined ? { name } : {}), elem, dims: shape, data };
}

function readType(bytes: Uint8Array): TypeSpec {
  for (const f of readFields(bytes)) {
    if (f.wire !== 2) continue;
    if (f.field === 1) {
      let elem: ElemType | undefined;
      let shape: Dim[] | undefined;
      for (const t of readFields(f.value)) {
        if (t.field === 1 && t.wire === 0) elem = elemOf(t.value);
        else if (t.field === 2 && t.wire === 2) {
          shape = [];
          for (const d of readFields(t.value)) {
            if (d.field !== 1 || d.wire !== 2) continue;
            let dim: Dim = null;
            for (const v of readFields(d.value)) {
              if (v.field === 1 && v.wire === 0) dim = Number(BigInt.asIntN(64, v.value));
              else if (v.field === 2 && v.wire === 2) dim = utf8.decode(v.value);
            }
            shape.push(dim);
          }
        }
      }
      if (!elem) throw new RangeError('tensor type without an element type');
      return { tensor: shape ? { elem, shape } : { elem } };
    }
    if (f.field === 4) {
      for (const s of readFields(f.value)) if (s.field === 1 && s.wire === 2) return { sequence: readType(s.value) };
      throw new RangeError('sequence type without an element type');
    }
    if (f.field === 5) {
      let key: ElemType | undefined;
      let value: TypeSpec | undefined;
      for (const m of readFields(f.value)) {
        if (m.field === 1 && m.wire === 0) key = elemOf(m.value);
        else if (m.field === 2 && m.wire === 2) value = readType(m.value);
      }
      if (!key || !value) throw new RangeError('map type without a key or value type');
      return { map: { key, value } };
    }
  }
  throw new RangeError('value type is not a tensor, sequence or map');
}

function readValueInfo(bytes: Uint8Array): ValueInfoSpec {
  let name = '';
  let type: TypeSpec | undefined;
  let doc: string | undefined;
  for (const f of readFields(bytes)) {
    if (f.field === 1 && f.wire === 2) name = utf8.decode(f.value);
    else if (f.field === 2 && f.wire === 2) type = readType(f.value);
    else if (f.field === 3 && f.wire === 2) doc = utf8.decode(f.value);
  }
  if (!type) throw new RangeError(`value "${name}" has no type`);
  return { name, type, ...(doc !== undefined ? { doc } : {}) };
}

function readAttribute(bytes: Uint8Array): [string, AttributeValue] {
  let name = '';
  let kind = 0n;
  let f32 = 0;
  let i64 = 0n;
  let s = '';
  let tensor: TensorSpec | undefined;
  const floatList: number[] = [];
  const intList: bigint[] = [];
  const stringList: string[] = [];
  for (const f of readFields(bytes)) {
    if (f.field === 1 && f.wire === 2) name = utf8.decode(f.value);
    else if (f.field === 2 && f.wire === 5) f32 = f.value.getFloat32(0, true);
    else if (f.field === 3 && f.wire === 0) i64 = f.value;
    else if (f.field === 4 && f.wire === 2) s = utf8.decode(f.value);
    else if (f.field === 5 && f.wire === 2) tensor = readTensor(f.value);
    else if (f.field === 7) pushFloats(f, floatList);
    else if (f.field === 8) pushVarints(f, intList);
    else if (f.field === 9 && f.wire === 2) stringList.push(utf8.decode(f.value));
    else if (f.field === 20 && f.wire === 0) kind = f.value;
  }
  switch (Number(kind)) {
    case 1:
      return [name, { kind: 'float', value: f32 }];
    case 2:
      return [name, { kind: 'int', value: int64Of(i64) }];
    case 3:
      return [name, { kind: 'string', value: s }];
    case 4:
      if (!tensor) throw new RangeError(`attribute ${name}: tensor attribute without a tensor`);
      return [name, { kind: 'tensor', value: tensor }];
    case 6:
      return [name, { kind: 'floats', value: Float32Array.from(floatList) }];
    case 7:
      return [name, { kind: 'ints', value: intList.map(int64Of) }];
    case 8:
      return [name, { kind: 'strings', value: stringList }];
    default:
      throw new RangeError(`attribute ${name}: attribute type ${kind} is not read`);
  }
}

function readNode(bytes: Uint8Array): NodeSpec {
  const inputs: string[] = [];
  const outputs: string[] = [];
  const attributes: Record<string, AttributeValue> = {};
  let name: string | undefined;
  let opType = '';
  let domain: string | undefined;
  for (const f of readFields(bytes)) {
    if (f.wire !== 2) continue;
    if (f.field === 1) inputs.push(utf8.decode(f.value));
    else if (f.field === 2) outputs.push(utf8.decode(f.value));
    else if (f.field === 3) name = utf8.decode(f.value);
    else if (f.field === 4) opType = utf8.decode(f.value);
    else if (f.field === 5) {
      const [key, value] = readAttribute(f.value);
      attributes[key] = value;
    } else if (f.field === 7) domain = utf8.decode(f.value);
  }
  const node: NodeSpec = { opType, inputs, outputs, ...(name !== undefined ? { name } : {}) };
  if (domain) node.domain = domain;
  if (Object.keys(attributes).length > 0) node.attributes = attributes;
  return node;
}

/** Reads the graph of ONNX model bytes; throws `RangeError` if it is missing, malformed or holds types Runnel does not read. */
export function readGraph(model: Uint8Array): GraphSpec {
  for (const m of readFields(model)) {
    if (m.field !== 7 || m.wire !== 2) continue;
    const graph: { name: string; nodes: NodeSpec[]; initializers: TensorSpec[]; inputs: ValueInfoSpec[]; outputs: ValueInfoSpec[]; doc?: string } = {
      name: '',
      nodes: [],
      initializers: [],
      inputs: [],
      outputs: [],
    };
    for (const f of readFields(m.value)) {
      if (f.wire !== 2) continue;
      if (f.field === 1) graph.nodes.push(readNode(f.value));
      else if (f.field === 2) graph.name = utf8.decode(f.value);
      else if (f.field === 5) graph.initializers.push(readTensor(f.value));
      else if (f.field === 10) graph.doc = utf8.decode(f.value);
      else if (f.field === 11) graph.inputs.push(readValueInfo(f.value));
      else if (f.field === 12) graph.outputs.push(readValueInfo(f.value));
    }
    return graph;
  }
  throw new RangeError('no graph in the ModelProto');
}
