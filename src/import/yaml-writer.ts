/**
 * Writes an import as replication.yaml with the `yaml` Document API (so comments sit on the line
 * they are about, and quoting is the library's, not ours). The order is fixed — version,
 * registries in the importer's order, rules in the importer's order, and within each entry the
 * schema's key order — so that importing the same source twice gives the same bytes, and a
 * re-import after a change in the source gives a diff of just that change.
 */
import { Document, isMap, isPair, isScalar, isSeq, type Node, type Pair, type YAMLMap } from 'yaml';
import type { Entry, FieldComment, ImportResult, RegistryOut, RuleOut } from './model.js';

const REGISTRY_KEYS: (keyof RegistryOut)[] = ['type', 'url', 'credentials', 'tls', 'repositories', 'options'];
const RULE_KEYS: (keyof RuleOut)[] = [
  'name',
  'description',
  'enabled',
  'source',
  'destination',
  'filters',
  'destination_namespace',
  'flattening',
  'override',
  'delete_remote',
  'trigger',
  'bandwidth',
  'concurrency',
  'platforms',
  'referrers',
];
const FILTER_KEYS = ['name', 'tag', 'labels', 'resource', 'semver', 'latest'];
/** Short lists and references read best on one line: `tag: [prod-*, v*]`, `password: { env: X }`. */
const FLOW_KEYS = new Set(['name', 'tag', 'trigger', 'platforms', 'username', 'password', 'tls', 'delete_remote']);

function ordered<T extends object>(value: T, keys: readonly string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const v = value as Record<string, unknown>;
  for (const k of keys) if (v[k] !== undefined) out[k] = k === 'filters' ? ordered(v[k] as object, FILTER_KEYS) : v[k];
  // Keys the list does not know keep their own order after the known ones.
  for (const k of Object.keys(v)) if (!keys.includes(k) && v[k] !== undefined) out[k] = v[k];
  return out;
}

const commentText = (text: string): string =>
  text
    .split('\n')
    .map((l) => ` ${l}`)
    .join('\n');

function pairAt(map: YAMLMap, key: string): Pair | undefined {
  return map.items.find((p) => isPair(p) && isScalar(p.key) && p.key.value === key) as Pair | undefined;
}

/** Puts each comment on its field: after a scalar on its line, above a key whose value is a block. */
function applyComments(entryNode: Node, entryKey: Node | undefined, comments: FieldComment[]): void {
  const byPath = new Map<string, string[]>();
  for (const c of comments) {
    const k = c.path.join('\0');
    const texts = byPath.get(k) ?? [];
    if (!texts.includes(c.text)) texts.push(c.text);
    byPath.set(k, texts);
  }
  for (const [k, texts] of byPath) {
    const path = k === '' ? [] : k.split('\0');
    const text = texts.join('\n');
    if (path.length === 0) {
      const target = entryKey ?? entryNode;
      target.commentBefore = [target.commentBefore, commentText(text)].filter(Boolean).join('\n');
      continue;
    }
    let map: unknown = entryNode;
    for (const seg of path.slice(0, -1)) map = isMap(map) ? pairAt(map, seg)?.value : undefined;
    const pair = isMap(map) ? pairAt(map, path[path.length - 1]!) : undefined;
    if (!pair) {
      // The field was left out (not expressible): the comment goes above the entry.
      const target = entryKey ?? entryNode;
      target.commentBefore = [target.commentBefore, commentText(text)].filter(Boolean).join('\n');
      continue;
    }
    const value = pair.value as Node | null;
    const inline = (isScalar(value) || ((isSeq(value) || isMap(value)) && value.flow)) && !text.includes('\n');
    if (inline && value) value.comment = [value.comment, ` ${text}`].filter(Boolean).join(';');
    else {
      const key = pair.key as Node;
      key.commentBefore = [key.commentBefore, commentText(text)].filter(Boolean).join('\n');
    }
  }
}

function styleNode(node: unknown, key: string | undefined): void {
  if (isMap(node)) {
    if (key !== undefined && FLOW_KEYS.has(key)) node.flow = true;
    for (const p of node.items) {
      const k = isScalar(p.key) ? String(p.key.value) : undefined;
      if (k === 'schedule' && isScalar(p.value)) p.value.type = 'QUOTE_DOUBLE';
      styleNode(p.value, k);
    }
  } else if (isSeq(node)) {
    const simple = node.items.every((i) => isScalar(i) || (isMap(i) && i.items.length === 1));
    if (key !== undefined && FLOW_KEYS.has(key) && simple) node.flow = true;
    for (const i of node.items) styleNode(i, key === 'trigger' ? 'trigger-item' : undefined);
    if (key === 'trigger') for (const i of node.items) if (isMap(i)) i.flow = true;
  }
}

/** The rules file text for an import. */
export function renderRulesFile(result: Pick<ImportResult, 'header' | 'registries' | 'rules'>): string {
  const data = {
    version: 1,
    registries: Object.fromEntries(result.registries.map((e) => [e.name, ordered(e.value, REGISTRY_KEYS)])),
    rules: result.rules.map((e) => ordered(e.value, RULE_KEYS)),
  };
  // Entries may share objects (one trigger list for a task's rules): written out each time, no anchors.
  const doc = new Document(data, { aliasDuplicateObjects: false });
  if (result.header.length) doc.commentBefore = commentText(result.header.join('\n'));
  const root = doc.contents as YAMLMap;
  styleNode(root, undefined);
  const registries = pairAt(root, 'registries')?.value as YAMLMap;
  result.registries.forEach((e: Entry<RegistryOut>) => {
    const pair = pairAt(registries, e.name)!;
    applyComments(pair.value as Node, pair.key as Node, e.comments);
  });
  const rules = pairAt(root, 'rules')!.value;
  if (isSeq(rules)) {
    rules.items.forEach((item, i) => {
      if (i > 0) (item as Node).spaceBefore = true;
      applyComments(item as Node, undefined, result.rules[i]!.comments);
    });
  }
  return doc.toString({ lineWidth: 0, flowCollectionPadding: false });
}
