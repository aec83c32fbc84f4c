/**
 * The plan as a sticky PR comment (ECOSYSTEM.md (b)) and as terminal text for `ferry plan`.
 */

import type { Plan, PlanAction, PlanItem, RulePlan, Selection } from '../plan/types.js';
import {
  alignColumns,
  code,
  escapeMarkdownCell,
  neutralizeCommands,
  oneLine,
  shortDigest,
  truncate,
} from './escape.js';
import { htmlText, selectionLine } from './summary.js';
import { type RuleEnds, type TopologyEdge, topologyEdges, topologyMarkdown } from './topology.js';
import { runsOnMerge, type Verdict, verdictMark } from './outcome.js';
import { counted } from '../util/units.js';

/** GitHub rejects comments over 65 536 characters; leave room for the marker and edits. */
export const DEFAULT_PLAN_MAX_CHARS = 60_000;
export const DEFAULT_PLAN_FILE = 'replication.yaml';

export interface PlanCommentOptions {
  /** Hidden marker that finds the sticky comment again; default `<!-- ferry:plan path=<file> -->`. */
  marker?: string;
  /** Upper bound for the comment length in characters (default 60 000). */
  maxChars?: number;
  /** Config file the plan was made from (default `replication.yaml`). */
  file?: string;
  /** Head commit of the PR. */
  sha?: string;
  /** Link to the workflow run. */
  runUrl?: string;
  /** Sentences about a partial plan, e.g. rules planned without credentials. */
  notes?: string[];
  /** Config validation problems, shown first. */
  validation?: { errors: string[]; warnings: string[] };
  /** Rules that could not be planned fully (a listing failed, credentials withheld): the verdict says so. */
  partial?: string[];
  /**
   * The step's result (`verdict` of the report, on the rules that run on merge): the headline says
   * it, so the comment never reads ✅ on a failed check.
   */
  verdict?: Verdict;
  /** Rules new or changed in the pull request: one of them that selects nothing is called out first. */
  changedRules?: string[];
  /**
   * Each rule's source and destination registry: with them the comment draws the run's topology.
   * The config's rules fit: their `platforms` name the subset a rule writes.
   */
  rules?: readonly RuleInfo[];
  /**
   * The plan's rule errors (`report.ruleErrors`), and rules whose credentials this event withholds
   * (`withheld: true`): a rule with one and nothing planned is listed under "Rules not planned"
   * with the error and its hint, not counted as a rule with no changes; a rule planned in part
   * carries them in its block.
   */
  ruleErrors?: readonly PlanRuleError[];
}

/** What the comment shows of a rule's config besides its plan. */
export interface RuleInfo extends RuleEnds {
  /** The rule's `description:` ("free text shown in reports"). */
  description?: string;
  /** `platforms:` of the rule: the subset of a multi-platform index it writes. */
  platforms?: readonly string[];
}

/** A rule error as the plan shows it; `withheld`: the event gives the rule no credentials (not a failure). */
export interface PlanRuleError {
  rule: string;
  message: string;
  hint?: string;
  withheld?: boolean;
}

/** The rule errors sorted by what they mean for each rule's plan. */
interface RuleProblems {
  /** Rules with an error and not a single item planned, in the order of their first error. */
  notPlanned: Map<string, PlanRuleError[]>;
  /** Rules planned in part: their items stand, and these errors say what is missing. */
  partly: Map<string, PlanRuleError[]>;
}

function ruleProblems(plan: Plan, errors: readonly PlanRuleError[] = []): RuleProblems {
  const out: RuleProblems = { notPlanned: new Map(), partly: new Map() };
  const byName = new Map(plan.rules.map((r) => [r.rule, r]));
  for (const e of errors) {
    const rule = byName.get(e.rule);
    // A refusal of the rule's deletions is a rule error too, and the block already says it.
    if (rule?.deletionsRefused !== undefined && e.message === rule.deletionsRefused) continue;
    // No item at all: the error is why (its `deletionsRefused`, the selection, say nothing then).
    const where = !rule || rule.items.length === 0 ? out.notPlanned : out.partly;
    const list = where.get(e.rule);
    if (list) list.push(e);
    else where.set(e.rule, [e]);
  }
  return out;
}

/** Why a rule selects nothing (its "selects nothing" warning, else the counts), or undefined. */
const NOTHING = 'the rule selects nothing';

function selectsNothing(rule: RulePlan): string | undefined {
  const warning = rule.warnings.find((w) => w.startsWith(NOTHING));
  if (warning) return warning;
  if (rule.selection && rule.selection.tags.selected === 0) return NOTHING;
  return undefined;
}

/** `2 of 5 repositories (3 left out by name) · 4 of 10 tags (left out: 6 by tag)` */
function selectionText(s: Selection): string {
  return selectionLine(s)
    .replace(/^Selected: /, '')
    .trim();
}

export interface PlanCounts {
  copy: number;
  update: number;
  /** Deletions the run will make. */
  delete: number;
  unchanged: number;
  kept: number;
  /** Left out by the labels or resource filter, and signature tags that go with their subject. */
  skip: number;
  /** Destination extras the run must not delete (shared digest, over max...). */
  refused: number;
  /** Listed source tags that could not be read. */
  failed: number;
}

const COUNTED: Record<PlanAction, keyof PlanCounts> = {
  copy: 'copy',
  update: 'update',
  delete: 'delete',
  unchanged: 'unchanged',
  kept: 'kept',
  skip: 'skip',
  'delete-blocked': 'refused',
  'listing-failed': 'failed',
};

/** Counts plan actions; only deletions the run will make count as `delete`. */
export function countPlan(plan: Plan | RulePlan[]): PlanCounts {
  const rules = Array.isArray(plan) ? plan : plan.rules;
  const c: PlanCounts = { copy: 0, update: 0, delete: 0, unchanged: 0, kept: 0, skip: 0, refused: 0, failed: 0 };
  for (const rule of rules) for (const item of rule.items) c[COUNTED[item.action]]++;
  return c;
}

