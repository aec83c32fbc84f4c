/** Diagnostics produced while loading replication.yaml, and how they are printed. */
import { counted } from '../util/units.js';

export interface ConfigDiagnostic {
  file: string;
  /** 1-based. */
  line: number;
  /** 1-based. */
  column: number;
  /** Where in the file, with the file's own key names: `rules[1].destination_namespace`; '' = the whole file. */
  path: string;
  message: string;
  severity: 'error' | 'warning';
}

/** `file:line:col: path: message`; warnings read `file:line:col: warning: path: message`. */
export function formatDiagnostic(d: ConfigDiagnostic): string {
  const where = `${d.file}:${d.line}:${d.column}: `;
  const level = d.severity === 'warning' ? 'warning: ' : '';
  const path = d.path ? `${d.path}: ` : '';
  return `${where}${level}${path}${d.message}`;
}

/** Thrown by loadConfig when the file has errors. `diagnostics` holds errors and warnings, in file order. */
export class ConfigError extends Error {
  readonly diagnostics: ConfigDiagnostic[];

  constructor(diagnostics: ConfigDiagnostic[]) {
    const errors = diagnostics.filter((d) => d.severity === 'error');
    super(errors.map(formatDiagnostic).join('\n'));
    this.name = 'ConfigError';
    this.diagnostics = diagnostics;
  }
}

/** Errors first by position, then warnings interleaved by position too: plain file order. */
export function sortDiagnostics(list: ConfigDiagnostic[]): ConfigDiagnostic[] {
  const seen = new Set<string>();
  const out: ConfigDiagnostic[] = [];
  for (const d of list) {
    const key = `${d.severity}|${d.line}|${d.column}|${d.path}|${d.message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(d);
  }
  // Array.prototype.sort is stable: diagnostics at the same place keep the order they were found in.
  return out.sort((a, b) => a.line - b.line || a.column - b.column);
}

/** Most diagnostics listed for one file; the rest are counted in one last line. */
export const MAX_DIAGNOSTICS = 100;

/** The first `max` diagnostics (in file order), then one that counts the rest at the first one left out. */
export function capDiagnostics(list: ConfigDiagnostic[], max = MAX_DIAGNOSTICS): ConfigDiagnostic[] {
  if (list.length <= max) return list;
  const rest = list.slice(max);
  const errors = rest.filter((d) => d.severity === 'error').length;
  const warnings = rest.length - errors;
  const kinds = [errors ? counted(errors, 'error') : '', warnings ? counted(warnings, 'warning') : '']
    .filter(Boolean)
    .join(' and ');
  const first = rest[0]!;
  return [
    ...list.slice(0, max),
    {
      file: first.file,
      line: first.line,
      column: first.column,
      path: '',
      message: `… and ${rest.length} more (${kinds}) from here on; only the first ${max} are listed`,
      severity: errors > 0 ? 'error' : 'warning',
    },
  ];
}

/**
 * Edits between two words, where swapping two neighbouring letters is one edit (`tsl` → `tls`), as
 * in the optimal string alignment form of Damerau–Levenshtein distance.
 */
function editDistance(a: string, b: string): number {
  let before: number[] = [];
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let d = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d = Math.min(d, before[j - 2]! + 1);
      cur.push(d);
    }
    before = prev;
    prev = cur;
  }
  return prev[b.length]!;
}

/**
 * Settings by the names Harbor's replication policy API gives them (and `namespace`, as its UI
 * says "Destination namespace"): a user copying a policy writes these.
 */
const KNOWN_AS: Record<string, string> = {
  dest_namespace: 'destination_namespace',
  namespace: 'destination_namespace',
  dest_namespace_replace_count: 'flattening',
  src_registry: 'source',
  dest_registry: 'destination',
  speed: 'bandwidth',
  replicate_deletion: 'delete_remote',
  deletion: 'delete_remote',
};

/**
 * The closest candidate if it is close enough to be a likely typo: the smallest edit distance wins
 * (`destination_namspace` → destination_namespace, not the prefix destination; a swap of two
 * letters is one edit); between equally close ones, the one with the same first letter, then the
 * one closest in length. Only when nothing is that close does a candidate the word starts with
 * count ("Event Based" → event).
 */
export function suggest(word: string, candidates: Iterable<string>): string | undefined {
  const list = [...candidates];
  // A name Harbor's replication API (or its UI) uses for the setting: no typo, but the same intent.
  const known = KNOWN_AS[word.toLowerCase()];
  if (known && list.includes(known)) return known;
  const squash = (s: string) => s.toLowerCase().replace(/[-_\s]/g, '');
  let best: string | undefined;
  let bestScore: [number, number, number] = [Number.POSITIVE_INFINITY, 0, 0];
  let prefix: string | undefined;
  const limit = Math.max(2, Math.floor(word.length / 3));
  const lower = word.toLowerCase();
  for (const c of list) {
    if (squash(c) === squash(word)) return c;
    if (prefix === undefined && c.length >= 4 && squash(word).startsWith(squash(c))) prefix = c;
    // The distance is at least the difference in length: past the limit, skip the quadratic work.
    if (Math.abs(c.length - word.length) > limit) continue;
    const cl = c.toLowerCase();
    const score: [number, number, number] = [
      editDistance(lower, cl),
      cl[0] === lower[0] ? 0 : 1,
      Math.abs(c.length - word.length),
    ];
    if (
      score[0] < bestScore[0] ||
      (score[0] === bestScore[0] && (score[1] < bestScore[1] || (score[1] === bestScore[1] && score[2] < bestScore[2])))
    ) {
      best = c;
      bestScore = score;
    }
  }
  return bestScore[0] <= limit ? best : prefix;
}

/** `a, b or c` */
export function oneOfList(items: readonly string[]): string {
  if (items.length <= 1) return items.join('');
  return `${items.slice(0, -1).join(', ')} or ${items[items.length - 1]}`;
}
