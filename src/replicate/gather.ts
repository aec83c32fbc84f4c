/**
 * Gathers the facts a rule's plan is made from, and nothing else: repositories and tags on both
 * sides, their digests, and for the tags a run would write the manifest (platform subsets, the
 * labels and resource filters). `plan` and `run` gather the same facts, so they plan the same.
 * A no-op costs one tag list per repository and one HEAD per tag on each side.
 */
import { setTimeout as delay } from 'node:timers/promises';
import pLimit from 'p-limit';
import type { Filters, Rule } from '../config/types.js';
import { type Digest, isDigest, sha256 } from '../oci/digest.js';
import { isSchema1Error } from '../oci/manifest.js';
import { INDEX_TYPES, SCHEMA1_TYPES } from '../oci/media-types.js';
import { REFERRER_TAG, referrersTag, subjectTagOf } from '../oci/referrers.js';
import { isRepository, isTag } from '../oci/ref.js';
import { deletionScope, type RepoInput, type SourceTag, type Unread } from '../plan/plan.js';
import { type Selection, stageName, TAG_STAGES } from '../plan/types.js';
import type { Store } from '../providers/store.js';
import {
  artifactRefusal,
  compileNameFilter,
  mapRepository,
  type MappingOptions,
  mergesRepositories,
  needsArtifactFacts,
  noneDropped,
  selectTags,
  type TagInfo,
} from '../rules/index.js';
import { findReferrers, NoPlatformError, platformSubset, subsetPlatforms } from './copy.js';
import { describeError, type RuleError, toResultError } from './errors.js';
import type { ManifestCache } from './manifest-cache.js';
import { invalidTagsWarning, readTagListing, shownTag, type TagListing } from './holders.js';
import type { OtherWriters } from './writers.js';
import { counted, firstFive } from '../util/units.js';

export interface GatherOptions {
  dryRun: boolean;
  /** HEADs in flight at once. */
  concurrency: number;
  /** Restrict to some source repositories (shards); destination groups stay whole. */
  select?: (repository: string) => boolean;
  /**
   * An event's source repositories: only these are gathered, with the rest of their destination
   * groups. Where that cannot delete and the rule merges no repositories, the source is asked for
   * these names only, not listed whole (Store.listRepositoriesNamed).
   */
  named?: ReadonlySet<string>;
  /** The source's repositories, when the run lists them for several rules (default: the source store's). */
  listRepositories?: () => Promise<string[]>;
  /** An event: only these tags are copied or deleted. */
  onlyTags?: ReadonlySet<string>;
  /** A stopped run lists nothing more; what it did not list gets no deletions. */
  signal?: AbortSignal;
  /** Waits between the tries of a listed tag whose manifest is not found (default 0.2 s, 1 s). */
  resolveDelays?: readonly number[];
  /**
   * Receives each destination group as soon as all its sources are gathered, instead of
   * `inputs`: the rule is planned and copied group by group while the rest is still listed.
   * Gathering waits for it (back-pressure).
   */
  onGroup?: (destinationRepository: string, inputs: RepoInput[]) => Promise<void>;
  /**
   * Told, once, of a destination repository of the rule that already holds images (a source of
   * blob mounts for the new ones), or `undefined` when none does: the destination repositories are
   * probed in order, alongside the gathering, until one holding images is found.
   */
  onMountSource?: (repository: string | undefined) => void;
  /** Other rules writing into the destination: asked where this rule has extras (writers.ts). */
  otherWriters?: OtherWriters;
  /**
   * The rule's filters before the change a pull request or push makes to them: what they
   * selected and these do not, still at the destination, stays there untouched (ferry updates and
   * deletes only what a rule's filters select), and a warning names it rather than nothing.
   */
  formerFilters?: Filters;
  /** Told as each source repository is gathered: how many are, of how many the rule lists. */
  onListed?: (repositories: number, of: number) => void;
  /** Where to keep the facts the engine needs while copying (default: new, in the result). */
  tagSets?: Map<string, Set<string>>;
  fresh?: Set<string>;
  fallbackItems?: Map<string, Set<string>>;
  dstFallbackTags?: Map<string, ReadonlySet<string>>;
}

