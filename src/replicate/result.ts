/**
 * The result model: one Result per destination image/tag, in DESIGN.md's vocabulary.
 * The engine produces it; the report renderers (summary, JSON, console) consume only this.
 */
import type { PlanWhy, Selection } from '../plan/types.js';
import { redact } from '../util/secrets.js';

export type Outcome =
  | 'copied'
  | 'updated'
  | 'unchanged'
  | 'kept'
  | 'deleted'
  | 'failed'
  /** A destination extra a deletion guard kept (the plan's `delete-blocked`, or a guard at run time). */
  | 'refused'
  | 'skipped'
  | 'deferred';
/** In a dry run the writing outcomes are prefixed with `would-`. */
export type ResultStatus = Outcome | 'would-copy' | 'would-update' | 'would-delete';

export interface ResultError {
  /** Machine-readable class: unauthorized, denied, not-found, rate-limited, digest-mismatch, network, tls, invalid, internal... */
  kind: string;
  message: string;
  /** A sentence the user can act on. */
  hint?: string;
  /** HTTP status when the error came from a registry. */
  status?: number;
  /** Registry error codes (UNAUTHORIZED, DENIED, NAME_UNKNOWN...). */
  codes?: string[];
}

export interface Result {
  rule: string;
  /** Full source reference, e.g. `registry.example.com/library/nginx:1.27`; absent for a deletion (a destination extra). */
  source?: string;
  /** Full destination reference. */
  destination: string;
  tag: string;
  status: ResultStatus;
  sourceDigest?: string;
  destinationDigest?: string;
  /**
   * A dry run's copy or update of a `platforms:` rule: the subset index the run writes, which its
   * row will show as `destinationDigest`.
   */
  targetDigest?: string;
  /** Bytes of blobs actually transferred. */
  bytes: number;
  blobs: { copied: number; mounted: number; present: number };
  durationMs: number;
  retries: number;
  reason?: string;
  /** Why the planner decided what it did, for machines (`reason` says it in words). */
  why?: PlanWhy;
  error?: ResultError;
}

export interface RunReport {
  /** Version of this JSON shape. */
  schemaVersion: 1;
  tool: { name: 'ferry'; version: string };
  command: 'plan' | 'run';
  dryRun: boolean;
  startedAt: string;
  finishedAt: string;
  /** Shard this report covers, when sharded (index 1-based, as in `shard: 2/4`). */
  shard?: { index: number; total: number };
  /**
   * The registry event the run was narrowed to (`repository_dispatch`, `registry_package`): only
   * the artifacts it names were looked at, e.g. `push harbor.example.com/team/app:v3`.
   */
  event?: { name: string; artifacts: string[] };
  results: Result[];
  /** Rule-level problems not tied to one tag (listing failed, deletions refused...). */
  /** `registry`: the registry (its name in the rules file) the error is about, where one is. */
  ruleErrors: { rule: string; message: string; hint?: string; registry?: string }[];
  /** What the plan warned about (kept tags, deletions left in place, skipped names...). */
  warnings?: { rule: string; message: string }[];
  /**
   * Per rule, what its filters selected of what the source lists (the summary's "Selected:" line).
   * In a shard's report the repositories are the whole source's, the tags the shard's own.
   */
  selection?: Record<string, Selection>;
  totals: Record<ResultStatus, number>;
}

/** How each status is shown and counted: the one table every renderer reads. */
export interface StatusStyle {
  /** Summary and PR comment. */
  emoji: string;
  /** Console and Actions log. */
  symbol: string;
  /** ANSI colour for a terminal. */
  color: number;
  /** Writes (or would write) something at the destination: the `changed` output. */
  change: boolean;
}

