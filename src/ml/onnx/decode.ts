/**
 * Reads the top-level facts of an ONNX model (IR version, opsets, producer, metadata_props)
 * without a protobuf library, and without touching the graph: what the inference handler needs
 * to check a model's declared feature names before handing the bytes to onnxruntime.
 */

/** One protobuf field as read from the wire. Length-delimited values are views, not copies. */
export type ProtoField =
  | { field: number; wire: 0; value: bigint }
  | { field: number; wire: 1; value: DataView }
  | { field: number; wire: 2; value: Uint8Array }
  | { field: number; wire: 5; value: DataView };

/** Iterates the fields of one message; throws a `RangeError` on truncated or malformed input. */
export function* readFields(bytes: Uint8Array): Generator<ProtoField> {
  let pos = 0;
  const varint = (): bigint => {
    let result = 0n;
    for (let shift = 0n; shift < 70n; shift += 7n) {
      if (pos >= bytes.length) throw new RangeError('truncated varint');
      const b = bytes[pos++]!;
      result |= BigInt(b & 0x7f) << shift;
      if ((b & 0x80) === 0) return result;
    }
    throw new RangeError('varint longer than 10 bytes');
  };
  const take = (n: number): Uint8Array => {
    if (n < 0 || pos + n > bytes.length) throw new RangeError(`field of ${n} bytes runs past the end (${bytes.length - pos} left)`);
    const out = bytes.subarray(pos, pos + n);
    pos += n;
    return out;
  };
  const view = (b: Uint8Array): DataView => new DataView(b.buffer, b.byteOffset, b.byteLength);
  while (pos < bytes.length) {
    const key = varint();
    const field = Number(key >> 3n);
    const wire = Number(key & 7n);
    if (field === 0) throw new RangeError('field number 0');
    if (wire === 0) yield { field, wire, value: varint() };
    else if (wire === 1) yield { field, wire, value: view(take(8)) };
    else if (wire === 2) yield { field, wire, value: take(Number(varint())) };
    else if (wire === 5) yield { field, wire, value: view(take(4)) };
    else throw new RangeError(`unsupported wire type ${wire} for field ${field}`);
  }
}

/** Top-level facts of a model. */
export interface ModelInfo {
  irVersion: number;
  producerName: string;
  producerVersion: string;
  opsets: { domain: string; version: number }[];
  metadata: Record<string, string>;
  /** Whether a graph is present at all (a model without one cannot run). */
  hasGraph: boolean;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Reads a model's IR version, opsets, producer and metadata_props; throws `RangeError` if malformed. */
export function readModelInfo(bytes: Uint8Array): ModelInfo {
  const info: ModelInfo = { irVersion: 0, producerName: '', producerVersion: '', opsets: [], metadata: {}, hasGraph: false };
  for (const f of readFields(bytes)) {
    if (f.field === 1 && f.wire === 0) info.irVersion = Number(f.value);
    else if (f.field === 2 && f.wire === 2) info.producerName = utf8.decode(f.value);
    else if (f.field === 3 && f.wire === 2) info.producerVersion = utf8.decode(f.value);
    else if (f.field === 7 && f.wire === 2) info.hasGraph = true;
    else if (f.field === 8 && f.wire === 2) {
      const opset = { domain: '', version: 0 };
      for (const o of readFields(f.value)) {
        if (o.field === 1 && o.wire === 2) opset.domain = utf8.decode(o.value);
        else if (o.field === 2 && o.wire === 0) opset.version = Number(o.value);
      }
      info.opsets.push(opset);
    } else if (f.field === 14 && f.wire === 2) {
      let key = '';
      let value = '';
      for (const e of readFields(f.value)) {
        if (e.field === 1 && e.wire === 2) key = utf8.decode(e.value);
        else if (e.field === 2 && e.wire === 2) value = utf8.decode(e.value);
      }
      info.metadata[key] = value;
    }
  }
  return info;
}
