/**
 * The result model: one Result per destination image/tag, in DESIGN.md's vocabulary.
 * The report renderers (summary, JSON, console) consume only this.
 */

export type Outcome = 'copied' | 'updated' | 'unchanged' | 'kept' | 'deleted' | 'failed' | 'skipped' | 'deferred';
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
  /** Full source reference, e.g. `registry.example.com/library/nginx:1.27`. */
  source?: string;
  /** Full destination reference. */
  destination: string;
  tag: string;
  status: ResultStatus;
  sourceDigest?: string;
  destinationDigest?: string;
  /** Bytes of blobs actually transferred. */
  bytes: number;
  blobs: { copied: number; mounted: number; present: number };
  durationMs: number;
  retries: number;
  reason?: string;
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
  /** Shard this report covers, when sharded. */
  shard?: { index: number; total: number };
  results: Result[];
  /** Rule-level problems not tied to one tag (listing failed, deletions refused...). */
  ruleErrors: { rule: string; message: string; hint?: string }[];
  totals: Record<ResultStatus, number>;
}
