/**
 * Copies one artifact graph from a source store to a destination store:
 * blobs (skip present, mount within a registry, else stream with verification), then child
 * manifests by digest, then referrers (after their subject by digest), then the tagged manifest.
 * Manifest bytes are copied exactly; a tag is written only after everything it points to.
 */
import { pipeline, type Readable, Transform } from 'node:stream';
import { setTimeout as delay } from 'node:timers/promises';
import pLimit, { type LimitFunction } from 'p-limit';
import { type Digest, sha256 } from '../oci/digest.js';
import { type Descriptor, type ParsedManifest, blobsOf, platformString } from '../oci/manifest.js';
import { isNondistributable } from '../oci/media-types.js';
import { type FallbackAdd, referrersTag } from '../oci/referrers.js';
import type { Manifest } from '../registry/client.js';
import { RegistryError, TAG_CHECK } from '../registry/errors.js';
import type { Store } from '../providers/store.js';
import { humanBytes } from '../util/units.js';
import type { Bandwidth } from './bandwidth.js';
import { allWritten } from '../util/settle.js';

/** Largest blob copied when the rule sets no `max_blob_size`: above any real layer, far below a full disk. */
export const DEFAULT_MAX_BLOB_SIZE = 16 * 1024 ** 3;

/** Bytes between two progress reports of one blob (the last byte is always reported). */
export const PROGRESS_STEP = 1024 * 1024;

export interface CopyStats {
  bytes: number;
  copied: number;
  mounted: number;
  present: number;
  retries: number;
}

export const emptyStats = (): CopyStats => ({ bytes: 0, copied: 0, mounted: 0, present: 0, retries: 0 });

export interface Side {
  store: Store;
  repository: string;
}

export interface CopyOptions {
  /** Only these platforms (`linux/amd64`); empty = all. Writes a new index with a different digest. */
  platforms: string[];
  referrers: boolean;
  bandwidth?: Bandwidth;
  /**
   * The destination repository had no tags before this run: its blobs are not asked about one by
   * one (a blob left by an earlier failed run is uploaded again; mounts are still tried).
   */
  freshDestination?: boolean;
  /** The source repository's tags, when listed: spares a request for an absent referrers fallback tag. */
  sourceTags?: ReadonlySet<string>;
  onBlobProgress?: (p: { digest: string; bytes: number; total: number }) => void;
  /** Tags the plan decides on as items of their own: never written as a side effect of another copy. */
  plannedTags?: ReadonlySet<string>;
  /**
   * The artifact is a referrer copied without the source's fallback tag: where the destination has
   * no referrers API, its by-digest write also adds it to the subject's fallback index (E3).
   */
  referrersFallback?: boolean;
  /**
   * The fallback tags (`sha256-<hex>`) the destination repository listed when planned: a fallback
   * index listed there is never replaced by a new one because a read did not find it.
   */
  destinationFallbackTags?: ReadonlySet<string> | undefined;
  /**
   * Override is off and the plan found the tag absent: it is looked for again just before it is
   * written, and one that appeared since is left as it is (TagAppeared).
   */
  keepExisting?: boolean;
  /** Destination repositories that held images before this run: where a shared blob may be mounted from. */
  mountCandidates?: readonly string[];
  /**
   * Largest blob (config or layer) copied, in bytes (default DEFAULT_MAX_BLOB_SIZE). Every blob of
   * the artifact and of the child manifests it needs is checked before any transfer starts.
   */
  maxBlobSize?: number;
}

type How = 'copied' | 'mounted' | 'present';

/** The tag appeared at the destination after the plan found it absent, and override is off: not written. */
export class TagAppeared extends Error {
  override name = 'TagAppeared';
  constructor(
    readonly tag: string,
    readonly digest: string,
  ) {
    super(`tag ${tag} appeared at the destination after it was planned, pointing at ${digest}`);
  }
}

