/**
 * Carries out a rule's plan item by item, as planned. It decides nothing: the only checks are
 * those that can change between plan and run (the tag to delete still points where the plan saw
 * it), and what differs is reported as "changed since planned". A failed write blocks the
 * deletions of its own destination repository only.
 */
import pLimit from 'p-limit';
import type { Rule } from '../config/types.js';
import type { Digest } from '../oci/digest.js';
import type { PlanItem, RulePlan } from '../plan/types.js';
import { RateBudgetError, type Store } from '../providers/index.js';
import { Bandwidth } from './bandwidth.js';
import { BlobMover, copyArtifact, emptyStats } from './copy.js';
import { stopReason, toResultError } from './errors.js';
import type { ManifestCache } from './manifest-cache.js';
import type { Result, ResultStatus } from './result.js';

/** Something a person watching a long run wants to know. */
export type ProgressEvent =
  | { kind: 'blob'; ref: string; digest: string; bytes: number; total: number; elapsedMs: number }
  /** A rule begins (before its listing); `index` is 1-based among the `of` rules of the run. */
  | { kind: 'rule-start'; rule: string; source: string; destination: string; index: number; of: number }
  /** A rule's plan is made: `tags` plan items, of which `writes` copy, update or delete. */
  | { kind: 'planned'; rule: string; tags: number; writes: number }
  /** One image or deletion ended (writes only: the others are known at `planned`). */
  | { kind: 'result'; result: Result }
  /** A rule ended: every result of it, and its rule-level errors. */
  | { kind: 'rule-end'; rule: string; results: Result[]; errors: { message: string; hint?: string }[] };

export interface ExecuteOptions {
  dryRun: boolean;
  /** Images copied at once. */
  concurrency: number;
  mover: BlobMover;
  cache: ManifestCache;
  /** Source repository → every tag it lists. */
  tagSets: Map<string, Set<string>>;
  /** Destination repositories with no tags before this run. */
  fresh: Set<string>;
  /** Referrers fallback tags planned as items of their own, per source repository. */
  fallbackItems: Map<string, Set<string>>;
  log: (line: string) => void;
  onProgress?: (e: ProgressEvent) => void;
  /** A stopped run starts no new copy or deletion. */
  signal?: AbortSignal;
}

const notStarted = (signal: AbortSignal) => `not started: ${stopReason(signal)}`;

/** What each plan action becomes in a dry run and in a run. */
const NOT_WRITING: Partial<Record<PlanItem['action'], ResultStatus>> = {
  unchanged: 'unchanged',
  kept: 'kept',
  skip: 'skipped',
  'delete-blocked': 'skipped',
};

