/**
 * One interface for every place images live: an HTTP registry of any kind, or a local OCI
 * image layout. The engine talks only to this; what differs per registry kind lives behind it.
 */
import type { Readable } from 'node:stream';
import type { Digest } from '../oci/digest.js';
import type { Descriptor } from '../oci/manifest.js';
import type { FallbackAdd } from '../oci/referrers.js';
import type { Manifest, ManifestHead, UploadResult } from '../registry/client.js';
import type { TagInfo } from '../rules/filter.js';

/** A registry's pull quota as its last answer reported it (Docker Hub `ratelimit-*` headers). */
export interface RateLimitInfo {
  limit: number;
  remaining: number;
  /** Window length in seconds (`w=21600`). */
  windowSeconds?: number;
  /** `docker-ratelimit-source`: the IP or account the quota is counted against. */
  source?: string;
  /** Requests ferry stops before: counted requests are deferred once `remaining` reaches it. */
  reserve: number;
  /** When these numbers were read. */
  observedAt: string;
}

/**
 * How prepareDestination is asked. `dryRun`: a plan's check, read-only, which a store may remember
 * (an archive a plan would write). `check`: a run's same read-only check while it lists, so the
 * run finds what the plan found (a missing project) where the plan found it; nothing created yet.
 * Neither: prepare for the write (create the project where allowed).
 */
export interface DestinationCheck {
  dryRun?: boolean;
  check?: boolean;
}

export interface Store {
  /** The registry's name in replication.yaml. */
  readonly name: string;
  /** How references to it are shown (`harbor.example.com`, `oci:./backup`). */
  readonly display: string;
  /** Stores on one registry can mount blobs between repositories (same value = same registry). */
  readonly mountDomain?: string;
  /**
   * The repositories are the rules file's `repositories:`, not a catalog: one that lists no tags is
   * most likely a misspelt name (a registry answers the same for a repository that does not exist).
   */
  readonly configuredRepositories?: boolean;
  /** True when a tag can be deleted without deleting other tags of the same digest. */
  readonly deletesByTag: boolean;
  /** Destination paths must be exactly `namespace/name` (Docker Hub). */
  readonly requireTwoComponents?: boolean;

  /** Problems with the configuration worth showing before a run (unreachable endpoints...). */
  readonly warnings?: readonly string[];

  listRepositories(): Promise<string[]>;
  /**
   * Of `names`, those `listRepositories` would list, asking the registry as little as it allows: a
   * push event names its repositories, and one pushed tag should not list a whole Harbor. What the
   * rules file scopes the listing to (`repositories:`, Harbor's `projects:`, GHCR's owner, Docker
   * Hub's namespace) applies alike; a name the registry does not hold may be returned, and its tag
   * list then shows nothing. Absent: the listing is read whole.
   */
  listRepositoriesNamed?(names: readonly string[]): Promise<string[]>;
  listTags(repository: string): Promise<string[]>;
  /**
   * Tags with what the provider knows about them (Harbor labels, digests, push times), so label
   * filters work on providers with labels. Absent when the provider knows only tag names.
   * A `digest` is exactly what a manifest HEAD by that tag returns (an index's digest for a
   * multi-arch tag), so the engine can skip that HEAD; it is left out when the vendor's listing
   * does not guarantee it. Harbor gives it (its artifact's `digest`), GHCR too (a container package
   * version's `name`, ghcr.ts); Docker Hub's published tag schema has only per-platform `images.digest`.
   */
  listTagDetails?(repository: string): Promise<TagInfo[]>;
  /**
   * `listTagDetails` gives every tag's labels (Harbor), so label filters are decided from the
   * listing; otherwise from the manifest's annotations.
   */
  readonly listsLabels?: boolean;
  /** The pull quota last reported by the registry; undefined when it reports none. */
  rateLimit?(): RateLimitInfo | undefined;
  manifestHead(repository: string, reference: string): Promise<ManifestHead | undefined>;
  manifestGet(repository: string, reference: string): Promise<Manifest | undefined>;
  /**
   * Writes the exact bytes under a tag or their digest; returns the digest. `referrersFallback`:
   * a manifest with a subject that the store does not index as a referrer itself (a registry
   * without the referrers API) is also added to the subject's `sha256-<hex>` fallback index
   * (`listed`: the store listed that index's tag when the run was planned).
   */
  manifestPut(
    repository: string,
    reference: string,
    bytes: Buffer,
    mediaType: string,
    opts?: { referrersFallback?: FallbackAdd },
  ): Promise<Digest>;
  blobHead(repository: string, digest: Digest): Promise<boolean>;
  /** A stream of the blob's bytes that errors if they do not match the descriptor. */
  blobGet(
    repository: string,
    desc: Pick<Descriptor, 'digest' | 'size'>,
    /** Called once per retried request or resumed download, for the result's retry count. */
    opts?: { onRetry?: () => void },
  ): Promise<Readable>;
  /**
   * Stores a blob read from `open()` (called again for a retry). With `mountFrom`, a registry first
   * tries to mount it from that repository, in the same request that opens the upload: a declined
   * mount costs nothing, and `via: 'mounted'` says when no byte had to move.
   */
  blobPut(
    repository: string,
    desc: Pick<Descriptor, 'digest' | 'size'>,
    open: () => Promise<Readable>,
    opts?: { mountFrom?: string },
  ): Promise<UploadResult>;
  /** Manifests whose subject is `digest` (referrers API or its tag fallback). */
  referrers(
    repository: string,
    digest: Digest,
    /** The repository's tags when already listed: a missing fallback tag then needs no request. */
    opts?: { tags?: ReadonlySet<string> },
  ): Promise<{ descriptors: Descriptor[]; fallbackTag?: string }>;
  /**
   * Removes one tag (by tag where possible, otherwise by digest — the engine guards shared digests).
   * `alongWith`: the other tags of this digest the plan deletes too; a store that can see the tags a
   * digest carries (GHCR's package versions) refuses when it carries any other.
   */
  deleteTag(
    repository: string,
    tag: string,
    digest: Digest,
    o?: { alongWith?: ReadonlySet<string> },
  ): Promise<'tag' | 'digest'>;
  /**
   * Deletion goes through a vendor API apart from the registry (Docker Hub, GHCR), which may serve
   * the tag a while longer: a tag still served right after its deletion is not a failure there.
   */
  readonly deletionLags?: boolean;
  /** Checks the destination can receive `repository` (namespace/project exists...); throws with a hint. */
  prepareDestination?(repository: string, opts?: DestinationCheck): Promise<void>;
  /** Requests made so far, by method (for the report and benchmark). */
  requestCounts(): Record<string, number>;
  close(): Promise<void>;
}

/**
 * A store found, at the moment of deleting, that the tag no longer names the digest planned (another
 * writer moved it): nothing was deleted, as when the engine's own check finds it moved.
 */
export class TagMovedError extends Error {
  override name = 'TagMovedError';
  // Plain fields, no parameter properties: the layout store runs type-stripped in other processes
  // (test/integration/oci-layout-lock.test.ts), which parameter properties are not.
  readonly tag: string;
  readonly digest: string;
  constructor(tag: string, digest: string) {
    super(`tag ${tag} was moved to ${digest} by another writer while ferry deleted it`);
    this.tag = tag;
    this.digest = digest;
  }
}