/** A destination repository's tags, with their digests when its listing carries them. */
export interface Gathered {
  /** Every repository's facts (empty with `onGroup`, which received them). */
  inputs: RepoInput[];
  errors: RuleError[];
  warnings: string[];
  /** Source repository → every tag it lists (spares requests for absent referrers fallback tags). */
  tagSets: Map<string, Set<string>>;
  /** Destination repositories with no tags before this run. */
  fresh: Set<string>;
  /** Referrers fallback tags planned as items of their own (unreadable ones included), per source repository. */
  fallbackItems: Map<string, Set<string>>;
  /**
   * Destination repository → the referrers fallback tags (`sha256-<hex>`) it lists, for each one listed: a
   * fallback index listed here and then not found when a referrer is added to it is a glitch, not
   * an empty list; one not listed here needs no request to learn it is absent.
   */
  dstFallbackTags: Map<string, ReadonlySet<string>>;
  /** The source's repositories could not be listed: nothing was planned. */
  catalogFailed?: string;
  /** The run stopped before every repository was listed: those were not planned. */
  stopped?: boolean;
  selection: Selection;
}

const RESOLVE_DELAYS = [200, 1000];

/** A listed source tag whose registry says its manifest does not exist. */
const MANIFEST_ABSENT: Unread = {
  why: 'the registry answers that the manifest does not exist',
  hint: "the tag was deleted or pushed again at the source while ferry ran, or its manifest is gone (the registry's garbage collection): run again; if it persists, push the tag again at the source",
};

/** An unread tag's cause and the hint of the error that said it. */
function unreadBy(e: unknown, prefix = ''): Unread {
  const r = toResultError(e);
  return { why: prefix + r.message, ...(r.hint ? { hint: r.hint } : {}) };
}
/** What a plan row says of a schema1 tag at the source (RELIABILITY E2). */
const SCHEMA1_SKIP: NonNullable<SourceTag['skip']> = {
  why: 'schema1',
  reason:
    'a Docker schema1 manifest, deprecated since 2017 and not copied: push the image again with a current client (docker, buildah, skopeo) to replicate it',
};
/** One empty set for every destination repository that lists no fallback tags. */
const NO_TAGS: ReadonlySet<string> = new Set();

/**
 * The destination repository of each source repository of a rule: the gatherer's grouping, and the
 * shard units' (replicate/units.ts), so a shard holds exactly the groups the run diffs.
 */
export function destinationOf(rule: Rule, dst: Pick<Store, 'requireTwoComponents'>): (repository: string) => string {
  return (repository) =>
    mapRepository(repository, { ...mappingOf(rule), requireTwoComponents: dst.requireTwoComponents ?? false });
}

/**
 * The source repositories a rule reads: its whole listing, or for an event that deletes nothing,
 * where the rule merges no repositories, only those the event names that the listing would hold
 * (Store.listRepositoriesNamed). Without a deletion the listing only finds each named
 * repository's destination group, and such a rule's groups have one member. A deletion keeps the
 * whole listing: ferry deletes only where the source still lists the repository (rule.ts warns of
 * the others). The run's gatherer and the matrix's discovery (units.ts) list alike.
 */
export function sourceRepositories(
  rule: Rule,
  src: Pick<Store, 'listRepositoriesNamed'>,
  o: { named?: ReadonlySet<string>; deletes: boolean; listAll: () => Promise<string[]> },
): Promise<string[]> {
  const narrow = o.named && !o.deletes && !mergesRepositories(mappingOf(rule));
  return narrow && src.listRepositoriesNamed ? src.listRepositoriesNamed([...o.named!]) : o.listAll();
}

function mappingOf(rule: Rule): MappingOptions {
  return {
    ...(rule.destinationNamespace ? { namespace: rule.destinationNamespace } : {}),
    flattening: rule.flattening,
  };
}

/**
 * The source repositories a rule's name filter selects, grouped by the destination repository each
 * maps onto: the destination groups shards deal out (units.ts) and other rules' writes are looked
 * up by (writers.ts). A name the rule cannot map is grouped under its own name, so that whoever
 * holds it runs it and reports why.
 */
export function destinationGroups(rule: Rule, repositories: readonly string[]): Map<string, string[]> {
  const named = compileNameFilter(rule.filters.name);
  // requireTwoComponents only refuses names, never changes one: the groups are the run's
  // without opening the destination (an archive would be unpacked just to be asked).
  const mapped = destinationOf(rule, {});
  const groups = new Map<string, string[]>();
  for (const repository of repositories.filter(named)) {
    let destination: string;
    try {
      destination = mapped(repository);
    } catch {
      destination = repository;
    }
    const members = groups.get(destination);
    if (members) members.push(repository);
    else groups.set(destination, [repository]);
  }
  return groups;
}

