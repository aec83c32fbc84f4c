/**
 * Reading replication.yaml: YAML with positions kept, then schema, normalisation and semantic
 * checks, every problem reported as `file:line:col: path: message`, in file order.
 *
 * Hostile input is bounded before it can cost much: the file size (read.ts), nesting depth (checked
 * on the parser's token tree, before the recursive composer runs), alias expansion (checked before
 * anything expands aliases), and the number of diagnostics listed. Lookups by path and position are
 * indexed, so a file with thousands of problems is still checked in linear time.
 */
import { open, readdir, stat } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import {
  type Alias,
  Composer,
  type CST,
  type Document,
  isAlias,
  isMap,
  isNode,
  isPair,
  isScalar,
  isSeq,
  LineCounter,
  type Node,
  type Pair,
  Parser,
  visit,
  YAMLParseError,
} from 'yaml';
import { capDiagnostics, type ConfigDiagnostic, ConfigError, sortDiagnostics, suggest } from './errors.js';
import { ARCHIVE_TYPES, type Normalized, normalize } from './normalize.js';
import { errnoText, MAX_RULES_FILE_BYTES, readRulesFile, tooLargeMessage } from './read.js';
import { fitsAsString, misindentedUnder, schemaKeys, type Segment, validateSchema } from './schema.js';
import { checkSemantics, OCI_LAYOUT_URL } from './semantic.js';
import { type Repair, repairYaml } from './yaml-repair.js';
import { applyTraps, labelTraps, patternTraps, scalarReadAs } from './yaml-traps.js';
import type { Config } from './types.js';

/** Deepest nesting of maps and lists accepted; a rules file uses about 6 levels. */
export const MAX_NESTING = 64;

/**
 * Most values that aliases (`*name`, `<<: *name`) may expand to in one file, all aliases together:
 * about what a file at the size cap holds written out, so merges of shared settings fit easily.
 */
export const MAX_ALIAS_EXPANSION = 100_000;

/** `rules[0].filters.tag`, `registries["my.registry"]`. */
export function formatPath(path: readonly Segment[]): string {
  let out = '';
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else if (/^(?:[A-Za-z_$][A-Za-z0-9_$-]*|<<)$/.test(seg)) out += out ? `.${seg}` : seg;
    else out += `[${JSON.stringify(seg)}]`;
  }
  return out;
}

export interface Position {
  line: number;
  column: number;
}

/** Finds where a path of keys/indexes lives in the parsed YAML document. */
export class YamlSource {
  /** What each alias refers to: the last node with its anchor before it, as YAML defines. */
  readonly aliases = new Map<Alias, Node | undefined>();
  private readonly keyIndex = new WeakMap<object, Map<string, Pair>>();
  private readonly spanIndex = new WeakMap<object, { start: number; end: number; index: number }[]>();

  constructor(
    readonly doc: Document,
    readonly lines: LineCounter,
  ) {
    // Alias.resolve() walks the whole document on every call; one walk here serves every alias.
    const anchors = new Map<string, Node>();
    visit(doc, {
      Node: (_key, node) => {
        if (isAlias(node)) this.aliases.set(node, anchors.get(node.source));
        else if (node.anchor) anchors.set(node.anchor, node);
      },
    });
  }

  pos(offset: number): Position {
    const { line, col } = this.lines.linePos(offset);
    return { line, column: col };
  }

  private deref(node: unknown): unknown {
    return isAlias(node) ? this.aliases.get(node) : node;
  }

  /** The first pair with this key, as a linear search would find it. */
  private pairOf(map: { items: unknown[] }, key: string): Pair | undefined {
    let index = this.keyIndex.get(map);
    if (!index) {
      index = new Map();
      for (const p of map.items) {
        if (isPair(p) && isScalar(p.key)) {
          const k = String(p.key.value);
          if (!index.has(k)) index.set(k, p);
        }
      }
      this.keyIndex.set(map, index);
    }
    return index.get(key);
  }

