/**
 * Reading replication.yaml: YAML with positions kept, then schema, normalisation and semantic
 * checks, every problem reported as `file:line:col: path: message`, in file order.
 */
import { readFile } from 'node:fs/promises';
import {
  type Alias,
  type Document,
  isAlias,
  isMap,
  isNode,
  isPair,
  isScalar,
  isSeq,
  LineCounter,
  type Node,
  parseDocument,
  visit,
} from 'yaml';
import { type ConfigDiagnostic, ConfigError, sortDiagnostics } from './errors.js';
import { normalize } from './normalize.js';
import { type Segment, validateSchema } from './schema.js';
import { checkSemantics } from './semantic.js';
import type { Config } from './types.js';

/** `rules[0].filters.tag`, `registries["my.registry"]`. */
export function formatPath(path: readonly Segment[]): string {
  let out = '';
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else if (/^[A-Za-z_$][A-Za-z0-9_$-]*$/.test(seg)) out += out ? `.${seg}` : seg;
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
  constructor(
    readonly doc: Document,
    readonly lines: LineCounter,
  ) {}

  pos(offset: number): Position {
    const { line, col } = this.lines.linePos(offset);
    return { line, column: col };
  }

  private deref(node: unknown): unknown {
    return isAlias(node) ? (node as Alias).resolve(this.doc) : node;
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
        const pair = node.items.find((p) => isScalar(p.key) && String(p.key.value) === String(seg));
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
        const pair = node.items.find((p) => {
          const start = isNode(p.key) ? p.key.range?.[0] : undefined;
          const end = isNode(p.value) ? p.value.range?.[2] : isNode(p.key) ? p.key.range?.[2] : undefined;
          return start !== undefined && end !== undefined && offset >= start && offset < end;
        });
        if (!pair || !isScalar(pair.key)) return path;
        path.push(String(pair.key.value));
        node = pair.value;
      } else if (isSeq(node)) {
        const i = node.items.findIndex(
          (n) => isNode(n) && !!n.range && offset >= n.range[0] && (offset < n.range[2] || n.range[0] === n.range[2]),
        );
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

/** Syntax errors, duplicate keys, unresolved aliases and tags: everything wrong before any schema. */
function yamlProblems(src: YamlSource, text: string, file: string): ConfigDiagnostic[] {
  const out: ConfigDiagnostic[] = [];
  const add = (offset: number, message: string, path: Segment[] = src.pathAt(offset)) => {
    out.push({ file, ...src.pos(offset), path: formatPath(path), message, severity: 'error' });
  };
  const errorAt = new Set<number>();
  for (const e of src.doc.errors) {
    if (errorAt.has(e.pos[0])) continue; // one syntax error per place: the rest are consequences
    errorAt.add(e.pos[0]);
    const msg = YAML_MESSAGES[e.code] ?? `YAML syntax error: ${firstLine(e.message)}`;
    add(e.pos[0], msg, []);
  }
  for (const w of src.doc.warnings) {
    if (w.code === 'TAG_RESOLVE_FAILED') {
      const tag = text.slice(w.pos[0]).match(/^![^\s,\]}]*/)?.[0] ?? '!';
      add(w.pos[0], `${tag} is read as a YAML tag because it starts with "!"; quote it: "${tag}"`);
    }
  }
  if (src.doc.errors.length > 0) return out;
  visit(src.doc, {
    Map(_key, map, ancestors) {
      const seen = new Map<string, number>();
      for (const pair of map.items) {
        if (!isScalar(pair.key)) continue;
        const k = String(pair.key.value);
        const at = pair.key.range?.[0] ?? 0;
        const first = seen.get(k);
        if (first !== undefined) {
          const parentPath = src.pathAt(map.range?.[0] ?? 0);
          // pathAt finds the innermost node containing the map's start; trim to the map itself.
          void ancestors;
          add(at, `duplicate key "${k}"; it is already set at line ${src.pos(first).line}`, [
            ...trimToMap(src, parentPath, map),
            k,
          ]);
        } else {
          seen.set(k, at);
        }
      }
    },
    Alias(_key, alias) {
      if (alias.resolve(src.doc) === undefined) {
        const at = alias.range?.[0] ?? 0;
        const raw = `*${alias.source}`;
        add(at, `${raw} is read as a YAML alias because it starts with "*"; quote it: "${raw}"`);
      }
    },
  });
  return out;
}

