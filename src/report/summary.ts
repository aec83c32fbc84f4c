/**
 * The Markdown job summary ($GITHUB_STEP_SUMMARY) for a run: verdict first, failures with
 * hints next, then one table per rule; every registry string escaped (RELIABILITY.md G4) and
 * the whole kept under the upload limit (ECOSYSTEM.md (a) "Size caps").
 */
import {
  codeCell,
  errorText,
  escapeHtml,
  escapeMarkdownCell,
  humanBytes,
  humanDuration,
  oneLine,
  rowDigest,
  truncate,
  truncateKeepingSource,
} from './escape.js';
import { DRY_RUN } from './console.js';
import { ALL_STATUSES, countStatuses } from './json.js';
import { nothingWord, ruleFate, type Verdict, verdict, verdictMark } from './outcome.js';
import { registryHost, type RuleEnds, type TopologyEdge, topologyEdges, topologyMarkdown } from './topology.js';
import { type Selection, stageName, TAG_STAGES } from '../plan/types.js';
import { type Result, type ResultStatus, type RunReport, STATUS } from '../replicate/result.js';
import { counted } from '../util/units.js';

/** GitHub refuses a step summary over 1 MiB; stay well under it. */
export const DEFAULT_SUMMARY_MAX_BYTES = 900 * 1024;
/** A run of more unchanged rows than this is folded into `<details>`. */
export const COLLAPSE_UNCHANGED_AFTER = 5;

export interface SummaryOptions {
  /** Upper bound for the UTF-8 size of the summary (default 900 KiB). */
  maxBytes?: number;
  /** Replaces `ferry <command>` in the headline. */
  title?: string;
  /** Where the JSON report is (artifact name or path), named when rows are left out. */
  reportPath?: string;
  /** A page where the report can be downloaded (the run's artifacts). */
  reportUrl?: string;
  /**
   * The run's verdict (`verdict(report, { failOn })`); default: as the CLI judges it (`fail-on:
   * error`). The headline's ❌/⚠️/✅ is its status, and the line under it says why the step failed
   * (`fail-on: warning` fails a run whose every image succeeded).
   */
  verdict?: Verdict;
  /** A web page for a destination repository (`ghcr.io/acme/api`), when the registry has one. */
  repositoryUrl?: (repository: string, rule: string) => string | undefined;
  /**
   * Each rule's source and destination registry, for the topology picture; rules missing here
   * (a merged report) are drawn between the hosts of their references.
   */
  rules?: readonly (RuleEnds & { description?: string })[];
}

/** The summary's emoji per status (from the one status table). */
export const STATUS_EMOJI = Object.fromEntries(Object.entries(STATUS).map(([k, v]) => [k, v.emoji])) as Record<
  ResultStatus,
  string
>;

/** `would-copy` → `would copy`. */
export function statusWord(s: ResultStatus): string {
  return s.replace('-', ' ');
}

const ROW_HEADER =
  '| Status | Source | Destination | Digest | Size moved | Blobs (copied/mounted/present) | Time | Retries | Reason |\n' +
  '|---|---|---|---|---:|---:|---:|---:|---|\n';

/** A line that may be left out to respect maxBytes; lower tiers go first. */
interface Droppable {
  line: string;
  bytes: number;
  tier: number;
  dropped: boolean;
}

interface RuleRow extends Droppable {
  unchanged: boolean;
  /** Destination repository (`ghcr.io/acme/api`): unchanged rows fold per repository. */
  repository: string;
  /** The rule's section, which disappears with its last row. */
  section: { rows: number; bytes: number };
}

interface Model {
  report: RunReport;
  rules: { name: string; results: Result[]; errors: RunReport['ruleErrors']; rows: RuleRow[] }[];
  totals: { head: string; rows: Droppable[]; total: string };
  failures: Droppable[];
  ruleErrors: Droppable[];
  warnings: Droppable[];
  /** The Mermaid picture of the run (bounded in size, never dropped), or ''. */
  topology: string;
}

const TIER_UNCHANGED = 0;
const TIER_RULE_ROW = 1;
const TIER_WARNING = 1;
const TIER_TOTALS_ROW = 2;
const TIER_RULE_ERROR = 3;
const TIER_FAILURE = 4;

/** Renders the job summary for a run report. */
/** The options, with what each rule's filters selected: the report's (a merged one's too). */
type Options = SummaryOptions & { selection?: Record<string, Selection>; event?: boolean };

