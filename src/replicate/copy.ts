/**
 * Copies one artifact graph from a source store to a destination store:
 * blobs (skip present, mount within a registry, else stream with verification), then child
 * manifests by digest, then the tagged manifest; referrers after their subject.
 * Manifest bytes are copied exactly; a tag is written only after everything it points to.
 */
import { pipeline, type Readable, Transform } from 'node:stream';
import type { LimitFunction } from 'p-limit';
import { type Digest, sha256 } from '../oci/digest.js';
import { type Descriptor, type ParsedManifest, blobsOf, platformString } from '../oci/manifest.js';
import type { Manifest } from '../registry/client.js';
import { RegistryError } from '../registry/errors.js';
import type { Store } from '../providers/store.js';
import type { Bandwidth } from './bandwidth.js';

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
}

/**
 * Moves blobs once per destination repository: concurrent requests for the same blob share one
 * transfer, and a blob known in another repository of the same registry is mounted.
 */
export class BlobMover {
  readonly #inflight = new Map<string, Promise<'copied' | 'mounted' | 'present'>>();
  /** mountDomain → digest → repositories known to hold it. */
  readonly #known = new Map<string, Map<string, Set<string>>>();
  readonly #limit: LimitFunction;

  constructor(limit: LimitFunction) {
    this.#limit = limit;
  }

