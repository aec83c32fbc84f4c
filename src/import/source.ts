/**
 * An input file of a peer tool (YAML or JSON), parsed with positions kept so that every error and
 * warning names the file, the line and the field.
 */
import { isAlias, isCollection, isNode, isScalar, LineCounter, parseDocument } from 'yaml';
import { ImportError, type ImportWarning } from './model.js';

type Segment = string | number;

export class InputFile {
  readonly data: unknown;
  readonly #lines = new LineCounter();
  readonly #doc;

  constructor(
    readonly file: string,
    text: string,
  ) {
    // JSON with `//` comments, as image-syncer's README writes it, is not YAML: drop the comments.
    const source = /^\s*[{[]/.test(text)
      ? text.replace(/^(\s*)\/\/.*$/gm, '$1').replace(/,(\s*)\/\/[^\n"]*$/gm, ',$1')
      : text;
    this.#doc = parseDocument(source, { lineCounter: this.#lines, prettyErrors: false, uniqueKeys: true });
    const err = this.#doc.errors[0];
    if (err) {
      // With prettyErrors off the error has no linePos: the line comes from its offset.
      const line = err.linePos?.[0]?.line ?? this.#lines.linePos(err.pos[0]).line;
      throw new ImportError(file, line, undefined, `not valid YAML or JSON: ${err.message.split('\n')[0]}`);
    }
    this.data = this.#doc.toJS({ maxAliasCount: 1000 });
  }

  /** 1-based line of the value at `path` (or of the deepest part of it that exists). */
  line(path: readonly Segment[]): number | undefined {
    for (let n = path.length; n >= 0; n--) {
      let node = this.#doc.getIn(path.slice(0, n), true) as unknown;
      if (n === 0) node = this.#doc.contents;
      if (isAlias(node)) node = node.resolve(this.#doc);
      if (isNode(node) && node.range) return this.#lines.linePos(node.range[0]).line;
    }
    return undefined;
  }

  /**
   * The scalar at `path` as a Go string field decodes it: a plain scalar by its text as written
   * (`1.10` stays "1.10", where toJS gives the number 1.1), a quoted one by its value. Undefined
   * when there is no scalar there (or it is null).
   */
  text(path: readonly Segment[]): string | undefined {
    // Step by step, so that an alias anywhere on the way (`allow: *common`) is followed.
    let node: unknown = this.#doc.contents;
    for (const key of path) {
      if (isAlias(node)) node = node.resolve(this.#doc);
      node = isCollection(node) ? node.get(key, true) : undefined;
    }
    if (isAlias(node)) node = node.resolve(this.#doc);
    if (!isScalar(node) || node.value === null || typeof node.value === 'object') return undefined;
    if (typeof node.value === 'string') return node.value;
    return node.type === 'PLAIN' && typeof node.source === 'string' ? node.source : String(node.value);
  }

  /** `rules[0].tags` style name of a path, for messages. */
  static field(path: readonly Segment[]): string {
    return path.map((s, i) => (typeof s === 'number' ? `[${s}]` : i === 0 ? s : `.${s}`)).join('');
  }

  /** The line of a map key (for keys that are data, like skopeo's registry hosts). */
  keyLine(path: readonly Segment[]): number | undefined {
    const parent = this.#doc.getIn(path.slice(0, -1), true) as { items?: { key?: unknown }[] } | undefined;
    const key = path[path.length - 1];
    const pair = parent?.items?.find((p) => isNode(p.key) && (p.key as { value?: unknown }).value === key);
    const k = pair?.key;
    return isNode(k) && k.range ? this.#lines.linePos(k.range[0]).line : this.line(path);
  }

  error(path: readonly Segment[], message: string): ImportError {
    return new ImportError(this.file, this.line(path), InputFile.field(path), message);
  }

  where(path: readonly Segment[]): string {
    const line = this.line(path);
    return `${this.file}${line !== undefined ? `:${line}` : ''}`;
  }

  warning(path: readonly Segment[], message: string): ImportWarning {
    return { where: this.where(path), field: InputFile.field(path), message };
  }
}

export const isObj = (v: unknown): v is Record<string, unknown> =>
  v !== null && typeof v === 'object' && !Array.isArray(v);