export function renderSummary(report: RunReport, given: SummaryOptions = {}): string {
  const opts: Options = {
    ...given,
    ...(report.selection ? { selection: report.selection } : {}),
    ...(report.event ? { event: true } : {}),
  };
  const maxBytes = opts.maxBytes ?? DEFAULT_SUMMARY_MAX_BYTES;
  const model = buildModel(report, opts);
  let text = render(model, opts, 0);
  if (byteLength(text) <= maxBytes) return text;

  const order = [
    ...model.rules.flatMap((r) => r.rows),
    ...model.warnings,
    ...model.totals.rows,
    ...model.ruleErrors,
    ...model.failures,
  ]
    .map((d, i) => ({ d, i }))
    .sort((a, b) => a.d.tier - b.d.tier || b.i - a.i)
    .map(({ d }) => d);
  let dropped = 0;
  for (;;) {
    const excess = byteLength(text) - maxBytes;
    if (excess <= 0) return text;
    if (dropped >= order.length) return hardCut(text, maxBytes, opts);
    let freed = 0;
    while (dropped < order.length && freed < excess) {
      const d = order[dropped++]!;
      d.dropped = true;
      freed += d.bytes;
      // Count a rule section's heading once its last row goes, or the first pass overshoots.
      if ('section' in d) {
        const { section } = d as RuleRow;
        if (--section.rows === 0) freed += section.bytes;
      }
    }
    text = render(model, opts, dropped);
  }
}

function buildModel(report: RunReport, opts: Options): Model {
  const byRule = new Map<string, Result[]>();
  for (const r of report.results) {
    const list = byRule.get(r.rule);
    if (list) list.push(r);
    else byRule.set(r.rule, [r]);
  }
  for (const e of report.ruleErrors) if (!byRule.has(e.rule)) byRule.set(e.rule, []);
  for (const rule of Object.keys(opts.selection ?? {})) if (!byRule.has(rule)) byRule.set(rule, []);
  const rules = [...byRule].map(([name, results]) => {
    const errors = report.ruleErrors.filter((e) => e.rule === name);
    const heading =
      ruleHeading(name, results, errors, opts.selection?.[name], description(opts, name), report.dryRun) +
      ruleErrorLine(results, errors, report.dryRun);
    const section = { rows: results.length, bytes: byteLength(heading + ROW_HEADER) + 2 };
    return {
      name,
      results,
      errors,
      // Changed, failed and skipped rows first; the unchanged ones after them, folded.
      rows: [
        ...results.filter((r) => r.status !== 'unchanged'),
        ...results.filter((r) => r.status === 'unchanged'),
      ].map((r) => {
        const unchanged = r.status === 'unchanged';
        return droppable(resultRow(r), unchanged ? TIER_UNCHANGED : TIER_RULE_ROW, {
          unchanged,
          section,
          repository: repositoryOf(r),
        });
      }),
    };
  });
  const failures = report.results
    .filter((r) => r.status === 'failed')
    .map((r) => droppable(failureRow(r), TIER_FAILURE, {}));
  const ruleErrors = report.ruleErrors.map((e) =>
    droppable(
      `| ${escapeMarkdownCell(e.rule)} | ${escapeMarkdownCell(e.message)} | ${hintCell(e.hint)} |\n`,
      TIER_RULE_ERROR,
      {},
    ),
  );
  const warnings = (report.warnings ?? []).map((w) =>
    droppable(`| ${escapeMarkdownCell(w.rule)} | ${escapeMarkdownCell(w.message)} |\n`, TIER_WARNING, {}),
  );
  return {
    report,
    rules,
    totals: totalsTable(report, rules),
    failures,
    ruleErrors,
    warnings,
    topology: topologyMarkdown(runTopology(report, rules, opts.rules ?? [])),
  };
}

/** One edge per rule with its non-zero totals (and rule errors) on it. */
function runTopology(report: RunReport, rules: Model['rules'], ends: readonly RuleEnds[]): TopologyEdge[] {
  const errors = new Map<string, number>();
  for (const e of report.ruleErrors) errors.set(e.rule, (errors.get(e.rule) ?? 0) + 1);
  const counts = new Map<string, TopologyEdge['counts']>();
  for (const rule of rules) {
    const t = countStatuses(rule.results);
    const n = errors.get(rule.name) ?? 0;
    counts.set(rule.name, [
      ...ALL_STATUSES.map((s) => [statusWord(s), t[s]] as const),
      [n === 1 ? 'rule error' : 'rule errors', n],
    ]);
  }
  const byName = new Map(rules.map((r) => [r.name, r.results]));
  return topologyEdges(ends, counts, (name) => {
    const r = byName.get(name)?.find((x) => x.source);
    return r?.source ? { name, source: registryHost(r.source), destination: registryHost(r.destination) } : undefined;
  });
}

