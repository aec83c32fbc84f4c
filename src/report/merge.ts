/**
 * Merges the reports of a sharded run (one per matrix job) into one report for the summary.
 */
import { countStatuses } from './json.js';
import { type Selection, selectsNothing, TAG_STAGES } from '../plan/types.js';
import type { RunReport } from '../replicate/result.js';

/** The rule name used for problems of the merge itself (a shard that sent no report). */
export const SHARDS_RULE = '(shards)';

/**
 * Results and rule errors are concatenated in shard-index order (input order when unsharded; a
 * rule error several shards report alike, once),
 * totals recounted, the earliest start and latest finish kept. Throws on mixed commands, dry-run
 * flags or tool versions, on a duplicate shard index and on reports that disagree on the shard
 * count. A missing shard is not an error: it becomes a rule error, so the merged verdict fails.
 */
export function mergeReports(reports: readonly RunReport[]): RunReport {
  const first = reports[0];
  if (!first) throw new Error('mergeReports: no reports to merge');
  for (const [i, r] of reports.entries()) {
    for (const key of ['command', 'dryRun'] as const) {
      if (r[key] !== first[key]) {
        throw new Error(
          `cannot merge reports: report ${i} has ${key} ${JSON.stringify(r[key])}, report 0 has ${JSON.stringify(first[key])}`,
        );
      }
    }
    if (r.tool.version !== first.tool.version) {
      throw new Error(
        `cannot merge reports from different ferry versions (${first.tool.version} and ${r.tool.version}); ` +
          'run every shard with the same ferry release',
      );
    }
  }

  const sharded = reports.filter((r) => r.shard !== undefined);
  if (sharded.length !== 0 && sharded.length !== reports.length) {
    throw new Error('cannot merge reports: some reports have a shard and some do not');
  }
  let ordered = [...reports];
  const ruleErrors: RunReport['ruleErrors'] = [];
  if (sharded.length > 0) {
    const total = first.shard!.total;
    const seen = new Set<number>();
    for (const r of reports) {
      const shard = r.shard!;
      if (shard.total !== total) {
        throw new Error(`cannot merge reports: shard counts differ (${total} and ${shard.total})`);
      }
      if (seen.has(shard.index)) {
        throw new Error(
          `duplicate report for shard ${shard.index} of ${total}; each shard must upload exactly one report`,
        );
      }
      seen.add(shard.index);
    }
    ordered = ordered.sort((a, b) => a.shard!.index - b.shard!.index);
    for (let i = 1; i <= total; i++) {
      if (!seen.has(i)) {
        ruleErrors.push({
          rule: SHARDS_RULE,
          message: `no report from shard ${i} of ${total}`,
          hint: "check that shard's job log; the images it owns are not in this report",
        });
      }
    }
  }

  const results = ordered.flatMap((r) => r.results);
  // A rule whose source no shard could list is every shard's error: told once, as unsharded.
  const told = new Set<string>();
  ruleErrors.unshift(
    ...ordered
      .flatMap((r) => r.ruleErrors)
      .filter((e) => {
        const key = JSON.stringify([e.rule, e.message]);
        return !told.has(key) && told.add(key);
      }),
  );
  // One warning several shards give alike (a match-all rule's, the catalog's) is one warning.
  const warned = new Set<string>();
  const warnings = ordered
    .flatMap((r) => r.warnings ?? [])
    .filter((w) => {
      const key = JSON.stringify([w.rule, w.message]);
      return !warned.has(key) && warned.add(key);
    });
  const selection = mergeSelections(ordered);
  // A shard does not say that a rule selects nothing (it sees only its part of it); the merge,
  // which sees the whole rule, says it as an unsharded run would, unless the rule had an error.
  // Not with a shard missing: its part of every rule is unknown, not empty; nor in a run narrowed
  // to an event's artifacts, whose selection is the event's, not the rule's.
  const event = ordered.find((r) => r.event)?.event;
  if (sharded.length > 0 && !event && !ruleErrors.some((e) => e.rule === SHARDS_RULE))
    for (const [rule, s] of Object.entries(selection)) {
      const nothing = selectsNothing(s);
      if (nothing && !ruleErrors.some((e) => e.rule === rule) && !warned.has(JSON.stringify([rule, nothing])))
        warnings.push({ rule, message: nothing });
    }
  return {
    schemaVersion: 1,
    tool: { name: 'ferry', version: first.tool.version },
    command: first.command,
    dryRun: first.dryRun,
    startedAt: pickTime(
      ordered.map((r) => r.startedAt),
      Math.min,
    ),
    finishedAt: pickTime(
      ordered.map((r) => r.finishedAt),
      Math.max,
    ),
    results,
    ruleErrors,
    ...(warnings.length ? { warnings } : {}),
    ...(event ? { event } : {}),
    ...(Object.keys(selection).length ? { selection } : {}),
    totals: countStatuses(results),
  };
}

/**
 * Each rule's selection over the shards, as one run would count it: every shard lists the whole
 * source's repositories (and the name filter's count over them), so those are the same in each;
 * the tags are those of each shard's own repositories, so they add up.
 */
function mergeSelections(reports: readonly RunReport[]): Record<string, Selection> {
  const out: Record<string, Selection> = {};
  for (const r of reports)
    for (const [rule, s] of Object.entries(r.selection ?? {})) {
      const m = out[rule];
      if (!m) {
        out[rule] = structuredClone(s);
        continue;
      }
      m.repositories.listed = Math.max(m.repositories.listed, s.repositories.listed);
      m.repositories.matched = Math.max(m.repositories.matched, s.repositories.matched);
      m.dropped.name = Math.max(m.dropped.name, s.dropped.name);
      m.tags.listed += s.tags.listed;
      m.tags.selected += s.tags.selected;
      if (s.tags.signatures) m.tags.signatures = (m.tags.signatures ?? 0) + s.tags.signatures;
      for (const k of TAG_STAGES) m.dropped[k] += s.dropped[k];
    }
  return out;
}

function pickTime(times: string[], pick: (...n: number[]) => number): string {
  return new Date(pick(...times.map((t) => Date.parse(t)))).toISOString();
}
