/** Turns what went wrong into what a report shows: one message, a kind, and a hint when known. */
import { InvalidManifestError } from '../oci/manifest.js';
import { RegistryError } from '../registry/errors.js';
import { redact } from '../util/secrets.js';
import type { ResultError } from './result.js';

/** A problem of a rule not tied to one tag (a listing failed, deletions refused...). */
export interface RuleError {
  rule: string;
  message: string;
  hint?: string;
  /** The registry (its name in the rules file) the error is about, where one is: annotated there. */
  registry?: string;
}

export function describeError(rule: string, context: string, e?: unknown, registry?: string): RuleError {
  const hint = e instanceof RegistryError ? e.hint : undefined;
  const detail = e === undefined ? '' : ((e as Error)?.message ?? String(e));
  return {
    rule,
    // A registry error names what it was doing and where; the context would say it twice
    // ("listing repositories of X: listing repositories X: …").
    message: redact(e === undefined ? context : e instanceof RegistryError ? detail : `${context}: ${detail}`),
    ...(hint ? { hint } : {}),
    ...(registry ? { registry } : {}),
  };
}

export function toResultError(e: unknown): ResultError {
  if (e instanceof RegistryError)
    return {
      kind: e.kind,
      message: redact(e.message),
      ...(e.hint ? { hint: e.hint } : {}),
      ...(e.status ? { status: e.status } : {}),
      ...(e.codes.length ? { codes: e.codes } : {}),
    };
  return {
    kind: e instanceof InvalidManifestError ? 'invalid' : 'internal',
    message: redact((e as Error)?.message ?? String(e)),
  };
}

/** The hint of a rule a stopped run did not finish. */
export const RUN_AGAIN = 'run again to finish: what was done is kept, and a re-run carries on from there';

/** The error of a rule a stopped run never started. */
export function notStartedError(rule: string, signal: AbortSignal): RuleError {
  return { rule, message: `not started: ${stopReason(signal)}`, hint: RUN_AGAIN };
}

/** Why a run was stopped (SIGTERM, its timeout), in words. */
export function stopReason(signal: AbortSignal): string {
  const r: unknown = signal.reason;
  return typeof r === 'string' ? r : r instanceof Error ? r.message : 'the run was stopped';
}