/** `+12 copy · ~1 update · −3 delete · =140 unchanged · !2 kept` */
export function countsLine(c: PlanCounts): string {
  const parts = [
    `+${c.copy} copy`,
    `~${c.update} update`,
    `−${c.delete} delete`,
    `=${c.unchanged} unchanged`,
    `!${c.kept} kept`,
  ];
  if (c.skip > 0) parts.push(`↷${c.skip} skipped`);
  if (c.refused > 0) parts.push(`${counted(c.refused, 'deletion')} refused`);
  if (c.failed > 0) parts.push(`✖${c.failed} unreadable`);
  return parts.join(' · ');
}

/** The rule copies, updates or deletes something: a warning or a refusal alone changes nothing. */
function isChanged(rule: RulePlan): boolean {
  return rule.items.some((i) => i.action === 'copy' || i.action === 'update' || i.action === 'delete');
}

/** The rule has something a reviewer should read: changes, kept or refused tags, warnings. */
function hasDetail(rule: RulePlan): boolean {
  return (
    rule.items.some((i) => i.action !== 'unchanged') || rule.deletionsRefused !== undefined || rule.warnings.length > 0
  );
}

/** A warning of the rule other than its "selects nothing", which is counted on its own. */
function otherWarnings(rule: RulePlan): boolean {
  return (
    rule.warnings.some((w) => !w.startsWith(NOTHING)) ||
    rule.items.some((i) => i.action === 'kept' || i.action === 'listing-failed')
  );
}

/**
 * What the rules that run do, each part counted apart: `1 with changes`, `1 not planned
 * (credentials withheld)`, `1 not fully planned`, `1 selecting nothing`, `1 with warnings`,
 * `4 deletions refused`. Empty when they change nothing and all were planned in full.
 */
function effectParts(
  rules: RulePlan[],
  partial: readonly string[],
  unplanned: (rule: string) => boolean,
  notPlanned: ReadonlyMap<string, readonly PlanRuleError[]>,
  changesText = (n: number) => `${n} with changes`,
): string[] {
  const planned = rules.filter((r) => !notPlanned.has(r.rule));
  const missing = partial.filter(unplanned);
  // Withheld credentials are this event's, not a failure: the merge's push has them.
  const withheld = missing.filter((r) => {
    const errors = notPlanned.get(r) ?? [];
    return errors.length > 0 && errors.every((e) => e.withheld);
  }).length;
  const partly = partial.length - missing.length;
  const empty = planned.filter((r) => selectsNothing(r) !== undefined).length;
  const warned = planned.filter(otherWarnings).length;
  const refused = countPlan(planned).refused;
  const changing = planned.filter(isChanged).length;
  return [
    ...(changing ? [changesText(changing)] : []),
    ...(missing.length - withheld ? [`${missing.length - withheld} not planned`] : []),
    ...(withheld ? [`${withheld} not planned (credentials withheld)`] : []),
    ...(partly ? [`${partly} not fully planned`] : []),
    ...(empty ? [`${empty} selecting nothing`] : []),
    ...(warned ? [`${warned} with warnings`] : []),
    ...(refused
      ? [`${counted(refused, 'deletion')} refused`]
      : planned.some((r) => r.deletionsRefused !== undefined)
        ? ['deletions refused']
        : []),
  ];
}

/** `2 rules`, `1 rule`. */
function rulesWord(n: number): string {
  return counted(n, 'rule');
}

/** How many rules and tags have nothing to do, as one sentence; '' when there are none. */
function quietText(rules: RulePlan[], names: boolean): string {
  if (rules.length === 0) return '';
  const n = countPlan(rules).unchanged;
  // In the pull request's own group each rule is named: a rule the reviewer edited that would do
  // nothing is itself worth seeing, not folded into a count.
  const listed = names
    ? `: ${rules
        .slice(0, 10)
        .map((r) => code(r.rule, 100))
        .join(', ')}${rules.length > 10 ? ` and ${rules.length - 10} more` : ''}`
    : '';
  return `${rulesWord(rules.length)} with no changes${listed} (${counted(n, 'tag')} unchanged).\n\n`;
}