/** Every status, in the order totals and tables list them. */
export const STATUS: Readonly<Record<ResultStatus, StatusStyle>> = {
  failed: { emoji: '❌', symbol: '✖', color: 31, change: false },
  copied: { emoji: '✅', symbol: '✔', color: 32, change: true },
  updated: { emoji: '🔄', symbol: '✔', color: 32, change: true },
  deleted: { emoji: '🗑️', symbol: '✔', color: 32, change: true },
  'would-copy': { emoji: '➕', symbol: '+', color: 32, change: true },
  'would-update': { emoji: '🔄', symbol: '~', color: 33, change: true },
  'would-delete': { emoji: '🗑️', symbol: '-', color: 33, change: true },
  kept: { emoji: '📌', symbol: '!', color: 33, change: false },
  refused: { emoji: '🛑', symbol: '⊘', color: 33, change: false },
  skipped: { emoji: '⏭️', symbol: '↷', color: 33, change: false },
  deferred: { emoji: '⏳', symbol: '…', color: 33, change: false },
  unchanged: { emoji: '➖', symbol: '=', color: 2, change: false },
};

export const ALL_STATUSES = Object.keys(STATUS) as readonly ResultStatus[];

/** Counts results per status, with a zero for every status that did not occur. */
export function countStatuses(results: readonly Result[]): Record<ResultStatus, number> {
  const totals = Object.fromEntries(ALL_STATUSES.map((s) => [s, 0])) as Record<ResultStatus, number>;
  for (const r of results) totals[r.status] += 1;
  return totals;
}

export interface BuildReportArgs {
  command: RunReport['command'];
  dryRun: boolean;
  startedAt: Date;
  finishedAt: Date;
  results: Result[];
  ruleErrors: RunReport['ruleErrors'];
  warnings?: RunReport['warnings'];
  selection?: RunReport['selection'];
  shard?: RunReport['shard'];
  version: string;
}

/** Assembles a RunReport, counting every status (zeros included). */
export function buildReport(args: BuildReportArgs): RunReport {
  const report: RunReport = {
    schemaVersion: 1,
    tool: { name: 'ferry', version: args.version },
    command: args.command,
    dryRun: args.dryRun,
    startedAt: args.startedAt.toISOString(),
    finishedAt: args.finishedAt.toISOString(),
    results: args.results,
    ruleErrors: args.ruleErrors,
    ...(args.warnings?.length ? { warnings: args.warnings } : {}),
    ...(args.selection && Object.keys(args.selection).length ? { selection: args.selection } : {}),
    totals: countStatuses(args.results),
  };
  if (args.shard) report.shard = { index: args.shard.index, total: args.shard.total };
  return report;
}

/** What a destination store holds only once it has closed (an archive is written then). */
const LANDS_AT_CLOSE = new Set<ResultStatus>(['copied', 'updated', 'deleted']);

/**
 * A store that failed to close (a destination archive is written then) fails the run, and what the
 * rules writing into it report as written did not land: those results become failures, so no row
 * says copied for an image that is not there. Returns the run-level errors to add.
 */
export function failUnclosed(
  closeErrors: readonly { registry: string; message: string }[],
  rules: readonly { name: string; source: string; destination: string }[],
  results: Result[],
): { rule: string; message: string }[] {
  const errors: { rule: string; message: string }[] = [];
  for (const e of closeErrors) {
    const message = `${e.registry}: ${redact(e.message)}`;
    const into = new Set(rules.filter((r) => r.destination === e.registry).map((r) => r.name));
    // The error is the rules' whose writes did not land; failing that (nothing was written), every
    // rule that uses the store, so that no close error goes unreported.
    const wrote = [...into].filter((rule) => results.some((r) => r.rule === rule && LANDS_AT_CLOSE.has(r.status)));
    const owners = wrote.length
      ? wrote
      : rules.filter((r) => r.destination === e.registry || r.source === e.registry).map((r) => r.name);
    for (const rule of new Set(owners)) errors.push({ rule, message });
    for (const [i, r] of results.entries())
      if (into.has(r.rule) && LANDS_AT_CLOSE.has(r.status))
        results[i] = { ...r, status: 'failed', reason: `not written: ${message}`, error: { kind: 'io', message } };
  }
  return errors;
}
