/**
 * A small picture of a run for the job summary and the PR comment: the registries as nodes, one
 * edge per rule from its source to its destination, the rule's counts on the edge. It is a
 * Mermaid flowchart, which GitHub renders in both places:
 *
 *     flowchart LR
 *       r0["harbor"] -->|"rule web: 3 copied, 1 failed"| r1["dockerhub"]
 *
 * Names come from the rules file or from registry hosts, so they are untrusted: node ids are
 * generated (`r0`, `r1`), every label is quoted with `"`, `#`, `<`, `>`, `&`, `|`, `` ` `` and `%`
 * written as Mermaid entity codes (`#quot;`...), so a name cannot end the label, start a Markdown
 * string, add a statement or close the fenced block. The picture is bounded: at most MAX_EDGES
 * edges and MAX_NODES registries, the rest counted on one "+N more rules" node.
 */
import { oneLine, truncate } from './escape.js';
import { counted } from '../util/units.js';

/** A rule's two ends: registry names as the rules file spells them. */
export interface RuleEnds {
  name: string;
  source: string;
  destination: string;
}

export interface TopologyEdge extends RuleEnds {
  /** What happened (or will) on this rule, e.g. `[['copied', 3], ['failed', 1]]`; zeros are left out. */
  counts: readonly (readonly [word: string, n: number])[];
  /** Said after the counts, e.g. `not fully planned`. */
  note?: string;
}

export const MAX_EDGES = 30;
export const MAX_NODES = 20;
const MAX_LABEL = 60;

const ENTITY: Record<string, string> = {
  '"': '#quot;',
  '#': '#35;',
  '&': '#amp;',
  '<': '#lt;',
  '>': '#gt;',
  '|': '#124;',
  '`': '#96;',
  '%': '#37;',
};

/** Text inside a quoted Mermaid label: one line, cut, with every character that could act escaped. */
export function mermaidText(s: string, max = MAX_LABEL): string {
  return truncate(oneLine(s), max).replace(/["#&<>|`%]/g, (c) => ENTITY[c] ?? c);
}

/** `3 copied, 1 failed` (zeros left out) and the note, or `nothing selected`. */
function countsLabel(e: TopologyEdge): string {
  const parts = e.counts.filter(([, n]) => n > 0).map(([word, n]) => `${n.toLocaleString('en-US')} ${word}`);
  if (e.note) parts.push(e.note);
  return parts.join(', ') || 'nothing selected';
}

/**
 * The flowchart's lines (without the code fence), or undefined when there is no edge to draw.
 * Edges past MAX_EDGES, or that would add a registry past MAX_NODES, are counted instead.
 */
export function topologyLines(edges: readonly TopologyEdge[]): string[] | undefined {
  if (edges.length === 0) return undefined;
  const ids = new Map<string, string>();
  const lines = ['flowchart LR'];
  let more = 0;
  const node = (name: string) => {
    const known = ids.get(name);
    if (known) return known;
    const id = `r${ids.size}`;
    ids.set(name, id);
    return `${id}["${mermaidText(name)}"]`;
  };
  for (const [i, e] of edges.entries()) {
    if (lines.length - 1 >= MAX_EDGES) {
      more += edges.length - i;
      break;
    }
    const added = e.source === e.destination ? +!ids.has(e.source) : +!ids.has(e.source) + +!ids.has(e.destination);
    if (ids.size + added > MAX_NODES) {
      more++;
      continue;
    }
    const label = mermaidText(`rule ${truncate(oneLine(e.name), 40)}: ${countsLabel(e)}`, 120);
    lines.push(`  ${node(e.source)} -->|"${label}"| ${node(e.destination)}`);
  }
  if (more > 0) lines.push(`  more["+${counted(more, 'more rule')}"]`);
  return lines;
}

/** The picture as a fenced `mermaid` block followed by a blank line, or '' when there is nothing to draw. */
export function topologyMarkdown(edges: readonly TopologyEdge[]): string {
  const lines = topologyLines(edges);
  // No label holds a backtick (escaped above), so three backticks always close the fence.
  return lines ? ['```mermaid', ...lines, '```', '', ''].join('\n') : '';
}

/**
 * One edge per rule, in `rules` order, then rules seen only in `counts` (a merged report names
 * no registries: their ends come from `fallback`).
 */
export function topologyEdges(
  rules: readonly RuleEnds[],
  counts: ReadonlyMap<string, TopologyEdge['counts']>,
  fallback?: (rule: string) => RuleEnds | undefined,
  notes?: ReadonlyMap<string, string>,
): TopologyEdge[] {
  const edges: TopologyEdge[] = [];
  const seen = new Set<string>();
  for (const r of rules) {
    if (!counts.has(r.name) || seen.has(r.name)) continue;
    seen.add(r.name);
    const note = notes?.get(r.name);
    edges.push({ ...r, counts: counts.get(r.name)!, ...(note ? { note } : {}) });
  }
  for (const [name, c] of counts) {
    if (seen.has(name)) continue;
    const ends = fallback?.(name);
    if (ends) edges.push({ ...ends, counts: c });
  }
  return edges;
}

/** `harbor.example.com/team/app:v1` → `harbor.example.com` (the registry host of a reference). */
export function registryHost(ref: string): string {
  const slash = ref.indexOf('/');
  return slash > 0 ? ref.slice(0, slash) : ref;
}
