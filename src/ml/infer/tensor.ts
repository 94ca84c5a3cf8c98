/**
 * Runnel's tensor: `{ type, data, dims }`, row-major, with the element types onnxruntime-web
 * accepts. Model inputs, constants, state and outputs are tensors; number rows stay the fast
 * special case (`BatchFrame`). A tensor made here writes itself to JSON as
 * `{ type, dims, data: [...] }` (int64 as numbers), so results and state can go to the outbox and
 * keyed state of a durable run; `reviveTensor` reads that form back.
 */

/** The element types of a tensor; `float16` is held as raw bits in a `Uint16Array`. */
export type TensorType = 'float32' | 'float64' | 'float16' | 'int8' | 'int16' | 'int32' | 'int64' | 'uint8' | 'uint16' | 'bool' | 'string';

/** The array that holds each type's values. */
export interface TensorDataMap {
  float32: Float32Array;
  float64: Float64Array;
  float16: Uint16Array;
  int8: Int8Array;
  int16: Int16Array;
  int32: Int32Array;
  int64: BigInt64Array;
  uint8: Uint8Array;
  uint16: Uint16Array;
  bool: Uint8Array;
  string: string[];
}

/** Any tensor's data. */
export type TensorData = TensorDataMap[TensorType];

/** A typed N-D tensor: `data` holds the product of `dims` values, row-major. */
export interface Tensor<T extends TensorType = TensorType> {
  readonly type: T;
  readonly data: TensorDataMap[T];
  readonly dims: readonly number[];
}

type ArrayCtor = { new (n: number): Exclude<TensorData, string[]>; from(values: ArrayLike<number> | ArrayLike<bigint>): Exclude<TensorData, string[]> };

const CTORS: Record<Exclude<TensorType, 'string'>, ArrayCtor> = {
  float32: Float32Array,
  float64: Float64Array,
  float16: Uint16Array,
  int8: Int8Array,
  int16: Int16Array,
  int32: Int32Array,
  int64: BigInt64Array,
  uint8: Uint8Array,
  uint16: Uint16Array,
  bool: Uint8Array,
};

/** The typed-array constructor of a type; undefined for `string` (and unknown names). */
function ctorOf(type: TensorType): ArrayCtor | undefined {
  return type === 'string' ? undefined : CTORS[type];
}

/** A fresh array of `n` values of `type`. */
function allocate(type: TensorType, n: number): TensorData {
  const ctor = ctorOf(type);
  return ctor ? new ctor(n) : new Array<string>(n).fill('');
}

/** The tensor types, in the order onnxruntime lists them. */
export const TENSOR_TYPES = Object.freeze([...Object.keys(CTORS), 'string'] as TensorType[]);

/** Number of values a tensor of `dims` holds. */
export function sizeOf(dims: readonly number[]): number {
  let n = 1;
  for (const d of dims) n *= d;
  return n;
}

const proto = {
  toJSON(this: Tensor): { type: TensorType; dims: number[]; data: (number | string)[] } {
    const data = this.data;
    return {
      type: this.type,
      dims: [...this.dims],
      data: Array.isArray(data) ? [...data] : data instanceof BigInt64Array ? Array.from(data, Number) : Array.from(data as ArrayLike<number>),
    };
  },
};

/**
 * Makes a tensor, checking that `data` fills `dims` (default: one axis of `data.length`). Plain
 * arrays are converted (numbers to `bigint` for int64, booleans to 0/1 for bool); a typed array
 * of the type's own kind is used as is, without a copy.
 *
 * @example tensor('float32', samples, [1, 512]); tensor('int64', [16000], [])
 */
export function tensor<T extends TensorType>(type: T, data: TensorDataMap[T] | ArrayLike<number | bigint | boolean | string>, dims?: readonly number[]): Tensor<T> {
  const ctor = ctorOf(type);
  if (type !== 'string' && ctor === undefined) throw new RangeError(`tensor: unknown type "${type}"; one of ${TENSOR_TYPES.join(', ')}`);
  const values = ctor ? toTyped(type, ctor, data) : toStrings(data);
  const shape = dims ? [...dims] : [values.length];
  if (shape.some((d) => !Number.isInteger(d) || d < 0)) throw new RangeError(`tensor: dims must be non-negative integers, got [${shape.join(', ')}]`);
  if (sizeOf(shape) !== values.length) throw new RangeError(`tensor: ${values.length} values do not fill dims [${shape.join(', ')}] (${sizeOf(shape)} values)`);
  return make(type, values as TensorDataMap[T], shape);
}

/** A tensor from parts already known to fit (no checks: the hot path of splitting a batch). */
function make<T extends TensorType>(type: T, data: TensorDataMap[T], dims: readonly number[]): Tensor<T> {
  const t = Object.create(proto) as { type: T; data: TensorDataMap[T]; dims: readonly number[] };
  t.type = type;
  t.data = data;
  t.dims = dims;
  return t;
}

function toTyped(type: TensorType, ctor: ArrayCtor, data: ArrayLike<unknown>): TensorData {
  if (data instanceof (ctor as unknown as typeof Float32Array)) return data as TensorData;
  const n = data.length;
  const out = new ctor(n);
  if (type === 'int64') {
    for (let i = 0; i < n; i++) (out as BigInt64Array)[i] = BigInt(data[i] as number | bigint);
  } else {
    for (let i = 0; i < n; i++) {
      const v = data[i];
      (out as Float32Array)[i] = typeof v === 'boolean' ? Number(v) : Number(v);
    }
  }
  return out;
}