  /** Index of the item of a map (`pairs`) or list whose span holds `offset`, by binary search. */
  private itemAt(collection: { items: unknown[] }, offset: number, pairs: boolean): number {
    let spans = this.spanIndex.get(collection);
    if (!spans) {
      spans = [];
      collection.items.forEach((item, index) => {
        let start: number | undefined;
        let end: number | undefined;
        if (pairs && isPair(item)) {
          start = isNode(item.key) ? item.key.range?.[0] : undefined;
          end = isNode(item.value) ? item.value.range?.[2] : isNode(item.key) ? item.key.range?.[2] : undefined;
        } else if (!pairs && isNode(item) && item.range) {
          start = item.range[0];
          end = item.range[2] === start ? start + 1 : item.range[2];
        }
        if (start !== undefined && end !== undefined) spans!.push({ start, end, index });
      });
      spans.sort((a, b) => a.start - b.start);
      this.spanIndex.set(collection, spans);
    }
    let lo = 0;
    let hi = spans.length - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (spans[mid]!.start <= offset) {
        found = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    const span = spans[found];
    return span && offset < span.end ? span.index : -1;
  }

  /**
   * A key a map takes from `<<: *anchor` (or a list of them), where the anchor's map has it: a
   * mistake written there is told where it is written, not at every rule that merges it.
   */
  private mergedPair(map: { items: unknown[] }, key: string, depth = 0): Pair | undefined {
    if (depth > 8) return undefined;
    for (const item of map.items) {
      if (!isPair(item) || !isMergeKey(item.key)) continue;
      const sources = isSeq(item.value) ? item.value.items : [item.value];
      for (const source of sources) {
        const m = this.deref(source);
        if (!isMap(m)) continue;
        const found = this.pairOf(m, key) ?? this.mergedPair(m, key, depth + 1);
        if (found) return found;
      }
    }
    return undefined;
  }

  /** The key and value nodes at `path`; for a path that goes missing, the deepest node found. */
  private walk(path: readonly Segment[]): { node: Node | null; key: Node | null; complete: boolean } {
    let node: unknown = this.doc.contents;
    let key: Node | null = null;
    for (const seg of path) {
      node = this.deref(node);
      let next: unknown;
      let nextKey: Node | null = null;
      if (isMap(node)) {
        const pair = this.pairOf(node, String(seg)) ?? this.mergedPair(node, String(seg));
        if (pair) {
          next = pair.value;
          nextKey = isNode(pair.key) ? pair.key : null;
          if (next === null || next === undefined) return { node: nextKey, key: nextKey, complete: true };
        }
      } else if (isSeq(node) && typeof seg === 'number') {
        next = node.items[seg];
      }
      if (next === undefined || !isNode(next)) return { node: node as Node, key, complete: false };
      node = next;
      key = nextKey;
    }
    return { node: (node as Node) ?? null, key, complete: true };
  }

  /** Position of the value at `path` (or of its key when `at` is 'key'); falls back to the nearest parent. */
  locate(path: readonly Segment[], at: 'key' | 'value' = 'value'): Position {
    const { node, key, complete } = this.walk(path);
    const target = complete && at === 'key' && key ? key : node;
    const offset = target?.range?.[0];
    return offset === undefined ? { line: 1, column: 1 } : this.pos(offset);
  }

  /** The node at `path`, without following aliases. */
  nodeAt(path: readonly Segment[]): unknown {
    let node: unknown = this.doc.contents;
    for (const seg of path) {
      if (isMap(node)) node = this.pairOf(node, String(seg))?.value;
      else if (isSeq(node) && typeof seg === 'number') node = node.items[seg];
      else return undefined;
    }
    return node;
  }

  /** Whether the file itself sets `path` (as opposed to a default). */
  has(path: readonly Segment[]): boolean {
    return this.walk(path).complete;
  }

  /** The path of the innermost node that contains `offset`, for YAML errors. */
  pathAt(offset: number): Segment[] {
    const path: Segment[] = [];
    let node: unknown = this.doc.contents;
    for (;;) {
      if (isMap(node)) {
        const pair = node.items[this.itemAt(node, offset, true)];
        if (!pair || !isScalar(pair.key)) return path;
        path.push(isMergeKey(pair.key) ? '<<' : String(pair.key.value));
        node = pair.value;
      } else if (isSeq(node)) {
        const i = this.itemAt(node, offset, false);
        if (i < 0) return path;
        path.push(i);
        node = node.items[i];
      } else {
        return path;
      }
    }
  }
}

function firstLine(message: string): string {
  return message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '');
}

const YAML_MESSAGES: Record<string, string> = {
  MULTIPLE_DOCS: 'expected a single YAML document; remove the extra `---`',
  TAB_AS_INDENT: 'tabs are not allowed for indentation in YAML; indent with spaces',
};

