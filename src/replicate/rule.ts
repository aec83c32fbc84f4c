/**
 * One rule, end to end: list source repositories and tags, filter, map names, list the
 * destination, plan, then (unless dry run) copy, update and delete, one Result per tag.
 * A no-op run costs one tag list per repository and one HEAD per tag on each side.
 */
import pLimit from 'p-limit';
import type { Rule } from '../config/types.js';
import { type Digest, sha256, shortDigest } from '../oci/digest.js';
import { isImage } from '../rules/filter.js';
import { compileNameFilter, compileTagScope, mapRepository, matchLabels, selectTags } from '../rules/index.js';
import { planRule, type RepoInput } from '../plan/plan.js';
import type { PlanItem, RulePlan } from '../plan/types.js';
import type { Store } from '../providers/store.js';
import { RegistryError } from '../registry/errors.js';
import { formatProgress } from '../report/console.js';
import type { Result, ResultError, ResultStatus } from '../report/result.js';
import { redact } from '../util/secrets.js';
import { Bandwidth } from './bandwidth.js';
import { BlobMover, type CopyOptions, copyArtifact, emptyStats, platformSubset } from './copy.js';

export interface RuleOptions {
  dryRun: boolean;
  /** Images copied at once. */
  concurrency: number;
  /** Blob transfers at once (per run). */
  blobConcurrency: number;
  /** Restrict to some (source repository, tag) units: event-driven runs and shards. */
  select?: (repository: string) => boolean;
  /** Event-driven run: only these source tags. */
  tags?: string[];
  log?: (line: string) => void;
  /** Shared across rules so a blob is moved once per destination repository. */
  mover?: BlobMover;
}

export interface RuleRun {
  plan: RulePlan;
  results: Result[];
  ruleErrors: { rule: string; message: string; hint?: string }[];
}