function toStrings(data: ArrayLike<unknown>): string[] {
  const out: string[] = [];
  for (let i = 0; i < data.length; i++) out.push(String(data[i]));
  return out;
}

/** A float32 tensor (default dims: one axis). */
export function float32(data: Float32Array | ArrayLike<number>, dims?: readonly number[]): Tensor<'float32'> {
  return tensor('float32', data, dims);
}

/** An int64 tensor; a single number gives a scalar (dims `[]`), e.g. a sample rate: `int64(16000)`. */
export function int64(value: number | bigint | ArrayLike<number | bigint>, dims?: readonly number[]): Tensor<'int64'> {
  return typeof value === 'number' || typeof value === 'bigint' ? tensor('int64', [value], dims ?? []) : tensor('int64', value, dims);
}

/** Whether `value` has the shape of a tensor (`type`, `data`, `dims`). */
export function isTensor(value: unknown): value is Tensor {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Partial<Tensor>;
  return typeof v.type === 'string' && Array.isArray(v.dims) && (Array.isArray(v.data) || ArrayBuffer.isView(v.data));
}

/** Reads a tensor back from its JSON form (`{ type, dims, data: [...] }`); a tensor is returned as is. */
export function reviveTensor(value: unknown): Tensor {
  if (!isTensor(value)) throw new TypeError(`not a tensor: ${JSON.stringify(value)?.slice(0, 80)}`);
  return Array.isArray(value.data) && value.type !== 'string' ? tensor(value.type, value.data as unknown as number[], value.dims) : value;
}

/** A tensor of zeros (empty strings for `string`). */
export function zeros<T extends TensorType>(type: T, dims: readonly number[]): Tensor<T> {
  const n = sizeOf(dims);
  return tensor(type, allocate(type, n) as TensorDataMap[T], dims);
}

/** `[outer, size, inner]`: the value counts before, along and after `axis`. */
function split(dims: readonly number[], axis: number): [number, number, number] {
  return [sizeOf(dims.slice(0, axis)), dims[axis] ?? 1, sizeOf(dims.slice(axis + 1))];
}

/**
 * Stacks same-shaped tensors along a new `axis` (`stack([a, b], 1)` of two `[2, 64]` gives
 * `[2, 2, 64]`): how a batch is built from examples.
 */
export function stack<T extends TensorType>(tensors: readonly Tensor<T>[], axis: number): Tensor<T> {
  const first = tensors[0];
  if (!first) throw new RangeError('stack: no tensors');
  const dims = first.dims;
  if (!Number.isInteger(axis) || axis < 0 || axis > dims.length) throw new RangeError(`stack: axis ${axis} is outside 0..${dims.length}`);
  for (const t of tensors) {
    if (t.type !== first.type || !sameDims(t.dims, dims)) {
      throw new RangeError(`stack: tensors differ: ${first.type} [${dims.join(', ')}] and ${t.type} [${t.dims.join(', ')}]`);
    }
  }
  const n = tensors.length;
  if (n === 1) return tensor(first.type, first.data, [...dims.slice(0, axis), 1, ...dims.slice(axis)]);
  const [outer, , inner] = split([...dims.slice(0, axis), 1, ...dims.slice(axis)], axis);
  const out = allocate(first.type, sizeOf(dims) * n);
  for (let k = 0; k < n; k++) {
    const src = tensors[k]!.data as ArrayLike<unknown>;
    for (let o = 0; o < outer; o++) copy(src, o * inner, out, (o * n + k) * inner, inner);
  }
  return tensor(first.type, out as TensorDataMap[T], [...dims.slice(0, axis), n, ...dims.slice(axis)]);
}

/**
 * Index `index` along `axis`, with that axis removed (`take(t, 1, 0)` of `[2, 3, 64]` gives
 * `[2, 64]`): how a batch's outputs are split per example. Along axis 0 the data is a view.
 */
export function take<T extends TensorType>(t: Tensor<T>, axis: number, index: number): Tensor<T> {
  const rank = t.dims.length;
  if (!Number.isInteger(axis) || axis < 0 || axis >= rank) throw new RangeError(`take: axis ${axis} is outside 0..${rank - 1} of [${t.dims.join(', ')}]`);
  const size = t.dims[axis]!;
  if (!Number.isInteger(index) || index < 0 || index >= size) throw new RangeError(`take: index ${index} is outside 0..${size - 1} along axis ${axis}`);
  const dims: number[] = [];
  let outer = 1;
  let inner = 1;
  for (let k = 0; k < rank; k++) {
    const d = t.dims[k]!;
    if (k < axis) outer *= d;
    if (k > axis) inner *= d;
    if (k !== axis) dims.push(d);
  }
  const data = t.data as ArrayLike<unknown>;
  if (outer === 1) {
    const from = index * inner;
    const part = Array.isArray(data) ? data.slice(from, from + inner) : (data as Float32Array).subarray(from, from + inner);
    return make(t.type, part as TensorDataMap[T], dims);
  }
  const out = allocate(t.type, outer * inner);
  for (let o = 0; o < outer; o++) copy(data, (o * size + index) * inner, out, o * inner, inner);
  return make(t.type, out as TensorDataMap[T], dims);
}

function copy(src: ArrayLike<unknown>, from: number, dst: unknown, to: number, n: number): void {
  if (!Array.isArray(src)) {
    (dst as Float32Array).set((src as Float32Array).subarray(from, from + n), to);
    return;
  }
  for (let i = 0; i < n; i++) (dst as unknown[])[to + i] = src[from + i];
}

/** Whether two dims lists are equal. */
export function sameDims(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}
