/**
 * A hand-written protobuf encoder for the few ONNX messages Runnel writes: ModelProto, GraphProto,
 * NodeProto, AttributeProto, TensorProto, ValueInfoProto/TypeProto, OperatorSetIdProto and
 * StringStringEntryProto. Field numbers follow onnx.proto3; only the fields below are written.
 * A full protobuf library would cost a dependency for ~150 lines of arithmetic.
 */

/** ONNX tensor element types Runnel writes (TensorProto.DataType numbers). */
export const ELEM_TYPES = { float: 1, int32: 6, int64: 7, string: 8, bool: 9, double: 11 } as const;

/** Name of a tensor element type. */
export type ElemType = keyof typeof ELEM_TYPES;

/** One dimension: a fixed size, a symbolic name (e.g. the batch dim `'N'`), or unknown (`null`). */
export type Dim = number | string | null;

/** A value type: a tensor, a sequence, or a map (what ZipMap produces). */
export type TypeSpec = { tensor: { elem: ElemType; shape?: readonly Dim[] } } | { sequence: TypeSpec } | { map: { key: ElemType; value: TypeSpec } };

/** A graph input or output (ValueInfoProto). */
export interface ValueInfoSpec {
  name: string;
  type: TypeSpec;
  doc?: string;
}

/** A constant tensor (TensorProto). Floats are written as float_data, ints as int64_data/int32_data. */
export interface TensorSpec {
  name?: string;
  elem: 'float' | 'int64' | 'int32';
  dims: readonly number[];
  data: ArrayLike<number> | BigInt64Array | readonly bigint[];
}

/** An attribute value, tagged with its ONNX attribute type. Build these with `int`, `floats`, … */
export type AttributeValue =
  | { kind: 'int'; value: number | bigint }
  | { kind: 'float'; value: number }
  | { kind: 'string'; value: string }
  | { kind: 'tensor'; value: TensorSpec }
  | { kind: 'ints'; value: readonly (number | bigint)[] }
  | { kind: 'floats'; value: ArrayLike<number> }
  | { kind: 'strings'; value: readonly string[] };

/** An integer attribute. */
export const int = (value: number | bigint): AttributeValue => ({ kind: 'int', value });
/** A float attribute. */
export const float = (value: number): AttributeValue => ({ kind: 'float', value });
/** A string attribute. */
export const str = (value: string): AttributeValue => ({ kind: 'string', value });
/** A tensor attribute (e.g. Constant's `value`). */
export const tensorAttr = (value: TensorSpec): AttributeValue => ({ kind: 'tensor', value });
/** A list-of-integers attribute. */
export const ints = (value: readonly (number | bigint)[]): AttributeValue => ({ kind: 'ints', value });
/** A list-of-floats attribute. */
export const floats = (value: ArrayLike<number>): AttributeValue => ({ kind: 'floats', value });
/** A list-of-strings attribute. */
export const strings = (value: readonly string[]): AttributeValue => ({ kind: 'strings', value });

/** One operator application (NodeProto). */
export interface NodeSpec {
  opType: string;
  inputs: readonly string[];
  outputs: readonly string[];
  name?: string;
  domain?: string;
  attributes?: Readonly<Record<string, AttributeValue>>;
}

/** A computation graph (GraphProto). */
export interface GraphSpec {
  name: string;
  nodes: readonly NodeSpec[];
  initializers: readonly TensorSpec[];
  inputs: readonly ValueInfoSpec[];
  outputs: readonly ValueInfoSpec[];
  doc?: string;
}

/** An operator set import (OperatorSetIdProto); `domain: ''` is the default ONNX domain. */
export interface OpsetSpec {
  domain: string;
  version: number;
}

/** A whole model (ModelProto). */
export interface ModelSpec {
  graph: GraphSpec;
  /** Default 8 (ONNX 1.10+; every onnxruntime since 1.10 reads it). */
  irVersion?: number;
  /** Default `DEFAULT_OPSETS`: ONNX opset 13 and `ai.onnx.ml` opset 3. */
  opsets?: readonly OpsetSpec[];
  producerName?: string;
  producerVersion?: string;
  domain?: string;
  modelVersion?: number;
  doc?: string;
  /** Written as metadata_props (string → string). */
  metadata?: Readonly<Record<string, string>>;
}