/** One destination repository's copy of a blob or manifest (stores on one registry share blobs). */
const keyOf = (dst: Side, digest: string) => `${dst.store.mountDomain ?? dst.store.name}|${dst.repository}|${digest}`;

function tally(stats: CopyStats, how: How) {
  if (how === 'present') stats.present++;
  else if (how === 'mounted') stats.mounted++;
  else stats.copied++;
}

/**
 * Moves blobs once per destination repository: concurrent requests for the same blob share one
 * transfer, and a blob known in another repository of the same registry is mounted.
 */
export class BlobMover {
  readonly #inflight = new Map<string, Promise<How>>();
  /**
   * Child manifests written (or being written) into a destination repository in this run. Tags of
   * one index are copied at once; two PUTs of the same child overlap in the registry, and
   * distribution 2.8 then answers the index PUT with 400 MANIFEST_BLOB_UNKNOWN.
   */
  readonly #manifests = new Map<string, Promise<void>>();
  /** mountDomain → digest → repositories known to hold it. */
  readonly #known = new Map<string, Map<string, Set<string>>>();
  readonly #limit: LimitFunction;

  constructor(limit: LimitFunction) {
    this.#limit = limit;
  }

  async ensure(src: Side, dst: Side, desc: Descriptor, stats: CopyStats, o: CopyOptions): Promise<void> {
    const key = keyOf(dst, desc.digest);
    const shared = this.#inflight.get(key);
    if (shared) {
      await shared;
      stats.present++; // another copy moved it, and counts it
      return;
    }
    tally(
      stats,
      await this.#start(
        key,
        this.#limit(() => this.#transfer(src, dst, desc, stats, o)),
      ),
    );
  }

  /**
   * Sends the blob again if the destination no longer has it, although this run already did (or
   * is doing) it: after the registry said a manifest names a blob it does not know.
   */
  async resend(src: Side, dst: Side, desc: Descriptor, stats: CopyStats, o: CopyOptions): Promise<void> {
    const key = keyOf(dst, desc.digest);
    const before = this.#inflight.get(key)?.catch(() => undefined);
    // After the earlier transfer settles (waited for outside the limit, so waiting holds no slot).
    // #transfer asks the destination first: a blob that is there now is not sent twice.
    const again = Promise.resolve(before).then(() =>
      this.#limit(() => this.#transfer(src, dst, desc, stats, { ...o, freshDestination: false })),
    );
    tally(stats, await this.#start(key, again));
  }

  #start(key: string, p: Promise<How>): Promise<How> {
    this.#inflight.set(key, p);
    // A failed transfer is forgotten, so a later copy tries again; a newer entry is left alone.
    p.catch(() => {
      if (this.#inflight.get(key) === p) this.#inflight.delete(key);
    });
    return p;
  }

  /** Whether this run wrote (or is writing) manifest `digest` into `dst`. */
  hasManifest(dst: Side, digest: string): boolean {
    return this.#manifests.has(keyOf(dst, digest));
  }

  /**
   * Writes manifest `digest` into `dst` once per run: a copy that needs a child another copy is
   * writing waits for that write instead of writing it again. With `again`, writes it once more
   * after the earlier write settles (the destination lost or never kept it).
   */
  manifestOnce(dst: Side, digest: string, write: () => Promise<void>, again = false): Promise<void> {
    const key = keyOf(dst, digest);
    const before = this.#manifests.get(key);
    if (before && !again) return before;
    const p = before ? before.catch(() => undefined).then(write) : write();
    this.#manifests.set(key, p);
    p.catch(() => {
      if (this.#manifests.get(key) === p) this.#manifests.delete(key);
    });
    return p;
  }

  #remember(dst: Side, digest: string) {
    const domain = dst.store.mountDomain;
    if (!domain) return;
    let byDigest = this.#known.get(domain);
    if (!byDigest) this.#known.set(domain, (byDigest = new Map()));
    let repos = byDigest.get(digest);
    if (!repos) byDigest.set(digest, (repos = new Set()));
    repos.add(dst.repository);
  }

  async #transfer(src: Side, dst: Side, desc: Descriptor, stats: CopyStats, o: CopyOptions) {
    if (!o.freshDestination && (await dst.store.blobHead(dst.repository, desc.digest))) {
      this.#remember(dst, desc.digest);
      return 'present' as const;
    }
    const domain = dst.store.mountDomain;
    const holders = domain ? this.#known.get(domain)?.get(desc.digest) : undefined;
    // Same registry, another repository: mount rather than upload. Known holders first (this run
    // wrote it there, or the source repository is on the same registry), else a destination
    // repository that held images before this run (shared base layers, across runs). The mount is
    // asked in the request that opens the upload session, so a declined one costs nothing.
    const from =
      [...(holders ?? [])].find((r) => r !== dst.repository) ??
      (src.store.mountDomain && src.store.mountDomain === domain && src.repository !== dst.repository
        ? src.repository
        : undefined) ??
      (domain ? o.mountCandidates?.find((r) => r !== dst.repository) : undefined);
    let sent = 0;
    const onRetry = () => stats.retries++;
    // Without a mount to try, the source GET starts while the destination opens its upload
    // session: one round trip less per blob. Only the first attempt uses it; a retry opens the
    // source again. With a mount to try it would be wasted whenever the mount succeeds.
    let early: Promise<Readable> | undefined = from ? undefined : src.store.blobGet(src.repository, desc, { onRetry });
    early?.catch(() => {}); // handled when awaited below; never an unhandled rejection
    let reported = 0;
    const open = async (): Promise<Readable> => {
      sent = 0;
      reported = 0;
      const source = early ?? src.store.blobGet(src.repository, desc, { onRetry });
      early = undefined;
      // Progress is counted in a Transform (a 'data' listener would start the flow before the
      // uploader reads, losing bytes), and pipeline() carries a source's error (a digest mismatch)
      // on to the upload instead of leaving it waiting.
      const stages: NodeJS.ReadWriteStream[] = [];
      if (o.bandwidth) stages.push(o.bandwidth.stream());
      const counter = new Transform({
        transform(c: Buffer, _e, cb) {
          sent += c.length;
          // Stores verify sizes themselves; this holds for any store, so the destination never
          // receives more than the manifest declared.
          if (sent > desc.size) {
            cb(
              new RegistryError({
                kind: 'size-mismatch',
                registry: src.store.display,
                repository: src.repository,
                operation: 'fetching blob from',
                detail: `blob ${desc.digest} is longer than the ${desc.size} bytes its descriptor declares`,
              }),
            );
            return;
          }
          // Every PROGRESS_STEP bytes and at the end, not per chunk: a report (two objects, a map
          // update, a clock read) for every 64 KiB is more than a progress bar that redraws a few
          // times a second needs (issue 14).
          if (o.onBlobProgress && (sent - reported >= PROGRESS_STEP || sent === desc.size)) {
            reported = sent;
            o.onBlobProgress({ digest: desc.digest, bytes: sent, total: desc.size });
          }
          cb(null, c);
        },
      });
      pipeline([await source, ...stages, counter], () => {});
      return counter;
    };
    let r: Awaited<ReturnType<Store['blobPut']>>;
    try {
      r = await dst.store.blobPut(dst.repository, desc, open, from ? { mountFrom: from } : {});
    } finally {
      // The upload never asked for the bytes (its session failed to open): close the source GET.
      early?.then(
        (s) => s.destroy(),
        () => {},
      );
    }
    stats.retries += r.retries;
    this.#remember(dst, desc.digest);
    if (r.via === 'mounted') return 'mounted' as const;
    stats.bytes += desc.size;
    return 'copied' as const;
  }
}

