/**
 * The "replication finished / failed" message for a chat or HTTP webhook (Harbor users get one
 * from Harbor's replication jobs). One JSON body both Slack and Teams incoming webhooks accept
 * (`text`), with the facts under `ferry` for other receivers. Built from the report only: no
 * credential is ever in it, and the caller redacts it once more.
 */
import { countStatuses, type RunReport, STATUS } from '../replicate/result.js';
import { oneLine, truncate } from './escape.js';
import { ALL_STATUSES } from './json.js';
import { nothingWord, ruleErrorsText, type Verdict, verdict } from './outcome.js';
import { counted } from '../util/units.js';

export interface NotificationContext {
  /** `owner/repo` of the rules repository. */
  repository?: string;
  /** The rules file, relative to the repository. */
  file?: string;
  runUrl?: string;
  /** The run's verdict (`verdict(report, { failOn })`); default: as the CLI judges it. */
  verdict?: Verdict;
}

export interface Notification {
  /** Slack and Teams show this. */
  text: string;
  ferry: {
    status: 'succeeded' | 'failed';
    command: RunReport['command'];
    dryRun: boolean;
    repository?: string;
    file?: string;
    runUrl?: string;
    /** Why the run failed (also under `fail-on: never`, which keeps the step green). */
    reason?: string;
    totals: Partial<Record<string, number>>;
    /** The first failed images (at most MAX_LISTED), with the error kind and message. */
    failures: { image: string; error: string }[];
    ruleErrors: { rule: string; message: string }[];
    startedAt: string;
    finishedAt: string;
  };
}

export const MAX_LISTED = 20;

export function notificationMessage(report: RunReport, ctx: NotificationContext = {}): Notification {
  const totals = countStatuses(report.results);
  const v = ctx.verdict ?? verdict(report);
  const failed = v.status === 'failed';
  const counts = ALL_STATUSES.filter((s) => totals[s] > 0).map((s) => `${totals[s]} ${s.replace('-', ' ')}`);
  const where = [ctx.repository, ctx.file].filter(Boolean).join(' · ');
  const failures = report.results
    .filter((r) => r.status === 'failed')
    .slice(0, MAX_LISTED)
    .map((r) => ({
      image: line(r.destination, 200),
      error: line(r.error ? `${r.error.kind}: ${r.error.message}` : (r.reason ?? 'failed'), 300),
    }));
  const lines = [
    `${failed ? STATUS.failed.emoji : STATUS.copied.emoji} ferry ${report.command}${report.dryRun ? ' (dry run)' : ''} ${failed ? 'failed' : 'finished'}${where ? ` in ${line(where, 200)}` : ''}: ${counts.join(' · ') || nothingWord(report)}`,
  ];
  // Which rules did not happen, not only how many errors: the headline's counts leave them out.
  if (report.ruleErrors.length) lines.push(line(ruleErrorsText(report), 300));
  // Failed on warnings (`fail-on: warning`): the counts alone would not say why.
  if (failed && v.reason && !totals.failed && !report.ruleErrors.length) lines.push(line(v.reason, 300));
  for (const f of failures.slice(0, 5)) lines.push(`• ${f.image}: ${f.error}`);
  if (totals.failed > 5) lines.push(`… and ${counted(totals.failed - 5, 'more failed image')}`);
  if (ctx.runUrl) lines.push(ctx.runUrl);
  return {
    text: lines.join('\n'),
    ferry: {
      status: failed ? 'failed' : 'succeeded',
      command: report.command,
      dryRun: report.dryRun,
      ...(ctx.repository ? { repository: ctx.repository } : {}),
      ...(ctx.file ? { file: ctx.file } : {}),
      ...(ctx.runUrl ? { runUrl: ctx.runUrl } : {}),
      ...(failed && v.reason ? { reason: line(v.reason, 300) } : {}),
      totals: Object.fromEntries(ALL_STATUSES.filter((s) => totals[s] > 0).map((s) => [s, totals[s]])),
      failures,
      ruleErrors: report.ruleErrors
        .slice(0, MAX_LISTED)
        .map((e) => ({ rule: line(e.rule, 100), message: line(e.message, 300) })),
      startedAt: report.startedAt,
      finishedAt: report.finishedAt,
    },
  };
}

/** Registry text in a chat message: one line, cut, and no `<…>` that Slack reads as a link or mention. */
function line(s: string, max: number): string {
  return truncate(oneLine(s), max).replace(/[<>]/g, (c) => (c === '<' ? '‹' : '›'));
}
