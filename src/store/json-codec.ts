/**
 * JSON that keeps what plain JSON loses in sensor data: NaN and ±Infinity survive a round trip
 * (encoded as `{"$num":"NaN"}`); `undefined` object fields are dropped as usual.
 */
export function encodeJson(value: unknown): string {
  const plain = JSON.stringify(value);
  // Plain JSON writes non-finite numbers as null; only then take the slower, exact path.
  return plain !== undefined && plain.includes('null') ? JSON.stringify(value, keepNonFinite) : plain;
}

function keepNonFinite(_key: string, v: unknown): unknown {
  return typeof v === 'number' && !Number.isFinite(v) ? { $num: String(v) } : v;
}

/** Inverse of `encodeJson`. */
export function decodeJson(text: string): unknown {
  // Without "$num" (or a \u escape that could spell it) there is nothing to revive: the reviver
  // costs a call per value, more than the parse itself for small records.
  if (!text.includes('$num') && !text.includes('\\u')) return JSON.parse(text);
  return JSON.parse(text, (_key, v: unknown) => {
    if (typeof v === 'object' && v !== null && !Array.isArray(v)) {
      const keys = Object.keys(v);
      if (keys.length === 1 && keys[0] === '$num') return Number((v as { $num: string }).$num);
    }
    return v;
  });
}
