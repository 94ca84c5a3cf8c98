/**
 * The kind of a free-text reason: quoted input and numbers blanked out, so that reasons that
 * differ only in them fall together. A double-quoted text holding a digit or longer than 22
 * characters becomes `"…"` (a field name such as `"temp"` stays), any single-quoted one `'…'`
 * (V8 quotes the offending token or property so: `Unexpected token 'x'`), and a number `N`. Used
 * for dead letters without a code (written before schema 4); those with one are grouped by it.
 */
export function reasonKind(reason: string): string {
  return reason
    .replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'/g, (quoted) => (quoted[0] === "'" || quoted.length > 24 || /\d/.test(quoted) ? `${quoted[0]}…${quoted[0]}` : quoted))
    .replace(/-?\d+(\.\d+)?(e[+-]?\d+)?/gi, 'N');
}
