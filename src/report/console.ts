/**
 * Plain-text output for the log and the terminal: one line per image as it ends, a final
 * table and progress lines. Every registry string goes through neutralizeCommands (G4).
 */
import { alignColumns, humanBytes, humanDuration, neutralizeCommands, shortDigest, truncate } from './escape.js';
import { countStatuses, type Result, type ResultStatus, STATUS } from '../replicate/result.js';

export interface ConsoleOptions {
  /** Colour with ANSI escapes; pass false when stdout is not a TTY or NO_COLOR is set. */
  color?: boolean;
}

/** Wide enough for `unchanged`; the longer dry-run words simply push the line. */
const STATUS_WIDTH = 9;
const MESSAGE_MAX = 500;

function paint(s: string, status: ResultStatus, color: boolean | undefined): string {
  return color ? `\x1b[${STATUS[status].color}m${s}\x1b[0m` : s;
}

function text(s: string, max = 300): string {
  return neutralizeCommands(truncate(s, max));
}

/**
 * `✔ copied    src → dst  sha256:abcd1234…  12.3 MiB in 2.1s (2 retries)`; a failure puts its
 * hint on a second, indented line.
 */
export function formatResultLine(r: Result, opts: ConsoleOptions = {}): string {
  const refs = r.source ? `${text(r.source)} → ${text(r.destination)}` : text(r.destination);
  const parts = [
    `${paint(`${STATUS[r.status].symbol} ${r.status.padEnd(STATUS_WIDTH)}`, r.status, opts.color)} ${refs}`,
  ];
  const digest = r.destinationDigest ?? r.sourceDigest;
  if (digest) parts.push(text(shortDigest(digest)));
  parts.push(
    r.bytes > 0 ? `${humanBytes(r.bytes)} in ${humanDuration(r.durationMs)}` : `in ${humanDuration(r.durationMs)}`,
  );
  let line = parts.join('  ');
  if (r.retries > 0) line += ` (${r.retries} ${r.retries === 1 ? 'retry' : 'retries'})`;
  if (r.error) {
    const status = r.error.status ? ` ${r.error.status}` : '';
    line += `  ${text(r.error.kind, 40)}${status}: ${text(r.error.message, MESSAGE_MAX)}`;
    if (r.error.hint) line += `\n    hint: ${text(r.error.hint, MESSAGE_MAX)}`;
  } else if (r.reason) {
    line += `  (${text(r.reason)})`;
  }
  return line;
}

/** The final aligned table plus a totals line. */
export function formatTable(results: readonly Result[], opts: ConsoleOptions = {}): string {
  const header = ['STATUS', 'SOURCE', 'DESTINATION', 'DIGEST', 'SIZE', 'TIME', 'RETRIES', 'NOTE'];
  const rows = results.map((r) => [
    paint(r.status, r.status, opts.color),
    r.source ? text(r.source, 120) : '-',
    text(r.destination, 120),
    text(shortDigest(r.destinationDigest ?? r.sourceDigest)) || '-',
    r.bytes > 0 ? humanBytes(r.bytes) : '-',
    humanDuration(r.durationMs),
    String(r.retries),
    r.error ? `${text(r.error.kind, 40)}: ${text(r.error.message, 120)}` : r.reason ? text(r.reason, 120) : '',
  ]);
  const totals = countStatuses(results);
  const summary = Object.entries(totals)
    .filter(([, n]) => n > 0)
    .map(([s, n]) => `${n} ${s}`)
    .join(', ');
  const bytes = results.reduce((n, r) => n + r.bytes, 0);
  const lines = alignColumns([header, ...rows]);
  lines.push('', `Total: ${summary || 'no results'}; ${humanBytes(bytes)} moved`);
  return lines.join('\n') + '\n';
}

/** `ghcr.io/acme/nginx:1.27  12.3 MiB / 45.6 MiB (27%)  4.1 MiB/s` */
export function formatProgress(p: { ref: string; bytes: number; total: number; elapsedMs: number }): string {
  const parts = [text(p.ref, 200)];
  if (p.total > 0) {
    const pct = Math.min(100, Math.floor((p.bytes / p.total) * 100));
    parts.push(`${humanBytes(p.bytes)} / ${humanBytes(p.total)} (${pct}%)`);
  } else {
    parts.push(humanBytes(p.bytes));
  }
  if (p.elapsedMs > 0) parts.push(`${humanBytes((p.bytes * 1000) / p.elapsedMs)}/s`);
  return parts.join('  ');
}

/** Turns the engine's blob progress events into one log line per long transfer every 10 s. */
export function progressLogger(
  log: (line: string) => void,
  everyMs = 10_000,
): (e: { ref: string; digest: string; bytes: number; total: number }) => void {
  const seen = new Map<string, { at: number; last: number }>();
  return ({ ref, digest, bytes, total }) => {
    const key = `${ref} ${digest}`;
    const now = Date.now();
    let s = seen.get(key);
    if (!s) seen.set(key, (s = { at: now, last: now }));
    if (bytes >= total) {
      seen.delete(key);
      return;
    }
    if (now - s.last < everyMs) return;
    s.last = now;
    log(`  … ${formatProgress({ ref: `${ref} ${shortDigest(digest)}`, bytes, total, elapsedMs: now - s.at })}`);
  };
}
