/**
 * One rule, end to end, each step visited once: gather the facts, plan every tag, carry the plan
 * out (unless dry run), one Result per plan item.
 */
import pLimit from 'p-limit';
import type { Filters, Rule } from '../config/types.js';
import { assemblePlan, type GroupPlan, type PlanContext, planGroup } from '../plan/plan.js';
import { type RulePlan, selectsNothing } from '../plan/types.js';
import type { Store } from '../providers/store.js';
import { BlobMover } from './copy.js';
import { notStartedError, RUN_AGAIN, type RuleError, stopReason } from './errors.js';
import { Executor, type ProgressEvent } from './execute.js';
import { gather } from './gather.js';
import { ManifestCache } from './manifest-cache.js';
import type { OtherWriters } from './writers.js';
import type { Result } from './result.js';
import { counted, firstFive } from '../util/units.js';
import type { ShardSpec } from '../plan/shard.js';

export interface RuleOptions {
  dryRun: boolean;
  /** Images copied at once. */
  concurrency: number;
  /** Blob transfers at once (per run). */
  blobConcurrency: number;
  /** The source's repositories, listed once for every rule of the run that reads them. */
  listRepositories?: () => Promise<string[]>;
  /** Restrict to some source repositories (shards). */
  select?: (repository: string) => boolean;
  /** An event's source repositories: only these, with their destination groups (GatherOptions.named). */
  named?: ReadonlySet<string>;
  /** The run is this shard of a matrix: it may delete only its share of delete_remote.max. */
  shard?: ShardSpec;
  /** Event-driven run: only these tags are copied or deleted. */
  tags?: string[];
  /** Copy, never delete (a push event: deletions come only from a delete event). */
  copyOnly?: boolean;
  /** A delete event: what each source repository lost, tag → digest (see PlanContext.deleted). */
  deleted?: ReadonlyMap<string, ReadonlyMap<string, string | undefined>>;
  /** The other rules writing into this rule's destination (replicate/writers.ts): theirs is never deleted. */
  otherWriters?: OtherWriters;
  /** The rule's filters before a change to them (GatherOptions.formerFilters). */
  formerFilters?: Filters;
  /** What the run's earlier rules write into this rule's destination (PlanContext.earlierWrites). */
  earlierWrites?: PlanContext['earlierWrites'];
  /**
   * A dry run reading what an earlier rule plans to write at its source (overlay.ts): which rule
   * writes `repository:tag` there, so the plan says why a tag not there yet is copied.
   */
  writtenFirstBy?: (repository: string, tag: string) => string | undefined;
  log?: (line: string) => void;
  onProgress?: (e: ProgressEvent) => void;
  /** Shared across rules so a blob is moved once per destination repository. */
  mover?: BlobMover;
  /** Stops the run: nothing new starts (see RunOptions.signal). */
  signal?: AbortSignal;
  /** Waits before asking again for a listed tag the source says does not exist (tests shorten them). */
  resolveDelays?: readonly number[];
}

export interface RuleRun {
  plan: RulePlan;
  results: Result[];
  ruleErrors: RuleError[];
}

/**
 * A rule a stopped run never started: nothing was listed, and an empty result must not read as
 * "in sync". For runRule, and for a caller that does not open the rule's stores once stopped.
 */
export function notStartedRun(rule: string, signal: AbortSignal): RuleRun {
  return { plan: { rule, items: [], warnings: [] }, results: [], ruleErrors: [notStartedError(rule, signal)] };
}