  async ensure(src: Side, dst: Side, desc: Descriptor, stats: CopyStats, o: CopyOptions): Promise<void> {
    const key = `${dst.store.mountDomain ?? dst.store.name}|${dst.repository}|${desc.digest}`;
    let p = this.#inflight.get(key);
    const mine = !p;
    if (!p) {
      p = this.#limit(() => this.#transfer(src, dst, desc, stats, o));
      this.#inflight.set(key, p);
      p.catch(() => this.#inflight.delete(key));
    }
    const how = await p;
    if (!mine) stats.present++;
    else if (how === 'present') stats.present++;
    else if (how === 'mounted') stats.mounted++;
    else stats.copied++;
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
    // Same registry, another repository: ask for a mount (source repo on the same registry counts too).
    const from =
      [...(holders ?? [])].find((r) => r !== dst.repository) ??
      (src.store.mountDomain && src.store.mountDomain === domain && src.repository !== dst.repository
        ? src.repository
        : undefined);
    if (from && (await dst.store.blobMount(dst.repository, desc.digest, from).catch(() => false))) {
      this.#remember(dst, desc.digest);
      return 'mounted' as const;
    }
    let sent = 0;
    const onRetry = () => stats.retries++;
    // The source GET starts while the destination opens its upload session: one round trip less
    // per blob. Only the first attempt uses it; a retry opens the source again.
    let early: Promise<Readable> | undefined = src.store.blobGet(src.repository, desc, { onRetry });
    early.catch(() => {}); // handled when awaited below; never an unhandled rejection
    const open = async (): Promise<Readable> => {
      sent = 0;
      const source = early ?? src.store.blobGet(src.repository, desc, { onRetry });
      early = undefined;
      // Fixed: a 'data' listener here switched the stream to flowing mode before the uploader
      // read it, so bytes were lost (undici then sent Content-Length 0 → DIGEST_INVALID), and
      // `.pipe()` into the bandwidth stream dropped the source's errors (a digest mismatch hung
      // the upload). Progress is counted in a Transform, and pipeline() carries errors through.
      const stages: NodeJS.ReadWriteStream[] = [];
      if (o.bandwidth) stages.push(o.bandwidth.stream());
      const counter = new Transform({
        transform(c: Buffer, _e, cb) {
          sent += c.length;
          o.onBlobProgress?.({ digest: desc.digest, bytes: sent, total: desc.size });
          cb(null, c);
        },
      });
      pipeline([await source, ...stages, counter], () => {});
      return counter;
    };
    let r: Awaited<ReturnType<Store['blobPut']>>;
    try {
      r = await dst.store.blobPut(dst.repository, desc, open);
    } finally {
      // The upload never asked for the bytes (its session failed to open): close the source GET.
      early?.then(
        (s) => s.destroy(),
        () => {},
      );
    }
    stats.retries += r.retries;
    stats.bytes += desc.size;
    this.#remember(dst, desc.digest);
    return r.via === 'mounted' ? ('mounted' as const) : ('copied' as const);
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
  if (m.parsed.kind === 'index') {
    let children = m.parsed.manifests;
    const subset = platformSubset(m, o.platforms);
    if (subset) {
      ({ children, bytes } = subset);
      note = `platform subset (${children.map((c) => platformString(c.platform)).join(', ')}): new index ${sha256(bytes)}, the source index is ${digest}`;
    }
    await Promise.all(children.map((c) => manifests(() => copyChild(mover, src, dst, c, stats, o))));
  } else {
    await copyBlobs(mover, src, dst, m.parsed, stats, o);
  }
  const written = await dst.store.manifestPut(dst.repository, tag ?? digest, bytes, m.mediaType);
  if (tag) {
    // Confirm what the tag now points at (a registry may accept and store something else).
    const head = await dst.store.manifestHead(dst.repository, tag);
    if (!head || head.digest !== written)
      throw new RegistryError({
        kind: 'digest-mismatch',
        registry: dst.store.display,
        repository: dst.repository,
        operation: 'verifying tag',
        detail: `tag ${tag} points at ${head?.digest ?? 'nothing'} after writing ${written}`,
      });
  }
  if (o.referrers) await copyReferrers(mover, manifests, src, dst, digest, stats, o);
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

/** A platform manifest of an index: written by digest, skipped when the destination has it. */
async function copyChild(
  mover: BlobMover,
  src: Side,
  dst: Side,
  desc: Descriptor,
  stats: CopyStats,
  o: CopyOptions,
): Promise<void> {
  if (await dst.store.manifestHead(dst.repository, desc.digest)) return;
  const m = await mustGet(src, desc.digest);
  if (m.parsed.kind === 'index') {
    for (const c of m.parsed.manifests) await copyChild(mover, src, dst, c, stats, o);
  } else {
    await copyBlobs(mover, src, dst, m.parsed, stats, o);
  }
  await dst.store.manifestPut(dst.repository, desc.digest, m.bytes, m.mediaType);
}

async function copyBlobs(mover: BlobMover, src: Side, dst: Side, m: ParsedManifest, stats: CopyStats, o: CopyOptions) {
  const blobs = blobsOf(m).filter((b) => !b.urls?.length); // foreign layers stay where they are (RELIABILITY B4)
  await Promise.all(blobs.map((b) => mover.ensure(src, dst, b, stats, o)));
}

/** Referrers (signatures, SBOMs) after their subject; the tag-schema fallback index is copied as it is. */
async function copyReferrers(
  mover: BlobMover,
  manifests: LimitFunction,
  src: Side,
  dst: Side,
  subject: Digest,
  stats: CopyStats,
  o: CopyOptions,
): Promise<void> {
  const { descriptors, fallbackTag } = await src.store.referrers(
    src.repository,
    subject,
    o.sourceTags ? { tags: o.sourceTags } : {},
  );
  if (descriptors.length === 0) return;
  for (const d of descriptors) {
    if (await dst.store.manifestHead(dst.repository, d.digest)) continue;
    await copyArtifact(mover, manifests, src, dst, d.digest, undefined, stats, { ...o, platforms: [] });
  }
  if (fallbackTag) {
    const srcFallback = await src.store.manifestHead(src.repository, fallbackTag);
    if (srcFallback) {
      const dstFallback = await dst.store.manifestHead(dst.repository, fallbackTag);
      if (dstFallback?.digest !== srcFallback.digest) {
        const f = await mustGet(src, srcFallback.digest);
        await dst.store.manifestPut(dst.repository, fallbackTag, f.bytes, f.mediaType);
      }
    }
  }
}

/**
 * The index a `platforms:` rule writes for source index `m`: only those platforms (entries without
 * a platform, such as attestations, stay). Undefined when nothing is left out, so the bytes stay
 * the source's. Throws when none of the platforms is present.
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
  if (children.length === 0) throw new Error(`none of the platforms ${platforms.join(', ')} is in ${m.digest}`);
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