/** A line's key (`- name: r` → name) and the column it starts at, or undefined. */
function keyOf(line: string): { key: string; column: number; valued: boolean } | undefined {
  const m = /^(\s*(?:-\s+)?)([^\s:#][^:#]*?):(\s+\S|$)/.exec(line.replace(/\r$/, ''));
  return m ? { key: m[2]!, column: m[1]!.length, valued: m[3] !== '' } : undefined;
}

/**
 * A key indented more or less than the key it belongs beside. YAML says only "Nested mappings are
 * not allowed in compact mappings" (at the key above, when it has a value on its line) or "All
 * mapping items must start at the same column": told as the line out of place and what to align
 * it with. `offset` is where YAML reported the error.
 */
function misaligned(text: string, offset: number, code: string): { offset: number; message: string } | undefined {
  const lines = text.split('\n');
  const starts: number[] = [];
  for (let i = 0, at = 0; i < lines.length; at += lines[i]!.length + 1, i++) starts.push(at);
  let at = starts.findLastIndex((s) => s <= offset);
  const content = (i: number) => !/^\s*(#.*)?\r?$/.test(lines[i]!);
  const indent = (i: number) => /^ */.exec(lines[i]!)![0].length;
  let target: number;
  let sibling: number;
  // A deeper key passed on the way up (`name:` under `filters:`): the line may belong beside it.
  let deeper: number | undefined;
  if (code === 'BAD_INDENT') {
    while (at < lines.length && !content(at)) at++;
    target = at;
    sibling = target - 1;
    while (sibling >= 0 && (!content(sibling) || (keyOf(lines[sibling]!)?.column ?? Infinity) > indent(target))) {
      if (deeper === undefined && content(sibling) && keyOf(lines[sibling]!)) deeper = sibling;
      sibling--;
    }
  } else {
    sibling = at;
    target = at + 1;
    while (target < lines.length && !content(target)) target++;
  }
  if (target >= lines.length || sibling < 0) return undefined;
  const above = keyOf(lines[sibling]!);
  const out = keyOf(lines[target]!);
  if (!above || !out || indent(target) <= above.column) return undefined;
  // One or two spaces too many; further off, the key found is more likely a parent than a sibling.
  if (code === 'BAD_INDENT' && indent(target) - above.column > 2) return undefined;
  const why =
    code === 'BAD_INDENT' ? 'but keys of one map start at the same column' : 'so YAML reads it as part of that value';
  const below = deeper === undefined ? undefined : keyOf(lines[deeper]!);
  if (below && below.column - indent(target) <= 2)
    return {
      offset: starts[target]! + indent(target),
      message: `line ${target + 1} is indented between \`${above.key}:\` on line ${sibling + 1} and \`${below.key}:\` on line ${deeper! + 1}, ${why}; indent \`${out.key}:\` as far as the one it belongs beside`,
    };
  return {
    offset: starts[target]! + indent(target),
    message: `line ${target + 1} is indented more than \`${above.key}:\` on line ${sibling + 1}, ${why}; indent \`${out.key}:\` as far as \`${above.key}:\``,
  };
}

/**
 * Syntax errors, duplicate keys, unresolved aliases and tags: everything wrong before any schema.
 * The second and later pairs of a duplicate key go into `duplicates`, to be dropped before reading.
 */
function yamlProblems(
  src: YamlSource,
  text: string,
  file: string,
  duplicates: { map: { items: unknown[] }; pair: unknown }[] = [],
  explained: (offset: number) => boolean = () => false,
  unreadable: number[] = [],
): ConfigDiagnostic[] {
  const out: ConfigDiagnostic[] = [];
  const add = (offset: number, message: string, path: Segment[] = src.pathAt(offset), lost = true) => {
    out.push({ file, ...src.pos(offset), path: formatPath(path), message, severity: 'error' });
    // Where YAML could not read what was meant: the part around it is left out of the checks.
    if (lost) unreadable.push(offset);
  };
  const errorAt = new Set<number>();
  const errors = src.doc.errors.filter((e) => !explained(e.pos[0]));
  for (const e of errors) {
    if (errorAt.has(e.pos[0])) continue; // one syntax error per place: the rest are consequences
    errorAt.add(e.pos[0]);
    if (e.code === 'BAD_ALIAS' && text[e.pos[0]] === '*') {
      // `name: *`: an alias without a name.
      const raw = text.slice(e.pos[0]).match(/^\*[^\s,\]}]*/)![0];
      add(e.pos[0], `${raw} is read as a YAML alias because it starts with "*"; quote it: "${raw}"`);
      continue;
    }
    if (e.code === 'BLOCK_AS_IMPLICIT_KEY' || e.code === 'MULTILINE_IMPLICIT_KEY' || e.code === 'BAD_INDENT') {
      const over = misaligned(text, e.pos[0], e.code);
      if (over) {
        add(over.offset, over.message, []);
        continue;
      }
    }
    const msg = YAML_MESSAGES[e.code] ?? `YAML syntax error: ${firstLine(e.message)}`;
    add(e.pos[0], msg, []);
  }
  for (const w of src.doc.warnings) {
    if (w.code === 'TAG_RESOLVE_FAILED') {
      const tag = text.slice(w.pos[0]).match(/^![^\s,\]}]*/)?.[0] ?? '!';
      add(w.pos[0], `${tag} is read as a YAML tag because it starts with "!"; quote it: "${tag}"`);
    }
  }
  // Every anchor's first place, to tell an alias written before its anchor from one with none.
  const anchors = new Map<string, number>();
  visit(src.doc, {
    Node(_key, node) {
      if (!isAlias(node) && node.anchor && !anchors.has(node.anchor)) anchors.set(node.anchor, node.range?.[0] ?? 0);
    },
  });
  // Duplicate keys and aliases are looked for even after a syntax error: the parser recovers, and
  // each of them is a problem of its own.
  visit(src.doc, {
    Map(_key, map) {
      const seen = new Map<string, number>();
      const empty: string[] = [];
      let mapPath: Segment[] | undefined;
      for (const pair of map.items) {
        if (!isScalar(pair.key)) continue;
        const k = String(pair.key.value);
        const at = pair.key.range?.[0] ?? 0;
        const first = seen.get(k);
        if (first !== undefined) {
          mapPath ??= pathOf(src, map);
          // `filters:` left empty and its keys at its own level: the second `name:` is the tell.
          const under = misindentedUnder(mapPath, k, empty);
          const hint = under ? ` (if this one belongs to \`${under}:\`, indent it under \`${under}:\`)` : '';
          add(
            at,
            `duplicate key "${k}"; it is already set at line ${src.pos(first).line}${hint}`,
            [...mapPath, k],
            false,
          );
          duplicates.push({ map, pair });
        } else {
          seen.set(k, at);
        }
        if (pair.value === null || (isScalar(pair.value) && pair.value.value === null)) empty.push(k);
      }
    },
    Alias(_key, alias) {
      if (src.aliases.get(alias) === undefined) {
        const at = alias.range?.[0] ?? 0;
        if (explained(at)) return;
        const path = src.pathAt(at);
        const raw = `*${alias.source}`;
        // In a name or tag filter, `*-rc` is a glob YAML took for an alias; elsewhere a real alias.
        const k = typeof path.at(-1) === 'number' ? path.length - 2 : path.length - 1;
        if (path[k - 1] === 'filters' && (path[k] === 'name' || path[k] === 'tag')) {
          add(at, `${raw} is read as a YAML alias because it starts with "*"; quote it: "${raw}"`, path);
          return;
        }
        const later = anchors.get(alias.source);
        const line = src.pos(at).line;
        add(
          at,
          later === undefined
            ? `no anchor &${alias.source} is defined before line ${line}; mark the value to reuse with &${alias.source}, or quote ${raw} if it is meant as text`
            : `the anchor &${alias.source} is defined at line ${src.pos(later).line}, after its alias: YAML needs the anchor first; move it above line ${line}`,
          path,
        );
      }
    },
  });
  return out;
}