/** Renders the PR plan comment. */
export function renderPlan(plan: Plan, opts: PlanCommentOptions = {}): string {
  const maxChars = opts.maxChars ?? DEFAULT_PLAN_MAX_CHARS;
  const file = opts.file ?? DEFAULT_PLAN_FILE;
  const marker = markerFor(opts.marker ?? planMarkerText(file));
  const problems = ruleProblems(plan, opts.ruleErrors);
  // The push that merges the pull request reconciles only the rules it changes (the action's
  // `changedRules`), while the pull request plans every enabled rule. Known (`[]` included: the
  // merge then runs nothing), the comment's headline, counts, picture and alerts are those rules'
  // alone, and the rest is drift, shown apart: else a reviewer approves deletions of a rule the pull
  // request never touched as if it made them. Unknown (a fork) keeps the one plan of every rule.
  const touched = opts.changedRules ? new Set(opts.changedRules) : undefined;
  const onMerge = runsOnMerge(opts.changedRules);
  const mine = plan.rules.filter((r) => onMerge(r.rule));
  const others = plan.rules.filter((r) => !onMerge(r.rule));
  const notPlannedMine = new Map([...problems.notPlanned].filter(([r]) => onMerge(r)));
  const notPlannedOthers = new Map([...problems.notPlanned].filter(([r]) => !onMerge(r)));
  const byName = new Map(plan.rules.map((r) => [r.rule, r]));
  // Every rule whose plan is missing something: named by the caller, or with a rule error.
  const partialAll = [...new Set([...(opts.partial ?? []), ...problems.notPlanned.keys(), ...problems.partly.keys()])];
  const partial = partialAll.filter(onMerge);
  // "Not planned": nothing of the rule is listed (its listing failed, its credentials withheld).
  // "Not fully planned": its items stand, but some of its repositories could not be read. The two
  // words are used everywhere, headline, picture and blocks: one rule, one wording.
  const unplanned = (r: string) => problems.notPlanned.has(r) || !byName.has(r);
  const counts = countPlan(mine);
  // A rule that was not planned has no changes to show, and is not one "with no changes" either.
  const planned = (rules: RulePlan[]) => rules.filter((r) => !problems.notPlanned.has(r.rule));
  // A block for every rule with something to read: changes, warnings, refusals, or a part missing.
  const withDetail = (rules: RulePlan[]) =>
    rules.filter((r) => hasDetail(r) || problems.partly.has(r.rule) || partialAll.includes(r.rule));
  const changed = withDetail(planned(mine));
  const quietRules = planned(mine).filter((r) => !changed.includes(r));
  const errors = opts.validation?.errors ?? [];
  const warnings = opts.validation?.warnings ?? [];

  // `on merge: 2 rules run, 1 with changes`: what the rules that run make, not the other way round.
  const ranOnMerge = new Set([...mine.map((r) => r.rule), ...notPlannedMine.keys()]).size;
  const effects = effectParts(mine, partial, unplanned, problems.notPlanned);
  const mergeText = !touched
    ? undefined
    : ranOnMerge === 0
      ? 'on merge: no rule runs (this pull request changes none)'
      : // "No changes" only when every rule that runs was planned in full and changes nothing: a
        // rule not planned said "no changes", and its merge copied a tag.
        `on merge: ${rulesWord(ranOnMerge)} run${ranOnMerge === 1 ? 's' : ''}, ${effects.join(', ') || 'no changes'}`;
  const head: string[] = [];
  const step = opts.verdict;
  // ❌ when the step fails, ⚠️ on warnings or a partial plan: the mark is the check's, the words the plan's.
  const mark = verdictMark(
    step?.status === 'failed' ? 'failed' : step?.status === 'warned' || partial.length ? 'warned' : 'succeeded',
  );
  const why = step?.reason ? ` · ${inline(step.reason)}` : '';
  const names = (list: string[]) => list.map((r) => code(r, 60)).join(', ');
  const notPlannedList = partial.filter(unplanned);
  const partlyList = partial.filter((r) => !unplanned(r));
  const partialText = [
    ...(notPlannedList.length ? [`${rulesWord(notPlannedList.length)} not planned (${names(notPlannedList)})`] : []),
    ...(partlyList.length ? [`${rulesWord(partlyList.length)} not fully planned (${names(partlyList)})`] : []),
  ].join(', ');
  // Without `changedRules` (a fork) every rule counts: the same parts, less the rules not planned,
  // which the partial plan already names.
  const forkText = () =>
    effectParts(mine, [], unplanned, problems.notPlanned, (n) => `${rulesWord(n)} changed`).join(', ');
  const verdict =
    errors.length > 0
      ? `❌ invalid · ${counted(errors.length, 'error')}`
      : partial.length
        ? `${mark} valid${why} · partial plan: ${partialText}${mergeText ? ` · ${mergeText}` : forkText() ? ` · ${forkText()}` : ''}`
        : mergeText
          ? `${mark} valid${why} · ${mergeText}`
          : `${mark} valid${why} · ${forkText() || 'no changes'}`;
  head.push(`## ferry plan: ${verdict}\n`);
  const context = [code(file, 200)];
  if (opts.sha) context[0] += ` @ ${code(opts.sha.slice(0, 7), 7)}`;
  const link = safeUrl(opts.runUrl);
  if (link) context.push(`[workflow run](${link})`);
  head.push(context.join(' · ') + '\n\n');
  // An invalid file is not planned: zeros under "❌ invalid" read as "planned, nothing to do".
  if (errors.length === 0) head.push(`**${touched ? 'On merge: ' : ''}${countsLine(counts)}**\n\n`);
  if (opts.rules) head.push(topologyMarkdown(planTopology(mine, opts.rules, partial, unplanned)));

  if (errors.length > 0) {
    head.push('### ❌ Validation errors\n\n', ...bullets(errors), '\n');
  }
  if (warnings.length > 0) {
    head.push('### ⚠️ Validation warnings\n\n', ...bullets(warnings), '\n');
  }
  if (!touched && notPlannedMine.size > 0) head.push(notPlannedSection(notPlannedMine));

  // A rule this pull request adds or edits that selects nothing is almost always a filter mistake.
  const empty = plan.rules.flatMap((rule) => {
    const why = touched?.has(rule.rule) ? selectsNothing(rule) : undefined;
    return why
      ? [
          // The warning begins with the bold words: said once, then why.
          `🔎 **Rule ${code(rule.rule, 100)} selects nothing** (new or changed in this pull request)` +
            (why === NOTHING ? '.' : `: ${inline(why.replace(`${NOTHING}: `, ''))}`),
        ]
      : [];
  });
  const all = [...empty, ...changed.flatMap(ruleAlerts)];
  // Bounded: thousands of rules with deletions would push every rule's block out of the comment.
  const alerts = all.slice(0, ALERTS_SHOWN);
  if (all.length > alerts.length)
    alerts.push(`… and ${all.length - alerts.length} more, in the rules below and the job summary.`);
  if (alerts.length > 0) head.push(alerts.map((a) => `> ${a}`).join('\n>\n'), '\n\n');
  for (const note of opts.notes ?? []) head.push(`> ℹ️ ${inline(note)}\n\n`);
  if (touched) {
    head.push(`### Rules this pull request changes — run on merge (${ranOnMerge})\n\n`);
    if (ranOnMerge === 0)
      head.push(
        'None: this pull request adds or edits no enabled rule, nor a registry one uses, so merging it runs nothing.\n\n',
      );
    // Under the heading: they are rules the merge runs, whose plan could not be made here.
    if (notPlannedMine.size > 0) head.push(notPlannedSection(notPlannedMine, '####'));
  }

  const othersChanged = withDetail(planned(others));
  const othersQuiet = planned(others).filter((r) => !othersChanged.includes(r));
  const info = new Map((opts.rules ?? []).map((r) => [r.name, r]));
  const blocks = [
    ...changed.map((rule) => ruleView(rule, problems.partly.get(rule.rule) ?? [], info.get(rule.rule))),
    // Closed: nothing in them happens on merge, so nothing there should draw the eye like an alert.
    ...othersChanged.map((rule) => ruleView(rule, problems.partly.get(rule.rule) ?? [], info.get(rule.rule), false)),
  ];
  const isDrift = blocks.map((_b, i) => i >= changed.length);
  const quietLine = quietText(quietRules, touched !== undefined);
  const drift = driftSection(others, othersChanged.length, othersQuiet, notPlannedOthers);
  const footer = `<sub>Generated by \`ferry plan\`; nothing was copied or deleted.</sub>\n${marker}\n`;

  const headText = head.join('');
  const full = blocks.map((b) => b.render(Infinity));
  const assemble = (texts: string[], note: string) => {
    const own = texts.filter((_t, i) => !isDrift[i]).join('');
    const theirs = texts.filter((_t, i) => isDrift[i]).join('');
    return headText + own + quietLine + drift.open + theirs + drift.close + note + footer;
  };
  const fixed = headText.length + quietLine.length + drift.open.length + drift.close.length + footer.length;
  const size = (texts: string[]) => texts.reduce((n, t) => n + t.length, 0);
  if (fixed + size(full) <= maxChars) return assemble(full, '');

  // Over the limit: every rule keeps its block (summary, selection, warnings, counts per
  // repository) and shows its first `cap` diff lines, one cap for all, as large as fits: a small
  // rule stays whole beside a big one cut short. Drift is cut first, down to no diff lines, before
  // the pull request's own rules lose any. Only when even that is too long do blocks become one
  // line each, drift's first, and then go, last first.
  // A rule left out altogether is counted apart: "not shown in full" read as shown in part.
  const noteFor = (n: number, gone = 0) =>
    `> ✂️ truncated: ${rulesWord(n)} not shown in full${gone ? ` (${gone} not at all)` : ''}, see the job summary for the whole plan.\n\n`;
  // The note's longest form: with it counted, whatever is cut, the result fits.
  const budget = maxChars - fixed - noteFor(blocks.length, blocks.length).length;
  const at = (own: number, theirs: number) => blocks.map((b, i) => b.render(isDrift[i] ? theirs : own));
  const most = Math.max(0, ...blocks.map((b) => b.lines));
  /** The largest cap in [0, most] whose texts fit (their size grows with the cap), or undefined. */
  const largest = (texts: (cap: number) => string[]): number | undefined => {
    if (size(texts(0)) > budget) return undefined;
    let lo = 0;
    let hi = most;
    while (lo < hi) {
      const mid = Math.ceil((lo + hi) / 2);
      if (size(texts(mid)) <= budget) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  };
  /** The texts, with each cut block that still fits whole put back, the merge's and smallest first. */
  const restored = (texts: string[]) => {
    let room = budget - size(texts);
    const cut = blocks
      .map((_b, i) => i)
      .filter((i) => texts[i] !== full[i])
      .sort((a, b) => Number(isDrift[a]) - Number(isDrift[b]) || full[a]!.length - full[b]!.length);
    for (const i of cut) {
      const more = full[i]!.length - texts[i]!.length;
      if (more > room) continue;
      texts[i] = full[i]!;
      room -= more;
    }
    return assemble(texts, noteFor(texts.filter((t, i) => t !== full[i]).length));
  };
  const theirs = largest((cap) => at(Infinity, cap));
  if (theirs !== undefined) return restored(at(Infinity, theirs));
  // A small rule cut to make room for a few more lines of a big one is a loss for the reviewer:
  // with room, the small ones stay whole, drift's too, and the big ones share what is left.
  const small = blocks.map((b) => b.lines <= SMALL_RULE);
  const keepSmall = (texts: string[]) => texts.map((t, i) => (small[i] ? full[i]! : t));
  const withSmall = largest((cap) => keepSmall(at(cap, 0)));
  if (withSmall !== undefined) return restored(keepSmall(at(withSmall, 0)));
  const own = largest((cap) => at(cap, 0));
  if (own !== undefined) return restored(at(own, 0));
  const texts = at(0, 0);
  const order = (d: boolean) =>
    blocks
      .map((_b, i) => i)
      .filter((i) => isDrift[i] === d)
      .reverse();
  let bodyLength = size(texts);
  for (const i of [...order(true), ...order(false)]) {
    bodyLength += blocks[i]!.line.length - texts[i]!.length;
    texts[i] = blocks[i]!.line;
    // Counted: the blocks cut; one with nothing to cut (no diff lines) is shown whole.
    if (bodyLength <= budget) return assemble(texts, noteFor(texts.filter((t, j) => t !== full[j]).length));
  }
  let gone = 0;
  for (const i of [...order(true), ...order(false)]) {
    bodyLength -= texts[i]!.length;
    texts[i] = '';
    gone++;
    if (bodyLength <= budget) return assemble(texts, noteFor(blocks.length, gone));
  }
  // Still too long (a huge validation list): cut the head, keep the footer and marker.
  const tail = noteFor(blocks.length, gone) + footer;
  const kept = headText.slice(0, Math.max(0, maxChars - tail.length - 2));
  return kept.slice(0, kept.lastIndexOf('\n') + 1) + '\n' + tail;
}

/** Alerts (deletions, overwrites, refusals) named at the top; the rest are counted. */
const ALERTS_SHOWN = 30;

/** Past this many drift rules with changes, their blocks fold under one summary line. */
const DRIFT_OPEN_MAX = 5;

/**
 * The "Other rules" section around the drift blocks (`open` before them, `close` after), or two
 * empty strings when every rule planned runs on merge. Its own counts are labelled "if run now",
 * never with the headline's words, so no number of it reads as this pull request's.
 */
function driftSection(
  others: RulePlan[],
  withChanges: number,
  quiet: RulePlan[],
  notPlanned: Map<string, PlanRuleError[]>,
): { open: string; close: string } {
  const total = new Set([...others.map((r) => r.rule), ...notPlanned.keys()]).size;
  if (total === 0) return { open: '', close: '' };
  const open = [
    `### Other rules — not run on merge (${total})\n\n`,
    'This pull request does not change these rules, and merging it does not run them. Below is what they would ' +
      'change if they ran now: drift in the registries, not caused by this pull request, which their next ' +
      'scheduled or manual run would reconcile.\n\n',
    `If run now: ${countsLine(countPlan(others))}\n\n`,
  ];
  if (notPlanned.size > 0) open.push(notPlannedSection(notPlanned, '####'));
  const folded = withChanges > DRIFT_OPEN_MAX;
  if (folded) open.push(`<details><summary>${rulesWord(withChanges)} with drift</summary>\n\n`);
  const close = (folded ? '</details>\n\n' : '') + quietText(quiet, false);
  return { open: open.join(''), close };
}

/**
 * `### ❌ Rules not planned (2)`: each rule with its error and hint. Without it a rule whose source
 * was down read as "nothing to do", its error a note further down.
 */
function notPlannedSection(rules: Map<string, PlanRuleError[]>, level = '###'): string {
  const failed = [...rules.values()].some((errors) => errors.some((e) => !e.withheld));
  const out = [`${level} ${failed ? '❌' : '🔒'} Rules not planned (${rules.size})\n\n`];
  for (const [rule, errors] of [...rules].slice(0, 50)) {
    const lines = errors.slice(0, 5).map(errorText);
    if (errors.length > 5) lines.push(`… and ${errors.length - 5} more errors`);
    out.push(`- ${errors.some((e) => !e.withheld) ? '❌' : '🔒'} rule ${inline(rule)}: ${lines.join('<br>')}\n`);
  }
  if (rules.size > 50) out.push(`- … and ${rules.size - 50} more rules\n`);
  out.push('\n');
  return out.join('');
}

/** One error of a rule: what failed, then what to do (`<br>hint: …`). */
function errorText(e: PlanRuleError): string {
  // A withheld rule was read without credentials: the hint about them would point the wrong way.
  // "skipped: credentials unavailable for this event" is the wording docs/action.md promises.
  if (e.withheld) return `skipped: credentials unavailable for this event (${inline(e.message)})`;
  return `${inline(e.message)}${e.hint ? `<br>hint: ${inline(e.hint)}` : ''}`;
}

/** One edge per planned rule, with what the run would do on it (and whether it is all of it). */
function planTopology(
  rules: RulePlan[],
  ends: readonly RuleEnds[],
  partial: readonly string[],
  unplanned: (rule: string) => boolean,
): TopologyEdge[] {
  const counts = new Map<string, TopologyEdge['counts']>();
  for (const rule of rules) {
    const c = countPlan([rule]);
    counts.set(rule.rule, [
      ['to copy', c.copy],
      ['to update', c.update],
      ['to delete', c.delete],
      ['kept', c.kept],
      ['skipped', c.skip],
      ['unreadable', c.failed],
      [c.refused === 1 ? 'deletion refused' : 'deletions refused', c.refused],
      ['unchanged', c.unchanged],
    ]);
  }
  // A rule whose listing failed may have no plan at all: it still gets its edge.
  for (const r of partial) if (!counts.has(r)) counts.set(r, []);
  // The headline's words: an edge of a rule with nothing listed said "not fully planned".
  const notes = new Map(partial.map((r) => [r, unplanned(r) ? 'not planned' : 'not fully planned']));
  return topologyEdges(ends, counts, undefined, notes);
}

/** The ⚠️ lines for one rule: deletions, overwrites, refused deletions, rule warnings. */
function ruleAlerts(rule: RulePlan): string[] {
  const out: string[] = [];
  const name = code(rule.rule, 100);
  const deletes = rule.items.filter((i) => i.action === 'delete');
  if (deletes.length > 0) {
    out.push(`⚠️ **${tags(deletes.length)} will be deleted** from ${repos(deletes)} (rule ${name}).`);
  }
  const updates = rule.items.filter((i) => i.action === 'update');
  if (updates.length > 0) {
    out.push(`⚠️ **${tags(updates.length)} will be overwritten** in ${repos(updates)} (rule ${name}).`);
  }
  if (rule.deletionsRefused !== undefined) {
    const { lead, rest } = refusal(rule.deletionsRefused);
    out.push(`🛑 **${lead}** for rule ${name}: ${inline(rest)}`);
  }
  return out;
}

/**
 * A refusal as a lead and the rest: `4 deletions refused: more than …` already names itself, and
 * behind "Deletions refused: " it read "Deletions refused: 4 deletions refused: …".
 */
function refusal(text: string): { lead: string; rest: string } {
  const m = /^(\d+ deletions? refused): (.*)$/s.exec(text);
  return m ? { lead: m[1]!, rest: m[2]! } : { lead: 'Deletions refused', rest: text };
}

function tags(n: number): string {
  return counted(n, 'tag');
}

function repos(items: PlanItem[]): string {
  const names = [...new Set(items.map((i) => i.destinationRepository))];
  const shown = names.slice(0, 3).map((n) => code(n, 100));
  return shown.join(', ') + (names.length > 3 ? ` and ${names.length - 3} more repositories` : '');
}

const DIFF_SIGN: Record<PlanAction, string> = {
  copy: '+',
  update: '~',
  delete: '-',
  kept: '!',
  unchanged: ' ',
  skip: ' ',
  'delete-blocked': ' ',
  'listing-failed': '!',
};

function ruleCountsText(rule: RulePlan, minus = '−'): string {
  const c = countPlan([rule]);
  const parts: string[] = [];
  if (c.copy) parts.push(`+${c.copy}`);
  if (c.update) parts.push(`~${c.update}`);
  if (c.delete) parts.push(`${minus}${c.delete}`);
  if (c.kept) parts.push(`!${c.kept}`);
  if (c.skip) parts.push(`↷${c.skip}`);
  if (c.refused) parts.push(`${c.refused} refused`);
  if (c.failed) parts.push(`✖${c.failed}`);
  if (c.unchanged) parts.push(`=${c.unchanged}`);
  return parts.join(' ');
}

/** A rule's counts, or what they leave unsaid when there are none: `<b>r</b> · ` said nothing. */
function countsOrWhy(rule: RulePlan, minus?: string): string {
  return ruleCountsText(rule, minus) || (rule.selection?.tags.selected === 0 ? 'nothing selected' : 'no changes');
}

function summaryLine(rule: RulePlan, errors: readonly PlanRuleError[] = []): string {
  // The headline's and the picture's words for a rule whose items stand but are not all of it.
  return `<b>${htmlText(rule.rule, 100)}</b> · ${countsOrWhy(rule)}${errors.length ? ' · not fully planned' : ''}`;
}

/** A rule's block, at any length: `render(cap)` shows at most `cap` diff lines (Infinity: all). */
interface RuleView {
  /** Diff lines (items) or warnings, whichever are more: past this cap the block is whole. */
  lines: number;
  render: (cap: number) => string;
  /** The one line left when not even a block without diff lines fits. */
  line: string;
}

/** A description is cut here: it says what the rule is for, the plan says what it does. */
const DESCRIPTION_MAX = 300;
/** A rule of at most this many diff lines stays whole when the comment is cut, if there is room. */
const SMALL_RULE = 10;
/** Warnings a cut block still shows, however small its cap: they say what to look at. */
const WARNINGS_KEPT = 3;
/** Repositories named in a cut block's counts per repository. */
const REPOSITORIES_SHOWN = 20;

/** `open`: false keeps the block closed whatever it holds (drift: nothing in it happens on merge). */
function ruleView(rule: RulePlan, errors: readonly PlanRuleError[], info?: RuleInfo, open?: boolean): RuleView {
  open ??=
    rule.items.some((i) => i.action !== 'unchanged' && i.action !== 'copy' && i.action !== 'update') ||
    rule.deletionsRefused !== undefined ||
    errors.length > 0;
  const top = [`<details${open ? ' open' : ''}><summary>${summaryLine(rule, errors)}</summary>\n\n`];
  // The schema promises the description in reports: what the rule is for, in its author's words.
  const about = info?.description?.trim();
  if (about) top.push(`📝 ${escapeMarkdownCell(oneLine(about), DESCRIPTION_MAX)}\n\n`);
  // What is missing from this rule's plan first: the items below are not all of it.
  for (const e of errors) top.push(`> ${e.withheld ? '🔒' : '❌'} Not fully planned: ${errorText(e)}\n\n`);
  if (rule.selection) top.push(selectionLine(rule.selection));
  const refused = (() => {
    if (rule.deletionsRefused === undefined) return '';
    const { lead, rest } = refusal(rule.deletionsRefused);
    return `🛑 ${lead}: ${inline(rest)}\n\n`;
  })();
  const diff = diffLines(rule, info?.platforms);
  const items = diff.filter((l) => !l.head).length;
  const head = top.join('');
  return {
    lines: Math.max(items, rule.warnings.length),
    line: `- ${summaryLine(rule, errors)} (detail omitted)\n`,
    render: (cap) => {
      const whole = cap >= items && cap >= rule.warnings.length;
      const out = [head];
      const warnings = whole ? rule.warnings : rule.warnings.slice(0, Math.max(cap, WARNINGS_KEPT));
      for (const w of warnings) out.push(`> ⚠️ ${inline(w)}\n\n`);
      if (warnings.length < rule.warnings.length)
        out.push(`> ⚠️ … and ${counted(rule.warnings.length - warnings.length, 'more warning')}\n\n`);
      out.push(refused);
      if (cap >= items) {
        if (items > 0)
          out.push(
            fenced(
              'diff',
              diff.map((l) => l.text),
            ),
          );
      } else {
        // Cut short: what each repository gets stays, counted, so no repository disappears.
        out.push(perRepository(rule));
        const shown = firstItems(diff, cap);
        if (shown.length > 0) out.push(fenced('diff', shown));
        out.push(`… and ${counted(items - cap, 'more line')}: see the job summary for the whole plan.\n\n`);
      }
      out.push('</details>\n\n');
      return out.join('');
    },
  };
}

/** The first `cap` items' lines, each with the `@@` head before it; none ends the list. */
function firstItems(diff: readonly DiffLine[], cap: number): string[] {
  const out: string[] = [];
  let n = 0;
  for (const l of diff) {
    if (!l.head && n++ >= cap) break;
    out.push(l.text);
  }
  while (out.length && diff[out.length - 1]!.head) out.pop();
  return out;
}

/** `Per repository: \`mirror/a\` +900 · \`mirror/b\` +2 −1`, or '' for a rule of one repository. */
function perRepository(rule: RulePlan): string {
  const byRepo = new Map<string, PlanItem[]>();
  for (const i of rule.items) {
    const list = byRepo.get(i.destinationRepository);
    if (list) list.push(i);
    else byRepo.set(i.destinationRepository, [i]);
  }
  if (byRepo.size < 2) return '';
  const parts = [...byRepo]
    .slice(0, REPOSITORIES_SHOWN)
    .map(([repo, items]) => `${code(repo, 100)} ${ruleCountsText({ ...rule, items })}`);
  const more = byRepo.size > REPOSITORIES_SHOWN ? ` · and ${byRepo.size - REPOSITORIES_SHOWN} more repositories` : '';
  return `Per repository: ${parts.join(' · ')}${more}\n\n`;
}

/** What an item writes: a tag, or a referrer (untagged) by its digest. */
function itemRef(i: PlanItem): string {
  return i.referrer ? `${i.destinationRepository}@${i.referrer}` : `${i.destinationRepository}:${i.tag}`;
}

/**
 * Where each destination repository's items come from, when the rule renames repositories
 * (`destination_namespace`, flattening, a name map): `demo/app/web → acme/app/web`, keyed by the
 * index in `shown` of the repository's first item. A reviewer approves what is read where, not
 * only what is written; a rule that keeps names gets none.
 */
function sourceHeads(rule: RulePlan, shown: readonly PlanItem[]): Map<number, string> {
  const heads = new Map<number, string>();
  if (!rule.items.some((i) => i.sourceRepository !== undefined && i.sourceRepository !== i.destinationRepository))
    return heads;
  // Every item of the repository counts, unchanged ones too: a repository with only deletions
  // shown still has a source.
  const sources = new Map<string, Set<string>>();
  for (const i of rule.items) {
    const set = sources.get(i.destinationRepository) ?? new Set<string>();
    if (i.sourceRepository !== undefined) set.add(i.sourceRepository);
    sources.set(i.destinationRepository, set);
  }
  shown.forEach((item, k) => {
    if (k > 0 && shown[k - 1]!.destinationRepository === item.destinationRepository) return;
    const from = [...(sources.get(item.destinationRepository) ?? [])].sort();
    heads.set(
      k,
      from.length
        ? `${from.join(', ')} → ${item.destinationRepository}`
        : `(no source) → ${item.destinationRepository}`,
    );
  });
  return heads;
}

/** A line of a rule's diff: an item's, or the `@@ source → destination @@` head before some. */
interface DiffLine {
  text: string;
  head?: boolean;
}

function diffLines(rule: RulePlan, platforms?: readonly string[]): DiffLine[] {
  const items = rule.items.filter((i) => i.action !== 'unchanged');
  const heads = sourceHeads(rule, items);
  const refs = items.map((i) => truncate(oneLine(itemRef(i)), 120));
  const width = Math.min(60, Math.max(0, ...refs.map((r) => r.length)));
  return items.flatMap((item, k) => {
    const sign = DIFF_SIGN[item.action];
    const ref = refs[k]!.padEnd(width);
    const detail = itemDetail(item, platforms);
    const word = item.action === 'delete-blocked' ? 'not deleted: ' : item.action === 'skip' ? 'skipped: ' : '';
    const reason = item.reason ? word + truncate(oneLine(item.reason), 200) + hintText(item, 300) : '';
    const line = [`${sign} ${ref}`, detail, reason].filter(Boolean).join('  ').trimEnd();
    // A hunk header: GitHub's diff highlighting sets it apart from the + and - lines.
    const head = heads.get(k);
    return head ? [{ text: `@@ ${truncate(oneLine(head), 300)} @@`, head: true }, { text: line }] : [{ text: line }];
  });
}

/** `; hint: …` after an item's reason: what to do about a tag the run cannot carry out. */
function hintText(item: PlanItem, max: number): string {
  return item.hint ? `; hint: ${truncate(oneLine(item.hint), max)}` : '';
}

/**
 * The digests of an item's line: what the run writes, and what is there now. A `platforms:` rule
 * writes a subset index whose digest is not the source's: the line showed the source index's
 * digest while the run wrote another, so it shows the written one and what it is a subset of.
 */
function itemDetail(item: PlanItem, platforms?: readonly string[]): string {
  const src = shortDigest(item.sourceDigest, 12);
  const dst = shortDigest(item.destinationDigest, 12);
  const subset =
    item.targetDigest && item.targetDigest !== item.sourceDigest ? shortDigest(item.targetDigest, 12) : undefined;
  const writes = subset ?? src;
  const of = subset
    ? `platform subset${platforms?.length ? ` (${truncate(oneLine(platforms.join(', ')), 100)})` : ''} of ${src || '?'}`
    : '';
  switch (item.action) {
    case 'copy':
      return [writes, of].filter(Boolean).join('  ');
    case 'update':
      return `${dst || '?'} → ${writes || '?'}${of ? `  ${of}` : ''}`;
    case 'delete':
    case 'delete-blocked':
      return dst;
    case 'kept':
      return dst && writes ? `${dst} (source ${writes}${of ? `, ${of}` : ''})` : dst || writes;
    default:
      return src || dst;
  }
}

/** A fenced block that the content cannot close: the fence is longer than any backtick run. */
function fenced(lang: string, lines: string[]): string {
  const body = lines.join('\n');
  const longest = Math.max(0, ...Array.from(body.matchAll(/`+/g), (m) => m[0].length));
  const fence = '`'.repeat(Math.max(3, longest + 1));
  return `${fence}${lang}\n${body}\n${fence}\n`;
}

function bullets(items: string[]): string[] {
  const shown = items.slice(0, 50).map((e) => `- ${inline(e)}\n`);
  if (items.length > shown.length) shown.push(`- … and ${items.length - shown.length} more\n`);
  return shown;
}

/** Untrusted text in running Markdown: same escaping as a table cell. */
function inline(s: string): string {
  return escapeMarkdownCell(s, 500);
}

const planMarkerText = (file: string) => `ferry:plan path=${file}`;

/** The hidden marker of the plan comment for `file`, exactly as renderPlan writes it. */
export function planMarker(file: string): string {
  return markerFor(planMarkerText(file));
}

function markerFor(marker: string): string {
  const inner = marker.replace(/^<!--\s*/, '').replace(/\s*-->$/, '');
  // `--` and `>` could end the HTML comment early.
  return `<!-- ${oneLine(inner).replace(/--/g, '- -').replace(/>/g, '&gt;')} -->`;
}

function safeUrl(url: string | undefined): string | undefined {
  if (!url) return undefined;
  return /^https?:\/\/[^\s<>()[\]`"']+$/.test(url) ? url : undefined;
}

// ---- terminal text -------------------------------------------------------------------------

const TEXT_ACTION: Record<PlanAction, string> = {
  copy: 'copy',
  update: 'update',
  delete: 'delete',
  kept: 'kept',
  unchanged: 'unchanged',
  skip: 'skip',
  'delete-blocked': 'refused',
  'listing-failed': 'unreadable',
};

export interface PlanTextOptions {
  /** List unchanged tags too (default: only counted). */
  showUnchanged?: boolean;
  /** The plan's rule errors (`report.ruleErrors`): each inside its rule, a rule with nothing planned marked ✖. */
  ruleErrors?: readonly PlanRuleError[];
}

/** `error: …` and its `hint: …` under it, indented. */
function errorLines(e: PlanRuleError, indent: string, first = `${indent}error: `): string[] {
  return [`${first}${clean(e.message, 500)}`, ...(e.hint ? [`${indent}hint: ${clean(e.hint, 500)}`] : [])];
}

/** Plain text for `ferry plan` in a terminal: per rule aligned columns, then totals. */
export function renderPlanText(plan: Plan, opts: PlanTextOptions = {}): string {
  const out: string[] = [];
  const problems = ruleProblems(plan, opts.ruleErrors);
  for (const rule of plan.rules) {
    const failed = problems.notPlanned.get(rule.rule);
    if (failed) {
      // `(nothing)` and "deletions refused" read as a rule in sync; the error is why it is empty.
      const [first, ...more] = failed;
      out.push(...errorLines(first!, '  ', `rule ${clean(rule.rule)}  ✖ not planned: `));
      for (const e of more) out.push(...errorLines(e, '  '));
      out.push('');
      continue;
    }
    out.push(`rule ${clean(rule.rule)}  (${countsOrWhy(rule, '-')})`);
    for (const e of problems.partly.get(rule.rule) ?? []) out.push(...errorLines(e, '  ', '  ✖ not fully planned: '));
    if (rule.selection) out.push(`  selected: ${selectionText(rule.selection)}`);
    // A terminal has room for a whole sentence: cut at 200, a warning lost its end ("… and override is off").
    for (const w of rule.warnings) out.push(`  warning: ${clean(w, 1000)}`);
    // "3 deletions refused: more than …" already says what it is; "the source could not be listed" does not.
    if (rule.deletionsRefused !== undefined)
      out.push(
        `  ${/\brefused\b/.test(rule.deletionsRefused) ? '' : 'deletions refused: '}${clean(rule.deletionsRefused, 1000)}`,
      );
    const items = rule.items.filter((i) => opts.showUnchanged || i.action !== 'unchanged');
    if (items.length > 0) {
      const rows = items.map((i) => {
        return [
          TEXT_ACTION[i.action],
          clean(itemRef(i)),
          clean(shortDigest(i.sourceDigest, 12)) || '-',
          clean(shortDigest(i.destinationDigest, 12)) || '-',
          [
            // The source column is the index read; the run writes its platform subset, another digest.
            i.targetDigest && i.targetDigest !== i.sourceDigest
              ? `writes ${clean(shortDigest(i.targetDigest, 12))} (platform subset)`
              : '',
            i.reason ? clean(i.reason) + clean(hintText(i, 300), 310) : '',
          ]
            .filter(Boolean)
            .join('; '),
        ];
      });
      const [header, ...lines] = alignColumns(
        [['ACTION', 'REPOSITORY:TAG', 'SOURCE-DIGEST', 'DEST-DIGEST', ''], ...rows],
        '  ',
      );
      const heads = sourceHeads(rule, items);
      out.push(header!);
      lines.forEach((line, k) => {
        const head = heads.get(k);
        if (head) out.push(`  from ${clean(head, 300)}`);
        out.push(line);
      });
    }
    const hidden = rule.items.length - items.length;
    if (hidden > 0) out.push(`  = ${hidden} unchanged`);
    out.push('');
  }
  // Errors of a rule with no plan of its own (one a stopped run never started).
  for (const [rule, errors] of problems.notPlanned) {
    if (plan.rules.some((r) => r.rule === rule)) continue;
    out.push(...errorLines(errors[0]!, '  ', `rule ${clean(rule)}  ✖ not planned: `));
    for (const e of errors.slice(1)) out.push(...errorLines(e, '  '));
    out.push('');
  }
  const c = countPlan(plan);
  const missing = [...problems.notPlanned.keys()];
  const partly = [...problems.partly.keys()];
  const names = (list: string[]) =>
    clean(list.slice(0, 5).join(', ') + (list.length > 5 ? ` and ${list.length - 5} more` : ''));
  const tail = [
    ...(missing.length ? [`${counted(missing.length, 'rule')} not planned (${names(missing)})`] : []),
    ...(partly.length ? [`${partly.length} not fully planned (${names(partly)})`] : []),
  ];
  out.push(`Total: ${countsLine(c).replace('−', '-')}${tail.length ? `; ${tail.join(', ')}` : ''}`);
  out.push(plan.dryRun ? 'Plan only: nothing was copied or deleted.' : '');
  return out.join('\n').trimEnd() + '\n';
}

function clean(s: string, max = 200): string {
  return neutralizeCommands(truncate(oneLine(s), max));
}