export async function runRule(given: Rule, src: Store, dst: Store, o: RuleOptions): Promise<RuleRun> {
  // Decided here, once, for the gatherer and the planner alike: a copy-only run has no deletions.
  const rule: Rule = o.copyOnly ? { ...given, deleteRemote: { ...given.deleteRemote, enabled: false } } : given;
  if (o.signal?.aborted) return notStartedRun(rule.name, o.signal);
  const cache = new ManifestCache();
  const onlyTags = o.tags ? new Set(o.tags) : undefined;
  const ctx = {
    deletesByTag: dst.deletesByTag,
    ...(onlyTags ? { onlyTags } : {}),
    ...(o.deleted ? { deleted: o.deleted } : {}),
    ...(o.earlierWrites ? { earlierWrites: o.earlierWrites } : {}),
  };
  const tagSets = new Map<string, Set<string>>();
  const fresh = new Set<string>();
  const fallbackItems = new Map<string, Set<string>>();
  const dstFallbackTags = new Map<string, ReadonlySet<string>>();
  const executor = new Executor(rule, src, dst, {
    dryRun: o.dryRun,
    concurrency: o.concurrency,
    mover: o.mover ?? new BlobMover(pLimit(o.blobConcurrency)),
    cache,
    tagSets,
    fresh,
    fallbackItems,
    dstFallbackTags,
    log: o.log ?? (() => {}),
    ...(o.onProgress ? { onProgress: o.onProgress } : {}),
    ...(o.signal ? { signal: o.signal } : {}),
  });
  // Each destination group is planned as soon as its facts are in, and its copies start while
  // the rest is listed; the facts are let go once planned. The rule-wide bounds on deletions
  // need every group: they are applied at the end (assemblePlan), and deletions run after that.
  const groups: GroupPlan[] = [];
  const gathering = gather(rule, src, dst, cache, {
    dryRun: o.dryRun,
    // HEADs are small and latency-bound: more of them in flight than image copies.
    concurrency: o.concurrency * 4,
    ...(o.select ? { select: o.select } : {}),
    ...(o.named ? { named: o.named } : {}),
    ...(o.formerFilters ? { formerFilters: o.formerFilters } : {}),
    ...(o.listRepositories ? { listRepositories: o.listRepositories } : {}),
    ...(onlyTags ? { onlyTags } : {}),
    ...(o.resolveDelays ? { resolveDelays: o.resolveDelays } : {}),
    ...(o.signal ? { signal: o.signal } : {}),
    tagSets,
    fresh,
    fallbackItems,
    dstFallbackTags,
    ...(o.otherWriters ? { otherWriters: o.otherWriters } : {}),
    ...(o.dryRun ? {} : { onMountSource: (repository: string | undefined) => executor.mountSource(repository) }),
    ...(o.onProgress
      ? {
          onListed: (repositories: number, of: number) =>
            o.onProgress!({ kind: 'listed', rule: rule.name, repositories, of }),
        }
      : {}),
    onGroup: async (dest, inputs) => {
      const g = planGroup(rule, dest, inputs, ctx);
      if (o.writtenFirstBy) noteWrittenFirst(g, src, o.writtenFirstBy);
      groups.push(g);
      await executor.group(g);
    },
  });
  let facts: Awaited<typeof gathering>;
  try {
    facts = await gathering;
  } catch (e) {
    // The workers end with the copies already started; nothing is deleted.
    await executor.finish({ rule: rule.name, items: [], warnings: [] });
    throw e;
  }
  const plan = assemblePlan(rule, groups, o.shard);
  plan.warnings.unshift(...facts.warnings);
  if (facts.catalogFailed) {
    // Said only where deletions were wanted: elsewhere it would read as if some had been planned.
    if (rule.deleteRemote.enabled) plan.deletionsRefused = 'the source could not be listed';
  } else {
    plan.selection = facts.selection;
    const nothing = selectsNothing(facts.selection);
    // A stop during the listing leaves repositories unlisted: they are not empty; nor are those
    // whose listing failed (their error says why).
    if (nothing && !onlyTags && !o.select && !o.named && !facts.stopped && facts.errors.length === 0)
      plan.warnings.push(nothing);
  }
  // Not when a listing failed: that error says why, and is the step's failure.
  if (o.copyOnly && onlyTags && tagSets.size === 0 && facts.errors.length === 0 && !facts.stopped) {
    // Green and silent before: a source whose listing does not show the pushed repository.
    plan.warnings.push(
      `the event names ${namedTags([...onlyTags])} in a repository the source does not list: nothing copied. The source's credentials may not see it (a GITHUB_TOKEN sees only the packages shared with this repository; a Harbor robot account only its projects), or its listing lags the push (${laterRun(rule)})`,
    );
  }
  if (o.deleted && facts.errors.length === 0 && !facts.stopped)
    // Safe (nothing is deleted where the source shows nothing), but green and silent before.
    for (const [repo, named] of o.deleted)
      if (!tagSets.has(repo))
        plan.warnings.push(
          `the delete event names ${namedTags([...named.keys()])} in ${repo}, which the source does not list: nothing deleted. ferry deletes a tag only where the source still lists its repository (a repository gone from a listing may be a glitch); if it is gone for good, delete its copy at the destination by hand`,
        );
  if (o.copyOnly && onlyTags && tagSets.size > 0) {
    // A push event's tag the source does not list: nothing happened for it, and the run is green.
    const listed = [...tagSets.values()];
    const missing = [...onlyTags].filter((t) => !listed.some((s) => s.has(t)));
    if (missing.length)
      plan.warnings.push(
        `the event names ${namedTags(missing)}, which the source repositories it names (${[...tagSets.keys()].slice(0, 5).join(', ')}) do not list: nothing copied for ${missing.length > 1 ? 'them' : 'it'}. A registry API that lags the push, or a payload naming the wrong tag; ${laterRun(rule)}`,
      );
  }

  const results = await executor.finish(plan);
  const ruleErrors = [...facts.errors];
  // Refusals of a rule's deletions as a whole are rule-level problems, not only per-tag rows.
  if (plan.deletionsRefused && !facts.catalogFailed)
    ruleErrors.push({ rule: rule.name, message: plan.deletionsRefused });
  // A rule the stop cut short is carried out in part, whichever run it belongs to (a full run, an
  // event's deletions): its error says how much is left, so the verdict fails it.
  const cut = results.filter((r) => r.why === 'run-stopped').length;
  if ((cut || facts.stopped) && o.signal?.aborted) {
    const left = [
      ...(facts.stopped ? ['repositories not listed, so not planned'] : []),
      ...(cut ? [`${cut} of ${counted(results.length, 'tag')} left for the next run (deferred)`] : []),
    ];
    ruleErrors.push({
      rule: rule.name,
      message: `stopped early: ${stopReason(o.signal)}; ${left.join('; ')}`,
      hint: RUN_AGAIN,
    });
  }
  return { plan, results, ruleErrors };
}

/** `tag v1` or `tags v1, v2, …` (at most five named), as an event's warnings name them. */
function namedTags(tags: readonly string[]): string {
  return `${tags.length > 1 ? 'tags' : 'tag'} ${firstFive(tags)}`;
}

/** Who copies a tag an event named before the source listed it: a schedule, or a person. */
function laterRun(rule: Rule): string {
  return rule.triggers.some((t) => t.kind === 'schedule')
    ? 'a scheduled run copies it once it is listed'
    : 'the rule has no schedule: run it once the tag is listed';
}

/** The plan's copies of tags an earlier rule of the dry run writes at the source first say so. */
function noteWrittenFirst(
  g: GroupPlan,
  src: Store,
  writtenFirstBy: (repository: string, tag: string) => string | undefined,
): void {
  for (const i of g.items) {
    if ((i.action !== 'copy' && i.action !== 'update') || !i.sourceRepository || i.referrer) continue;
    const by = writtenFirstBy(i.sourceRepository, i.tag);
    if (!by) continue;
    const note = `rule ${by} writes it to ${src.display} first, earlier in this run`;
    i.reason = i.reason ? `${note}; ${i.reason}` : note;
  }
}