export async function runRule(rule: Rule, src: Store, dst: Store, o: RuleOptions): Promise<RuleRun> {
  const ruleErrors: RuleRun['ruleErrors'] = [];
  const fail = (message: string, e?: unknown) =>
    ruleErrors.push({
      rule: rule.name,
      message: redact(e ? `${message}: ${(e as Error).message}` : message),
      ...(hintOf(e) ? { hint: hintOf(e) } : {}),
    });
  // HEADs are small and latency-bound: more of them in flight than image copies.
  const heads = pLimit(Math.max(16, o.concurrency * 4));

  let repositories: string[];
  try {
    const nameOk = compileNameFilter(rule.filters.name);
    repositories = keepDestinationGroups(
      rule,
      dst,
      (await src.listRepositories()).filter((r) => nameOk(r)),
      o.select,
    );
  } catch (e) {
    fail(`listing repositories of ${src.display}`, e);
    return {
      plan: { rule: rule.name, items: [], warnings: [], deletionsRefused: 'the source could not be listed' },
      results: [],
      ruleErrors,
    };
  }

  const scope = compileTagScope(rule.filters);
  const tagSets = new Map<string, Set<string>>(); // source repository → every tag it has
  const fresh = new Set<string>(); // destination repositories with no tags before this run
  const inputs: RepoInput[] = [];
  await Promise.all(
    repositories.map(async (repo) => {
      let dstRepo: string;
      try {
        dstRepo = mapRepository(repo, {
          ...(rule.destinationNamespace ? { namespace: rule.destinationNamespace } : {}),
          flattening: rule.flattening,
          requireTwoComponents: dst.requireTwoComponents ?? false,
        });
      } catch (e) {
        fail(`mapping ${repo}`, e);
        return;
      }
      const input: RepoInput = {
        sourceRepository: repo,
        destinationRepository: dstRepo,
        source: new Map(),
        destination: new Map(),
      };
      try {
        // Providers with labels (Harbor) list tags with them, so label filters apply while listing.
        const infos = src.listTagDetails
          ? await src.listTagDetails(repo)
          : (await src.listTags(repo)).map((tag) => ({ tag }));
        tagSets.set(repo, new Set(infos.map((t) => t.tag)));
        let tags = selectTags(infos, rule.filters).map((t) => t.tag);
        if (o.tags) tags = tags.filter((t) => o.tags?.includes(t));
        await Promise.all(
          tags.map((tag) =>
            heads(async () => {
              const h = await src.manifestHead(repo, tag);
              if (h) input.source.set(tag, h.digest);
            }),
          ),
        );
      } catch (e) {
        fail(`listing ${src.display}/${repo}`, e);
        input.sourceListingFailed = true;
      }
      try {
        // A plan says "project/namespace missing" up front; read-only checks only.
        if (o.dryRun) await dst.prepareDestination?.(dstRepo, { dryRun: true });
        const dstTags = await dst.listTags(dstRepo);
        if (dstTags.length === 0) fresh.add(dstRepo);
        const wanted = dstTags.filter((t) => input.source.has(t) || (rule.deleteRemote.enabled && !o.tags && scope(t)));
        await headInto(dst, dstRepo, wanted, input.destination, heads);
        // Deleting by digest needs every destination tag's digest, to spare tags sharing it.
        if (rule.deleteRemote.enabled && !dst.deletesByTag && wanted.some((t) => !input.source.has(t)))
          await headInto(
            dst,
            dstRepo,
            dstTags.filter((t) => !input.destination.has(t)),
            input.destination,
            heads,
          );
      } catch (e) {
        fail(`listing ${dst.display}/${dstRepo}`, e);
        input.sourceListingFailed = true; // no deletions where we could not see the destination
        for (const [tag, digest] of input.source) input.destination.set(tag, `unknown:${digest}`);
        return;
      }
      inputs.push(input);
    }),
  );
  const withCache = withManifestCache(src);
  const plan = await settlePlatformSubsets(
    rule,
    withCache,
    planRule(
      rule,
      inputs.sort((a, b) => a.destinationRepository.localeCompare(b.destinationRepository)),
    ),
  );
  if (ruleErrors.length && !plan.deletionsRefused && plan.items.some((i) => i.action === 'delete'))
    plan.deletionsRefused = 'a listing in this rule failed';

  const destinations = new Map<string, Map<string, string>>();
  for (const input of inputs) {
    const d = destinations.get(input.destinationRepository) ?? new Map<string, string>();
    for (const [tag, digest] of input.destination) d.set(tag, digest);
    destinations.set(input.destinationRepository, d);
  }
  const results = await execute(
    rule,
    plan,
    withCache,
    dst,
    { ...o, tagSets, destinations, fresh },
    ruleErrors.length > 0,
  );
  // The planner drops the deletions it refuses as a whole (over delete_remote.max, match-all not
  // acknowledged) and only sets deletionsRefused: without this the run report said nothing about
  // them. RunReport.ruleErrors is where rule-level refusals belong (see report/result.ts).
  if (plan.deletionsRefused && !plan.items.some((i) => i.action === 'delete'))
    ruleErrors.push({ rule: rule.name, message: redact(plan.deletionsRefused) });
  return { plan, results, ruleErrors };
}

async function headInto(
  store: Store,
  repo: string,
  tags: string[],
  into: Map<string, string>,
  limit: ReturnType<typeof pLimit>,
) {
  await Promise.all(
    tags.map((tag) =>
      limit(async () => {
        const h = await store.manifestHead(repo, tag);
        if (h) into.set(tag, h.digest);
      }),
    ),
  );
}

