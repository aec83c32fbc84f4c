/**
 * Name and tag patterns that YAML reads as something else when they are not quoted: the brace glob
 * the README recommends, `tag: {latest,stable}`, is a map to YAML, and `tag: [v[0-9]*]` a list in a
 * list with an alias in it. Each is one error saying to quote the pattern, at the filter itself,
 * instead of the schema's or the parser's consequences; the value the user meant goes back into
 * the data, so the rest of the file is checked as intended.
 */
import { isMap, isNode, isPair, isScalar, isSeq } from 'yaml';
import type { YamlSource } from './load.js';
import type { Segment } from './schema.js';

interface PatternTrap {
  path: Segment[];
  /** Where the value starts. */
  offset: number;
  message: string;
  /** The pattern, or the list of patterns, the user wrote. */
  value: string | string[];
  /** Source range the trap covers: YAML errors inside it are its consequences. */
  start: number;
  end: number;
}

const PATTERN_KEYS = ['name', 'tag'] as const;

/** The line from `offset` on, without a trailing comment. */
function restOfLine(text: string, offset: number): { written: string; end: number } {
  const nl = text.indexOf('\n', offset);
  const end = nl < 0 ? text.length : nl;
  const written = text
    .slice(offset, end)
    .replace(/\s+#.*$/, '')
    .trim();
  return { written, end };
}

/** A value in a flow map: the node from `start` to `nodeEnd`, and the characters that follow it up to a separator. */
function flowValue(text: string, start: number, nodeEnd: number): { written: string; end: number } {
  const end = nodeEnd + /^[^,\]}\s]*/.exec(text.slice(nodeEnd))![0].length;
  return { written: text.slice(start, end), end };
}

/** The keys of a filter written as a map (`{ regex: … }`, `{ exclude: … }`): such a map is one, not a glob. */
const FILTER_MAP_KEYS: readonly unknown[] = ['regex', 'exclude'];

/**
 * `{a,b}` as YAML reads it: a flow map whose entries are all keys without values. A map with a
 * `regex` or `exclude` key is a filter map missing its value (`{ regex: }`), not a brace glob.
 */
function braceMap(node: unknown): boolean {
  return (
    isMap(node) &&
    node.flow === true &&
    node.items.length > 0 &&
    node.items.every(
      (p) => isPair(p) && isScalar(p.key) && (p.value === null || (isScalar(p.value) && p.value.value === null)),
    ) &&
    !node.items.some((p) => isPair(p) && isScalar(p.key) && FILTER_MAP_KEYS.includes(p.key.value))
  );
}

/** The items of a flow list written `[a, b]`, split at the commas outside brackets and braces. */
function flowItems(written: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let cur = '';
  for (const c of written.slice(1, -1)) {
    if (c === '[' || c === '{') depth++;
    else if ((c === ']' || c === '}') && depth > 0) depth--;
    if (c === ',' && depth === 0) {
      parts.push(cur);
      cur = '';
    } else cur += c;
  }
  parts.push(cur);
  return parts.map((p) => p.trim().replace(/^"(.*)"$|^'(.*)'$/, '$1$2')).filter(Boolean);
}

const quoted = (value: string | string[]) =>
  Array.isArray(value) ? `[${value.map((v) => JSON.stringify(v)).join(', ')}]` : JSON.stringify(value);

