/** What the action leaves behind: annotations, outputs, the job summary and the result line. */
import * as core from '@actions/core';
import {
  ALL_STATUSES,
  type Config,
  type ConfigDiagnostic,
  errorText,
  escapeMarkdownCell,
  neutralizeCommands,
  redact,
  type RunReport,
  runsOnMerge,
  STATUS,
  counted,
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
        `${counted(list.length - MAX_ANNOTATIONS, `more ${severity}`)} not annotated (GitHub shows ${MAX_ANNOTATIONS} per step); all are listed below.`,
      );
  }
  return over.map((o) => `> ${o}\n\n`).join('');
}

/** What annotating a run used and left over: both for the step's failure line and the summary. */
export interface RunAnnotations {
  /** Failed images and rule errors not annotated (all are in the job summary). */
  errorsOver: number;
  /** Run warnings not annotated. */
  warningsOver: number;
}

/**
 * One error annotation per failed image (titled with the image) and per rule error, one warning
 * annotation per run warning on its rule's line of the rules file when that file is in the
 * workspace. GitHub shows 10 of each per step: one error is kept for the step's own failure line
 * (or, when the step does not fail, for the count of the rest), and warnings share theirs with the
 * rules file's.
 */
export function annotateRun(
  report: RunReport,
  config: Config,
  file: string | undefined,
  o: {
    warningsUsed: number;
    failing: boolean;
    /**
     * The rules the step is judged on (a pull request's changed rules): a failure elsewhere is
     * drift, annotated as a warning, so annotations agree with the check. Undefined: every rule.
     */
    judged?: readonly string[];
  },
): RunAnnotations {
  const inWorkspace = file && !file.startsWith('../') && file !== '..' && !/^([a-z]:)?\//i.test(file);
  // A rule error about one registry (it refused the credentials, it cannot be reached) is pointed
  // at that registry's entry, where it is mended; others at the rule.
  const at = (rule: string, registry?: string) => {
    const line = (registry && config.registries.get(registry)?.line) || config.rules.find((r) => r.name === rule)?.line;
    return inWorkspace && line ? { file, startLine: line } : {};
  };
  const text = (s: string) => neutralizeCommands(redact(s));
  const counts = runsOnMerge(o.judged);
  const drift = [
    ...report.results
      .filter((r) => r.status === 'failed' && !counts(r.rule))
      .map((r) => ({
        rule: r.rule,
        message: `${r.destination} failed: ${r.error?.message ?? r.reason ?? 'failed'}`,
        ...(r.error?.hint ? { hint: r.error.hint } : {}),
      })),
    ...report.ruleErrors.filter((e) => !counts(e.rule)),
  ];
  const errors: { message: string; props: core.AnnotationProperties }[] = [
    ...report.results
      .filter((r) => r.status === 'failed' && counts(r.rule))
      .map((r) => ({
        message: r.error
          ? `${r.error.kind}: ${errorText(r.error)}${r.error.hint ? `\nhint: ${r.error.hint}` : ''}`
          : (r.reason ?? 'failed'),
        props: { title: `ferry: ${r.destination} failed` },
      })),
    ...report.ruleErrors
      .filter((e) => counts(e.rule))
      .map((e) => ({
        message: `${e.message}${e.hint ? `\nhint: ${e.hint}` : ''}`,
        props: { title: `ferry: rule ${e.rule}`, ...at(e.rule, e.registry) },
      })),
  ];
  const budget = MAX_ANNOTATIONS - 1;
  const shown = errors.length > budget + (o.failing ? 0 : 1) ? budget : errors.length;
  for (const e of errors.slice(0, shown))
    core.error(text(e.message), { ...e.props, title: text(e.props.title ?? 'ferry') });
  const errorsOver = errors.length - shown;
  if (errorsOver > 0 && !o.failing)
    core.error(
      `${counted(errorsOver, 'more failure')} not annotated (GitHub shows ${MAX_ANNOTATIONS} per step); all are in the job summary`,
      { title: 'ferry' },
    );

  // Kept tags, one warning per rule (the verdict counts them; a row alone is easy to miss).
  const kept = new Map<string, string[]>();
  for (const r of report.results)
    if (r.status === 'kept' && counts(r.rule)) kept.set(r.rule, [...(kept.get(r.rule) ?? []), r.destination]);
  // The warnings the check counts first, drift last: under fail-on: warning the first must not be
  // crowded out of GitHub's 10 by rules the pull request leaves alone.
  const warnings = [
    ...[...kept].map(([rule, refs]) => ({
      rule,
      message: `${counted(refs.length, 'tag')} kept: ${refs.slice(0, 5).join(', ')}${refs.length > 5 ? ', …' : ''} differ${refs.length === 1 ? 's' : ''} at the destination, and override is off`,
    })),
    ...(report.warnings ?? []).filter((w) => counts(w.rule)),
    ...drift.map((d) => ({
      rule: d.rule,
      message: `not run on merge (this pull request does not change the rule): ${d.message}${d.hint ? `\nhint: ${d.hint}` : ''}`,
    })),
    ...(report.warnings ?? []).filter((w) => !counts(w.rule)),
  ];
  const room = Math.max(0, MAX_ANNOTATIONS - o.warningsUsed);
  for (const w of warnings.slice(0, room))
    core.warning(text(w.message), { title: text(`ferry: rule ${w.rule}`), ...at(w.rule) });
  return { errorsOver, warningsOver: Math.max(0, warnings.length - room) };
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

/** Counts per result kind, `changed`, `rule-errors` and `report`. */
export function setReportOutputs(report: RunReport | undefined, reportPath: string | undefined): boolean {
  const totals = report?.totals;
  for (const s of ALL_STATUSES) core.setOutput(s, String(totals?.[s] ?? 0));
  const changed = !!totals && ALL_STATUSES.some((s) => STATUS[s].change && (totals[s] ?? 0) > 0);
  core.setOutput('changed', String(changed));
  // A rule that could not run (a registry refused the credentials) has no row: counted here, so a
  // step after one that ran with fail-on: never can tell "nothing done" from "in sync".
  core.setOutput('rule-errors', String(report?.ruleErrors.length ?? 0));
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