async function execute(
  rule: Rule,
  plan: RulePlan,
  src: Store,
  dst: Store,
  o: RuleOptions & {
    tagSets: Map<string, Set<string>>;
    destinations: Map<string, Map<string, string>>;
    fresh: Set<string>;
  },
  hadErrors: boolean,
): Promise<Result[]> {
  const images = pLimit(o.concurrency);
  const manifests = pLimit(Math.max(2, o.concurrency));
  const mover = o.mover ?? new BlobMover(pLimit(o.blobConcurrency));
  const bandwidth = rule.bandwidth ? new Bandwidth(rule.bandwidth) : undefined;
  const log = o.log ?? (() => {});
  const ref = (store: Store, repo: string | undefined, tag: string) => `${store.display}/${repo}:${tag}`;

  const base = (i: PlanItem): Result => ({
    rule: rule.name,
    ...(i.sourceRepository ? { source: ref(src, i.sourceRepository, i.tag) } : {}),
    destination: ref(dst, i.destinationRepository, i.tag),
    tag: i.tag,
    status: 'unchanged',
    ...(i.sourceDigest ? { sourceDigest: i.sourceDigest } : {}),
    ...(i.destinationDigest && !i.destinationDigest.startsWith('unknown:')
      ? { destinationDigest: i.destinationDigest }
      : {}),
    bytes: 0,
    blobs: { copied: 0, mounted: 0, present: 0 },
    durationMs: 0,
    retries: 0,
    ...(i.reason ? { reason: i.reason } : {}),
  });

  const writes = plan.items.filter((i) => i.action === 'copy' || i.action === 'update');
  const results: Result[] = plan.items
    .filter((i) => i.action === 'unchanged' || i.action === 'kept')
    .map((i) => ({ ...base(i), status: i.action as ResultStatus }));

  if (o.dryRun) {
    for (const i of plan.items) {
      if (i.action === 'copy') results.push({ ...base(i), status: 'would-copy' });
      if (i.action === 'update') results.push({ ...base(i), status: 'would-update' });
      if (i.action === 'delete')
        results.push(
          plan.deletionsRefused
            ? { ...base(i), status: 'skipped', reason: `deletion refused: ${plan.deletionsRefused}` }
            : { ...base(i), status: 'would-delete' },
        );
    }
    return results;
  }

  const copied = await Promise.all(
    writes.map((i) =>
      images(async (): Promise<Result> => {
        const started = Date.now();
        const stats = emptyStats();
        const r = base(i);
        log(`→ ${i.action} ${r.source} → ${r.destination}`);
        try {
          if (i.destinationDigest?.startsWith('unknown:')) throw new Error('the destination could not be listed');
          const srcDigest = i.sourceDigest as Digest;
          const refusal = await filterRefusal(rule, src, i.sourceRepository!, srcDigest);
          if (refusal) return { ...r, status: 'skipped', reason: refusal, durationMs: Date.now() - started };
          // Namespace/project must exist (Harbor, ACR, ECR...): checked once, before any byte moves.
          await dst.prepareDestination?.(i.destinationRepository);
          const out = await copyArtifact(
            mover,
            manifests,
            { store: src, repository: i.sourceRepository! },
            { store: dst, repository: i.destinationRepository },
            srcDigest,
            i.tag,
            stats,
            {
              platforms: rule.platforms,
              referrers: rule.referrers,
              ...(bandwidth ? { bandwidth } : {}),
              onBlobProgress: progress(r.destination, log),
              freshDestination: o.fresh.has(i.destinationRepository),
              ...(o.tagSets.has(i.sourceRepository!) ? { sourceTags: o.tagSets.get(i.sourceRepository!)! } : {}),
            },
          );
          return {
            ...r,
            status: i.action === 'copy' ? 'copied' : 'updated',
            destinationDigest: out.digest,
            ...(out.note ? { reason: out.note } : {}),
            bytes: stats.bytes,
            blobs: { copied: stats.copied, mounted: stats.mounted, present: stats.present },
            retries: stats.retries,
            durationMs: Date.now() - started,
          };
        } catch (e) {
          // A pull quota about to run out (Docker Hub): left for the next run, not a failure.
          const status: ResultStatus = (e as { deferred?: boolean }).deferred === true ? 'deferred' : 'failed';
          return {
            ...r,
            status,
            error: toResultError(e),
            bytes: stats.bytes,
            retries: stats.retries,
            durationMs: Date.now() - started,
          };
        }
      }),
    ),
  );
  results.push(...copied);

  const failed = hadErrors || copied.some((r) => r.status === 'failed');
  // Deleting a manifest by digest also breaks every kept index that lists it as a platform:
  // child digest → a kept tag whose index names it, per destination repository (read only when needed).
  const children = new Map<string, Promise<Map<string, string>>>();
  const childrenOfStaying = (repo: string) => {
    let p = children.get(repo);
    if (!p) {
      p = (async () => {
        const deleting = new Set(
          plan.items.filter((x) => x.action === 'delete' && x.destinationRepository === repo).map((x) => x.tag),
        );
        const staying = new Map<string, string>(); // digest → tag
        for (const [tag, digest] of o.destinations.get(repo) ?? []) if (!deleting.has(tag)) staying.set(digest, tag);
        for (const r of results)
          if (r.destinationDigest && r.destination.startsWith(`${dst.display}/${repo}:`))
            staying.set(r.destinationDigest, r.tag);
        const out = new Map<string, string>();
        for (const [digest, tag] of staying) {
          if (!digest.startsWith('sha')) continue;
          const m = await dst.manifestGet(repo, digest).catch(() => undefined);
          for (const c of m?.parsed.manifests ?? []) out.set(c.digest, tag);
        }
        return out;
      })();
      children.set(repo, p);
    }
    return p;
  };
  for (const i of plan.items.filter((x) => x.action === 'delete')) {
    const r = base(i);
    const started = Date.now();
    const refused =
      plan.deletionsRefused ??
      (failed ? 'something else in this rule failed (nothing is deleted after a failure)' : undefined);
    if (refused) {
      results.push({ ...r, status: 'skipped', reason: `deletion refused: ${refused}` });
      continue;
    }
    try {
      // Compare, then delete: the tag must still point where the plan saw it.
      const now = await dst.manifestHead(i.destinationRepository, i.tag);
      if (!now) {
        results.push({ ...r, status: 'unchanged', reason: 'already gone' });
        continue;
      }
      if (now.digest !== i.destinationDigest) {
        results.push({ ...r, status: 'skipped', reason: `tag moved to ${now.digest} since the plan; not deleted` });
        continue;
      }
      if (i.sharedWithKept?.length && !dst.deletesByTag) {
        results.push({
          ...r,
          status: 'skipped',
          reason: `cannot delete ${i.tag} without deleting kept tag${i.sharedWithKept.length > 1 ? 's' : ''} ${i.sharedWithKept.join(', ')} (same digest; this registry deletes by digest)`,
        });
        continue;
      }
      if (!dst.deletesByTag) {
        const parent = (await childrenOfStaying(i.destinationRepository)).get(now.digest);
        if (parent) {
          results.push({
            ...r,
            status: 'skipped',
            reason: `cannot delete ${i.tag}: its manifest is a platform of kept tag ${parent}, and this registry deletes by digest`,
          });
          continue;
        }
      }
      await dst.deleteTag(i.destinationRepository, i.tag, now.digest);
      log(`✖ deleted ${r.destination}`);
      results.push({ ...r, status: 'deleted', durationMs: Date.now() - started });
    } catch (e) {
      results.push({ ...r, status: 'failed', error: toResultError(e), durationMs: Date.now() - started });
    }
  }
  return results;
}

