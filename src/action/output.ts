/** What the action leaves behind: annotations, outputs, the job summary and the result line. */
import * as core from '@actions/core';
import {
  ALL_STATUSES,
  type ConfigDiagnostic,
  escapeMarkdownCell,
  neutralizeCommands,
  redact,
  type RunReport,
  STATUS,
} from '../index.js';

/** Per step GitHub shows 10 errors and 10 warnings (actions/toolkit#734). */
export const MAX_ANNOTATIONS = 10;

/** Annotations on the offending lines; returns a Markdown note for those beyond the cap. */
export function annotate(diagnostics: ConfigDiagnostic[], file: string): string {
  const over: string[] = [];
  for (const severity of ['error', 'warning'] as const) {
    const list = diagnostics.filter((d) => d.severity === severity);
    for (const [i, d] of list.entries()) {
      const text = neutralizeCommands(redact(d.path ? `${d.path}: ${d.message}` : d.message));
      if (i >= MAX_ANNOTATIONS) continue;
      const props = { file, startLine: d.line, startColumn: d.column, title: `ferry: ${file}` };
      if (severity === 'error') core.error(text, props);
      else core.warning(text, props);
    }
    if (list.length > MAX_ANNOTATIONS)
      over.push(
        `${list.length - MAX_ANNOTATIONS} more ${severity}${list.length - MAX_ANNOTATIONS === 1 ? '' : 's'} not annotated (GitHub shows ${MAX_ANNOTATIONS} per step); all are listed below.`,
      );
  }
  return over.map((o) => `> ${o}\n\n`).join('');
}

/** Validation problems as a Markdown section of the job summary. */
export function diagnosticsMarkdown(diagnostics: ConfigDiagnostic[], file: string): string {
  if (!diagnostics.length) return '';
  const rows = diagnostics.map(
    (d) =>
      `| ${d.severity === 'error' ? '❌' : '⚠️'} | ${escapeMarkdownCell(`${file}:${d.line}:${d.column}`)} | ${escapeMarkdownCell(d.path || '—')} | ${escapeMarkdownCell(redact(d.message), 500)} |`,
  );
  return `| | Where | Key | Problem |\n|---|---|---|---|\n${rows.join('\n')}\n\n`;
}

export function notesMarkdown(notes: string[]): string {
  return notes.map((n) => `> ℹ️ ${escapeMarkdownCell(redact(n), 500)}\n\n`).join('');
}

/** Counts per result kind, `changed` and `report`. */
export function setReportOutputs(report: RunReport | undefined, reportPath: string | undefined): boolean {
  const totals = report?.totals;
  for (const s of ALL_STATUSES) core.setOutput(s, String(totals?.[s] ?? 0));
  const changed = !!totals && ALL_STATUSES.some((s) => STATUS[s].change && (totals[s] ?? 0) > 0);
  core.setOutput('changed', String(changed));
  core.setOutput('report', reportPath ?? '');
  return changed;
}

export async function writeSummary(markdown: string): Promise<void> {
  if (!process.env.GITHUB_STEP_SUMMARY) {
    core.info(markdown);
    return;
  }
  await core.summary.addRaw(redact(markdown)).write();
}
