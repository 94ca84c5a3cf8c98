/**
 * JSON that keeps what plain JSON loses in sensor data: NaN, ±Infinity and -0 survive a round
 * trip (encoded as `{"$num":"NaN"}`); `undefined` object fields are dropped as usual.
 */
export function encodeJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    typeof v === 'number' && (!Number.isFinite(v) || Object.is(v, -0)) ? { $num: Object.is(v, -0) ? '-0' : String(v) } : v,
  );
}

/** Inverse of `encodeJson`. */
export function decodeJson(text: string): unknown {
  return JSON.parse(text, (_key, v: unknown) => {
    if (typeof v === 'object' && v !== null && !Array.isArray(v)) {
      const keys = Object.keys(v);
      if (keys.length === 1 && keys[0] === '$num') return Number((v as { $num: string }).$num);
    }
    return v;
  });
}
