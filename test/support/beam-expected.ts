/**
 * Beam's way of testing its YAML examples: the rows an example's `# Expected:` comment lists
 * (`#  Row(a='x', b=1.0)`), compared with what LogForTesting printed as a multiset.
 */
export type Row = Record<string, unknown>;
const PY_VALUE = /(\w+)=('(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*"|-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?|True|False|None)/g;

/** The rows of a Beam example's `# Expected:` comment (`#  Row(a='x', b=1.0)`). */
export function expectedRows(yaml: string): Row[] {
  const comment = yaml.slice(yaml.indexOf('# Expected:'));
  return [...comment.matchAll(/Row\((.*)\)/g)].map(([, fields]): Row => {
    const entries: [string, unknown][] = [...fields!.matchAll(PY_VALUE)].map(([, key, v]) => [key!, pyValue(v!)]);
    return Object.fromEntries(entries);
  });
}

function pyValue(text: string): unknown {
  if (text.startsWith("'") || text.startsWith('"')) return text.slice(1, -1);
  return text === 'True' ? true : text === 'False' ? false : text === 'None' ? null : Number(text);
}

/** A row as a comparable string: keys sorted, numbers to 12 significant digits (so 1 equals 1.0). */
const canonical = (row: Row): string =>
  JSON.stringify(
    Object.keys(row)
      .sort()
      .map((k) => {
        const v = row[k];
        return [k, typeof v === 'number' ? Number(v.toPrecision(12)) : v];
      }),
  );
export const multiset = (rows: Row[]): string[] => rows.map(canonical).sort();