export async function gather(
  rule: Rule,
  src: Store,
  dst: Store,
  cache: ManifestCache,
  o: GatherOptions,
): Promise<Gathered> {
  const out: Gathered = {
    inputs: [],
    errors: [],
    warnings: [],
    tagSets: o.tagSets ?? new Map(),
    fresh: o.fresh ?? new Set(),
    fallbackItems: o.fallbackItems ?? new Map(),
    dstFallbackTags: o.dstFallbackTags ?? new Map(),
    selection: { repositories: { listed: 0, matched: 0 }, tags: { listed: 0, selected: 0 }, dropped: noneDropped() },
  };
  const { selection } = out;
  // One failure of a registry itself (its API check refused the credentials) comes back from every
  // repository: one rule error naming the repositories, not one identical error per repository.
  const told = new Map<string, { err: RuleError; message: string; where: string[] }>();
  const fail = (message: string, e?: unknown, where?: string, registry?: string) => {
    const err = describeError(rule.name, message, e, registry);
    const same = told.get(err.message);
    if (!same) {
      told.set(err.message, { err, message: err.message, where: where ? [where] : [] });
      out.errors.push(err);
      return err.message;
    }
    if (where) {
      same.where.push(where);
      // Sorted: repositories are listed concurrently, and the message should not depend on the order.
      same.err.message = `${same.message} (${counted(same.where.length, 'repository', 'repositories')}: ${firstFive([...same.where].sort())})`;
    }
    return same.message;
  };
  const heads = pLimit(Math.max(16, o.concurrency));
  const mapped = destinationOf(rule, dst);

  let repositories: string[];
  try {
    const nameOk = compileNameFilter(rule.filters.name);
    const { named } = o;
    const listed = await sourceRepositories(rule, src, {
      ...(named ? { named } : {}),
      deletes: rule.deleteRemote.enabled,
      listAll: o.listRepositories ?? (() => src.listRepositories()),
    });
    const invalid = listed.filter((r: string): boolean => !isRepository(r));
    if (invalid.length)
      out.warnings.push(
        `${src.display} lists ${counted(invalid.length, 'repository name')} that no registry accepts, skipped: ${invalid
          .slice(0, 5)
          .map((r) => JSON.stringify(r.length > 80 ? `${r.slice(0, 80)}…` : r))
          .join(', ')}${invalid.length > 5 ? ', …' : ''} (names are lowercase [a-z0-9._/-], at most 255 characters)`,
      );
    const matched = listed.filter((r) => isRepository(r) && nameOk(r));
    selection.repositories = { listed: listed.length, matched: matched.length };
    selection.dropped.name = listed.length - invalid.length - matched.length;
    const select = named ? (r: string) => named.has(r) && (o.select?.(r) ?? true) : o.select;
    repositories = keepDestinationGroups(matched, mapped, select);
    if (o.formerFilters) {
      const before = compileNameFilter(o.formerFilters.name);
      const dropped = listed.filter((r) => isRepository(r) && before(r) && !nameOk(r) && (o.select?.(r) ?? true));
      if (dropped.length)
        out.warnings.push(
          `the name filter before this change selected ${counted(dropped.length, 'source repository', 'source repositories')} that it no longer selects (${firstFive([...dropped].sort())}): their copies at ${dst.display} stay as they are, neither updated nor deleted; delete them there by hand if they should go`,
        );
    }
  } catch (e) {
    out.catalogFailed = fail(`listing repositories of ${src.display}`, e, undefined, rule.source);
    return out;
  }

  const mayDelete = deletionScope(rule, o.onlyTags);
  const needsFacts = needsArtifactFacts(rule.filters, !!src.listsLabels);
  const resolveDelays = o.resolveDelays ?? RESOLVE_DELAYS;

  let detailsFailed = false;
  /**
   * The destination's tag listing with digests; when the vendor API refuses or fails (a robot
   * account without the right to list artifacts), the registry's tag list and a HEAD per tag.
   */
  const destinationDetails = async (repo: string): Promise<TagInfo[] | undefined> => {
    if (detailsFailed) return undefined;
    try {
      return await dst.listTagDetails!(repo);
    } catch (e) {
      detailsFailed = true;
      out.warnings.push(
        `${dst.display}: tags with their digests could not be listed (${toResultError(e).message}); one HEAD per tag instead`,
      );
      return undefined;
    }
  };

  const readDestination = async (repo: string): Promise<TagListing> => {
    // "Project/namespace missing" up front, read-only, in a plan and in a run alike: before, a run
    // planned the repository's copies and failed each at its write, where the plan had a rule error.
    await dst.prepareDestination?.(repo, o.dryRun ? { dryRun: true } : { check: true });
    // A listing that carries digests (Harbor's artifacts API, GHCR's package versions) spares
    // the HEAD per destination tag too.
    return readTagListing(dst, repo, async () => (dst.listTagDetails ? destinationDetails(repo) : undefined));
  };
  /**
   * Destination listings the mount-source probe and the gatherer both need: whichever asks first
   * lists, the other takes the answer, so the probe adds no request. Held only while probing.
   */
  const shared = new Map<string, { listing: Promise<TagListing>; by: 'probe' | 'gatherer' }>();
  let probing = !!o.onMountSource;
  const listDestination = (repo: string, by: 'probe' | 'gatherer'): Promise<TagListing> => {
    const first = shared.get(repo);
    if (first && first.by !== by) {
      shared.delete(repo);
      return first.listing;
    }
    const listing = readDestination(repo);
    listing.catch(() => {}); // its reader reports a failure
    if (probing) shared.set(repo, { listing, by });
    return listing;
  };

  /**
   * Source tags the destination lacks are read with one GET, as a run must read them to copy them,
   * instead of a HEAD and later a GET. A plan reads them the same way, so it asks the source
   * exactly what the run asks. Not where a GET is a counted pull (Docker Hub): HEADs are free there.
   */
  const readsAbsent = !src.rateLimit;

  /** A listed tag's digest, asked again when the registry says it does not exist (a lagging replica). */
  const resolve = async (
    repo: string,
    tag: string,
    read: boolean,
  ): Promise<{ digest: string; skip?: SourceTag['skip'] } | Unread> => {
    for (let attempt = 0; ; attempt++) {
      try {
        if (read) {
          // The manifest will be read anyway (to copy it, or for the filters): one GET, not HEAD + GET.
          const m = await src.manifestGet(repo, tag);
          if (m) {
            cache.put(repo, m.digest, m);
            return { digest: m.digest };
          }
        } else {
          const h = await src.manifestHead(repo, tag);
          if (h) return { digest: h.digest, ...(SCHEMA1_TYPES.has(h.mediaType) ? { skip: SCHEMA1_SKIP } : {}) };
        }
      } catch (e) {
        // A schema1 tag is no broken listing: skipped, it blocks nothing (its digest from a HEAD).
        if (isSchema1Error(e)) {
          const h = await src.manifestHead(repo, tag).catch(() => undefined);
          if (h) return { digest: h.digest, skip: SCHEMA1_SKIP };
        }
        // The error's own hint (a 403's, a 5xx's) goes along to the row.
        return unreadBy(e);
      }
      if (attempt >= resolveDelays.length)
        return { ...MANIFEST_ABSENT, why: `${MANIFEST_ABSENT.why} (asked ${attempt + 1} times)` };
      await delay(resolveDelays[attempt]);
    }
  };

  // Repositories are gathered a bounded number at a time: with all of them in flight at once,
  // every listing and every queued HEAD of the registry was held in memory together.
  const inFlight = pLimit(Math.max(16, o.concurrency));
  // Each repository is mapped once. A destination group is handed on once every source mapped
  // onto it is gathered.
  const destinationOfRepo = new Map<string, string>();
  const members = new Map<string, number>();
  for (const repo of repositories) {
    try {
      const dest = mapped(repo);
      destinationOfRepo.set(repo, dest);
      members.set(dest, (members.get(dest) ?? 0) + 1);
    } catch (e) {
      fail(`mapping ${repo}`, e);
    }
  }
  // Runs beside the gathering; it cannot fail (a failed listing counts as "holds nothing").
  const probed = o.onMountSource ? probeMountSource(o.onMountSource) : undefined;
  const arrivedInputs = new Map<string, RepoInput[]>();
  const arrived = async (input: RepoInput) => {
    if (!o.onGroup) {
      out.inputs.push(input);
      return;
    }
    const dest = input.destinationRepository;
    const group = [...(arrivedInputs.get(dest) ?? []), input];
    if (group.length < members.get(dest)!) {
      arrivedInputs.set(dest, group);
      return;
    }
    arrivedInputs.delete(dest);
    await o.onGroup(dest, group);
  };
  let listedRepositories = 0;
  /** Destination tags the former filters selected and these do not (formerFilters), across repositories. */
  const leftBehind: string[] = [];
  let leftBehindCount = 0;
  await Promise.all(
    repositories.map((repo) =>
      inFlight(async () => {
        const dest = destinationOfRepo.get(repo);
        const input = dest === undefined ? undefined : await gatherRepository(repo, dest);
        o.onListed?.(++listedRepositories, repositories.length);
        if (input) await arrived(input);
      }),
    ),
  );
  await probed;
  if (leftBehindCount)
    out.warnings.push(
      `the filters before this change selected ${counted(leftBehindCount, 'tag')} still at the destination that these filters do not (${firstFive(leftBehind.sort(), leftBehindCount)}): ${leftBehindCount === 1 ? 'it stays' : 'they stay'} as ${leftBehindCount === 1 ? 'it is' : 'they are'}, neither updated nor deleted (ferry updates and deletes only the tags a rule's filters select); delete ${leftBehindCount === 1 ? 'it' : 'them'} there by hand if ${leftBehindCount === 1 ? 'it' : 'they'} should go`,
    );
  out.inputs.sort((a, b) => a.destinationRepository.localeCompare(b.destinationRepository));
  return out;

  /**
   * Finds a destination repository that held images before this run, so copies into new ones can
   * mount shared blobs from it without waiting for the whole rule to be listed. One tag list per
   * destination repository until one is found: on an empty destination, one per repository; a
   * listing that fails counts as not found.
   */
  async function probeMountSource(tell: (repository: string | undefined) => void): Promise<void> {
    let found: string | undefined;
    // In the gatherer's order, one at a time: mostly it waits for the gatherer's own listings.
    for (const dest of members.keys()) {
      if (o.signal?.aborted) break;
      const listing = await listDestination(dest, 'probe').catch(() => undefined);
      if (listing && listing.tags.size > 0) {
        found = dest;
        break;
      }
    }
    probing = false;
    // What the gatherer listed for the probe's sake and the probe never took is let go.
    for (const [dest, entry] of shared) if (entry.by === 'gatherer') shared.delete(dest);
    tell(found);
  }

  async function gatherRepository(repo: string, dstRepo: string): Promise<RepoInput> {
    const source = new Map<string, SourceTag>();
    const unresolved = new Map<string, Unread>();
    const input: RepoInput = {
      sourceRepository: repo,
      destinationRepository: dstRepo,
      source,
      unresolved,
      destination: new Map(),
    };
    if (o.signal?.aborted) {
      input.sourceListingFailed = 'not listed: the run was stopped';
      out.stopped = true;
      return input;
    }
    // Left out by the labels or resource filter from what the listing tells. One the destination
    // holds is planned as a `skip` row, as the manifest path plans it, so it stays there either
    // way (not a deletion candidate); the others are only counted, as before.
    const refused: [string, SourceTag][] = [];
    /** The source tags the rule's former filters select (formerFilters). */
    let formerlySelected: Set<string> | undefined;
    // Both sides' tag lists at once; which source tags the destination lacks decides how they are read.
    const destinationListing = listDestination(dstRepo, 'gatherer');
    destinationListing.catch(() => {}); // awaited below, where its failure is reported

    try {
      // Providers with labels (Harbor) list tags with them, so label filters apply while listing.
      const infos: TagInfo[] = src.listTagDetails
        ? await src.listTagDetails(repo)
        : (await src.listTags(repo)).map((tag) => ({ tag }));
      const invalid = infos.filter((t): boolean => t.tag !== '' && !isTag(t.tag)).map((t) => t.tag);
      if (invalid.length) out.warnings.push(invalidTagsWarning(`${src.display}/${repo}`, invalid, 'skipped'));
      const valid = infos.filter((t) => isTag(t.tag));
      if (valid.length === 0 && src.configuredRepositories)
        out.warnings.push(
          `${src.display}/${repo} lists no tags: it is named under the registry's repositories:, so check the name (a registry answers the same for a repository that does not exist)`,
        );
      // A listing that carries digests (Harbor's artifacts API) spares the HEAD per tag.
      const listed = new Map(valid.filter((t) => t.digest && isDigest(t.digest)).map((t) => [t.tag, t.digest!]));
      // A listing that names the manifest's type (Harbor) tells a schema1 tag before any read.
      const schema1 = new Set(valid.filter((t) => t.mediaType && SCHEMA1_TYPES.has(t.mediaType)).map((t) => t.tag));
      const all = new Set(valid.map((t) => t.tag));
      out.tagSets.set(repo, all);
      input.listed = all;
      // An event's tag the rule's filters leave out (an older release under `latest: N`), and
      // which filter: the labels and resource filters' own are rows of the plan (`refused`).
      const leftOut = new Map<string, (typeof TAG_STAGES)[number]>();
      const selected = selectTags(
        valid,
        rule.filters,
        selection.dropped,
        (t, skip) => {
          const digest = listed.get(t.tag);
          if (digest && (!o.onlyTags || o.onlyTags.has(t.tag))) refused.push([t.tag, { digest, skip }]);
        },
        rule.referrers,
        (t, stage) => {
          if (o.onlyTags?.has(t.tag) && stage !== 'labels' && stage !== 'resource') leftOut.set(t.tag, stage);
        },
      ).map((t) => t.tag);
      if (o.formerFilters)
        formerlySelected = new Set(
          selectTags(valid, o.formerFilters, undefined, undefined, rule.referrers)
            .map((t) => t.tag)
            .filter((t) => !REFERRER_TAG.test(t)),
        );
      selection.tags.listed += valid.length;
      selection.tags.selected += selected.length;
      input.selected = selected.length;
      const tags = o.onlyTags ? selected.filter((t) => o.onlyTags!.has(t)) : selected;
      // Told, or the run reads as if the event was lost. A signature tag travels with its subject
      // (pushedFor, below), whatever the filters say of it.
      const told = [...leftOut].filter(([t]) => rule.referrers === false || subjectTagOf(t) === undefined);
      for (const [t, stage] of told.slice(0, 5))
        out.warnings.push(
          `the event names ${src.display}/${repo}:${t}, which ${
            stage === 'latest'
              ? `is not among the ${counted(rule.filters.latest ?? 0, 'newest tag')} the rule keeps (latest: ${rule.filters.latest})`
              : `the rule's ${stageName(stage)} filter leaves out`
          }: not copied`,
        );
      // An event naming a referrers tag (cosign's `sha256-<hex>.sig`, signed after the push) names
      // it for its subject: the selected tags of that digest are planned, and the signature goes
      // along with them as it does in a scheduled run. Costs a HEAD per selected tag here.
      const pushedFor = new Set(
        o.onlyTags && rule.referrers ? [...o.onlyTags].flatMap((t) => subjectTagOf(t) ?? []) : [],
      );
      if (pushedFor.size)
        await Promise.all(
          selected
            .filter((t) => !o.onlyTags!.has(t))
            .map((t) =>
              heads(async () => {
                try {
                  const digest = listed.get(t) ?? (await src.manifestHead(repo, t))?.digest;
                  if (!digest || !pushedFor.has(referrersTag(digest))) return;
                  // Resolved: not asked again when the tag is planned.
                  listed.set(t, digest);
                  tags.push(t);
                } catch (e) {
                  // A tag the event did not name: told, not failed (a scheduled run plans it).
                  out.warnings.push(
                    `${src.display}/${repo}:${t} not checked for the signature the event names: ${toResultError(e).message}`,
                  );
                }
              }),
            ),
        );
      const absent = readsAbsent
        ? await destinationListing.then(
            (d) => (t: string) => !d.tags.has(t),
            () => () => false,
          )
        : () => false;
      const resolveInto = (list: string[]) =>
        Promise.all(
          list.map((tag) =>
            heads(async () => {
              const known = listed.get(tag);
              const r = known
                ? { digest: known, ...(schema1.has(tag) ? { skip: SCHEMA1_SKIP } : {}) }
                : await resolve(repo, tag, absent(tag));
              if ('digest' in r) source.set(tag, { digest: r.digest, ...(r.skip ? { skip: r.skip } : {}) });
              else unresolved.set(tag, r);
            }),
          ),
        );
      await resolveInto(tags);
      if (rule.referrers) {
        // A signature or SBOM attached after the subject was copied (cosign's sign-after-push)
        // shows up as a fallback tag in the listing: planned like any tag, it reaches the mirror.
        const subjects = new Map([...source].map(([tag, f]) => [referrersTag(f.digest), tag]));
        const subjectOf = (t: string) => subjects.get(subjectTagOf(t) ?? '');
        const fallback = [...all].filter((t) => REFERRER_TAG.test(t) && subjectOf(t));
        const along = fallback.filter((t) => !source.has(t) && !unresolved.has(t));
        await resolveInto(along);
        if (along.length) selection.tags.signatures = (selection.tags.signatures ?? 0) + along.length;
        for (const t of fallback) if (source.has(t)) source.get(t)!.referrersOf = subjectOf(t)!;
        // Unreadable ones too: their row says not copied, so no subject's copy writes them either.
        const planned = fallback.filter((t) => source.has(t) || unresolved.has(t));
        if (planned.length) out.fallbackItems.set(repo, new Set(planned));
      }
    } catch (e) {
      input.sourceListingFailed = fail(`listing ${src.display}/${repo}`, e, repo, rule.source);
    }

    const kinds = new Map<string, string>(); // destination digest → media type
    let byDigestDeletions = false;
    try {
      const { tags: listedTags, listed, invalid } = await destinationListing;
      const dstTags = [...listedTags];
      if (invalid.length) {
        // Never compared nor deleted; on a registry that deletes by digest, they block the
        // repository's deletions (the plan's destination-unread).
        (input.destinationUnread ??= []).push(...invalid.map(shownTag));
        out.warnings.push(invalidTagsWarning(`${dst.display}/${dstRepo}`, invalid, 'left as they are'));
      }
      if (dstTags.length === 0) out.fresh.add(dstRepo);
      // Only the fallback indexes (`sha256-<hex>`), not cosign's `.sig` tags: kept while the rule runs.
      const indexes = dstTags.filter((t) => subjectTagOf(t) === t);
      out.dstFallbackTags.set(dstRepo, indexes.length ? new Set(indexes) : NO_TAGS);
      // Not before: the referrers' subjects are taken from `source`, and a skipped tag's
      // signature is not planned.
      for (const [tag, f] of refused) if (listedTags.has(tag)) source.set(tag, f);
      let extra = (t: string) => !source.has(t) && !unresolved.has(t) && mayDelete(t);
      // Not where several sources map onto the repository: each sees all its tags, and whether
      // another source still selects one is known only to the whole group (not told there).
      if (formerlySelected && members.get(dstRepo) === 1)
        for (const t of dstTags)
          if (formerlySelected.has(t) && !source.has(t) && !unresolved.has(t) && !mayDelete(t)) {
            // Bounded: the warning names the first five by name, whatever order repositories end in.
            leftBehind.push(`${dstRepo}:${t}`);
            if (leftBehind.length > 5) leftBehind.sort().pop();
            leftBehindCount++;
          }
      if (o.otherWriters && dstTags.some(extra)) {
        const others = await o.otherWriters.tagsIn(dstRepo);
        input.otherRules = others;
        if ('tags' in others) {
          const mine = extra;
          extra = (t) => mine(t) && !others.tags.has(t);
        }
      }
      /** Destination digests of these tags, from the listing when it has them (and the media type, if `typed`). */
      const headInto = (list: string[], typed = false) =>
        Promise.all(
          list.map((tag) =>
            heads(async () => {
              const known = listed.get(tag);
              if (known && (!typed || known.mediaType)) {
                input.destination.set(tag, known.digest);
                if (known.mediaType) kinds.set(known.digest, known.mediaType);
                return;
              }
              const h = await dst.manifestHead(dstRepo, tag);
              if (!h) {
                // Gone since the listing (absent), or a replica lagging: which one, no one knows.
                (input.destinationUnread ??= []).push(tag);
                return;
              }
              input.destination.set(tag, h.digest);
              kinds.set(h.digest, h.mediaType);
            }),
          ),
        );
      if (src.listTagDetails && !input.sourceListingFailed) {
        // A source listed through its vendor's API (Harbor, GHCR) may lag its registry: a tag the
        // API does not list yet is no reason to delete. Each destination extra is looked for in
        // the source registry first; one found there (or not answered) is not decided this run.
        // A tag the listing has (one keep-latest-N left out, say) is no sign of a lagging API.
        const listedAtSource = out.tagSets.get(repo) ?? new Set<string>();
        await Promise.all(
          dstTags
            .filter((t) => extra(t) && !listedAtSource.has(t))
            .map((tag) =>
              heads(async () => {
                try {
                  if (await src.manifestHead(repo, tag))
                    unresolved.set(tag, {
                      why: "the source registry has it, though the source's API does not list it yet",
                    });
                } catch (e) {
                  unresolved.set(tag, unreadBy(e, 'its absence at the source could not be confirmed: '));
                }
              }),
            ),
        );
      }
      const wanted = dstTags.filter((t) => source.has(t) || unresolved.has(t) || extra(t));
      await headInto(wanted);
      if (!dst.deletesByTag && wanted.some(extra)) {
        byDigestDeletions = true;
        // Deleting by digest needs every destination tag's digest (tags sharing it) and every
        // index's children (platforms of a staying index).
        await headInto(
          dstTags.filter((t) => !input.destination.has(t) || !kinds.has(input.destination.get(t)!)),
          true,
        );
        const children = new Map<string, string[]>();
        await Promise.all(
          [...kinds]
            .filter(([, type]) => INDEX_TYPES.has(type))
            .map(([digest]) =>
              heads(async () => {
                const m = await dst.manifestGet(dstRepo, digest);
                if (m?.parsed.kind === 'index')
                  children.set(
                    digest,
                    m.parsed.manifests.map((c) => c.digest),
                  );
                // Its platforms are unknown, and would not be protected.
                else (input.destinationUnread ??= []).push(digest);
              }),
            ),
        );
        input.destinationChildren = children;
      }
    } catch (e) {
      input.destinationListingFailed = fail(`listing ${dst.display}/${dstRepo}`, e, dstRepo, rule.destination);
      return input;
    }

    // What the run would write: the manifest decides the platform subset and the filters, and
    // (deleting by digest) which manifests the indexes it writes will need.
    if (rule.platforms.length > 0 || needsFacts || byDigestDeletions) await readManifests();
    if (rule.referrers === 'always') await missingReferrers();
    return input;

    async function readManifests(): Promise<void> {
      await Promise.all(
        [...source].map(([tag, f]) =>
          heads(async () => {
            // Left out from the listing's facts already: nothing is written, nothing to read.
            if (input.destination.get(tag) === f.digest || f.skip) return;
            try {
              const m = await cache.get(src, repo, f.digest);
              if (!m) throw new Error(`manifest ${f.digest} is no longer at the source`);
              const subset =
                rule.platforms.length && !out.fallbackItems.get(repo)?.has(tag)
                  ? platformSubset(m, rule.platforms)
                  : undefined;
              if (subset) {
                f.target = sha256(subset.bytes);
                f.targetPlatforms = subsetPlatforms(subset.children);
              }
              if (byDigestDeletions && m.parsed.kind === 'index')
                input.destinationChildren!.set(
                  f.target ?? f.digest,
                  (subset?.children ?? m.parsed.manifests).map((c) => c.digest),
                );
              if (needsFacts && !out.fallbackItems.get(repo)?.has(tag)) {
                let config = m.parsed.config?.mediaType;
                if (m.parsed.kind === 'index' && m.parsed.manifests[0])
                  config = (await cache.get(src, repo, m.parsed.manifests[0].digest))?.parsed.config?.mediaType;
                const refusal = artifactRefusal(
                  rule.filters,
                  {
                    mediaType: m.mediaType,
                    ...(config ? { configMediaType: config } : {}),
                    ...(m.parsed.artifactType ? { artifactType: m.parsed.artifactType } : {}),
                    annotations: m.parsed.annotations,
                  },
                  !src.listsLabels,
                );
                if (refusal) {
                  f.skip = refusal;
                  // Left out after the listing's count: selected + left out stays the number listed.
                  selection.tags.selected--;
                  selection.dropped[refusal.why === 'filtered-labels' ? 'labels' : 'resource']++;
                  cache.release(repo, f.digest);
                }
              }
            } catch (e) {
              if (isSchema1Error(e)) {
                f.skip = SCHEMA1_SKIP;
                return;
              }
              // Read, and nothing in it for this rule: left out as a filter leaves a tag out. Before,
              // an unread tag: the run failed and the repository's deletions stopped, run after run.
              if (e instanceof NoPlatformError) {
                f.skip = { why: 'platforms-absent', reason: `${e.message}: not copied` };
                // Counted as the filters' refusals are: selected + left out stays the number listed.
                selection.tags.selected--;
                selection.dropped.platforms++;
                cache.release(repo, f.digest);
                return;
              }
              source.delete(tag);
              unresolved.set(tag, unreadBy(e));
            }
          }),
        ),
      );
    }

    /**
     * `referrers: always`: the referrers of every tag already at the destination, asked at the
     * source, and those the destination lacks. A tag whose fallback tag is listed is left to the
     * fallback path (its item copies the referrers); a tag that is written brings its own along.
     */
    async function missingReferrers(): Promise<void> {
      const listedTags = out.tagSets.get(repo);
      const missing = new Map<string, { digest: string; artifactType?: string }[]>();
      await Promise.all(
        [...source].map(([tag, f]) =>
          heads(async () => {
            if (input.destination.get(tag) === undefined || f.skip || f.referrersOf) return;
            if (listedTags?.has(referrersTag(f.digest))) return;
            try {
              const lacking = await findReferrers(
                { store: src, repository: repo },
                { store: dst, repository: dstRepo },
                f.digest as Digest,
                {
                  ...(listedTags ? { sourceTags: listedTags } : {}),
                  destinationFallbackTags: out.dstFallbackTags.get(dstRepo),
                },
                1,
              );
              if (lacking.missing.length)
                missing.set(
                  tag,
                  lacking.missing.map((d) => ({
                    digest: d.digest,
                    ...(d.artifactType ? { artifactType: d.artifactType } : {}),
                  })),
                );
            } catch (e) {
              // The tag itself is settled; its late referrers wait for a run that can read them.
              out.warnings.push(`referrers of ${src.display}/${repo}:${tag} not checked: ${toResultError(e).message}`);
            }
          }),
        ),
      );
      if (missing.size) input.missingReferrers = missing;
    }
  }
}

/**
 * Applies an event's selection of source repositories without splitting a destination: sources
 * that map onto one destination repository are planned together, or each would see the other's
 * tags as extras and delete them. A shard's selection is whole groups already (its units are
 * destination groups, replicate/units.ts), so for a shard alone this keeps what it is given.
 */
function keepDestinationGroups(
  repositories: string[],
  mapped: (repository: string) => string,
  select: ((repository: string) => boolean) | undefined,
): string[] {
  if (!select) return repositories;
  const destinationOf = (repo: string) => {
    try {
      return mapped(repo);
    } catch {
      return undefined; // reported when the repository is mapped for real
    }
  };
  const wanted = new Set(repositories.filter(select).map(destinationOf));
  return repositories.filter((r) => select(r) || (destinationOf(r) !== undefined && wanted.has(destinationOf(r))));
}