/** Resource and label filters need the manifest: checked only for tags about to be written. */
async function filterRefusal(rule: Rule, src: Store, repo: string, digest: Digest): Promise<string | undefined> {
  const { resource, labels } = rule.filters;
  // Labels were already applied while listing when the provider knows them (Harbor).
  const checkLabels = Object.keys(labels).length > 0 && !src.listTagDetails;
  if (resource === 'all' && !checkLabels) return undefined;
  const m = await src.manifestGet(repo, digest);
  if (!m) return undefined;
  if (resource !== 'all') {
    let configType = m.parsed.config?.mediaType;
    if (m.parsed.kind === 'index' && m.parsed.manifests[0]) {
      const child = await src.manifestGet(repo, m.parsed.manifests[0].digest);
      configType = child?.parsed.config?.mediaType;
    }
    const image = isImage(configType, m.parsed.kind === 'index' ? undefined : m.mediaType) && !m.parsed.artifactType;
    if (resource === 'image' && !image)
      return `not an image (config ${configType ?? 'none'}); the rule copies images only`;
    if (resource === 'artifact' && image) return 'an image; the rule copies non-image artifacts only';
  }
  if (checkLabels && !matchLabels(labels, m.parsed.annotations))
    return `does not carry the labels ${Object.entries(labels)
      .map(([k, v]) => `${k}=${v}`)
      .join(', ')}`;
  return undefined;
}