/** The path of a given map node (pathAt may descend into its first key). */
function trimToMap(src: YamlSource, path: Segment[], map: Node): Segment[] {
  for (let n = path.length; n >= 0; n--) {
    const prefix = path.slice(0, n);
    const here = n === 0 ? src.doc.contents : nodeAt(src, prefix);
    if (here === map) return prefix;
  }
  return [];
}

function nodeAt(src: YamlSource, path: Segment[]): unknown {
  let node: unknown = src.doc.contents;
  for (const seg of path) {
    if (isMap(node)) {
      const pair = node.items.find((p) => isPair(p) && isScalar(p.key) && String(p.key.value) === String(seg));
      node = pair?.value;
    } else if (isSeq(node) && typeof seg === 'number') node = node.items[seg];
    else return undefined;
  }
  return node;
}

/** Parse and check replication.yaml text. Pure: no I/O. `config` is set only when there are no errors. */
export function parseConfig(text: string, file: string): { config?: Config; diagnostics: ConfigDiagnostic[] } {
  const lines = new LineCounter();
  const doc = parseDocument(text, {
    lineCounter: lines,
    uniqueKeys: false,
    merge: true,
    prettyErrors: false,
  });
  const src = new YamlSource(doc, lines);
  const yamlIssues = yamlProblems(src, text, file);
  if (yamlIssues.length > 0) return { diagnostics: sortDiagnostics(yamlIssues) };

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

  const data: unknown = doc.toJS({ maxAliasCount: 1000 });
  const diagnostics: ConfigDiagnostic[] = [];
  const schemaIssues = validateSchema(data);
  for (const issue of schemaIssues) {
    diagnostics.push({
      file,
      ...src.locate(issue.path, issue.at),
      path: formatPath(issue.path),
      message: issue.message,
      severity: 'error',
    });
  }

  // Parts with schema errors are left out of normalisation and semantic checks, so one mistake
  // does not cause a cascade of confusing follow-on messages.
  const broken = schemaIssues.map((i) => formatPath(i.path));
  const isBroken = (path: Segment[]) => {
    const p = formatPath(path);
    return broken.some((b) => b === p || b.startsWith(`${p}.`) || b.startsWith(`${p}[`) || p.startsWith(`${b}.`));
  };
  const normal = normalize(data, file, { isBroken, line: (path) => src.locate(path, 'key').line });
  for (const issue of checkSemantics(normal, { isBroken, has: (path) => src.has(path) })) {
    diagnostics.push({
      file,
      ...src.locate(issue.path, issue.at ?? 'value'),
      path: formatPath(issue.path),
      message: issue.message,
      severity: issue.severity ?? 'error',
    });
  }
  const sorted = sortDiagnostics(diagnostics);
  if (sorted.some((d) => d.severity === 'error') || !normal.complete) return { diagnostics: sorted };
  return { config: normal.config, diagnostics: sorted };
}

/** Read and check a rules file; throws ConfigError listing every error. Warnings are returned. */
export async function loadConfig(file: string): Promise<{ config: Config; warnings: ConfigDiagnostic[] }> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    const reason = (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'file not found' : (err as Error).message;
    throw new ConfigError([
      {
        file,
        line: 1,
        column: 1,
        path: '',
        message: `cannot read the rules file: ${reason}`,
        severity: 'error',
      },
    ]);
  }
  const { config, diagnostics } = parseConfig(text, file);
  if (!config) throw new ConfigError(diagnostics);
  return { config, warnings: diagnostics.filter((d) => d.severity === 'warning') };
}