export async function execute(
  rule: Rule,
  plan: RulePlan,
  src: Store,
  dst: Store,
  o: ExecuteOptions,
): Promise<Result[]> {
  const manifests = pLimit(Math.max(2, o.concurrency));
  const bandwidth = rule.bandwidth ? new Bandwidth(rule.bandwidth) : undefined;
  const source = o.cache.wrap(src);
  const ref = (store: Store, repo: string | undefined, tag: string) => `${store.display}/${repo}:${tag}`;

  const base = (i: PlanItem): Result => ({
    rule: rule.name,
    ...(i.sourceRepository
      ? {
          source: i.referrer
            ? `${src.display}/${i.sourceRepository}@${i.referrer}`
            : ref(src, i.sourceRepository, i.tag),
        }
      : {}),
    // A referrer is written untagged: its row names it by digest.
    destination: i.referrer
      ? `${dst.display}/${i.destinationRepository}@${i.referrer}`
      : ref(dst, i.destinationRepository, i.tag),
    tag: i.tag,
    status: 'unchanged',
    ...(i.sourceDigest ? { sourceDigest: i.sourceDigest } : {}),
    ...(i.destinationDigest ? { destinationDigest: i.destinationDigest } : {}),
    bytes: 0,
    blobs: { copied: 0, mounted: 0, present: 0 },
    durationMs: 0,
    retries: 0,
    ...(i.reason ? { reason: i.reason } : {}),
  });

  const results: Result[] = [];
  for (const i of plan.items) {
    const status = NOT_WRITING[i.action];
    if (status) results.push({ ...base(i), status });
    else if (i.action === 'listing-failed')
      results.push({ ...base(i), status: 'failed', error: { kind: 'listing', message: i.reason ?? 'listing failed' } });
  }
  const writing = plan.items.filter((i) => i.action === 'copy' || i.action === 'update' || i.action === 'delete');
  o.onProgress?.({ kind: 'planned', rule: rule.name, tags: plan.items.length, writes: o.dryRun ? 0 : writing.length });
  if (o.dryRun) {
    const would = { copy: 'would-copy', update: 'would-update', delete: 'would-delete' } as const;
    for (const i of plan.items)
      if (i.action === 'copy' || i.action === 'update' || i.action === 'delete')
        results.push({ ...base(i), status: would[i.action] });
    return results;
  }

  const writes = plan.items.filter((i) => i.action === 'copy' || i.action === 'update');
  // Repositories that held images before this run: their blobs can be mounted, across runs.
  const mountCandidates = [...new Set(plan.items.map((i) => i.destinationRepository))].filter((r) => !o.fresh.has(r));
  const copyOne = async (i: PlanItem): Promise<Result> => {
    const started = Date.now();
    const stats = emptyStats();
    const r = base(i);
    const repo = i.sourceRepository!;
    if (o.signal?.aborted) return { ...r, status: 'skipped', reason: notStarted(o.signal) };
    const fallback = o.fallbackItems.get(repo);
    const isFallback = fallback?.has(i.tag) ?? false;
    o.log(`→ ${i.action} ${r.source} → ${r.destination}`);
    try {
      // Namespace/project must exist (Harbor, ACR, ECR...): checked once, before any byte moves.
      await dst.prepareDestination?.(i.destinationRepository);
      const tags = o.tagSets.get(repo);
      const out = await copyArtifact(
        o.mover,
        manifests,
        { store: source, repository: repo },
        { store: dst, repository: i.destinationRepository },
        i.sourceDigest as Digest,
        i.referrer ? undefined : i.tag,
        stats,
        {
          platforms: isFallback || i.referrer ? [] : rule.platforms,
          // A fallback tag planned on its own is written by its item, not again by its subject's.
          referrers: rule.referrers !== false && !isFallback,
          maxBlobSize: rule.maxBlobSize,
          ...(bandwidth ? { bandwidth } : {}),
          onBlobProgress: ({ digest, bytes, total }) =>
            o.onProgress?.({
              kind: 'blob',
              ref: r.destination,
              digest,
              bytes,
              total,
              elapsedMs: Date.now() - started,
            }),
          freshDestination: o.fresh.has(i.destinationRepository),
          mountCandidates,
          ...(tags ? { sourceTags: fallback ? new Set([...tags].filter((t) => !fallback.has(t))) : tags } : {}),
          ...(fallback ? { plannedTags: fallback } : {}),
        },
      );
      const planned = i.targetDigest ?? i.sourceDigest;
      const moved = out.digest !== planned ? `; changed since planned: wrote ${out.digest}, planned ${planned}` : '';
      return {
        ...r,
        status: i.action === 'copy' ? 'copied' : 'updated',
        destinationDigest: out.digest,
        ...(out.note || moved ? { reason: `${out.note ?? ''}${moved}`.replace(/^; /, '') } : {}),
        bytes: stats.bytes,
        blobs: { copied: stats.copied, mounted: stats.mounted, present: stats.present },
        retries: stats.retries,
        durationMs: Date.now() - started,
      };
    } catch (e) {
      // A pull quota about to run out (Docker Hub): left for the next run, not a failure.
      const status: ResultStatus = e instanceof RateBudgetError ? 'deferred' : 'failed';
      return {
        ...r,
        status,
        error: toResultError(e),
        bytes: stats.bytes,
        retries: stats.retries,
        durationMs: Date.now() - started,
      };
    } finally {
      o.cache.release(repo, i.sourceDigest!);
    }
  };
  // A fixed number of workers take the writes in order: a copy is set up only when it starts,
  // where a queue of every write's pending task grew with the number of tags.
  const copied: Result[] = new Array<Result>(writes.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(Math.max(1, o.concurrency), writes.length) }, async () => {
      while (next < writes.length) {
        const k = next++;
        const r = await copyOne(writes[k]!);
        copied[k] = r;
        o.onProgress?.({ kind: 'result', result: r });
      }
    }),
  );
  results.push(...copied);

  // A failure blocks deletions where it happened only: its destination repository.
  const failedIn = new Map<string, string>();
  for (const [k, r] of copied.entries())
    if (r.status === 'failed' && !failedIn.has(writes[k]!.destinationRepository))
      failedIn.set(writes[k]!.destinationRepository, r.tag);

  // On a registry that deletes by digest, deleting one tag deletes the others of its digest.
  const deleted = new Map<string, string>(); // repository@digest → the tag deleted
  for (const i of plan.items.filter((x) => x.action === 'delete')) {
    const r = base(i);
    if (o.signal?.aborted) {
      results.push({ ...r, status: 'skipped', reason: notStarted(o.signal) });
      continue;
    }
    const failed = failedIn.get(i.destinationRepository);
    if (failed !== undefined) {
      results.push({
        ...r,
        status: 'skipped',
        reason: `deletion refused: ${i.destinationRepository}:${failed} failed in this run, and nothing is deleted in a repository after a failure`,
      });
      continue;
    }
    results.push(await deleteAsPlanned(dst, i, r, o.log, deleted));
    o.onProgress?.({ kind: 'result', result: results.at(-1)! });
  }
  return results;
}

/**
 * The one delete routine, for planned runs and events alike: the guards were the planner's; here
 * only compare, then delete: the tag must still point where the plan saw it.
 */
async function deleteAsPlanned(
  dst: Store,
  i: PlanItem,
  r: Result,
  log: (line: string) => void,
  deleted: Map<string, string>,
): Promise<Result> {
  const started = Date.now();
  const key = `${i.destinationRepository}@${i.destinationDigest}`;
  try {
    const now = await dst.manifestHead(i.destinationRepository, i.tag);
    if (!now) {
      const with_ = deleted.get(key);
      if (with_ !== undefined && !dst.deletesByTag)
        return {
          ...r,
          status: 'deleted',
          reason: `deleted with ${with_} (same digest; this registry deletes by digest)`,
        };
      return { ...r, status: 'unchanged', reason: 'changed since planned: already gone' };
    }
    if (now.digest !== i.destinationDigest)
      return {
        ...r,
        status: 'skipped',
        destinationDigest: now.digest,
        reason: `changed since planned: the tag moved to ${now.digest}; not deleted`,
      };
    await dst.deleteTag(i.destinationRepository, i.tag, now.digest);
    deleted.set(key, i.tag);
    log(`✖ deleted ${r.destination}`);
    return { ...r, status: 'deleted', durationMs: Date.now() - started };
  } catch (e) {
    return { ...r, status: 'failed', error: toResultError(e), durationMs: Date.now() - started };
  }
}
