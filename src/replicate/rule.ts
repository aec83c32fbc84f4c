/**
 * One rule, end to end, each step visited once: gather the facts, plan every tag, carry the plan
 * out (unless dry run), one Result per plan item.
 */
import pLimit from 'p-limit';
import type { Rule } from '../config/types.js';
import { planRule } from '../plan/plan.js';
import type { RulePlan, Selection } from '../plan/types.js';
import type { Store } from '../providers/store.js';
import { BlobMover } from './copy.js';
import type { RuleError } from './errors.js';
import { execute, type ProgressEvent } from './execute.js';
import { gather } from './gather.js';
import { ManifestCache } from './manifest-cache.js';
import type { Result } from './result.js';

export interface RuleOptions {
  dryRun: boolean;
  /** Images copied at once. */
  concurrency: number;
  /** Blob transfers at once (per run). */
  blobConcurrency: number;
  /** Restrict to some source repositories: event-driven runs and shards. */
  select?: (repository: string) => boolean;
  /** Event-driven run: only these tags are copied or deleted. */
  tags?: string[];
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

export async function runRule(rule: Rule, src: Store, dst: Store, o: RuleOptions): Promise<RuleRun> {
  const cache = new ManifestCache();
  const onlyTags = o.tags ? new Set(o.tags) : undefined;
  const facts = await gather(rule, src, dst, cache, {
    dryRun: o.dryRun,
    // HEADs are small and latency-bound: more of them in flight than image copies.
    concurrency: o.concurrency * 4,
    ...(o.select ? { select: o.select } : {}),
    ...(onlyTags ? { onlyTags } : {}),
    ...(o.resolveDelays ? { resolveDelays: o.resolveDelays } : {}),
    ...(o.signal ? { signal: o.signal } : {}),
  });
  const plan = planRule(rule, facts.inputs, { deletesByTag: dst.deletesByTag, ...(onlyTags ? { onlyTags } : {}) });
  // The plan holds every decision: the listings and digests it was made from are let go before
  // the (long) execution.
  facts.inputs = [];
  plan.warnings.unshift(...facts.warnings);
  if (facts.catalogFailed) plan.deletionsRefused = 'the source could not be listed';
  else {
    plan.selection = facts.selection;
    const nothing = selectsNothing(facts.selection);
    if (nothing && !onlyTags && !o.select) plan.warnings.push(nothing);
  }

  const results = await execute(rule, plan, src, dst, {
    dryRun: o.dryRun,
    concurrency: o.concurrency,
    mover: o.mover ?? new BlobMover(pLimit(o.blobConcurrency)),
    cache,
    tagSets: facts.tagSets,
    fresh: facts.fresh,
    fallbackItems: facts.fallbackItems,
    log: o.log ?? (() => {}),
    ...(o.onProgress ? { onProgress: o.onProgress } : {}),
    ...(o.signal ? { signal: o.signal } : {}),
  });
  const ruleErrors = [...facts.errors];
  // Refusals of a rule's deletions as a whole are rule-level problems, not only per-tag rows.
  if (plan.deletionsRefused && !facts.catalogFailed)
    ruleErrors.push({ rule: rule.name, message: plan.deletionsRefused });
  return { plan, results, ruleErrors };
}

/** A rule that selects nothing is almost always a mistake: say which filter left everything out. */
function selectsNothing(s: Selection): string | undefined {
  const { repositories, tags, dropped } = s;
  if (repositories.matched === 0)
    return repositories.listed === 0
      ? 'the rule selects nothing: the source lists no repositories'
      : `the rule selects nothing: its name filter matches none of the ${repositories.listed} repositories the source lists`;
  if (tags.selected > 0) return undefined;
  if (tags.listed === 0)
    return `the rule selects nothing: its ${repositories.matched} matching repositories have no tags`;
  const stages = (Object.entries(dropped) as [string, number][]).filter(([k, n]) => k !== 'name' && n > 0);
  return `the rule selects nothing: of ${tags.listed} tags, ${stages.map(([k, n]) => `the ${k} filter left out ${n}`).join(', ')}`;
}