export interface ArtifactCopy {
  /** Digest written at the destination (differs from the source only with a platform subset). */
  digest: Digest;
  note?: string;
}

/** Copies the artifact `digest` from `src` and tags it `tag` at `dst` (no tag: by digest only). */
export async function copyArtifact(
  mover: BlobMover,
  manifests: LimitFunction,
  src: Side,
  dst: Side,
  digest: Digest,
  tag: string | undefined,
  stats: CopyStats,
  o: CopyOptions,
): Promise<ArtifactCopy> {
  const m = await mustGet(src, digest);
  let bytes = m.bytes;
  let note: string | undefined;
  let refill: () => Promise<unknown>;
  if (m.parsed.kind === 'index') {
    let children = m.parsed.manifests;
    const subset = platformSubset(m, o.platforms);
    if (subset) {
      ({ children, bytes } = subset);
      note = subsetNote(sha256(bytes), digest, subsetPlatforms(children));
    }
    // Every child the destination lacks is read before any is written: a blob over the limit in
    // one platform fails the image before a byte of any platform moves.
    const missing = await Promise.all(
      children.map((c) => manifests(() => missingChild(mover, src, dst, c, false, o.freshDestination ?? false))),
    );
    checkBlobSizes(
      src,
      digest,
      missing.flatMap((c) => (c ? manifestsIn(c) : [])),
      o.maxBlobSize,
    );
    await allWritten(missing.map((c) => c && manifests(() => writeChild(mover, src, dst, c, stats, o))));
    refill = () => restoreChildren(mover, manifests, src, dst, children, stats, o);
  } else {
    const parsed = m.parsed;
    checkBlobSizes(src, digest, [parsed], o.maxBlobSize);
    await copyBlobs(mover, src, dst, parsed, stats, o);
    refill = () => resendBlobs(mover, src, dst, parsed, stats, o);
  }
  // Referrers are asked for before the tag is written, and copied before it: a referrer that fails
  // must leave the tag unwritten, or the next run finds the tag, plans it unchanged and never
  // copies the referrer (the default looks for referrers only when it writes the tag).
  const referrers = o.referrers ? await findReferrers(src, dst, digest, o) : undefined;
  // The artifact by digest before its referrers, so each referrer's `subject` exists when it is
  // pushed (RELIABILITY C6). A tagged one only when a referrer is written: a copy without one
  // costs no extra PUT. A platform subset has a digest no referrer names.
  const byDigest = !tag || (referrers?.missing.length && !subsetOf(bytes, m));
  const subject = o.referrersFallback ? m.parsed.subject?.digest : undefined;
  const fallback = subject
    ? { referrersFallback: { listed: o.destinationFallbackTags?.has(referrersTag(subject)) ?? false } }
    : undefined;
  let written = byDigest ? await putManifest(dst, digest, bytes, m.mediaType, stats, refill, fallback) : digest;
  if (referrers) await copyReferrers(mover, manifests, src, dst, referrers, stats, o);
  if (tag) {
    if (o.keepExisting) {
      // As close to the write as the protocol allows (a manifest PUT has no condition): a tag
      // pushed while this copy's blobs moved is someone's image, and override is off.
      const now = await dst.store.manifestHead(dst.repository, tag);
      // The same bytes written by another run (a shard, an event) are no one else's image.
      if (now && now.digest !== (subsetOf(bytes, m) ? sha256(bytes) : digest)) throw new TagAppeared(tag, now.digest);
    }
    written = await putManifest(dst, tag, bytes, m.mediaType, stats, refill);
    // Confirm what the tag now points at, even after a PUT answered with the right digest: a
    // registry may accept a push and not keep it (containers/image#1420; RELIABILITY.md C6).
    const head = await dst.store.manifestHead(dst.repository, tag);
    if (!head || head.digest !== written)
      throw new RegistryError({
        kind: 'digest-mismatch',
        registry: dst.store.display,
        repository: dst.repository,
        // The operation picks the hint: the tag was written, unlike other mismatches' "nothing was".
        operation: TAG_CHECK,
        // Absent: the HEAD (or its GET) answered 404, which the hint tells apart from another digest.
        ...(head ? {} : { status: 404 }),
        detail: `tag ${tag} points at ${head?.digest ?? 'nothing'} after writing ${written}`,
      });
  }
  return { digest: written, ...(note ? { note } : {}) };
}