/**
 * `### web · 2 copied · 5 unchanged`; a rule without results says why instead of ending in an
 * empty `·`: not carried out (it has errors), nothing selected, or nothing to do.
 */
function ruleHeading(
  name: string,
  results: Result[],
  errors: RunReport['ruleErrors'],
  selection?: Selection,
  about?: string,
  dryRun?: boolean,
): string {
  const what =
    countsText(countStatuses(results)) ||
    (errors.length
      ? `❌ ${ruleFate(dryRun, false)}`
      : selection && selection.tags.selected === 0
        ? 'nothing selected'
        : 'nothing to do');
  // The rule's description after what it did: the schema promises it in reports.
  const said = about ? ` — ${escapeMarkdownCell(oneLine(about), 150)}` : '';
  return `### ${escapeMarkdownCell(name, 100)} · ${what}${said}\n\n`;
}

/** The rule's `description:`, trimmed, or undefined. */
function description(opts: SummaryOptions, rule: string): string | undefined {
  return opts.rules?.find((r) => r.name === rule)?.description?.trim() || undefined;
}

/**
 * Under a rule's heading, why it was not carried out (or only in part): its first error, with
 * the hint, so its selection line below is not read as work done.
 */
function ruleErrorLine(results: Result[], errors: RunReport['ruleErrors'], dryRun?: boolean): string {
  const first = errors[0];
  if (!first) return '';
  const more = errors.length > 1 ? ` (and ${errors.length - 1} more under Rule errors)` : '';
  const hint = first.hint ? `<br>hint: ${hintCell(first.hint)}` : '';
  const fate = ruleFate(dryRun, results.length > 0);
  return `> ❌ **${fate[0]!.toUpperCase()}${fate.slice(1)}**: ${escapeMarkdownCell(first.message)}${more}${hint}\n\n`;
}

function droppable<T extends object>(line: string, tier: number, extra: T): Droppable & T {
  return { line, bytes: byteLength(line), tier, dropped: false, ...extra };
}