/** Every name or tag filter (of a rule or of defaults) that YAML did not read as patterns. */
export function patternTraps(src: YamlSource, text: string): PatternTrap[] {
  const out: PatternTrap[] = [];
  const filterMaps: Segment[][] = [['defaults', 'filters']];
  const rules = src.nodeAt(['rules']);
  if (isSeq(rules)) rules.items.forEach((_, i) => filterMaps.push(['rules', i, 'filters']));
  const errorsIn = (start: number, end: number) => src.doc.errors.some((e) => e.pos[0] >= start && e.pos[0] < end);

  for (const base of filterMaps) {
    const filters = src.nodeAt(base);
    if (!isMap(filters)) continue;
    for (const key of PATTERN_KEYS) {
      const value = src.nodeAt([...base, key]);
      if (!isMap(value) && !isSeq(value)) continue;
      const start = value.range?.[0];
      if (start === undefined) continue;
      // In a block map the value is the rest of its line; in a flow map the node and what sticks
      // to it (`{a,b}/x`: YAML ends the map at its brace).
      const { written, end } = filters.flow ? flowValue(text, start, value.range![1]) : restOfLine(text, start);
      const path = [...base, key];
      if (braceMap(value)) {
        out.push({
          path,
          offset: start,
          message: `${written} was read as a YAML map (a value that starts with "{" is one); quote it: "${written}"`,
          value: written,
          start,
          end,
        });
      } else if (
        isSeq(value) &&
        value.flow &&
        errorsIn(start, end) &&
        written.startsWith('[') &&
        written.endsWith(']')
      ) {
        const items = flowItems(written);
        out.push({
          path,
          offset: start,
          message: `YAML cannot read ${written} as a list of patterns ("[", "{" and "*" inside it are YAML syntax); quote ${items.length === 1 ? 'the pattern' : 'each pattern'}: ${quoted(items)}`,
          value: items,
          start,
          end,
        });
      } else if (isSeq(value) && value.flow) {
        value.items.forEach((item, k) => {
          if (!braceMap(item) || !isNode(item) || !item.range) return;
          const itemText = text.slice(item.range[0], item.range[1]);
          out.push({
            path: [...path, k],
            offset: item.range[0],
            message: `${itemText} was read as a YAML map (a list item that starts with "{" is one); quote it: "${itemText}"`,
            value: itemText,
            start: item.range[0],
            end: item.range[1],
          });
        });
      }
    }
  }
  return out;
}

/** `data` with each trap's value put where the user meant it. */
export function applyTraps(data: unknown, traps: readonly PatternTrap[]): void {
  for (const trap of traps) {
    let cur = data;
    for (const seg of trap.path.slice(0, -1)) {
      if (cur === null || typeof cur !== 'object') break;
      cur = (cur as Record<string, unknown>)[seg as string];
    }
    if (cur !== null && typeof cur === 'object')
      (cur as Record<string, unknown>)[trap.path.at(-1) as string] = trap.value;
  }
}

/**
 * For a number or boolean YAML read from an unquoted value, what it read and how to quote it:
 * `YAML read 1.10 as the number 1.1; quote it: "1.10"`. Undefined for any other node.
 */
export function scalarReadAs(node: unknown, text: string, why = ''): string | undefined {
  if (!isScalar(node) || !node.range) return undefined;
  const value = node.value;
  if (typeof value !== 'number' && typeof value !== 'boolean') return undefined;
  const written = text.slice(node.range[0], node.range[1]);
  const kind = typeof value === 'number' ? 'number' : 'boolean';
  const as = written === String(value) ? `a ${kind}` : `the ${kind} ${String(value)}`;
  return `YAML read ${written} as ${as}${why}; quote it: ${JSON.stringify(written)}`;
}

/**
 * Label values YAML read as a number or boolean that differs from what is written
 * (`version: 1.10` is the number 1.1): the label would be compared with "1.1". Errors at each value.
 */
export function labelTraps(src: YamlSource, text: string): { path: Segment[]; offset: number; message: string }[] {
  const out: { path: Segment[]; offset: number; message: string }[] = [];
  const bases: Segment[][] = [['defaults', 'filters', 'labels']];
  const rules = src.nodeAt(['rules']);
  if (isSeq(rules)) rules.items.forEach((_, i) => bases.push(['rules', i, 'filters', 'labels']));
  for (const base of bases) {
    const labels = src.nodeAt(base);
    if (!isMap(labels)) continue;
    for (const pair of labels.items) {
      if (!isScalar(pair.key) || !isScalar(pair.value) || !pair.value.range) continue;
      const v = pair.value.value;
      if (typeof v !== 'number' && typeof v !== 'boolean') continue;
      if (text.slice(pair.value.range[0], pair.value.range[1]) === String(v)) continue;
      out.push({
        path: [...base, String(pair.key.value)],
        offset: pair.value.range[0],
        message: scalarReadAs(pair.value, text, ', and a label value is compared as text')!,
      });
    }
  }
  return out;
}