async function mustGet(side: Side, digest: Digest): Promise<Manifest> {
  const m = await side.store.manifestGet(side.repository, digest);
  if (!m)
    throw new RegistryError({
      kind: 'not-found',
      registry: side.store.display,
      repository: side.repository,
      operation: 'fetching manifest of',
      detail: `manifest ${digest} disappeared from the source`,
    });
  return m;
}

/** A child manifest the destination lacks; `manifest` absent: this run is writing it already. */
interface MissingChild {
  desc: Descriptor;
  manifest?: Manifest;
  /** Its own missing children (a nested index), written before it. */
  children: MissingChild[];
}

/**
 * What of child `desc` must be written: undefined when the destination has it. A child this run
 * is writing (or wrote) is not asked about, only waited for; `recheck` asks the destination anyway.
 */
async function missingChild(
  mover: BlobMover,
  src: Side,
  dst: Side,
  desc: Descriptor,
  recheck = false,
  fresh = false,
): Promise<MissingChild | undefined> {
  if (!recheck && mover.hasManifest(dst, desc.digest)) return { desc, children: [] };
  // A repository with no tags before this run is not asked about each child, as for its blobs
  // (one left by an earlier failed run is written again: the PUT is idempotent).
  if ((recheck || !fresh) && (await dst.store.manifestHead(dst.repository, desc.digest))) return undefined;
  const manifest = await mustGet(src, desc.digest);
  const children: MissingChild[] = [];
  if (manifest.parsed.kind === 'index')
    for (const c of manifest.parsed.manifests) {
      const missing = await missingChild(mover, src, dst, c, false, fresh);
      if (missing) children.push(missing);
    }
  return { desc, manifest, children };
}