/** The path of a map node: pathAt its start, trimmed back to the map itself (pathAt may descend into its first key). */
function pathOf(src: YamlSource, map: Node): Segment[] {
  const path = src.pathAt(map.range?.[0] ?? 0);
  for (let n = path.length; n >= 0; n--) {
    const prefix = path.slice(0, n);
    if (src.nodeAt(prefix) === map) return prefix;
  }
  return [];
}

/** Offset of the first collection nested deeper than MAX_NESTING, walking the parser's token tree. */
function tooDeep(tokens: readonly CST.Token[]): number | undefined {
  // An explicit stack: the token tree is as deep as the file, which is what is being bounded.
  const stack: [CST.Token, number][] = tokens.map((t): [CST.Token, number] => [t, 0]).reverse();
  for (let top = stack.pop(); top; top = stack.pop()) {
    const [token, depth] = top;
    let children: (CST.Token | null | undefined)[];
    let level = depth;
    if (token.type === 'document') children = [token.value];
    else if (token.type === 'block-map' || token.type === 'block-seq' || token.type === 'flow-collection') {
      level = depth + 1;
      if (level > MAX_NESTING) return token.offset;
      children = token.items.flatMap((item) => [item.key, item.value]);
    } else continue;
    for (let i = children.length - 1; i >= 0; i--) {
      const child = children[i];
      if (child) stack.push([child, level]);
    }
  }
  return undefined;
}

/** YAML text → one document, or the offset of a nesting too deep to compose (the composer recurses). */
function parseYaml(text: string, lines: LineCounter): { doc: Document } | { tooDeep: number } {
  const tokens = Array.from(new Parser(lines.addNewLine).parse(text));
  const deep = tooDeep(tokens);
  if (deep !== undefined) return { tooDeep: deep };
  const composer = new Composer({ uniqueKeys: false, merge: true, prettyErrors: false });
  let doc: Document | undefined;
  for (const next of composer.compose(tokens, true, text.length)) {
    if (!doc) doc = next;
    else {
      doc.errors.push(new YAMLParseError([next.range[0], next.range[1]], 'MULTIPLE_DOCS', 'multiple documents'));
      break;
    }
  }
  // compose(…, forceDoc = true) always yields a document.
  return { doc: doc! };
}

/**
 * The first alias whose expansion makes the document too big or too deep (a "billion laughs"), or
 * that refers to a node containing itself. Measured on the node tree with each anchored node's
 * expanded size computed once, so the measuring itself does not expand anything.
 */
