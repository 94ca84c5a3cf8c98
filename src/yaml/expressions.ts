import { describe, isMapping, type ConfigReader } from './config.js';

/** A record flowing through a YAML pipeline (Beam's Row). */
export type Row = Record<string, unknown>;

/** A function of a row: a field, a literal, or a JavaScript expression or callable. */
export type RowFn = (row: Row) => unknown;

const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;
const JS_WORDS = new Set(['true', 'false', 'null', 'undefined', 'NaN', 'Infinity', 'this']);
const PY_LITERALS: Readonly<Record<string, unknown>> = { True: true, False: false, None: null };
const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
const QUOTED = /^'([^'\\]*)'$|^"([^"\\]*)"$/;

/** The transform's `language:` (default `generic`; the schema allows the ones Beam names, `LANGUAGES`). */
export function languageOf(config: ConfigReader): string {
  return (config.raw('language') as string | undefined) ?? 'generic';
}

/**
 * Compiles what a config gives for one value (a `fields:` entry, `keep:`, a combine `value:`),
 * as Beam YAML reads it:
 * - a field name: that field of the row (every language);
 * - a YAML number, boolean or null, or under python/generic a Python literal (`'0'`, `"a"`,
 *   `2.5`, `True`, `None`): that constant;
 * - under `language: javascript`, any other string, or `{ expression: … }`: a JavaScript
 *   expression in which the row's fields are variables; `{ callable: … }`: a JavaScript function
 *   called with the row.
 * Anything else under python or java is refused: Runnel runs no Python or Java.
 */
export function rowFunction(config: ConfigReader, key: string, value: unknown, language: string): RowFn {
  if (typeof value === 'string' && IDENTIFIER.test(value) && !JS_WORDS.has(value) && !(value in PY_LITERALS)) return fieldOf(value);
  if (typeof value === 'number' || typeof value === 'boolean' || value === null) return () => value;
  if (language === 'javascript') return javascript(config, key, value);
  if (typeof value === 'string' && (language === 'python' || language === 'generic')) {
    const literal = pythonLiteral(value);
    if (literal) return () => literal.value;
  }
  const shown = typeof value === 'string' ? `"${value}"` : isMapping(value) ? `this ${Object.keys(value).join('/')}` : describe(value);
  const what =
    language === 'generic' ? `${shown} is neither a field name nor a literal` : `${shown} is ${language} code, and Runnel runs no ${language === 'python' ? 'Python' : language}`;
  throw config.error(
    key,
    `${what}. Write it in JavaScript under "language: javascript": an expression over the fields (e.g. "price * 2") or a callable ("(row) => row.price * 2"); or use a plain field name or a literal`,
  );
}

/** The field `name` of a row; a row without it is an error for that element. */
function fieldOf(name: string): RowFn {
  return (row) => {
    if (!(name in row)) throw new Error(`the row has no field "${name}" (it has ${Object.keys(row).join(', ') || 'no fields'})`);
    return row[name];
  };
}

function pythonLiteral(text: string): { value: unknown } | undefined {
  const trimmed = text.trim();
  if (NUMBER.test(trimmed)) return { value: Number(trimmed) };
  const quoted = QUOTED.exec(trimmed);
  if (quoted) return { value: quoted[1] ?? quoted[2] };
  return undefined;
}

/** A string or `{ expression }` / `{ callable }` (the schema's `ROW_VALUE` allows only these besides literals). */
function javascript(config: ConfigReader, key: string, value: unknown): RowFn {
  if (typeof value === 'string') return expression(config, key, value);
  const spec = config.child(key);
  return spec.has('expression') ? expression(spec, 'expression', spec.string('expression')) : callable(spec, 'callable', spec.string('callable'));
}

/**
 * A JavaScript expression over the row's fields. As in Beam, the row's fields named in the
 * expression are bound to variables of those names: the names are the expression's identifiers,
 * and a row binds those it has as fields, so the function is compiled once per set of bound names
 * (rows of one source share it) and chosen per row without allocating. The code runs with the
 * same trust as the pipeline file.
 */
function expression(config: ConfigReader, key: string, source: string): RowFn {
  compile(config, key, [], `return (${source}\n);`); // syntax errors at load, with the position
  const candidates = [...new Set(source.match(/[A-Za-z_$][\w$]*/g) ?? [])].filter((name) => !RESERVED.has(name));
  if (candidates.length > 30) throw config.error(key, `an expression may use at most 30 distinct names (this one uses ${candidates.length}); write a callable instead`);
  const compiled: ((row: Row) => unknown)[] = [];
  return (row) => {
    let mask = 0;
    for (let i = 0; i < candidates.length; i++) if (candidates[i]! in row) mask |= 1 << i;
    let fn = compiled[mask];
    if (!fn) {
      const names = candidates.filter((_name, i) => mask & (1 << i));
      fn = javascriptFunction(['__row__'], `const { ${names.join(', ')} } = __row__;\nreturn (${source}\n);`);
      compiled[mask] = fn;
    }
    return fn(row);
  };
}

/** Words that cannot be a variable's name (or should not be rebound), so never a bound field. */
const RESERVED = new Set(
  (
    'break case catch class const continue debugger default delete do else enum export extends false finally for function if import in instanceof ' +
    'new null return super switch this throw true try typeof var void while with yield let static await implements interface package private ' +
    'protected public arguments eval undefined NaN Infinity'
  ).split(' '),
);

function callable(config: ConfigReader, key: string, source: string): RowFn {
  const fn = compile(config, key, [], `return (${source}\n);`)();
  if (typeof fn !== 'function') throw config.error(key, `a callable must be a JavaScript function such as "(row) => row.price * 2", got ${describe(fn)}`);
  return (row) => (fn as RowFn)(row);
}

function compile(config: ConfigReader, key: string, params: string[], body: string): (...args: unknown[]) => unknown {
  try {
    return javascriptFunction(params, body);
  } catch (error) {
    throw config.error(key, `not valid JavaScript: ${(error as Error).message}`);
  }
}

/** The one place the pipeline's JavaScript is compiled. */
function javascriptFunction(params: string[], body: string): (...args: unknown[]) => unknown {
  // eslint-disable-next-line @typescript-eslint/no-implied-eval -- Beam YAML's javascript UDFs are code by definition; they run with the trust of the pipeline file (docs/yaml.md)
  return new Function(...params, body) as (...args: unknown[]) => unknown;
}
