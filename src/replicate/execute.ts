/**
 * Carries out a rule's plan item by item, as planned. It decides nothing: the only checks are
 * those that can change between plan and run (the tag to delete still points where the plan saw
 * it; on a registry that deletes by digest, no tag has joined that digest since), and what differs
 * is reported as "changed since planned". A failed write blocks the deletions of its own
 * destination repository only.
 */
import pLimit from 'p-limit';
import type { Rule } from '../config/types.js';
import type { Digest } from '../oci/digest.js';
import type { GroupPlan } from '../plan/plan.js';
import type { PlanItem, RulePlan } from '../plan/types.js';
import { RateBudgetError, type Store, TagMovedError } from '../providers/index.js';
import { RegistryError } from '../registry/errors.js';
import { Bandwidth } from './bandwidth.js';
import { BlobMover, copyArtifact, emptyStats, subsetNote, TagAppeared } from './copy.js';
import { stopReason, toResultError } from './errors.js';
import { type Holder, RegistryContradiction, tagsOn } from './holders.js';
import type { ManifestCache } from './manifest-cache.js';
import { type Result, type ResultStatus, STATUS } from './result.js';
import { firstFive } from '../util/units.js';

/** Something a person watching a long run wants to know. */
export type ProgressEvent =
  | { kind: 'blob'; ref: string; digest: string; bytes: number; total: number; elapsedMs: number }
  /** A rule begins (before its listing); `index` is 1-based among the `of` rules of the run. */
  | {
      kind: 'rule-start';
      rule: string;
      source: string;
      destination: string;
      index: number;
      of: number;
      /** The rule's `bandwidth:` cap, bytes per second: a run held back on purpose says so. */
      bandwidth?: number;
    }
  /** `repositories` of the rule's `of` source repositories are listed (the rule's plan grows as they are). */
  | { kind: 'listed'; rule: string; repositories: number; of: number }
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
  /** Referrers fallback tags planned as items of their own (unreadable ones included), per source repository. */
  fallbackItems: Map<string, Set<string>>;
  /** Destination repository → the fallback tags (`sha256-<hex>`) it listed when planned. */
  dstFallbackTags: Map<string, ReadonlySet<string>>;
  log: (line: string) => void;
  onProgress?: (e: ProgressEvent) => void;
  /** A stopped run starts no new copy or deletion. */
  signal?: AbortSignal;
}

/** A copy or deletion the stopped run did not start: left for the next run, which carries on from here. */
const notStartedResult = (r: Result, signal: AbortSignal): Result => ({
  ...r,
  status: 'deferred',
  reason: `not started: ${stopReason(signal)}`,
  why: 'run-stopped',
});

/** What each plan action becomes in a dry run and in a run. */
const NOT_WRITING: Partial<Record<PlanItem['action'], ResultStatus>> = {
  unchanged: 'unchanged',
  kept: 'kept',
  skip: 'skipped',
  'delete-blocked': 'refused',
};

/** Writes waiting for a worker before the planner is held back (back-pressure on the listing). */
const QUEUED_WRITES_PER_WORKER = 16;

/**
 * Carries out a rule's plan group by group, as the planner hands over each destination group
 * (`group`), with a fixed number of workers taking the writes in order; deletions wait for
 * `finish`, once the rule-wide bounds are applied and every copy has ended.
 */