function aliasProblem(src: YamlSource): { alias: Alias; message: string } | undefined {
  if (src.aliases.size === 0) return undefined;
  const measured = new Map<unknown, { size: number; depth: number }>();
  let expanded = 0;
  let problem: { alias: Alias; message: string } | undefined;
  const measure = (node: unknown, level: number): { size: number; depth: number } => {
    if (problem) return { size: 0, depth: 0 };
    if (isAlias(node)) {
      const target = src.aliases.get(node);
      if (target === undefined) return { size: 1, depth: 0 }; // unresolved: reported as a YAML problem
      // A map or list not measured yet is still being measured: it contains this alias.
      const m = isMap(target) || isSeq(target) ? measured.get(target) : { size: 1, depth: 0 };
      if (!m) {
        problem = { alias: node, message: `*${node.source} refers to a map or list that contains it; remove the loop` };
        return { size: 0, depth: 0 };
      }
      expanded += m.size;
      if (expanded > MAX_ALIAS_EXPANSION) {
        problem = {
          alias: node,
          message: `aliases expand to more than ${MAX_ALIAS_EXPANSION} values here ("billion laughs"); a rules file needs nothing like it: write the values out, or alias fewer and smaller nodes`,
        };
      } else if (level + m.depth > MAX_NESTING) {
        problem = {
          alias: node,
          message: `*${node.source} nests the file more than ${MAX_NESTING} levels deep; a rules file needs about 6`,
        };
      }
      return m;
    }
    if (!isMap(node) && !isSeq(node)) return { size: 1, depth: 0 };
    let size = 1;
    let depth = 1;
    const add = (child: unknown) => {
      if (!isNode(child)) return;
      const m = measure(child, level + 1);
      size += m.size;
      depth = Math.max(depth, m.depth + 1);
    };
    for (const item of node.items) {
      if (isPair(item)) {
        add(item.key);
        add(item.value);
      } else add(item);
    }
    const result = { size, depth };
    if (node.anchor) measured.set(node, result);
    return result;
  };
  measure(src.doc.contents, 0);
  return problem;
}

/** `<<`, the merge key, which the YAML library reads as a symbol. */
function isMergeKey(key: unknown): boolean {
  return isScalar(key) && (typeof key.value === 'symbol' || key.source === '<<');
}

/** Whether `offset` is in a key of the map at `path`: what that key names cannot be known. */
function inKey(src: YamlSource, path: Segment[], offset: number): boolean {
  const map = src.nodeAt(path);
  return (
    isMap(map) &&
    map.items.some((p) => isNode(p.key) && p.key.range && offset >= p.key.range[0] && offset < p.key.range[1])
  );
}

/**
 * The part of the file a YAML problem at `offset` takes out of the checks: its registry or rule
 * (`registries.x`, `rules[2]`), its field of `defaults` (`defaults.trigger`), or its top-level key
 * when that is none of the three (`version`, `$schema`, an unknown key). Undefined where the rest of
 * the document cannot be read for sure: between top-level keys, in `registries`, `rules` or
 * `defaults` themselves outside any of their items, or in the key that names one (`oops` on a line
 * of its own reads as the key `oops dst`, and the registry `dst` would be missing).
 */
function itemAt(src: YamlSource, offset: number): Segment[] | undefined {
  const [top, item] = src.pathAt(offset);
  if (top === undefined || inKey(src, [], offset)) return undefined;
  if (top === 'rules') return typeof item === 'number' ? ['rules', item] : undefined;
  if (top === 'registries' || top === 'defaults') {
    return item === undefined || inKey(src, [top], offset) ? undefined : [top, item];
  }
  return [top];
}

/**
 * Every field of a part YAML could not read: all of them count as broken. A registry or rule is
 * every field it can have; a field of `defaults` or a top-level key is itself.
 */
function everyField(item: Segment[]): Segment[][] {
  if (item[0] !== 'rules' && item[0] !== 'registries') return [item];
  const def = item[0] === 'rules' ? 'rule' : 'registry';
  return schemaKeys(def).map((k) => [...item, k]);
}

function onlyError(file: string, src: YamlSource | undefined, lines: LineCounter, offset: number, message: string) {
  const { line, col } = lines.linePos(offset);
  const path = src ? formatPath(src.pathAt(offset)) : '';
  return [{ file, line, column: col, path, message, severity: 'error' as const }];
}

/** What the checks may know beyond the file itself. */
export interface CheckOptions {
  /**
   * The crons the repository's workflows schedule (`workflowCrons`): a rule's schedule missing from
   * them is a warning at its `schedule` field. Undefined = not checked (no workflows to compare).
   */
  workflowCrons?: ReadonlySet<string>;
}

/** Everything parseConfig finds, uncapped, plus what loadConfig needs for its file checks. */
interface Analysis {
  config?: Config;
  diagnostics: ConfigDiagnostic[];
  normal?: Normalized;
  src?: YamlSource;
}

