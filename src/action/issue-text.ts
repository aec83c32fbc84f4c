/**
 * The words of the failure issue (see issue.ts): its title, its body with the hidden marker that
 * finds it again, a comment per failed run and the closing comment. Built from the report only,
 * every registry string escaped as in the job summary, and redacted once more.
 */
import { code, escapeMarkdownCell, notificationMessage, oneLine, redact, totalsLine, counted } from '../index.js';
import type { IssueRun } from './issue.js';

const MAX_ROWS = 10;

/** The hidden marker of the failure issue of one rules file. */
export function failureMarker(file: string): string {
  // `--` and `>` could end the HTML comment early.
  return `<!-- ferry:failing path=${oneLine(file).replace(/--/g, '- -').replace(/>/g, '&gt;')} -->`;
}

export function failingIssueTitle(file: string): string {
  return `ferry: replication with ${oneLine(file).slice(0, 200)} is failing`;
}

export function failureIssueBody(run: IssueRun): string {
  return redact(
    `${failureMarker(run.file)}\nRuns of ${code(run.file, 200)} are failing. ferry keeps this issue open while ` +
      'they fail, comments on each failed run, and closes it when a run succeeds.\n\n' +
      runText(run),
  );
}

export function runComment(run: IssueRun): string {
  return redact(runText(run));
}

export function closingComment(run: IssueRun): string {
  return redact(`✅ ${runLink(run, 'This run')} succeeded: ${counts(run)}. Closing.\n`);
}

/** The run in a few lines: verdict and totals, why it failed, the first failed images and rule errors. */
function runText(run: IssueRun): string {
  const n = notificationMessage(run.report, { verdict: run.verdict });
  const out = [`❌ ${runLink(run, 'A run')} failed: ${counts(run)}.\n\n`];
  if (n.ferry.reason) out.push(`> ${escapeMarkdownCell(n.ferry.reason, 300)}\n\n`);
  const failures = n.ferry.failures.slice(0, MAX_ROWS);
  if (failures.length) {
    out.push('| Image | Error |\n|---|---|\n');
    for (const f of failures)
      out.push(`| <code>${escapeMarkdownCell(f.image)}</code> | ${escapeMarkdownCell(f.error)} |\n`);
    const more = run.report.totals.failed - failures.length;
    if (more > 0) out.push(`\n_and ${counted(more, 'more failed image')}; see the job summary._\n`);
    out.push('\n');
  }
  for (const e of n.ferry.ruleErrors.slice(0, MAX_ROWS))
    out.push(`- rule ${code(e.rule, 100)}: ${escapeMarkdownCell(e.message)}\n`);
  return out.join('');
}

/** `1 failed · 14 copied; 2.1 GiB moved in 6m12s`: the totals line of the log. */
function counts(run: IssueRun): string {
  return totalsLine(run.report).replace(/^Total: /, '');
}

function runLink(run: IssueRun, words: string): string {
  return run.runUrl && /^https?:\/\/[^\s<>()[\]`"']+$/.test(run.runUrl) ? `[${words}](${run.runUrl})` : words;
}