export class Executor {
  readonly #rule: Rule;
  readonly #src: Store;
  readonly #dst: Store;
  readonly #o: ExecuteOptions;
  readonly #source: Store;
  readonly #manifests: ReturnType<typeof pLimit>;
  readonly #bandwidth: Bandwidth | undefined;
  /** Every item's result, by plan item: the report lists them in plan order. */
  readonly #results = new Map<PlanItem, Result>();
  readonly #queue: PlanItem[] = [];
  #head = 0;
  #closed = false;
  /** Wakes idle workers (new writes, or closed) and a planner held back by a full queue. */
  #wake: (() => void)[] = [];
  readonly #workers: Promise<void>[] = [];
  /** Destination repositories that held images before this run: blobs are mounted from them. */
  readonly #mountCandidates: string[] = [];
  /** Fresh groups wait until a repository that held images is known, or none can be. */
  readonly #waitingFresh: GroupPlan[] = [];
  /** No destination repository of the rule held images before this run: nothing to wait for. */
  #noMountSource = false;
  /**
   * A planned write that did not happen (failed, or deferred by a pull quota) blocks deletions where
   * it was to happen only: its destination repository. The plan allowed each deletion assuming its
   * copies land; on a registry that deletes by digest, deleting an extra tag while a kept tag still
   * points at the old digest (its update deferred) would take the kept tag with it.
   */
  readonly #notWrittenIn = new Map<string, Result>();

  constructor(rule: Rule, src: Store, dst: Store, o: ExecuteOptions) {
    this.#rule = rule;
    this.#src = src;
    this.#dst = dst;
    this.#o = o;
    this.#source = o.cache.wrap(src);
    this.#manifests = pLimit(Math.max(2, o.concurrency));
    this.#bandwidth = rule.bandwidth ? new Bandwidth(rule.bandwidth) : undefined;
    if (!o.dryRun) for (let k = 0; k < Math.max(1, o.concurrency); k++) this.#workers.push(this.#work());
  }