function analyse(written: string, file: string, options: CheckOptions = {}): Analysis {
  let text = written;
  // Bytes, as the cap is documented; a string over the cap in UTF-16 units is over it in UTF-8 too.
  const bytes = text.length > MAX_RULES_FILE_BYTES ? text.length : Buffer.byteLength(text, 'utf8');
  if (bytes > MAX_RULES_FILE_BYTES) {
    return {
      diagnostics: [{ file, line: 1, column: 1, path: '', message: tooLargeMessage(bytes), severity: 'error' }],
    };
  }
  let lines = new LineCounter();
  let parsed = parseYaml(text, lines);
  // An unclosed quote or bracket: closed where its line ends, and told where it was opened; the
  // parse of the closed text checks the rest of the file (the depth check runs on it again).
  let repairs: Repair[] = [];
  if (!('tooDeep' in parsed) && parsed.doc.errors.some((e) => e.code === 'MISSING_CHAR' || e.code === 'BAD_INDENT')) {
    const repaired = repairYaml(text);
    if (repaired.repairs.length > 0) {
      ({ text, repairs } = repaired);
      lines = new LineCounter();
      parsed = parseYaml(text, lines);
    }
  }
  if ('tooDeep' in parsed) {
    return {
      diagnostics: onlyError(
        file,
        undefined,
        lines,
        parsed.tooDeep,
        `maps and lists are nested more than ${MAX_NESTING} levels deep here; a rules file needs about 6: is this the right file?`,
      ),
    };
  }
  const { doc } = parsed;
  let src = new YamlSource(doc, lines);
  const duplicates: { map: { items: unknown[] }; pair: unknown }[] = [];
  // A pattern YAML read as a map or could not read is one error at the filter, and the pattern
  // stands in for what YAML made of it, so the rest is checked as meant.
  const traps = patternTraps(src, text);
  const explained = (offset: number) => traps.some((t) => offset >= t.start && offset < t.end);
  const trapIssues: ConfigDiagnostic[] = traps.map((t) => ({
    file,
    ...src.pos(t.offset),
    path: formatPath(t.path),
    message: t.message,
    severity: 'error',
  }));
  const unreadable: number[] = repairs.map((r) => r.offset);
  const repairIssues: ConfigDiagnostic[] = repairs.map((r) => ({
    file,
    ...src.pos(r.offset),
    path: formatPath(src.pathAt(r.offset)),
    message: r.message,
    severity: 'error',
  }));
  const yamlIssues = [
    ...repairIssues,
    ...trapIssues,
    ...yamlProblems(src, text, file, duplicates, explained, unreadable),
  ];
  // A duplicate key leaves a readable document (the later value wins, as in most YAML readers),
  // and a pattern trap is read as meant: report them and go on. A syntax error, an unresolved
  // alias or tag inside a registry, a rule, a field of `defaults` or another top-level key leaves
  // that one out of the checks, and the rest of the file is checked as usual; one where the
  // document itself cannot be read (see itemAt) stops here.
  const lost = unreadable.map((offset) => itemAt(src, offset));
  if (lost.some((item) => item === undefined)) return { diagnostics: sortDiagnostics(yamlIssues) };
  const lostItems = lost as Segment[][];
  const isLost = (path: readonly Segment[]) => lostItems.some((item) => item.every((seg, k) => path[k] === seg));

  if (doc.contents === null || (isScalar(doc.contents) && doc.contents.value === null)) {
    return {
      diagnostics: [
        {
          file,
          line: 1,
          column: 1,
          path: '',
          message: 'the file is empty; expected version, registries and rules',
          severity: 'error',
        },
      ],
    };
  }

  const aliases = aliasProblem(src);
  if (aliases) return { diagnostics: onlyError(file, src, lines, aliases.alias.range?.[0] ?? 0, aliases.message) };
  // An alias to nothing (reported above) reads as an empty value (a map to merge `<<:`), inside a
  // part left out.
  visit(doc, {
    Alias: (_key, alias, path) => {
      if (src.aliases.get(alias) !== undefined) return undefined;
      const merged = path.some((p) => isPair(p) && isMergeKey(p.key));
      return doc.createNode(merged ? {} : null);
    },
  });

  // The first of duplicate keys counts, as the positions reported (and most YAML readers) say.
  for (const { map, pair } of duplicates) map.items.splice(map.items.indexOf(pair), 1);
  // Positions are indexed per item: index the document again without the dropped pairs.
  if (duplicates.length > 0) src = new YamlSource(doc, lines);
  let data: unknown;
  try {
    // aliasProblem bounds the expansion; the library's own guard stays as a second line.
    data = doc.toJS({ maxAliasCount: MAX_ALIAS_EXPANSION });
  } catch (err) {
    const first = [...src.aliases.keys()][0];
    return {
      diagnostics: onlyError(
        file,
        src,
        lines,
        first?.range?.[0] ?? 0,
        `cannot expand the aliases: ${(err as Error).message}`,
      ),
    };
  }
  applyTraps(data, traps);
  const diagnostics: ConfigDiagnostic[] = [...yamlIssues];
  // A part YAML could not read counts as broken in every field, and says nothing more itself. So
  // does a pattern a trap put back: its error says what to write, and the value put in its place
  // is a guess at what the user meant, not something to warn about as well.
  const schemaIssues = validateSchema(data).filter((issue) => !isLost(issue.path));
  const brokenInput = [
    ...schemaIssues.map((i) => i.path),
    ...lostItems.flatMap(everyField),
    ...traps.map((t) => t.path),
  ];
  for (const issue of schemaIssues) {
    // 1.10 where a string belongs: say what YAML made of it, in the user's own digits, when
    // quoting is the fix (a cron is never one number: its own message says what one looks like).
    const node = src.nodeAt(issue.path);
    const readAs =
      issue.scalarForString &&
      issue.path.at(-1) !== 'schedule' &&
      isScalar(node) &&
      node.range &&
      fitsAsString(data, issue.path, text.slice(node.range[0], node.range[1]))
        ? scalarReadAs(node, text)
        : undefined;
    diagnostics.push({
      file,
      ...src.locate(issue.path, issue.at),
      path: formatPath(issue.path),
      message: readAs ?? (ociLayoutUrl(data, issue.path) ? OCI_LAYOUT_URL : issue.message),
      severity: 'error',
    });
  }
  for (const trap of labelTraps(src, text).filter((t) => !isLost(t.path))) {
    diagnostics.push({
      file,
      ...src.pos(trap.offset),
      path: formatPath(trap.path),
      message: trap.message,
      severity: 'error',
    });
  }

  // Fields with schema errors are left out of normalisation and semantic checks, so one mistake
  // does not cause a cascade of confusing follow-on messages; the rest of their registry or rule
  // is still checked.
  const isBroken = brokenPaths(brokenInput);
  const fieldBroken = brokenFields(brokenInput);
  const normal = normalize(data, file, { isBroken, fieldBroken, line: (path) => src.locate(path, 'key').line });
  for (const issue of checkSemantics(normal, {
    isBroken,
    fieldBroken,
    has: (path) => src.has(path),
    ...(options.workflowCrons ? { workflowCrons: options.workflowCrons } : {}),
  })) {
    if (isLost(issue.path)) continue;
    diagnostics.push({
      file,
      ...src.locate(issue.path, issue.at ?? 'value'),
      path: formatPath(issue.path),
      message: issue.message,
      severity: issue.severity ?? 'error',
    });
  }
  const sorted = sortDiagnostics(diagnostics);
  if (sorted.some((d) => d.severity === 'error') || !normal.complete) return { diagnostics: sorted, normal, src };
  return { config: normal.config, diagnostics: sorted, normal, src };
}

