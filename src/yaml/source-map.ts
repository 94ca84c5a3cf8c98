import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Document, type Node } from 'yaml';
import { RunnelError } from '../common/errors.js';

/** A path into the YAML document: mapping keys and sequence indexes. */
export type YamlPath = readonly (string | number)[];

/**
 * A parsed Beam YAML file that remembers where each value came from, so an error can say
 * `pipeline.yaml:14:7: …` about the key at fault.
 */
export class YamlSource {
  readonly #doc: Document;
  readonly #lines: LineCounter;

  private constructor(
    /** The file name shown in messages. */
    readonly file: string,
    doc: Document,
    lines: LineCounter,
  ) {
    this.#doc = doc;
    this.#lines = lines;
  }

  /** Parses `text`; a YAML syntax error (or a duplicate key) fails with its line and column. */
  static parse(text: string, file: string): YamlSource {
    const lines = new LineCounter();
    const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false });
    const error = doc.errors[0];
    if (error) {
      const { line, col } = lines.linePos(error.pos[0]);
      throw new RunnelError('PIPELINE_INVALID', `${file}:${line}:${col}: not valid YAML: ${error.message}`);
    }
    return new YamlSource(file, doc, lines);
  }

  /** The document as plain values (aliases resolved, with the parser's alias-count limit). */
  toJS(): unknown {
    return this.#doc.toJS({ maxAliasCount: 100 });
  }

  /**
   * The path a JSON pointer (`/pipeline/transforms/1/config`, as JSON Schema validators give
   * `instancePath`) names in this document: sequence indexes become numbers.
   */
  pathOf(pointer: string): YamlPath {
    const path: (string | number)[] = [];
    let node: unknown = this.#doc.contents;
    for (const escaped of pointer.split('/').slice(1)) {
      const segment = escaped.replaceAll('~1', '/').replaceAll('~0', '~');
      if (isSeq(node)) {
        path.push(Number(segment));
        node = node.items[Number(segment)];
      } else {
        path.push(segment);
        node = isMap(node) ? node.items.find((p) => (isScalar(p.key) ? p.key.value : p.key) === segment)?.value : undefined;
      }
    }
    return path;
  }

  /** `file:line:col` of the deepest node on `path` (the key, for a mapping entry). */
  where(path: YamlPath): string {
    const node = this.#locate(path);
    const offset = node?.range?.[0];
    if (offset === undefined) return this.file;
    const { line, col } = this.#lines.linePos(offset);
    return `${this.file}:${line}:${col}`;
  }

  /**
   * An error about the value at `path`, from the transform `owner` if given:
   * `file:line:col: Filter "big" (pipeline.transforms[1].config.keep): message`.
   */
  error(path: YamlPath, message: string, owner?: string): RunnelError {
    const at = path.length ? formatPath(path) : '';
    const subject = owner && at ? `${owner} (${at})` : (owner ?? at);
    return new RunnelError('PIPELINE_INVALID', `${this.where(path)}: ${subject ? `${subject}: ` : ''}${message}`);
  }

  #locate(path: YamlPath): Node | undefined {
    let node: unknown = this.#doc.contents;
    let found: Node | undefined = node as Node | undefined;
    for (const [i, segment] of path.entries()) {
      if (isMap(node)) {
        const pair = node.items.find((p) => (isScalar(p.key) ? p.key.value : p.key) === segment);
        if (!pair) return found;
        // The key for the last segment (an error names the key's line), the value for the rest.
        found = (i === path.length - 1 && isScalar(pair.key) ? pair.key : ((pair.value as Node | null) ?? (pair.key as Node))) ?? found;
        node = pair.value;
      } else if (isSeq(node) && typeof segment === 'number') {
        const item = node.items[segment] as Node | undefined;
        if (!item) return found;
        found = item;
        node = item;
      } else {
        return found;
      }
    }
    return found;
  }
}

/** `pipeline.transforms[2].config.keep` */
function formatPath(path: YamlPath): string {
  return path.map((s, i) => (typeof s === 'number' ? `[${s}]` : i === 0 ? s : `.${s}`)).join('');
}