function hintOf(e: unknown): string | undefined {
  return e instanceof RegistryError ? e.hint : undefined;
}

export function toResultError(e: unknown): ResultError {
  if (e instanceof RegistryError)
    return {
      kind: e.kind,
      message: redact(e.message),
      ...(e.hint ? { hint: e.hint } : {}),
      ...(e.status ? { status: e.status } : {}),
      ...(e.codes.length ? { codes: e.codes } : {}),
    };
  return {
    kind: (e as Error)?.name === 'InvalidManifestError' ? 'invalid' : 'internal',
    message: redact((e as Error)?.message ?? String(e)),
  };
}

/**
 * The source store with manifests fetched by digest remembered for the rule: the resource filter,
 * the copy and the platform children then read each manifest once.
 */
function withManifestCache(store: Store): Store {
  const cache = new Map<string, ReturnType<Store['manifestGet']>>();
  return new Proxy(store, {
    get(target, prop) {
      if (prop !== 'manifestGet') {
        const v = Reflect.get(target, prop);
        return typeof v === 'function' ? v.bind(target) : v;
      }
      return (repository: string, reference: string) => {
        if (!reference.includes(':')) return target.manifestGet(repository, reference);
        const key = `${repository}@${reference}`;
        let p = cache.get(key);
        if (!p) {
          p = target.manifestGet(repository, reference);
          cache.set(key, p);
          p.catch(() => cache.delete(key));
        }
        return p;
      };
    },
  });
}

/** Logs long blob transfers every 10 s (bytes and rate), one line each: readable in a CI log. */
function progress(ref: string, log: (line: string) => void): CopyOptions['onBlobProgress'] {
  const started = new Map<string, { at: number; last: number }>();
  return ({ digest, bytes, total }) => {
    const now = Date.now();
    let s = started.get(digest);
    if (!s) started.set(digest, (s = { at: now, last: now }));
    if (now - s.last < 10_000 || bytes >= total) return;
    s.last = now;
    log(`  … ${formatProgress({ ref: `${ref} ${shortDigest(digest)}`, bytes, total, elapsedMs: now - s.at })}`);
  };
}

/**
 * Applies a shard's or an event's selection of source repositories without splitting a
 * destination: sources that map onto one destination repository are planned together, or each
 * would see the other's tags as extras and delete them.
 */
function keepDestinationGroups(
  rule: Rule,
  dst: Store,
  repositories: string[],
  select: ((repository: string) => boolean) | undefined,
): string[] {
  if (!select) return repositories;
  const destinationOf = (repo: string) => {
    try {
      return mapRepository(repo, {
        ...(rule.destinationNamespace ? { namespace: rule.destinationNamespace } : {}),
        flattening: rule.flattening,
        requireTwoComponents: dst.requireTwoComponents ?? false,
      });
    } catch {
      return undefined; // reported when the repository is mapped for real
    }
  };
  const wanted = new Set(repositories.filter(select).map(destinationOf));
  return repositories.filter((r) => select(r) || (destinationOf(r) !== undefined && wanted.has(destinationOf(r))));
}

/**
 * A `platforms:` rule writes a subset index whose digest differs from the source's: compare the
 * destination with the subset's digest, or every run would rewrite (or keep) the tag again.
 */
async function settlePlatformSubsets(rule: Rule, src: Store, plan: RulePlan): Promise<RulePlan> {
  if (rule.platforms.length === 0) return plan;
  for (const item of plan.items) {
    if ((item.action !== 'update' && item.action !== 'kept') || !item.sourceRepository || !item.sourceDigest) continue;
    const m = await src.manifestGet(item.sourceRepository, item.sourceDigest).catch(() => undefined);
    const subset = m && platformSubset(m, rule.platforms);
    if (subset && sha256(subset.bytes) === item.destinationDigest) {
      item.action = 'unchanged';
      delete item.reason;
    }
  }
  plan.warnings = plan.warnings.filter(
    (w) =>
      !plan.items.some((i) => i.action === 'unchanged' && w.startsWith(`kept ${i.destinationRepository}:${i.tag}:`)),
  );
  return plan;
}