/** Opsets Runnel targets: ONNX 13 and ai.onnx.ml 3. */
export const DEFAULT_OPSETS: readonly OpsetSpec[] = [
  { domain: '', version: 13 },
  { domain: 'ai.onnx.ml', version: 3 },
];

const WIRE_VARINT = 0;
const WIRE_LEN = 2;
const WIRE_FIXED32 = 5;
const ATTR_TYPES = { float: 1, int: 2, string: 3, tensor: 4, floats: 6, ints: 7, strings: 8 } as const;
const utf8 = new TextEncoder();

/** Appends protobuf wire-format values to a growable byte buffer. */
export class ProtoWriter {
  private buf = new Uint8Array(256);
  private view = new DataView(this.buf.buffer);
  private pos = 0;

  /** Bytes written so far (a copy). */
  finish(): Uint8Array {
    return this.buf.slice(0, this.pos);
  }

  private reserve(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.pos + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.pos));
    this.buf = next;
    this.view = new DataView(next.buffer);
  }

  /** A base-128 varint. Negative values are 64-bit two's complement: always 10 bytes. */
  varint(value: number | bigint): void {
    if (typeof value === 'number') {
      if (!Number.isInteger(value)) throw new RangeError(`varint needs an integer, got ${value}`);
      if (value >= 0 && value <= 0x7fffffff) {
        this.reserve(5);
        let v = value;
        while (v > 0x7f) {
          this.buf[this.pos++] = (v & 0x7f) | 0x80;
          v >>>= 7;
        }
        this.buf[this.pos++] = v;
        return;
      }
      if (!Number.isSafeInteger(value)) throw new RangeError(`varint ${value} is not a safe integer: pass a bigint`);
      value = BigInt(value);
    }
    if (value < -(1n << 63n) || value >= 1n << 64n) throw new RangeError(`varint ${value} does not fit 64 bits`);
    let v = BigInt.asUintN(64, value);
    this.reserve(10);
    while (v > 0x7fn) {
      this.buf[this.pos++] = Number(v & 0x7fn) | 0x80;
      v >>= 7n;
    }
    this.buf[this.pos++] = Number(v);
  }

  /** A field key: field number and wire type. */
  tag(field: number, wire: number): void {
    this.varint(field * 8 + wire);
  }

  /** An int32/int64/enum field. */
  intField(field: number, value: number | bigint): void {
    this.tag(field, WIRE_VARINT);
    this.varint(value);
  }

  /** A float (fixed32) field. */
  floatField(field: number, value: number): void {
    this.tag(field, WIRE_FIXED32);
    this.reserve(4);
    this.view.setFloat32(this.pos, value, true);
    this.pos += 4;
  }

  /** A length-delimited bytes field. */
  bytesField(field: number, bytes: Uint8Array): void {
    this.tag(field, WIRE_LEN);
    this.varint(bytes.length);
    this.reserve(bytes.length);
    this.buf.set(bytes, this.pos);
    this.pos += bytes.length;
  }

  /** A UTF-8 string field. */
  stringField(field: number, value: string): void {
    this.bytesField(field, utf8.encode(value));
  }

  /** A nested message: written into its own buffer first, since its length comes before it. */
  messageField(field: number, write: (w: ProtoWriter) => void): void {
    const inner = new ProtoWriter();
    write(inner);
    this.bytesField(field, inner.finish());
  }

  /** A packed repeated int32/int64 field. */
  packedVarints(field: number, values: ArrayLike<number | bigint>): void {
    const inner = new ProtoWriter();
    for (let i = 0; i < values.length; i++) inner.varint(values[i]!);
    this.bytesField(field, inner.finish());
  }

  /** A packed repeated float field. */
  packedFloats(field: number, values: ArrayLike<number>): void {
    this.tag(field, WIRE_LEN);
    this.varint(values.length * 4);
    this.reserve(values.length * 4);
    for (let i = 0; i < values.length; i++, this.pos += 4) this.view.setFloat32(this.pos, values[i]!, true);
  }
}

function writeTensor(w: ProtoWriter, t: TensorSpec): void {
  const count = t.dims.reduce((a, b) => a * b, 1);
  if (t.data.length !== count) {
    throw new RangeError(`tensor ${t.name ?? '(unnamed)'}: ${t.data.length} values for dims [${t.dims.join(', ')}] (${count})`);
  }
  if (t.dims.length > 0) w.packedVarints(1, t.dims);
  w.intField(2, ELEM_TYPES[t.elem]);
  if (t.elem === 'float') w.packedFloats(4, t.data as ArrayLike<number>);
  else if (count > 0) w.packedVarints(t.elem === 'int32' ? 5 : 7, t.data);
  if (t.name !== undefined) w.stringField(8, t.name);
}

