/**
 * Plain-text output for the log and the terminal: one line per image as it ends, a final
 * table and progress lines. Every registry string goes through neutralizeCommands (G4).
 */
import {
  alignColumns,
  errorText,
  humanBytes,
  humanDuration,
  neutralizeCommands,
  rowDigest,
  truncate,
} from './escape.js';
import type { ProgressEvent } from '../replicate/execute.js';
import { nothingWord, ruleErrorsText } from './outcome.js';
import {
  ALL_STATUSES,
  countStatuses,
  type Result,
  type ResultStatus,
  type RunReport,
  STATUS,
} from '../replicate/result.js';
import { counted } from '../util/units.js';

/** What a dry run says it did, in the log and the summary alike. */
export const DRY_RUN = 'Dry run: nothing was copied or deleted.';

/** How the engine's line as it deletes a tag begins (src/replicate/execute.ts): its symbol follows STATUS. */
const DELETING = `${STATUS.deleted.symbol} deleted `;

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
  const digest = rowDigest(r);
  if (digest) parts.push(text(digest));
  // A row that did nothing (planned, not started) has no time of its own: "in 0ms" read as work done.
  if (r.bytes > 0) parts.push(`${humanBytes(r.bytes)} in ${humanDuration(r.durationMs)}`);
  else if (r.durationMs > 0) parts.push(`in ${humanDuration(r.durationMs)}`);
  let line = parts.join('  ');
  if (r.retries > 0) line += ` (${r.retries} ${r.retries === 1 ? 'retry' : 'retries'})`;
  if (r.error) {
    line += `  ${text(r.error.kind, 40)}: ${text(errorText(r.error), MESSAGE_MAX)}`;
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
    text(rowDigest(r)) || '-',
    r.bytes > 0 ? humanBytes(r.bytes) : '-',
    // As the summary: a row that did nothing has no time or retries of its own.
    r.durationMs > 0 ? humanDuration(r.durationMs) : '-',
    r.retries > 0 ? String(r.retries) : '-',
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

// ---- the run as a log: groups per rule, a line per change, progress, totals ---------------

export interface RunLogOptions {
  /** Writes one line of the log (the caller redacts); registry strings in it are already neutralised. */
  write: (line: string) => void;
  /** Where an engine detail line goes (image started, deletion made): the step's debug log. */
  debug?: (line: string) => void;
  /** Opens and closes a collapsible group (`::group::` in Actions); without, a heading line. */
  group?: { start: (title: string) => void; end: () => void };
  /** Minimum time between two overall progress lines (default 10 s). */
  progressEveryMs?: number;
  /**
   * Takes the overall progress on every change instead of the progress lines: a live progress
   * bar on a terminal draws it (and throttles itself).
   */
  live?: (p: RunProgress) => void;
  /**
   * Why a rule's errors are expected (a pull request's plan without that rule's credentials), or
   * undefined: such a rule is told as not planned, with the reason, not as a rule error.
   */
  withheld?: (rule: string) => string | undefined;
  /** Clock, for tests. */
  now?: () => number;
  color?: boolean;
}

export interface RunLog {
  /** Pass as RunOptions.onProgress. */
  onProgress: (e: ProgressEvent) => void;
  /** Pass as RunOptions.log: the engine's own lines. */
  log: (line: string) => void;
  /** Closes an open group and writes the totals of the run. */
  finish: (report: RunReport, notes?: string[]) => void;
  /** This rule error was written inside its rule (not: a store failing to close, a rule never started). */
  told: (e: { rule: string; message: string }) => boolean;
}

/** Statuses worth a line of their own; the others are counted. */
const QUIET: ReadonlySet<ResultStatus> = new Set(['unchanged']);

/**
 * The run as a person reads it in a log: one group per rule, a line per image that changed,
 * failed or was skipped (with its reason), a count of the unchanged ones, an overall progress
 * line at most every `progressEveryMs` (`1,204 / 5,000 tags, 3.1 GiB, 42 MiB/s, ETA 6 min`),
 * and the totals at the end.
 */
export function runLog(o: RunLogOptions): RunLog {
  const now = o.now ?? Date.now;
  const every = o.progressEveryMs ?? 10_000;
  const printed = new WeakSet<Result>();
  const toldErrors = new Set<string>();
  const blobs = new Map<string, number>();
  const state = {
    open: false,
    tags: 0,
    done: 0,
    writes: 0,
    written: 0,
    bytes: 0,
    started: undefined as number | undefined,
    lastProgress: now(),
    rule: '',
    index: 0,
    of: 0,
    listing: undefined as { repositories: number; of: number } | undefined,
  };
  const close = () => {
    if (!state.open) return;
    state.open = false;
    if (o.group) o.group.end();
    else o.write('');
  };
  const line = (r: Result) => {
    printed.add(r);
    o.write(
      `  ${formatResultLine(r, { ...(o.color !== undefined ? { color: o.color } : {}) }).replace(/\n/g, '\n  ')}`,
    );
  };
  const progress = () => {
    const t = now();
    const p = { ...state, elapsedMs: state.started === undefined ? 0 : t - state.started };
    if (o.live) return o.live(p);
    // Before the first write, only a listing has anything to tell: a no-op over 10,000 tags lists
    // for half a minute, and a log silent that long reads as hung.
    if (t - state.lastProgress < every || (state.started === undefined && !listing(p))) return;
    state.lastProgress = t;
    o.write(`… ${formatRunProgress(p)}`);
  };
  const onProgress = (e: ProgressEvent) => {
    switch (e.kind) {
      case 'rule-start': {
        close();
        state.rule = e.rule;
        state.index = e.index;
        state.of = e.of;
        state.listing = undefined;
        const notes = [
          ...(e.of > 1 ? [`${e.index} of ${e.of}`] : []),
          ...(e.bandwidth !== undefined ? [`at most ${humanBytes(e.bandwidth)}/s`] : []),
        ];
        const title = `rule ${text(e.rule, 100)}: ${text(e.source, 100)} → ${text(e.destination, 100)}${notes.length ? ` (${notes.join(', ')})` : ''}`;
        if (o.group) o.group.start(title);
        else o.write(title);
        state.open = true;
        return;
      }
      case 'listed':
        state.listing = { repositories: e.repositories, of: e.of };
        progress();
        return;
      case 'planned':
        state.tags += e.tags;
        state.done += e.tags - e.writes;
        state.writes += e.writes;
        if (e.writes > 0) state.started ??= now();
        if (o.live) progress();
        return;
      case 'blob': {
        const key = `${e.ref} ${e.digest}`;
        state.bytes += Math.max(0, e.bytes - (blobs.get(key) ?? 0));
        if (e.bytes >= e.total) blobs.delete(key);
        else blobs.set(key, e.bytes);
        progress();
        return;
      }
      case 'result':
        state.done++;
        state.written++;
        if (!QUIET.has(e.result.status)) line(e.result);
        progress();
        return;
      case 'rule-end': {
        for (const r of e.results) if (!printed.has(r) && !QUIET.has(r.status)) line(r);
        const unchanged = e.results.filter((r) => r.status === 'unchanged').length;
        if (unchanged) o.write(`  ${STATUS.unchanged.symbol} ${unchanged} unchanged`);
        if (!e.results.length && !e.errors.length) o.write('  nothing selected');
        const withheld = e.errors.length ? o.withheld?.(e.rule) : undefined;
        for (const err of e.errors) {
          toldErrors.add(`${e.rule}\n${err.message}`);
          o.write(
            withheld
              ? `  ⚠ not planned (${text(withheld, MESSAGE_MAX)}): ${text(err.message, MESSAGE_MAX)}`
              : `  ✖ rule error: ${text(err.message, MESSAGE_MAX)}${err.hint ? `\n    hint: ${text(err.hint, MESSAGE_MAX)}` : ''}`,
          );
        }
        close();
        return;
      }
    }
  };
  return {
    onProgress,
    log: (l) => {
      // The group title names the rule; the per-image start and deletion lines repeat what the
      // result lines say, so they go to the debug log.
      if (l.startsWith('→ ') || l.startsWith('rule ') || l.startsWith(DELETING)) o.debug?.(neutralizeCommands(l));
      else o.write(neutralizeCommands(l));
    },
    told: (e) => toldErrors.has(`${e.rule}\n${e.message}`),
    finish: (report, notes = []) => {
      close();
      o.write(totalsLine(report));
      // Its rows say would-copy and would-delete; the last word says why nothing changed.
      if (report.dryRun) o.write(DRY_RUN);
      for (const n of notes) o.write(text(n, MESSAGE_MAX));
    },
  };
}

/**
 * `ferry plan`'s sign of life (its output is the plan, at the end): at most every
 * `progressEveryMs`, the rule being planned and how far its listing is —
 * `… planning rule mirror (1 of 3): listing 340 / 1,000 repositories, 3,400 tags planned`.
 */
export function planProgress(o: Pick<RunLogOptions, 'write' | 'progressEveryMs' | 'now'>): (e: ProgressEvent) => void {
  const now = o.now ?? Date.now;
  const every = o.progressEveryMs ?? 10_000;
  let last = now();
  let rule = '';
  let where = '';
  let tags = 0;
  let listed: { repositories: number; of: number } | undefined;
  return (e) => {
    if (e.kind === 'rule-start') {
      ({ rule } = e);
      where = e.of > 1 ? ` (${e.index} of ${e.of})` : '';
      tags = 0;
      listed = undefined;
      return;
    }
    if (e.kind === 'planned') tags += e.tags;
    else if (e.kind === 'listed') listed = { repositories: e.repositories, of: e.of };
    else return;
    const t = now();
    if (t - last < every) return;
    last = t;
    const n = (x: number) => x.toLocaleString('en-US');
    const list = listed ? `${listingText(listed)}, ` : '';
    o.write(`… planning rule ${text(rule, 100)}${where}: ${list}${n(tags)} tag${tags === 1 ? '' : 's'} planned`);
  };
}

/** The overall progress of a run: tags planned and done, writes planned and done, bytes moved. */
export interface RunProgress {
  tags: number;
  done: number;
  writes: number;
  written: number;
  bytes: number;
  elapsedMs: number;
  /** The rule being worked on, 1-based, of how many. */
  index?: number;
  of?: number;
  /** The source repositories of the rule being worked on listed so far. */
  listing?: { repositories: number; of: number };
}

/** `listing 340 / 1,000 repositories`: the one wording of a listing's progress, run and plan alike. */
const listingText = (l: { repositories: number; of: number }) =>
  `listing ${l.repositories.toLocaleString('en-US')} / ${l.of.toLocaleString('en-US')} repositories`;

/** The rule is still listing its source repositories. */
const listing = (p: RunProgress) => p.listing !== undefined && p.listing.repositories < p.listing.of;

/**
 * `1,204 / 5,000 tags, 3.1 GiB, 42 MiB/s, ETA 6 min (rule 2 of 3)`; while the rule lists,
 * `listing 340 / 1,000 repositories, 3,400 / 3,400 tags` (the tags planned so far).
 */
export function formatRunProgress(p: RunProgress): string {
  const n = (x: number) => x.toLocaleString('en-US');
  const parts = [`${n(p.done)} / ${n(p.tags)} tags`];
  if (listing(p)) parts.unshift(listingText(p.listing!));
  // Nothing written yet: "0 B" would only say so.
  if (p.writes > 0 || p.bytes > 0) parts.push(humanBytes(p.bytes));
  if (p.elapsedMs > 0) parts.push(`${humanBytes((p.bytes * 1000) / p.elapsedMs)}/s`);
  // The pace of finished writes: listing-only tags cost nothing, so they do not count.
  // Not while listing: the writes not yet planned would make it too short.
  if (p.written > 0 && p.writes > p.written && !listing(p))
    parts.push(`ETA ${eta(((p.writes - p.written) * p.elapsedMs) / p.written)}`);
  const where = p.of && p.of > 1 ? ` (rule ${p.index} of ${p.of})` : '';
  return parts.join(', ') + where;
}

function eta(ms: number): string {
  const s = Math.ceil(ms / 1000);
  if (s < 60) return `${s} s`;
  const min = Math.round(s / 60);
  if (min < 90) return `${min} min`;
  return `${Math.floor(min / 60)} h ${min % 60} min`;
}

/**
 * `Total: 1 failed · 14 copied · 140 unchanged; 2.1 GiB moved in 6m12s; 2 rule errors (rule a was
 * not carried out; rule b was carried out in part), 3 warnings`; a run without any result says
 * `nothing to do` only when no rule failed, else `nothing done`.
 */
export function totalsLine(report: RunReport): string {
  const t = countStatuses(report.results);
  const counts = ALL_STATUSES.filter((s) => t[s] > 0).map((s) => `${t[s]} ${s.replace('-', ' ')}`);
  const bytes = report.results.reduce((x, r) => x + r.bytes, 0);
  const ms = Date.parse(report.finishedAt) - Date.parse(report.startedAt);
  const extra: string[] = [];
  const errors = ruleErrorsText(report);
  if (errors) extra.push(errors);
  const w = report.warnings?.length ?? 0;
  if (w) extra.push(counted(w, 'warning'));
  // "0 B moved" after "nothing done" would only repeat it.
  const done = counts.length
    ? `${counts.join(' · ')}; ${humanBytes(bytes)} moved in ${humanDuration(ms)}`
    : `${nothingWord(report)} in ${humanDuration(ms)}`;
  return text(`Total: ${done}${extra.length ? `; ${extra.join(', ')}` : ''}`, MESSAGE_MAX);
}