function manifestsIn(c: MissingChild): ParsedManifest[] {
  return [...(c.manifest ? [c.manifest.parsed] : []), ...c.children.flatMap(manifestsIn)];
}

/**
 * Writes a missing child by digest, after its blobs (or its own children), once per destination
 * repository and run. `again`: written even though this run wrote it before.
 */
function writeChild(
  mover: BlobMover,
  src: Side,
  dst: Side,
  child: MissingChild,
  stats: CopyStats,
  o: CopyOptions,
  again = false,
): Promise<void> {
  const write = async () => {
    // Planned while another copy was writing it, and that write failed: this copy reads it now.
    const c = child.manifest ? child : await missingChild(mover, src, dst, child.desc, true);
    if (!c?.manifest) return;
    if (!child.manifest) checkBlobSizes(src, c.desc.digest, manifestsIn(c), o.maxBlobSize);
    for (const g of c.children) await writeChild(mover, src, dst, g, stats, o);
    const parsed = c.manifest.parsed;
    let refill: () => Promise<void>;
    if (parsed.kind === 'index') {
      refill = async () => {
        for (const g of parsed.manifests) await restoreChild(mover, src, dst, g, stats, o);
      };
    } else {
      await copyBlobs(mover, src, dst, parsed, stats, o);
      refill = () => resendBlobs(mover, src, dst, parsed, stats, o);
    }
    await putManifest(dst, c.desc.digest, c.manifest.bytes, c.manifest.mediaType, stats, refill);
  };
  return mover.manifestOnce(dst, child.desc.digest, write, again);
}