/**
 * Whether a field has a schema error in it, or sits inside a value with one; an error on a whole
 * registry or rule (a missing required key) does not make its other fields broken.
 */
function brokenFields(paths: readonly Segment[][]): (path: Segment[]) => boolean {
  // How long the path of a field is: `rules[0].filters`, `registries.x.url`, but `defaults.filters`.
  const field = (path: readonly Segment[]) => (path[0] === 'defaults' ? 2 : 3);
  const inside = new Set<string>();
  const exact = new Set<string>();
  for (const b of paths) {
    if (b.length >= field(b)) exact.add(formatPath(b));
    for (let k = 1; k <= b.length; k++) inside.add(formatPath(b.slice(0, k)));
  }
  return (path) => {
    if (inside.has(formatPath(path))) return true;
    for (let k = field(path); k < path.length; k++) if (exact.has(formatPath(path.slice(0, k)))) return true;
    return false;
  };
}

/**
 * Whether a path is inside, or contains, a part with a schema error. Sets of formatted paths and
 * of their ancestors: one lookup per prefix instead of a scan of every error for every path.
 */
function brokenPaths(paths: readonly Segment[][]): (path: Segment[]) => boolean {
  const broken = new Set<string>();
  const containsBroken = new Set<string>();
  for (const b of paths) {
    broken.add(formatPath(b));
    // The root contains everything; it counts as broken only through an error on the root itself.
    for (let k = 1; k < b.length; k++) containsBroken.add(formatPath(b.slice(0, k)));
  }
  return (path) => {
    if (broken.size === 0) return false;
    const p = formatPath(path);
    if (broken.has(p) || containsBroken.has(p)) return true;
    for (let k = 1; k < path.length; k++) if (broken.has(formatPath(path.slice(0, k)))) return true;
    return false;
  };
}

/**
 * Parse and check replication.yaml text. Pure: no I/O. `config` is set only when there are no
 * errors. At most MAX_DIAGNOSTICS diagnostics are listed, then one that counts the rest.
 */
export function parseConfig(
  text: string,
  file: string,
  options: CheckOptions = {},
): { config?: Config; diagnostics: ConfigDiagnostic[] } {
  const { config, diagnostics } = analyse(text, file, options);
  return config ? { config, diagnostics: capDiagnostics(diagnostics) } : { diagnostics: capDiagnostics(diagnostics) };
}

/** Largest CA bundle read; the system's own bundle is about 200 KiB. */
const MAX_CA_BYTES = 8 * 1024 * 1024;

/** What is wrong with a `tls.ca` file, or undefined when it is a readable PEM bundle. */
async function caProblem(path: string): Promise<string | undefined> {
  let handle;
  try {
    handle = await open(resolve(path), 'r');
    const stat = await handle.stat();
    if (stat.isDirectory()) return `cannot read ${path} (EISDIR: it is a directory)`;
    const buf = Buffer.alloc(Math.min(stat.size || MAX_CA_BYTES, MAX_CA_BYTES));
    const { bytesRead } = await handle.read(buf, 0, buf.length, 0);
    if (!buf.subarray(0, bytesRead).toString('latin1').includes('-----BEGIN CERTIFICATE-----')) {
      return `${path} is not a PEM certificate bundle (no -----BEGIN CERTIFICATE-----)`;
    }
    return undefined;
  } catch (err) {
    return `cannot read ${path} (${errnoText(err)})`;
  } finally {
    await handle?.close();
  }
}