function render(m: Model, opts: Options, omitted: number): string {
  const { report } = m;
  const v = opts.verdict ?? verdict(report);
  const out: string[] = [headline(report, { ...opts, verdict: v }), '\n'];
  if (v.failsStep) out.push(`> ❌ The step failed: ${escapeMarkdownCell(v.reason ?? '', 500)}\n\n`);
  else if (v.status === 'failed')
    out.push(`> ❌ ${escapeMarkdownCell(v.reason ?? '', 500)}; the step passes (fail-on: never)\n\n`);
  if (report.dryRun) out.push(`> ${DRY_RUN}\n\n`);
  if (omitted > 0) out.push(omittedLine(omitted, opts), '\n\n');
  const totalsRows = m.totals.rows.filter((d) => !d.dropped);
  out.push(m.totals.head, ...totalsRows.map((d) => d.line), m.totals.total);
  if (totalsRows.length < m.totals.rows.length) {
    out.push(`\n_${m.totals.rows.length - totalsRows.length} rules not shown._\n`);
  }
  out.push('\n', m.topology);

  const failures = m.failures.filter((d) => !d.dropped);
  if (m.failures.length > 0) {
    out.push(`### ❌ Failures (${m.failures.length})\n\n`);
    if (failures.length > 0) {
      out.push('| Image | Error | Hint |\n|---|---|---|\n', ...failures.map((d) => d.line));
    }
    if (failures.length < m.failures.length) {
      out.push(`\n_${m.failures.length - failures.length} failures omitted._\n`);
    }
    out.push('\n');
  }

  const ruleErrors = m.ruleErrors.filter((d) => !d.dropped);
  if (m.ruleErrors.length > 0) {
    // A rule error fails the run (the verdict's ❌): its heading says so.
    out.push(`### ❌ Rule errors (${m.ruleErrors.length})\n\n`);
    if (ruleErrors.length > 0) out.push('| Rule | Error | Hint |\n|---|---|---|\n', ...ruleErrors.map((d) => d.line));
    if (ruleErrors.length < m.ruleErrors.length) {
      out.push(`\n_${m.ruleErrors.length - ruleErrors.length} rule errors omitted._\n`);
    }
    out.push('\n');
  }

  const warnings = m.warnings.filter((d) => !d.dropped);
  if (m.warnings.length > 0) {
    out.push(`### ⚠️ Warnings (${m.warnings.length})\n\n`);
    if (warnings.length > 0) out.push('| Rule | Warning |\n|---|---|\n', ...warnings.map((d) => d.line));
    if (warnings.length < m.warnings.length) out.push(`\n_${m.warnings.length - warnings.length} warnings omitted._\n`);
    out.push('\n');
  }

  for (const rule of m.rules) {
    const selection = opts.selection?.[rule.name];
    const kept = rule.rows.filter((r) => !r.dropped);
    // A rule whose rows were all dropped for size goes; one without rows stays when there is
    // something to say about it: what it selected, or why it was not carried out.
    if (rule.rows.length > 0 ? kept.length === 0 : !selection && rule.errors.length === 0) continue;
    out.push(ruleHeading(rule.name, rule.results, rule.errors, selection, description(opts, rule.name), report.dryRun));
    out.push(ruleErrorLine(rule.results, rule.errors, report.dryRun));
    if (selection) out.push(selectionLine(selection, opts.event));
    out.push(repositoryLinks(rule.name, rule.results, opts));
    if (kept.length) out.push(ruleTable(kept));
    if (kept.length < rule.rows.length) out.push(`_${rule.rows.length - kept.length} rows omitted._\n\n`);
  }

  const footer = [`ferry ${escapeMarkdownCell(report.tool.version, 40)}`];
  if (report.shard) footer.push(`shard ${report.shard.index} of ${report.shard.total}`);
  footer.push(`started ${escapeMarkdownCell(report.startedAt, 40)}`);
  if (opts.reportPath) footer.push(`JSON report: ${codeCell(opts.reportPath, 200)}`);
  if (opts.reportUrl) footer.push(`[this run's artifacts](${linkTarget(opts.reportUrl)})`);
  out.push(`<sub>${footer.join(' · ')}</sub>\n`);
  return out.join('');
}

/** `## ferry run — ❌ 1 failed · 14 copied · 3 deleted · 140 unchanged (6m12s, 2.1 GiB)` */
export function headline(report: RunReport, opts: Pick<SummaryOptions, 'title' | 'verdict'> = {}): string {
  const totals = countStatuses(report.results);
  let title = opts.title ?? `ferry ${report.command}`;
  if (report.dryRun) title += ' (dry run)';
  if (report.shard) title += ` (shard ${report.shard.index} of ${report.shard.total})`;
  const status = (opts.verdict ?? verdict(report)).status;
  const mark = verdictMark(status);
  const parts: string[] = [];
  if (report.ruleErrors.length > 0) {
    parts.push(counted(report.ruleErrors.length, 'rule error'));
  }
  const counts = countsText(totals);
  if (counts) parts.push(counts);
  // `❌ 1 rule error` alone could be read as a rule that did its work and complained.
  else if (report.ruleErrors.length > 0) parts.push(nothingWord(report));
  const extra = [humanDuration(Date.parse(report.finishedAt) - Date.parse(report.startedAt))];
  const bytes = report.results.reduce((n, r) => n + r.bytes, 0);
  if (bytes > 0) extra.push(humanBytes(bytes));
  return `## ${escapeMarkdownCell(title, 120)} — ${mark} ${parts.join(' · ') || 'nothing to do'} (${extra.join(', ')})\n`;
}

/** `1 failed · 14 copied · 140 unchanged`: the non-zero totals in ALL_STATUSES order. */
function countsText(totals: Record<ResultStatus, number>): string {
  return ALL_STATUSES.filter((s) => totals[s] > 0)
    .map((s) => `${totals[s]} ${statusWord(s)}`)
    .join(' · ');
}

function omittedLine(omitted: number, opts: SummaryOptions): string {
  const where = opts.reportPath ? ` (${codeCell(opts.reportPath, 200)})` : '';
  return `> ⚠️ ${omitted} rows omitted to keep this summary under the size limit; see the JSON report${where} for every result.`;
}