/** Writes child `desc` again if the destination does not have it now. */
async function restoreChild(
  mover: BlobMover,
  src: Side,
  dst: Side,
  desc: Descriptor,
  stats: CopyStats,
  o: CopyOptions,
) {
  const missing = await missingChild(mover, src, dst, desc, true);
  if (!missing) return;
  checkBlobSizes(src, desc.digest, manifestsIn(missing), o.maxBlobSize);
  await writeChild(mover, src, dst, missing, stats, o, true);
}

function restoreChildren(
  mover: BlobMover,
  manifests: LimitFunction,
  src: Side,
  dst: Side,
  children: Descriptor[],
  stats: CopyStats,
  o: CopyOptions,
): Promise<unknown> {
  return allWritten(children.map((c) => manifests(() => restoreChild(mover, src, dst, c, stats, o))));
}

async function resendBlobs(
  mover: BlobMover,
  src: Side,
  dst: Side,
  m: ParsedManifest,
  stats: CopyStats,
  o: CopyOptions,
) {
  await allWritten(copiedBlobs(m).map((b) => mover.resend(src, dst, b, stats, o)));
}

/**
 * Registry answers to a manifest PUT that name a child or blob as unknown. Distribution 2.8
 * rewrites a link file in place (truncate, then write), so a PUT that checks a child while
 * another client writes that child's link reads it empty and answers 400 MANIFEST_BLOB_UNKNOWN.
 */
const UNKNOWN_REFERENCE = new Set(['MANIFEST_BLOB_UNKNOWN', 'MANIFEST_UNKNOWN', 'BLOB_UNKNOWN']);

/**
 * Retries of a manifest PUT answered "unknown child or blob". Two runs writing one index into one
 * repository can hit the registry's link rewrite twice in a row (1 in 320 copies on a loaded
 * 2-core machine with a single retry); a short pause lets the other run's write finish.
 */
const UNKNOWN_REFERENCE_RETRIES = 3;
const UNKNOWN_REFERENCE_PAUSE_MS = 100;

/**
 * PUTs a manifest whose children or blobs were just written. When the registry answers that one
 * of them is unknown, `refill` checks them and writes what is missing, and the PUT is tried again,
 * at most UNKNOWN_REFERENCE_RETRIES times.
 */
async function putManifest(
  dst: Side,
  reference: string,
  bytes: Buffer,
  mediaType: string,
  stats: CopyStats,
  refill: () => Promise<unknown>,
  opts?: { referrersFallback: FallbackAdd },
): Promise<Digest> {
  for (let retry = 0; ; retry++) {
    try {
      return await (opts
        ? dst.store.manifestPut(dst.repository, reference, bytes, mediaType, opts)
        : dst.store.manifestPut(dst.repository, reference, bytes, mediaType));
    } catch (e) {
      const unknown = e instanceof RegistryError && e.status === 400 && e.codes.some((c) => UNKNOWN_REFERENCE.has(c));
      if (!unknown || retry >= UNKNOWN_REFERENCE_RETRIES) throw e;
      stats.retries++;
      if (retry > 0) await delay(UNKNOWN_REFERENCE_PAUSE_MS * retry);
      await refill();
    }
  }
}

/** Blobs a manifest needs copied: non-distributable layers stay where they are (RELIABILITY B4). */
const copiedBlobs = (m: ParsedManifest) => blobsOf(m).filter((b) => !isNondistributable(b.mediaType));

async function copyBlobs(mover: BlobMover, src: Side, dst: Side, m: ParsedManifest, stats: CopyStats, o: CopyOptions) {
  await allWritten(copiedBlobs(m).map((b) => mover.ensure(src, dst, b, stats, o)));
}

/**
 * Refuses an artifact with a blob declared larger than `limit`, before any transfer: a manifest
 * that declares 10^15 bytes would otherwise be streamed into the destination until its disk fills.
 * The one place the default limit is applied (a rule without `max_blob_size` passes undefined).
 */
