/**
 * Whether a run failed, and why: the one decision behind the CLI's exit code, the action's step
 * result, the job summary's headline, the webhook message and the failure issue. Each of them
 * reads this verdict; none of them weighs the report again.
 */
import type { RunReport } from '../replicate/result.js';
import { countStatuses } from './json.js';
import { counted } from '../util/units.js';

/** The action's `fail-on` input; the CLI always runs as `error`. */
export type FailOn = 'error' | 'warning' | 'never';

export interface VerdictOptions {
  /** Default `error`. */
  failOn?: FailOn;
  /** Warnings about the rules file itself (they are not in the report). */
  configWarnings?: number;
}

export interface Verdict {
  /**
   * ❌ failed images or rule errors, or warnings under `fail-on: warning`; ⚠️ warnings (kept,
   * skipped (not by a filter) or deferred tags, refused deletions, run or config warnings); ✅ none
   * of these.
   */
  status: 'failed' | 'warned' | 'succeeded';
  /** What went wrong or warned, in one line (`1 image failed, 2 rule errors`); undefined on ✅. */
  reason?: string;
  /**
   * The step fails (exit code 1): a failed status, unless `fail-on: never`. A run that failed under
   * `fail-on: never` still notifies and keeps its failure issue open: the images did not arrive.
   */
  failsStep: boolean;
}

/** The mark a status is shown with, wherever a verdict is: ❌ failed, ⚠️ warned, ✅ succeeded. */
export function verdictMark(status: Verdict['status'] | undefined): string {
  return status === 'failed' ? '❌' : status === 'warned' ? '⚠️' : '✅';
}

type Counted = Pick<RunReport, 'results' | 'ruleErrors' | 'warnings'>;

export function verdict(report: Counted, o: VerdictOptions = {}): Verdict {
  const failOn = o.failOn ?? 'error';
  const totals = countStatuses(report.results);
  const errors = [
    plural(totals.failed, 'image failed', 'images failed'),
    plural(report.ruleErrors.length, 'rule error'),
  ];
  if (totals.failed + report.ruleErrors.length > 0)
    return { status: 'failed', reason: errors.filter(Boolean).join(', '), failsStep: failOn !== 'never' };
  const warned = [
    plural(totals.kept, 'kept tag'),
    // A tag a labels or resource filter leaves out, or a signature tag ferry never deletes apart
    // from its subject, is the rule at work, not something to look at.
    plural(totals.skipped - byDesign(report.results), 'skipped tag'),
    plural(totals.refused, 'deletion refused', 'deletions refused'),
    plural(totals.deferred, 'deferred tag'),
    plural(report.warnings?.length ?? 0, 'run warning'),
    plural(o.configWarnings ?? 0, 'config warning'),
  ].filter(Boolean);
  if (!warned.length) return { status: 'succeeded', failsStep: false };
  if (failOn === 'warning')
    return { status: 'failed', reason: `warnings (${warned.join(', ')}) and fail-on is warning`, failsStep: true };
  return { status: 'warned', reason: `warnings (${warned.join(', ')})`, failsStep: false };
}

const BY_DESIGN = new Set(['filtered-labels', 'filtered-resource', 'platforms-absent', 'referrer-fallback-tag']);
const byDesign = (results: Counted['results']) =>
  results.filter((r) => r.status === 'skipped' && r.why !== undefined && BY_DESIGN.has(r.why)).length;

/**
 * What a rule error means for its rule: `not carried out` (no result) or `carried out in part`;
 * in a dry run, which carries nothing out, `not planned` or `planned in part`.
 */
export function ruleFate(dryRun: boolean | undefined, some: boolean): string {
  if (dryRun) return some ? 'planned in part' : 'not planned';
  return some ? 'carried out in part' : 'not carried out';
}

/**
 * The rule errors and what they mean for the rules: `1 rule error (rule to-c was not carried
 * out)`, `2 rule errors (rule a was not carried out; rule b was carried out in part)` (a dry
 * run's: not planned, planned in part); '' without any. A count alone next to "0 B moved" read as
 * a run with nothing to do; the rules it names tell a reader which part of the file did not happen.
 */
export function ruleErrorsText(report: Pick<RunReport, 'results' | 'ruleErrors' | 'dryRun'>, max = 3): string {
  const n = report.ruleErrors.length;
  if (n === 0) return '';
  const rules = [...new Set(report.ruleErrors.map((e) => e.rule))];
  const done = new Set(report.results.map((r) => r.rule));
  const names = (list: string[]) =>
    list.length > max ? `${list.slice(0, max).join(', ')} and ${list.length - max} more` : list.join(', ');
  const phrase = (list: string[], what: string) =>
    list.length === 0
      ? []
      : [`${list.length === 1 ? 'rule' : 'rules'} ${names(list)} ${list.length === 1 ? 'was' : 'were'} ${what}`];
  const parts = [
    ...phrase(
      rules.filter((r) => !done.has(r)),
      ruleFate(report.dryRun, false),
    ),
    ...phrase(
      rules.filter((r) => done.has(r)),
      ruleFate(report.dryRun, true),
    ),
  ];
  return `${plural(n, 'rule error')}${parts.length ? ` (${parts.join('; ')})` : ''}`;
}

/**
 * The words for a run without a single result: `nothing to do` says the destination is in sync,
 * which is only true when no rule failed.
 */
export function nothingWord(report: Pick<RunReport, 'ruleErrors'>): string {
  return report.ruleErrors.length ? 'nothing done' : 'nothing to do';
}

/** `1 kept tag`, `2 kept tags`, `2 images failed`; nothing for 0. */
function plural(n: number, one: string, many = `${one}s`): string {
  return n === 0 ? '' : counted(n, one, many);
}

/**
 * Whether a rule counts for a pull request's check: one its merge runs (`changedRules`), or every
 * rule when they are unknown (a fork). The one test the check, its annotations and the comment use.
 */
export function runsOnMerge(changedRules: readonly string[] | undefined): (rule: string) => boolean {
  const changed = changedRules ? new Set(changedRules) : undefined;
  return (rule) => !changed || changed.has(rule);
}

/**
 * The part of `report` a pull request's check is judged on (all of it when the changed rules are
 * unknown), its totals (when it has them) recounted over that part.
 */
export function judgedPart<R extends Counted>(report: R, changedRules: readonly string[] | undefined): R {
  if (!changedRules) return report;
  const counts = runsOnMerge(changedRules);
  const results = report.results.filter((r) => counts(r.rule));
  return {
    ...report,
    results,
    ruleErrors: report.ruleErrors.filter((e) => counts(e.rule)),
    ...(report.warnings ? { warnings: report.warnings.filter((w) => counts(w.rule)) } : {}),
    ...('totals' in report ? { totals: countStatuses(results) } : {}),
  };
}