/** The `tls.ca` files the rules file names, each checked where it is written. */
async function fileProblems(a: Analysis, file: string): Promise<ConfigDiagnostic[]> {
  const { normal, src } = a;
  if (!normal || !src) return [];
  const checks = [...normal.config.registries.values(), ...normal.brokenRegistries.values()].flatMap((reg) => {
    const ca = reg.tls.caFile;
    // Local stores and archives use no TLS of theirs (semantic.ts says the setting is ignored).
    if (ca === undefined || reg.type === 'oci-layout' || ARCHIVE_TYPES.has(reg.type) || reg.url?.startsWith('http:'))
      return [];
    const raw = normal.rawRegistries[reg.name] as { tls?: { ca?: unknown } } | undefined;
    const path: Segment[] = ['registries', reg.name, 'tls', 'ca'];
    if (raw?.tls?.ca !== null && typeof raw?.tls?.ca === 'object') path.push('file');
    return [{ ca, path }];
  });
  const out: ConfigDiagnostic[] = [];
  for (const { ca, path } of checks) {
    const message = await caProblem(ca);
    if (message) out.push({ file, ...src.locate(path), path: formatPath(path), message, severity: 'error' });
  }
  return out;
}

/**
 * A local registry (oci-layout, or an archive `path:`) that a rule reads from, whose path does not
 * exist while a file or directory with a name a typo away does (`imagse.tar` beside `images.tar`):
 * a warning at its `path` with the "did you mean". A path that is merely missing is not reported
 * here: the archive usually arrives by a step that validation does not run (download-artifact, a
 * disk carried in), so every pull request's check would warn about a correct file; the run that
 * reads it fails that rule instead (MissingSourceError, providers/oci-layout.ts). Nothing either
 * when an earlier rule writes the registry (rules run in file order; that rule creates it).
 */
async function sourcePathProblems(a: Analysis, file: string): Promise<ConfigDiagnostic[]> {
  const { normal, src } = a;
  if (!normal || !src) return [];
  const rules = normal.config.rules.filter((r) => r.enabled);
  const out: ConfigDiagnostic[] = [];
  for (const reg of [...normal.config.registries.values(), ...normal.brokenRegistries.values()]) {
    if ((reg.type !== 'oci-layout' && !ARCHIVE_TYPES.has(reg.type)) || !reg.path || reg.url) continue;
    const reader = rules.findIndex((r) => r.source === reg.name);
    if (reader < 0 || rules.slice(0, reader).some((r) => r.destination === reg.name)) continue;
    const abs = resolve(reg.path);
    const missing = await stat(abs).then(
      () => false,
      (err: NodeJS.ErrnoException) => err.code === 'ENOENT',
    );
    if (!missing) continue;
    const siblings = await readdir(dirname(abs)).catch(() => [] as string[]);
    const hint = suggest(basename(abs), siblings);
    if (!hint) continue;
    const r = rules[reader]!;
    const written = String((normal.rawRegistries[reg.name] as { path?: unknown }).path);
    const meant = join(dirname(written), hint);
    const path: Segment[] = ['registries', reg.name, 'path'];
    out.push({
      file,
      ...src.locate(path),
      path: formatPath(path),
      message: `${written} (${abs}) does not exist, but ${meant} does: did you mean "${meant}"? Rule "${r.name}" (line ${r.line}) reads from it, and fails while it is missing`,
      severity: 'warning',
    });
  }
  return out;
}

/**
 * Read and check a rules file, and the files it names (`tls.ca`; a misspelt path of a local
 * registry a rule reads from); throws ConfigError listing every error. Warnings are returned.
 */
export async function loadConfig(
  file: string,
  options: CheckOptions = {},
): Promise<{ config: Config; warnings: ConfigDiagnostic[] }> {
  const read = await readRulesFile(file);
  if ('error' in read) throw new ConfigError([read.error]);
  const analysis = analyse(read.text, file, options);
  const files = await fileProblems(analysis, file);
  const sources = await sourcePathProblems(analysis, file);
  const diagnostics = capDiagnostics(sortDiagnostics([...analysis.diagnostics, ...files, ...sources]));
  if (!analysis.config || files.length > 0) throw new ConfigError(diagnostics);
  return { config: analysis.config, warnings: diagnostics.filter((d) => d.severity === 'warning') };
}

/**
 * Whether a schema error is about the url of an oci-layout registry: the schema's "expected a URL
 * starting with https://" would send the user the wrong way for a local directory.
 */
function ociLayoutUrl(data: unknown, path: readonly (string | number)[]): boolean {
  if (path.length !== 3 || path[0] !== 'registries' || path[2] !== 'url') return false;
  const registries = (data as { registries?: unknown } | null)?.registries;
  const reg =
    typeof registries === 'object' && registries !== null
      ? (registries as Record<string, unknown>)[String(path[1])]
      : undefined;
  return typeof reg === 'object' && reg !== null && (reg as { type?: unknown }).type === 'oci-layout';
}
