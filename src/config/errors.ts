/** Diagnostics produced while loading replication.yaml, and how they are printed. */

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
  const kinds = [
    errors ? `${errors} error${errors === 1 ? '' : 's'}` : '',
    warnings ? `${warnings} warning${warnings === 1 ? '' : 's'}` : '',
  ]
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

export function levenshtein(a: string, b: string): number {
  const prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0]!;
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = prev[j]!;
      prev[j] = Math.min(prev[j]! + 1, prev[j - 1]! + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = tmp;
    }
  }
  return prev[b.length]!;
}

/**
 * The closest candidate if it is close enough to be a likely typo: the smallest edit distance wins
 * (`destination_namspace` → destination_namespace, not the prefix destination); only when nothing
 * is that close does a candidate the word starts with count ("Event Based" → event).
 */
export function suggest(word: string, candidates: Iterable<string>): string | undefined {
  const squash = (s: string) => s.toLowerCase().replace(/[-_\s]/g, '');
  let best: string | undefined;
  let bestScore = Number.POSITIVE_INFINITY;
  let prefix: string | undefined;
  const limit = Math.max(2, Math.floor(word.length / 3));
  for (const c of candidates) {
    if (squash(c) === squash(word)) return c;
    if (prefix === undefined && c.length >= 4 && squash(word).startsWith(squash(c))) prefix = c;
    // The distance is at least the difference in length: past the limit, skip the quadratic work.
    if (Math.abs(c.length - word.length) > limit) continue;
    const d = levenshtein(word.toLowerCase(), c.toLowerCase());
    if (d < bestScore) {
      best = c;
      bestScore = d;
    }
  }
  return bestScore <= limit ? best : prefix;
}

/** `a, b or c` */
export function oneOfList(items: readonly string[]): string {
  if (items.length <= 1) return items.join('');
  return `${items.slice(0, -1).join(', ')} or ${items[items.length - 1]}`;
}