function checkBlobSizes(
  src: Side,
  artifact: Digest,
  manifests: ParsedManifest[],
  limit: number = DEFAULT_MAX_BLOB_SIZE,
): void {
  for (const m of manifests)
    for (const b of copiedBlobs(m)) {
      if (b.size <= limit) continue;
      const gib = Math.ceil(b.size / 1024 ** 3);
      throw new RegistryError({
        kind: 'too-large',
        registry: src.store.display,
        repository: src.repository,
        operation: 'checking blob sizes of',
        detail: `blob ${b.digest} of ${artifact} declares ${b.size} bytes (${humanBytes(b.size)}), above the limit of ${limit} bytes (${humanBytes(limit)})`,
        hint: `if the blob is real, raise max_blob_size on the rule (for example max_blob_size: ${gib}GiB); a size far beyond any real layer means the manifest is corrupt or hostile`,
      });
    }
}

/** The platforms a subset index keeps, as a row names them (`linux/amd64, linux/arm64/v8`). */
export function subsetPlatforms(children: readonly Descriptor[]): string {
  return children.map((c) => platformString(c.platform)).join(', ');
}

/** What a row says of a platform subset: the index written, and the source's it was made from. */
export function subsetNote(index: string, source: string, platforms?: string): string {
  return `platform subset${platforms ? ` (${platforms})` : ''}: new index ${index}, the source index is ${source}`;
}

/** The written bytes are not the source's: a platform subset, whose digest no referrer names. */
const subsetOf = (bytes: Buffer, m: Manifest) => bytes !== m.bytes;

/**
 * Referrers of one subject checked or copied at once. Their blobs are bounded by the run's blob
 * concurrency already; this bounds the manifest requests of an image with hundreds of signatures.
 */
const REFERRERS_AT_ONCE = 8;

/** Referrers of a subject at the source, and those the destination lacks. */
export interface Referrers {
  missing: Descriptor[];
  fallbackTag?: string;
}

/**
 * Asks the source for the referrers of `subject` and the destination for each of them: the one
 * answer to "which referrers does the destination lack", for a copy and for `referrers: always`.
 */
export async function findReferrers(
  src: Side,
  dst: Side,
  subject: Digest,
  o: Pick<CopyOptions, 'sourceTags' | 'destinationFallbackTags'>,
  /** HEADs at once; the gatherer, already asking for many tags at once, asks one at a time. */
  atOnce = REFERRERS_AT_ONCE,
): Promise<Referrers> {
  const { descriptors, fallbackTag } = await src.store.referrers(
    src.repository,
    subject,
    o.sourceTags ? { tags: o.sourceTags } : {},
  );
  if (descriptors.length === 0) return { missing: [] };
  // Missing is what the destination does not list as a referrer, not what it lacks by digest: a
  // signature written there whose fallback index update failed is found by digest and by no
  // lookup (cosign's, the referrers API's); written again, it joins the index. One request at
  // most, where a HEAD per referrer asked more.
  const listed = await dst.store
    .referrers(dst.repository, subject, o.destinationFallbackTags ? { tags: o.destinationFallbackTags } : {})
    .catch(() => undefined);
  // A destination that cannot list them (a proxy refusing the endpoint, a rate-limited redirect):
  // what it holds by digest, as before the listing was asked.
  const there = listed ? new Set(listed.descriptors.map((d) => d.digest)) : await headsOf(dst, descriptors, atOnce);
  const missing = descriptors.filter((d) => !there.has(d.digest));
  return { missing, ...(fallbackTag ? { fallbackTag } : {}) };
}

/** The digests of `descriptors` the destination has, a HEAD each (`atOnce` at a time). */
async function headsOf(dst: Side, descriptors: Descriptor[], atOnce: number): Promise<Set<string>> {
  const limit = pLimit(atOnce);
  const present = await Promise.all(
    descriptors.map((d) => limit(() => dst.store.manifestHead(dst.repository, d.digest))),
  );
  return new Set(descriptors.filter((_, i) => present[i]).map((d) => d.digest));
}