function totalsTable(report: RunReport, rules: Model['rules']): Model['totals'] {
  const totals = countStatuses(report.results);
  const columns = ALL_STATUSES.filter((s) => totals[s] > 0);
  const errorsByRule = new Map<string, number>();
  for (const e of report.ruleErrors) errorsByRule.set(e.rule, (errorsByRule.get(e.rule) ?? 0) + 1);
  const withErrors = report.ruleErrors.length > 0;
  const head = ['Rule', ...columns.map((s) => `${STATUS_EMOJI[s]} ${statusWord(s)}`)];
  if (withErrors) head.push('Rule errors');
  head.push('Size moved');
  const row = (label: string, results: Result[], errors: number) => {
    const t = countStatuses(results);
    const cells = [label, ...columns.map((s) => String(t[s]))];
    if (withErrors) cells.push(String(errors));
    cells.push(humanBytes(results.reduce((n, r) => n + r.bytes, 0)));
    return `| ${cells.join(' | ')} |\n`;
  };
  const rows = rules.map((rule) => {
    const errors = errorsByRule.get(rule.name) ?? 0;
    // The run's verdict, on this rule alone: a rule with a kept tag or a warning is not a plain ✅.
    const mine = <T extends { rule: string }>(list: readonly T[] | undefined) =>
      (list ?? []).filter((x) => x.rule === rule.name);
    const judged = verdict({
      results: rule.results,
      ruleErrors: mine(report.ruleErrors),
      warnings: mine(report.warnings),
    }).status;
    const icon = verdictMark(judged);
    return droppable(row(`${icon} ${escapeMarkdownCell(rule.name, 100)}`, rule.results, errors), TIER_TOTALS_ROW, {});
  });
  return {
    head: `| ${head.join(' | ')} |\n|---|${columns.map(() => '---:|').join('')}${withErrors ? '---:|' : ''}---:|\n`,
    rows,
    total: rules.length === 1 ? '' : row('**Total**', report.results, report.ruleErrors.length),
  };
}

/**
 * The rows that say something first, in one table; then the unchanged ones: a few stay in that
 * table, more are folded per destination repository (`acme/api: 12 unchanged`).
 */
function ruleTable(rows: RuleRow[]): string {
  const unchanged = rows.filter((r) => r.unchanged);
  const fold = unchanged.length > COLLAPSE_UNCHANGED_AFTER;
  const open = rows.filter((r) => !r.unchanged || !fold);
  const out: string[] = [];
  if (open.length) out.push(ROW_HEADER, ...open.map((r) => r.line), '\n');
  if (!fold) return out.join('');
  const byRepo = new Map<string, RuleRow[]>();
  for (const r of unchanged) {
    const list = byRepo.get(r.repository);
    if (list) list.push(r);
    else byRepo.set(r.repository, [r]);
  }
  for (const [repo, list] of byRepo) {
    out.push(`<details><summary>${htmlText(repo, 200)}: ${list.length} unchanged</summary>\n\n`);
    out.push(ROW_HEADER, ...list.map((r) => r.line), '\n</details>\n\n');
  }
  return out.join('');
}

/**
 * Untrusted text inside an HTML block (`<summary>`), where Markdown is not read but GitHub still
 * turns `@name` into a mention that notifies: one line, cut, HTML-escaped, `@` followed by a
 * zero-width space as in table cells.
 */
export function htmlText(s: string, max: number): string {
  return escapeHtml(truncate(oneLine(s), max)).replace(/@/g, '@\u200B');
}

/** `ghcr.io/acme/api:v1` → `ghcr.io/acme/api`. */
function repositoryOf(r: Result): string {
  const suffix = `:${r.tag}`;
  return r.destination.endsWith(suffix) ? r.destination.slice(0, -suffix.length) : r.destination;
}

/** `Selected: 2 of 40 repositories (38 left out by name) · 12 of 300 tags (280 by tag, 8 by latest)` */
export function selectionLine(s: Selection, event = false): string {
  const dropped = TAG_STAGES.filter((k) => s.dropped[k] > 0).map((k) => `${s.dropped[k]} by ${stageName(k)}`);
  const repos = `${s.repositories.matched} of ${counted(s.repositories.listed, 'repository', 'repositories')}${s.dropped.name ? ` (${s.dropped.name} left out by name)` : ''}`;
  const tags = `${s.tags.selected} of ${counted(s.tags.listed, 'tag')}${dropped.length ? ` (left out: ${dropped.join(', ')})` : ''}`;
  // Left out by the tag filter and planned all the same: the rows would not add up without it.
  const n = s.tags.signatures ?? 0;
  const along = n ? `, and ${counted(n, 'signature tag')} of selected tags (referrers)` : '';
  // A run narrowed to an event counted the listings it read, not the tags it looked at.
  const scope = event ? " (in the listings read; the run looked only at the event's artifacts)" : '';
  return `Selected: ${repos} · ${tags}${along}${scope}\n\n`;
}