function writeType(w: ProtoWriter, type: TypeSpec): void {
  if ('tensor' in type) {
    w.messageField(1, (tw) => {
      tw.intField(1, ELEM_TYPES[type.tensor.elem]);
      const shape = type.tensor.shape;
      if (shape === undefined) return;
      tw.messageField(2, (sw) => {
        for (const d of shape) {
          sw.messageField(1, (dw) => {
            if (typeof d === 'number') dw.intField(1, d);
            else if (typeof d === 'string') dw.stringField(2, d);
          });
        }
      });
    });
  } else if ('sequence' in type) {
    w.messageField(4, (sw) => sw.messageField(1, (ew) => writeType(ew, type.sequence)));
  } else {
    w.messageField(5, (mw) => {
      mw.intField(1, ELEM_TYPES[type.map.key]);
      mw.messageField(2, (vw) => writeType(vw, type.map.value));
    });
  }
}

function writeAttribute(w: ProtoWriter, name: string, a: AttributeValue): void {
  w.stringField(1, name);
  switch (a.kind) {
    case 'float':
      w.floatField(2, a.value);
      break;
    case 'int':
      w.intField(3, a.value);
      break;
    case 'string':
      w.stringField(4, a.value);
      break;
    case 'tensor':
      w.messageField(5, (tw) => writeTensor(tw, a.value));
      break;
    case 'floats':
      w.packedFloats(7, a.value);
      break;
    case 'ints':
      w.packedVarints(8, a.value);
      break;
    case 'strings':
      for (const s of a.value) w.stringField(9, s);
      break;
  }
  w.intField(20, ATTR_TYPES[a.kind]);
}

function writeNode(w: ProtoWriter, n: NodeSpec): void {
  for (const i of n.inputs) w.stringField(1, i);
  for (const o of n.outputs) w.stringField(2, o);
  if (n.name !== undefined) w.stringField(3, n.name);
  w.stringField(4, n.opType);
  for (const [name, value] of Object.entries(n.attributes ?? {})) w.messageField(5, (aw) => writeAttribute(aw, name, value));
  if (n.domain) w.stringField(7, n.domain);
}

function writeValueInfo(w: ProtoWriter, v: ValueInfoSpec): void {
  w.stringField(1, v.name);
  w.messageField(2, (tw) => writeType(tw, v.type));
  if (v.doc !== undefined) w.stringField(3, v.doc);
}

function writeGraph(w: ProtoWriter, g: GraphSpec): void {
  for (const n of g.nodes) w.messageField(1, (nw) => writeNode(nw, n));
  w.stringField(2, g.name);
  for (const t of g.initializers) w.messageField(5, (tw) => writeTensor(tw, t));
  if (g.doc !== undefined) w.stringField(10, g.doc);
  for (const v of g.inputs) w.messageField(11, (vw) => writeValueInfo(vw, v));
  for (const v of g.outputs) w.messageField(12, (vw) => writeValueInfo(vw, v));
}

/** Encodes a model as ONNX protobuf bytes, ready for `InferenceSession.create(bytes)`. */
export function encodeModel(model: ModelSpec): Uint8Array {
  const w = new ProtoWriter();
  w.intField(1, model.irVersion ?? 8);
  w.stringField(2, model.producerName ?? 'runnel');
  if (model.producerVersion !== undefined) w.stringField(3, model.producerVersion);
  if (model.domain !== undefined) w.stringField(4, model.domain);
  if (model.modelVersion !== undefined) w.intField(5, model.modelVersion);
  if (model.doc !== undefined) w.stringField(6, model.doc);
  w.messageField(7, (gw) => writeGraph(gw, model.graph));
  for (const o of model.opsets ?? DEFAULT_OPSETS) {
    w.messageField(8, (ow) => {
      ow.stringField(1, o.domain);
      ow.intField(2, o.version);
    });
  }
  for (const [key, value] of Object.entries(model.metadata ?? {})) {
    w.messageField(14, (mw) => {
      mw.stringField(1, key);
      mw.stringField(2, value);
    });
  }
  return w.finish();
}