/**
 * Referrers (signatures, SBOMs) after their subject and before its tag; the tag-schema fallback
 * index is copied as it is. A failure here fails the subject's copy, so its tag is not written.
 * The fallback tag has one owner per run: the source's, copied as it is (here, or by its own
 * planned item); without one (a source with the referrers API), each referrer written adds itself
 * to the destination's fallback index where the destination has no referrers API (E3).
 */
async function copyReferrers(
  mover: BlobMover,
  manifests: LimitFunction,
  src: Side,
  dst: Side,
  { missing, fallbackTag }: Referrers,
  stats: CopyStats,
  o: CopyOptions,
): Promise<void> {
  // A fallback tag the plan decides on as a tag of its own (copy, update, kept) is never written here.
  const planned = fallbackTag !== undefined && (o.plannedTags?.has(fallbackTag) ?? false);
  const srcFallback = fallbackTag && !planned ? await src.store.manifestHead(src.repository, fallbackTag) : undefined;
  // A fallback tag the source lists, whatever becomes of it in this run (copied here, planned as
  // its own item, or unreadable and left undecided), owns the destination's: only where the source
  // has none do referrers add themselves to the destination's index.
  const listed = fallbackTag !== undefined && (o.sourceTags?.has(fallbackTag) ?? false);
  const referrersFallback = !planned && !listed && !srcFallback;
  // Several at once: referrers written together also join one update of the fallback index.
  const limit = pLimit(REFERRERS_AT_ONCE);
  await allWritten(
    missing.map((d) =>
      limit(() =>
        copyArtifact(mover, manifests, src, dst, d.digest, undefined, stats, {
          ...o,
          platforms: [],
          referrersFallback,
        }),
      ),
    ),
  );
  if (fallbackTag && srcFallback) {
    const dstFallback = await dst.store.manifestHead(dst.repository, fallbackTag);
    if (dstFallback?.digest !== srcFallback.digest) {
      const f = await mustGet(src, srcFallback.digest);
      await dst.store.manifestPut(dst.repository, fallbackTag, f.bytes, f.mediaType);
    }
  }
}

/** An index with none of a `platforms:` rule's platforms: nothing of it is the rule's to copy. */
export class NoPlatformError extends Error {}

/**
 * The index a `platforms:` rule writes for source index `m`: only those platforms (entries without
 * a platform, such as attestations, stay). Undefined when nothing is left out, so the bytes stay
 * the source's. Throws NoPlatformError when none of the platforms is present.
 */
export function platformSubset(
  m: Manifest,
  platforms: string[],
): { children: Descriptor[]; bytes: Buffer } | undefined {
  if (m.parsed.kind !== 'index' || platforms.length === 0) return undefined;
  const children = m.parsed.manifests.filter(
    (c) =>
      !c.platform ||
      platforms.includes(platformString(c.platform)) ||
      platforms.includes(`${c.platform.os}/${c.platform.architecture}`),
  );
  if (children.length === 0)
    throw new NoPlatformError(
      `the index has none of the platforms the rule copies (${platforms.join(', ')}; it has ${m.parsed.manifests
        .map((c) => (c.platform ? platformString(c.platform) : 'no platform'))
        .join(', ')})`,
    );
  if (children.length === m.parsed.manifests.length) return undefined;
  return { children, bytes: subsetIndex(m.bytes, children) };
}

/** A new index holding only `children`, keeping every other field of the source document. */
function subsetIndex(bytes: Buffer, children: Descriptor[]): Buffer {
  const doc = JSON.parse(bytes.toString('utf8')) as { manifests: { digest: string }[] };
  const keep = new Set<string>(children.map((c) => c.digest));
  doc.manifests = doc.manifests.filter((m) => keep.has(m.digest));
  return Buffer.from(JSON.stringify(doc));
}
