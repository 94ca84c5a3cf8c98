/** Runs the same model bytes on onnxruntime-web and onnxruntime-node, and compares arrays with a stated tolerance. */
import * as ortWeb from 'onnxruntime-web';
import ortNode from 'onnxruntime-node';
import { expect } from 'vitest';
import { expectClose, type Tolerance } from './compare.js';

export { expectClose, labels, worstRatio, type Tolerance } from './compare.js';

export type Feed = { data: Float32Array; dims: number[] };
export type Out = { data: Float32Array | BigInt64Array; dims: readonly number[] };
export type Outs = Record<string, Out>;

async function run(rt: typeof ortWeb, bytes: Uint8Array, feeds: Record<string, Feed>, fetches?: string[]): Promise<Outs> {
  const session = await rt.InferenceSession.create(bytes);
  try {
    const inputs: Record<string, ortWeb.Tensor> = {};
    for (const [name, f] of Object.entries(feeds)) inputs[name] = new rt.Tensor('float32', f.data, f.dims);
    const res = fetches ? await session.run(inputs, fetches) : await session.run(inputs);
    const out: Outs = {};
    for (const [name, t] of Object.entries(res)) out[name] = { data: t.data as Float32Array | BigInt64Array, dims: t.dims };
    return out;
  } finally {
    await session.release();
  }
}

/** Runs the model on both runtimes. */
export async function runBoth(bytes: Uint8Array, feeds: Record<string, Feed>, fetches?: string[]): Promise<{ web: Outs; node: Outs }> {
  const web = await run(ortWeb, bytes, feeds, fetches);
  const node = await run(ortNode, bytes, feeds, fetches);
  return { web, node };
}

/** Asserts both runtimes gave the same outputs (floats within `tol`, labels exactly). */
export function expectRuntimesAgree(web: Outs, node: Outs, tol: Tolerance): void {
  expect(Object.keys(web).sort()).toEqual(Object.keys(node).sort());
  for (const [name, w] of Object.entries(web)) {
    const n = node[name]!;
    expect(w.dims, `${name} dims`).toEqual(n.dims);
    if (w.data instanceof BigInt64Array) expect(Array.from(w.data), `${name} web vs node`).toEqual(Array.from(n.data as BigInt64Array));
    else expectClose(w.data, n.data as Float32Array, tol, `${name} web vs node`);
  }
}