  /**
   * One destination group's plan, before the rule-wide deletion bounds: what does not write is
   * settled, the copies are queued. Resolves when the queue has room again.
   */
  async group(g: GroupPlan): Promise<void> {
    const deletable = new Set(g.deletable);
    const now = g.items.filter((i) => !deletable.has(i));
    for (const i of now) this.#settle(i);
    const writes = now.filter((i) => i.action === 'copy' || i.action === 'update');
    this.#o.onProgress?.({
      kind: 'planned',
      rule: this.#rule.name,
      tags: now.length,
      writes: this.#o.dryRun ? 0 : writes.length,
    });
    if (this.#o.dryRun) return;
    const fresh = this.#o.fresh.has(g.destinationRepository);
    if (!fresh) {
      this.#mountCandidates.push(g.destinationRepository);
      this.#release();
    }
    if (writes.length === 0) return;
    // A fresh repository's blobs may be mounted from one that held images before this run: its
    // copies wait until such a repository is known (or none can be), so a shared layer is not
    // uploaded again.
    if (fresh && this.#mountCandidates.length === 0 && !this.#noMountSource) {
      this.#waitingFresh.push(g);
      return;
    }
    this.#enqueue(writes);
    await this.#room();
  }

  /**
   * The rule's final plan (bounds applied): waits for every copy, then carries out the deletions
   * and returns every item's result in plan order.
   */
  async finish(plan: RulePlan): Promise<Result[]> {
    this.#release(true);
    this.#closed = true;
    this.#wakeAll();
    await Promise.all(this.#workers);
    // What is left are the deletion candidates the bounds were waiting for.
    const deletions = plan.items.filter((i) => !this.#results.has(i));
    const toDelete = deletions.filter((i) => i.action === 'delete');
    this.#o.onProgress?.({
      kind: 'planned',
      rule: this.#rule.name,
      tags: deletions.length,
      writes: this.#o.dryRun ? 0 : toDelete.length,
    });
    for (const i of deletions) if (i.action !== 'delete') this.#settle(i);
    // On a registry that deletes by digest, deleting one tag deletes the others of its digest.
    const deleted = new Map<string, string>(); // repository@digest → the tag deleted first (a dry run: to be)
    const planned = new Map<string, Set<string>>(); // repository@digest → the tags the plan deletes
    for (const i of toDelete) {
      const key = `${i.destinationRepository}@${i.destinationDigest}`;
      planned.set(key, (planned.get(key) ?? new Set()).add(i.tag));
    }
    const holders = this.#holders(toDelete);
    /**
     * The tags that keep `i`'s manifest now, other than as planned: a tag on it that the plan does
     * not delete with it, or an index listing it as a platform, unless that index is one this run
     * deleted (`later`: one it is about to delete, so `i` waits until it has).
     */
    const keepers = (i: PlanItem, now: Map<string, Holder[]>, final: boolean): Holder[] | 'later' => {
      const key = `${i.destinationRepository}@${i.destinationDigest}`;
      const index = (h: Holder) => `${i.destinationRepository}@${h.platformOf}`;
      const others = (now.get(i.destinationDigest!) ?? []).filter((h) =>
        h.platformOf ? !deleted.has(index(h)) : !planned.get(key)?.has(h.tag),
      );
      // Deleting the index first frees its platform: both were planned, nothing changed.
      if (!final && others.length && others.every((h) => h.platformOf && planned.get(index(h))?.has(h.tag)))
        return 'later';
      return others.sort((a, b) => (a.tag < b.tag ? -1 : a.tag > b.tag ? 1 : 0));
    };
    const later: PlanItem[] = [];
    for (const [pass, items] of [
      [0, toDelete],
      [1, later],
    ] as const)
      for (const i of items) {
        const r = this.#base(i);
        const now = await holders(i.destinationRepository);
        const others = now && !(now instanceof Error) ? keepers(i, now, pass === 1) : [];
        if (others === 'later') {
          later.push(i);
          continue;
        }
        if (this.#o.dryRun) {
          // Its row says what the run's will: the later tags of one digest go with the first.
          const key = `${i.destinationRepository}@${i.destinationDigest}`;
          const first = this.#dst.deletesByTag ? undefined : deleted.get(key);
          if (first === undefined) deleted.set(key, i.tag);
          this.#results.set(i, { ...r, status: 'would-delete', ...(first ? { reason: withFirst(first) } : {}) });
        } else if (this.#o.signal?.aborted) this.#results.set(i, notStartedResult(r, this.#o.signal));
        else if (this.#notWrittenIn.has(i.destinationRepository)) {
          const missed = this.#notWrittenIn.get(i.destinationRepository)!;
          const what = missed.status === 'failed' ? 'failed' : `was ${missed.status}, not written,`;
          this.#results.set(i, {
            ...r,
            status: 'refused',
            reason: `deletion refused: ${i.destinationRepository}:${missed.tag} ${what} in this run, and nothing is deleted in a repository where a planned copy did not land`,
          });
        } else if (now instanceof Error) {
          const result: Result =
            // Not a failed request (a RegistryError) nor a defect of ferry's (a TypeError...),
            // which stay failures: the registry answered, but its answers contradict each other (a
            // tag it lists and then does not find, a listing leaving out a tag it still has): the guard
            // keeps the tag, as the plan refuses when the same happens while it plans, and the
            // cause is the registry's state, not a failed request.
            now instanceof RegistryContradiction
              ? {
                  ...r,
                  status: 'refused',
                  reason: `not deleted: this registry deletes by digest, and what else holds ${i.destinationDigest} could not be read again just before deleting it`,
                  error: {
                    kind: 'listing',
                    message: `${now.message}; nothing is deleted in ${this.#dst.display}/${i.destinationRepository} on that answer`,
                    hint: 'run again: a registry whose replicas or cache lag behind, or a tag deleted or pushed meanwhile, makes its tag list and its manifests disagree for a moment; the next run plans these deletions again',
                  },
                }
              : {
                  ...r,
                  status: 'failed',
                  reason: `not deleted: the tags of ${i.destinationDigest} could not be read again before deleting it by digest`,
                  error: toResultError(now),
                };
          this.#results.set(i, result);
          this.#o.onProgress?.({ kind: 'result', result });
        } else if (others.length > 0) {
          const result: Result = {
            ...r,
            status: 'refused',
            reason: `changed since planned: ${heldBy(others, i.destinationDigest!)}, and this registry deletes by digest; not deleted`,
          };
          this.#results.set(i, result);
          this.#o.onProgress?.({ kind: 'result', result });
        } else {
          const result = await deleteAsPlanned(this.#dst, i, r, this.#o.log, deleted, planned);
          this.#results.set(i, result);
          this.#o.onProgress?.({ kind: 'result', result });
        }
      }
    // The report's order: what does not write, then the writes (a run: copies before deletions),
    // each in plan order.
    const copying = (i: PlanItem) => i.action === 'copy' || i.action === 'update';
    const writing = (i: PlanItem) => copying(i) || i.action === 'delete';
    const order = [
      ...plan.items.filter((i) => !writing(i)),
      ...(this.#o.dryRun
        ? plan.items.filter(writing)
        : [...plan.items.filter(copying), ...plan.items.filter((i) => i.action === 'delete')]),
    ];
    return order.flatMap((i) => this.#results.get(i) ?? []);
  }

  /**
   * On a registry that deletes by digest, the tags now on each digest to be deleted in a
   * destination repository (an Error where they could not be read), asked when its first deletion
   * comes up: a tag pushed onto that digest since the plan would go with it. Asked as the plan
   * asked it, just before that repository's deletions, not all repositories' first.
   */
  #holders(toDelete: PlanItem[]): (repository: string) => Promise<Map<string, Holder[]> | Error | undefined> {
    if (this.#o.dryRun || this.#dst.deletesByTag) return async () => undefined;
    const doomed = new Map<string, Set<string>>();
    const tags = new Map<string, Set<string>>();
    for (const i of toDelete) {
      doomed.set(i.destinationRepository, (doomed.get(i.destinationRepository) ?? new Set()).add(i.destinationDigest!));
      tags.set(i.destinationRepository, (tags.get(i.destinationRepository) ?? new Set()).add(i.tag));
    }
    const asked = new Map<string, Promise<Map<string, Holder[]> | Error | undefined>>();
    return (repository) => {
      let answer = asked.get(repository);
      if (!answer) {
        const digests = doomed.get(repository);
        // Nothing is deleted there anyway: a stopped run, a copy that did not land.
        answer =
          !digests || this.#o.signal?.aborted || this.#notWrittenIn.has(repository)
            ? Promise.resolve(undefined)
            : tagsOn(this.#dst, repository, digests, tags.get(repository)!, Math.max(4, this.#o.concurrency * 4)).catch(
                (e: unknown) => (e instanceof Error ? e : new Error(String(e))),
              );
        asked.set(repository, answer);
      }
      return answer;
    };
  }

  /** The result of an item that does not write (or would write, in a dry run). */
  #settle(i: PlanItem): void {
    const status = NOT_WRITING[i.action];
    const r = this.#base(i);
    if (status) this.#results.set(i, { ...r, status });
    else if (i.action === 'listing-failed')
      this.#results.set(i, {
        ...r,
        status: 'failed',
        error: {
          kind: 'listing',
          message: i.reason ?? 'listing failed',
          ...(i.hint ? { hint: i.hint } : {}),
        },
      });
    else if (this.#o.dryRun && (i.action === 'copy' || i.action === 'update'))
      this.#results.set(i, {
        ...r,
        status: i.action === 'copy' ? 'would-copy' : 'would-update',
        // The row's digest is the source index read; the run writes its subset, another digest,
        // and its row will say so: the plan's row says it first.
        ...(i.targetDigest && i.targetDigest !== i.sourceDigest
          ? {
              targetDigest: i.targetDigest,
              reason: [r.reason, subsetNote(i.targetDigest, i.sourceDigest ?? '?', i.targetPlatforms)]
                .filter(Boolean)
                .join('; '),
            }
          : {}),
      });
  }

  /**
   * What the destination holds, probed while the rule is listed: a repository that held images
   * before this run (blobs are mounted from it), or `undefined` when none did.
   */
  mountSource(repository: string | undefined): void {
    if (repository === undefined) this.#noMountSource = true;
    else if (!this.#mountCandidates.includes(repository)) this.#mountCandidates.push(repository);
    this.#release(repository === undefined);
  }

  /** Lets the fresh groups go: a mount candidate is known, or (`all`) none will be. */
  #release(all = false): void {
    if (!all && this.#mountCandidates.length === 0) return;
    for (const g of this.#waitingFresh.splice(0))
      this.#enqueue(g.items.filter((i) => i.action === 'copy' || i.action === 'update'));
  }

  #enqueue(writes: PlanItem[]): void {
    this.#queue.push(...writes);
    this.#wakeAll();
  }

  #wakeAll(): void {
    for (const w of this.#wake.splice(0)) w();
  }

  async #room(): Promise<void> {
    const high = Math.max(1, this.#o.concurrency) * QUEUED_WRITES_PER_WORKER;
    while (this.#queue.length - this.#head > high) await new Promise<void>((r) => this.#wake.push(r));
  }

  async #work(): Promise<void> {
    for (;;) {
      if (this.#head < this.#queue.length) {
        const i = this.#queue[this.#head]!;
        // Drop what was taken now and then: the queue does not grow with the number of tags.
        if (++this.#head > 1024 && this.#head * 2 > this.#queue.length) {
          this.#queue.splice(0, this.#head);
          this.#head = 0;
        }
        this.#wakeAll(); // a planner waiting for room
        const result = await this.#copy(i);
        this.#results.set(i, result);
        if (
          result.status !== 'copied' &&
          result.status !== 'updated' &&
          !this.#notWrittenIn.has(i.destinationRepository)
        )
          this.#notWrittenIn.set(i.destinationRepository, result);
        this.#o.onProgress?.({ kind: 'result', result });
      } else if (this.#closed) return;
      else await new Promise<void>((r) => this.#wake.push(r));
    }
  }

  #base(i: PlanItem): Result {
    const ref = (store: Store, repo: string | undefined, tag: string) => `${store.display}/${repo}:${tag}`;
    return {
      rule: this.#rule.name,
      ...(i.sourceRepository
        ? {
            source: i.referrer
              ? `${this.#src.display}/${i.sourceRepository}@${i.referrer}`
              : ref(this.#src, i.sourceRepository, i.tag),
          }
        : {}),
      // A referrer is written untagged: its row names it by digest.
      destination: i.referrer
        ? `${this.#dst.display}/${i.destinationRepository}@${i.referrer}`
        : ref(this.#dst, i.destinationRepository, i.tag),
      tag: i.tag,
      status: 'unchanged',
      ...(i.sourceDigest ? { sourceDigest: i.sourceDigest } : {}),
      ...(i.destinationDigest ? { destinationDigest: i.destinationDigest } : {}),
      bytes: 0,
      blobs: { copied: 0, mounted: 0, present: 0 },
      durationMs: 0,
      retries: 0,
      ...(i.reason ? { reason: i.reason } : {}),
      ...(i.why ? { why: i.why } : {}),
    };
  }

  async #copy(i: PlanItem): Promise<Result> {
    const o = this.#o;
    const rule = this.#rule;
    const dst = this.#dst;
    const started = Date.now();
    const stats = emptyStats();
    const r = this.#base(i);
    const repo = i.sourceRepository!;
    if (o.signal?.aborted) {
      o.cache.release(repo, i.sourceDigest!);
      return notStartedResult(r, o.signal);
    }
    const fallback = o.fallbackItems.get(repo);
    const isFallback = fallback?.has(i.tag) ?? false;
    o.log(`→ ${i.action} ${r.source} → ${r.destination}`);
    // What the copy moved and took, whichever way it ended.
    const spent = () => ({
      bytes: stats.bytes,
      blobs: { copied: stats.copied, mounted: stats.mounted, present: stats.present },
      retries: stats.retries,
      durationMs: Date.now() - started,
    });
    try {
      // Namespace/project must exist (Harbor, ACR, ECR...): checked once, before any byte moves.
      await dst.prepareDestination?.(i.destinationRepository);
      const tags = o.tagSets.get(repo);
      const out = await copyArtifact(
        o.mover,
        this.#manifests,
        { store: this.#source, repository: repo },
        { store: dst, repository: i.destinationRepository },
        i.sourceDigest as Digest,
        i.referrer ? undefined : i.tag,
        stats,
        {
          platforms: isFallback || i.referrer ? [] : rule.platforms,
          // A fallback tag planned on its own is written by its item, not again by its subject's.
          referrers: rule.referrers !== false && !isFallback,
          // A late referrer is planned only where the source lists no fallback tag of its subject
          // (gather's missingReferrers), so the destination's index is the copy's to keep, as
          // copyReferrers keeps it for referrers copied along with their tag.
          ...(i.referrer ? { referrersFallback: true } : {}),
          maxBlobSize: rule.maxBlobSize,
          ...(i.action === 'copy' && !rule.override && !i.referrer ? { keepExisting: true } : {}),
          ...(this.#bandwidth ? { bandwidth: this.#bandwidth } : {}),
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
          destinationFallbackTags: o.dstFallbackTags.get(i.destinationRepository),
          mountCandidates: this.#mountCandidates,
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
        ...spent(),
      };
    } catch (e) {
      if (e instanceof TagAppeared)
        return {
          ...r,
          status: 'kept',
          destinationDigest: e.digest,
          reason: `changed since planned: the tag appeared at the destination, pointing at ${e.digest}; override is off, so it is kept`,
          ...spent(),
        };
      const error = toResultError(e);
      // A transfer the stop cut short (its grace over): left for the next run, as one not started.
      if (o.signal?.aborted && error.kind === 'cancelled')
        return {
          ...r,
          status: 'deferred',
          why: 'run-stopped',
          reason: `cut short: ${stopReason(o.signal)}; the next run copies it (blobs written so far are kept)`,
          ...spent(),
        };
      // A pull quota about to run out (Docker Hub): left for the next run, not a failure.
      const status: ResultStatus = e instanceof RateBudgetError ? 'deferred' : 'failed';
      return {
        ...r,
        status,
        error,
        // What reached the destination before the failure: blobs written stay there, untagged.
        ...spent(),
        // The retries of the request that failed are counted on its error (its hint says them).
        retries: Math.max(stats.retries, e instanceof RegistryError && e.tries ? e.tries.count - 1 : 0),
      };
    } finally {
      o.cache.release(repo, i.sourceDigest!);
    }
  }
}

/** A tag deleted along with another of its digest, by a registry that deletes by digest. */
const withFirst = (tag: string) => `deleted with ${tag} (same digest; this registry deletes by digest)`;

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
  planned?: ReadonlyMap<string, ReadonlySet<string>>,
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
          reason: withFirst(with_),
        };
      // A lone 404 is no proof the tag is gone: a lagging replica or cache (or a proxy's glitch)
      // answers so for a tag the registry still has, and "already gone" would then report in sync
      // a tag left in place. The tag list is a second, independent view, read only here (a 404 is
      // rare): absent from it too, another writer deleted the tag since the plan; still listed, the
      // deletion did not happen and the row says so. Either way nothing is deleted on this answer.
      if (!(await dst.listTags(i.destinationRepository)).includes(i.tag))
        return {
          ...r,
          status: 'unchanged',
          reason: 'changed since planned: already gone (not found, and no longer listed)',
        };
      return {
        ...r,
        status: 'refused',
        reason: `not deleted: the registry did not find ${i.tag} when asked just before deleting it, yet still lists it`,
        error: {
          kind: 'not-found',
          status: 404,
          message: `${r.destination} was not found just before deleting it, yet ${dst.display}/${i.destinationRepository} still lists it: not deleted, as a deletion is never decided on an answer that contradicts another`,
          hint: 'run again: a registry whose replicas or cache lag behind can answer 404 for a tag it still has; the next run plans this deletion again',
        },
      };
    }
    const moved = (digest: string): Result => ({
      ...r,
      status: 'refused',
      destinationDigest: digest,
      reason: `changed since planned: the tag moved to ${digest}; not deleted`,
    });
    if (now.digest !== i.destinationDigest) return moved(now.digest);
    const alongWith = planned?.get(key);
    let how: 'tag' | 'digest';
    try {
      how = await dst.deleteTag(i.destinationRepository, i.tag, now.digest, alongWith ? { alongWith } : {});
    } catch (e) {
      // The same race as above, found by the store under its own lock.
      if (e instanceof TagMovedError) return moved(e.digest);
      throw e;
    }
    // A 202 says the registry accepted the DELETE, not that it happened: one that deletes later, or
    // has deletion disabled yet answers 202, would leave the tag while its row said deleted. One
    // HEAD of what was deleted (the tag; the manifest, where the registry deletes by digest), right
    // away and once: deletions are few (delete_remote.max), and a registry that is only slow to
    // apply it fails this row with a hint, then the next run finds the tag gone or deletes it again
    // (docs/RELIABILITY.md, T29).
    let after: Awaited<ReturnType<Store['manifestHead']>>;
    try {
      after = await dst.manifestHead(i.destinationRepository, how === 'digest' ? now.digest : i.tag);
    } catch (e) {
      // Accepted, but not known to have happened: not reported deleted.
      return {
        ...r,
        status: 'failed',
        reason: 'the registry accepted the deletion, but checking that the tag is gone failed',
        error: toResultError(e),
        durationMs: Date.now() - started,
      };
    }
    if (after && (how === 'digest' || after.digest === now.digest)) {
      const what = how === 'digest' ? `its manifest ${now.digest}` : `${i.tag}, still pointing at ${now.digest}`;
      if (dst.deletionLags) {
        // The vendor's API said it deleted the tag; its registry is another service, which may
        // answer from before for a while: said, not failed (the next run finds it gone, or deletes
        // it again).
        deleted.set(key, i.tag);
        return {
          ...r,
          status: 'deleted',
          reason: `deleted through the ${dst.display} API; its registry still served ${what} right after (the two can lag apart): the next run deletes it again if it is still there`,
          durationMs: Date.now() - started,
        };
      }
      return {
        ...r,
        status: 'failed',
        reason: 'not deleted: the registry accepted the deletion, but the tag is still there',
        error: {
          kind: 'not-deleted',
          message: `deleting ${r.destination}: ${dst.display} accepted the DELETE, yet right after it still serves ${what}`,
          hint: `${dst.display} answers a DELETE as done but does not carry it out, or not yet: check that deletion is enabled there (some registries accept it while it is disabled) and whether it deletes asynchronously; the next run deletes ${i.tag} again if it is still there`,
        },
        durationMs: Date.now() - started,
      };
    }
    deleted.set(key, i.tag);
    log(`${STATUS.deleted.symbol} deleted ${r.destination}`);
    return {
      ...r,
      status: 'deleted',
      // Pushed again between the DELETE and the check: what the plan meant to delete is gone.
      ...(after ? { reason: `changed since deleted: ${i.tag} was pushed again, now pointing at ${after.digest}` } : {}),
      durationMs: Date.now() - started,
    };
  } catch (e) {
    return { ...r, status: 'failed', error: toResultError(e), durationMs: Date.now() - started };
  }
}

/** Who holds a manifest now, in words: the tags on it, then the indexes listing it as a platform. */
function heldBy(holders: readonly Holder[], digest: string): string {
  const direct = holders.filter((h) => !h.platformOf).map((h) => h.tag);
  const via = holders.filter((h) => h.platformOf).map((h) => h.tag);
  const parts: string[] = [];
  if (direct.length)
    parts.push(
      `${direct.length > 1 ? 'tags' : 'tag'} ${firstFive(direct)} now also ${direct.length > 1 ? 'point' : 'points'} at ${digest}`,
    );
  if (via.length)
    parts.push(
      `${via.length > 1 ? 'the indexes tagged' : 'the index tagged'} ${firstFive(via)} now ${via.length > 1 ? 'list' : 'lists'} ${digest} as a platform`,
    );
  return parts.join('; ');
}