const MAX_LINKS = 10;

function repositoryLinks(rule: string, results: Result[], opts: SummaryOptions): string {
  if (!opts.repositoryUrl) return '';
  const links: string[] = [];
  const repos = [...new Set(results.filter((r) => r.status !== 'failed').map(repositoryOf))];
  for (const repo of repos) {
    const url = opts.repositoryUrl(repo, rule);
    if (url) links.push(`[${escapeMarkdownCell(repo, 150)}](${linkTarget(url)})`);
  }
  if (!links.length) return '';
  const more = links.length > MAX_LINKS ? ` and ${links.length - MAX_LINKS} more` : '';
  return `Open: ${links.slice(0, MAX_LINKS).join(' · ')}${more}\n\n`;
}

/** A link target that cannot end the link early or carry a script: https URLs only, encoded. */
function linkTarget(url: string): string {
  if (!/^https:\/\//i.test(url)) return '#';
  return encodeURI(decodeURIComponentSafe(url)).replace(
    /[()<> "'`]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`,
  );
}

function decodeURIComponentSafe(s: string): string {
  try {
    return decodeURI(s);
  } catch {
    return s;
  }
}

function resultRow(r: Result): string {
  const digest = rowDigest(r);
  const cells = [
    `${STATUS_EMOJI[r.status]} ${statusWord(r.status)}`,
    r.source ? codeCell(r.source) : '—',
    codeCell(r.destination),
    digest ? codeCell(digest) : '—',
    r.bytes > 0 ? humanBytes(r.bytes) : '—',
    // A row that moved nothing (unchanged, kept, skipped, planned) has no blobs, time or retries
    // of its own: zeros there read as work done.
    r.blobs.copied + r.blobs.mounted + r.blobs.present > 0
      ? `${r.blobs.copied}/${r.blobs.mounted}/${r.blobs.present}`
      : '—',
    r.durationMs > 0 ? humanDuration(r.durationMs) : '—',
    r.retries > 0 ? String(r.retries) : '—',
    r.error
      ? escapeMarkdownCell(`${r.error.kind}: ${r.error.message}`, 200)
      : r.reason
        ? escapeMarkdownCell(r.reason, 200)
        : '—',
  ];
  return `| ${cells.join(' | ')} |\n`;
}

/** Room for a hint in a table cell: it is the sentence a reader acts on. */
const HINT_MAX = 400;

function failureRow(r: Result): string {
  const e = r.error;
  let error = '—';
  if (e) {
    // The status and codes once: the registry's message usually carries them already.
    error = `**${escapeMarkdownCell(e.kind, 40)}**: ${escapeMarkdownCell(errorText(e))}`;
  } else if (r.reason) {
    error = escapeMarkdownCell(r.reason);
  }
  return `| ${codeCell(r.destination)} | ${error} | ${hintCell(e?.hint)} |\n`;
}

/** A hint cut, when it must be, before its closing `(registries.<name>, …)`, which says what to fix. */
function hintCell(hint: string | undefined): string {
  return hint ? escapeMarkdownCell(truncateKeepingSource(oneLine(hint), HINT_MAX), HINT_MAX) : '—';
}

function hardCut(text: string, maxBytes: number, opts: SummaryOptions): string {
  const note = `\n\n${omittedLine(0, opts).replace('0 rows omitted', 'The rest of this summary was cut')}\n`;
  const budget = Math.max(0, maxBytes - byteLength(note));
  const buf = Buffer.from(text, 'utf8');
  let cut = Math.min(budget, buf.length);
  // Back off to a UTF-8 character boundary, then to the last whole line.
  while (cut > 0 && ((buf[cut] ?? 0) & 0xc0) === 0x80) cut--;
  let kept = buf.subarray(0, cut).toString('utf8');
  const nl = kept.lastIndexOf('\n');
  if (nl > 0) kept = kept.slice(0, nl);
  return kept + note;
}

function byteLength(s: string): number {
  return Buffer.byteLength(s, 'utf8');
}
