/**
 * One rule, end to end, each step visited once: gather the facts, plan every tag, carry the plan
 * out (unless dry run), one Result per plan item.
 */
import pLimit from 'p-limit';
import type { Rule } from '../config/types.js';
import { planRule } from '../plan/plan.js';
import type { RulePlan } from '../plan/types.js';
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
  });
  const plan = planRule(rule, facts.inputs, { deletesByTag: dst.deletesByTag, ...(onlyTags ? { onlyTags } : {}) });
  plan.warnings.unshift(...facts.warnings);
  if (facts.catalogFailed) plan.deletionsRefused = 'the source could not be listed';

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
  });
  const ruleErrors = [...facts.errors];
  // Refusals of a rule's deletions as a whole are rule-level problems, not only per-tag rows.
  if (plan.deletionsRefused && !facts.catalogFailed)
    ruleErrors.push({ rule: rule.name, message: plan.deletionsRefused });
  return { plan, results, ruleErrors };
}
