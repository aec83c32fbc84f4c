/** Report rendering: the result model and its JSON, Markdown and console forms. No I/O. */

export { type ConsoleOptions, formatProgress, formatResultLine, formatTable } from './console.js';
export {
  alignColumns,
  code,
  codeCell,
  DEFAULT_MAX_TEXT,
  errorText,
  escapeHtml,
  escapeMarkdownCell,
  humanBytes,
  humanDuration,
  neutralizeCommands,
  oneLine,
  shortDigest,
  truncate,
  width,
} from './escape.js';
export {
  ALL_STATUSES,
  type BuildReportArgs,
  buildReport,
  countStatuses,
  parseReport,
  REPORT_SCHEMA_VERSION,
  serializeReport,
  writeReport,
} from './json.js';
export { mergeReports, SHARDS_RULE } from './merge.js';
export {
  type FailOn,
  judgedPart,
  runsOnMerge,
  type Verdict,
  type VerdictOptions,
  verdict,
  verdictMark,
} from './outcome.js';
export {
  countPlan,
  countsLine,
  DEFAULT_PLAN_FILE,
  DEFAULT_PLAN_MAX_CHARS,
  type PlanCommentOptions,
  type PlanCounts,
  type PlanTextOptions,
  planMarker,
  renderPlan,
  renderPlanText,
} from './plan-comment.js';
export type { Outcome, Result, ResultError, ResultStatus, RunReport } from '../replicate/result.js';
export {
  COLLAPSE_UNCHANGED_AFTER,
  DEFAULT_SUMMARY_MAX_BYTES,
  headline,
  renderSummary,
  STATUS_EMOJI,
  type SummaryOptions,
  statusWord,
} from './summary.js';
