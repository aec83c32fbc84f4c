/**
 * An in-memory Store that records every call, for unit tests of the copy engine. No I/O and no
 * timers: concurrent copies interleave the same way on every run. `hooks` replace or damage
 * chosen calls; `calls` says what ferry asked for, in order.
 */
import { Readable } from 'node:stream';
import { type Digest, sha256 } from '../../src/oci/digest.js';
import type { Descriptor } from '../../src/oci/manifest.js';
import { parseManifest } from '../../src/oci/manifest.js';
import { MediaType } from '../../src/oci/media-types.js';
import { referrerDescriptor } from '../../src/oci/referrers.js';
import type { Store } from '../../src/providers/store.js';
import type { Manifest, ManifestHead, UploadResult } from '../../src/registry/client.js';
import { RegistryError } from '../../src/registry/errors.js';

export interface Call {
  op: 'manifestHead' | 'manifestGet' | 'manifestPut' | 'blobHead' | 'blobGet' | 'blobPut' | 'blobMount';
  repository: string;
  /** Tag or digest. */
  reference: string;
}

export interface MemoryStoreHooks {
  /** Runs (and is awaited) before a manifest PUT is stored; throw to answer with an error instead. */
  manifestPut?: (repository: string, reference: string, bytes: Buffer) => void | Promise<void>;
  /** Replaces the bytes a blob GET streams (a source that lies about a blob). */
  blobBytes?: (repository: string, digest: string) => Buffer | undefined;
}

export class MemoryStore implements Store {
  readonly name: string;
  readonly display: string;
  readonly deletesByTag = true;
  readonly calls: Call[] = [];
  hooks: MemoryStoreHooks = {};
  /** repository → digest → bytes; a digest not listed is absent. */
  readonly manifests = new Map<string, Map<string, { bytes: Buffer; mediaType: string }>>();
  readonly tags = new Map<string, Map<string, Digest>>();
  readonly blobs = new Map<string, Map<string, Buffer>>();
  /** Bytes each blob PUT read from ferry's stream, in order (what the destination received). */
  readonly received: { digest: string; bytes: number }[] = [];

  constructor(name: string) {
    this.name = name;
    this.display = `memory:${name}`;
  }

  count(op: Call['op'], reference?: string): number {
    return this.calls.filter((c) => c.op === op && (reference === undefined || c.reference === reference)).length;
  }

  // ---- seeding, outside the recorded calls

  putBlob(repository: string, data: Buffer, mediaType = 'application/octet-stream'): Descriptor {
    const digest = sha256(data);
    repo(this.blobs, repository).set(digest, data);
    return { mediaType, digest, size: data.length };
  }

  putManifest(repository: string, doc: object, tag?: string): Descriptor {
    const bytes = Buffer.from(JSON.stringify(doc));
    const mediaType = (doc as { mediaType: string }).mediaType;
    const digest = sha256(bytes);
    repo(this.manifests, repository).set(digest, { bytes, mediaType });
    if (tag) repo(this.tags, repository).set(tag, digest);
    return { mediaType, digest, size: bytes.length };
  }

  /** An image with one config and the given layers (bytes, or a descriptor declared without content). */
  putImage(repository: string, layers: (Buffer | Descriptor)[], opts: { config?: Descriptor; tag?: string } = {}) {
    const config =
      opts.config ??
      this.putBlob(repository, Buffer.from(JSON.stringify({ layers: layers.length })), MediaType.OciConfig);
    const layerDescs = layers.map((l) =>
      Buffer.isBuffer(l) ? this.putBlob(repository, l, 'application/vnd.oci.image.layer.v1.tar') : l,
    );
    return this.putManifest(
      repository,
      { schemaVersion: 2, mediaType: MediaType.OciManifest, config, layers: layerDescs },
      opts.tag,
    );
  }

  putIndex(repository: string, children: Descriptor[], tag?: string): Descriptor {
    return this.putManifest(repository, { schemaVersion: 2, mediaType: MediaType.OciIndex, manifests: children }, tag);
  }

  hasManifest(repository: string, digest: string): boolean {
    return this.manifests.get(repository)?.has(digest) ?? false;
  }

  // ---- Store

  async listRepositories() {
    return [...this.manifests.keys()];
  }
  async listTags(repository: string) {
    return [...(this.tags.get(repository)?.keys() ?? [])];
  }
  async manifestHead(repository: string, reference: string): Promise<ManifestHead | undefined> {
    this.#record('manifestHead', repository, reference);
    const m = this.#resolve(repository, reference);
    return m && { digest: m.digest, mediaType: m.mediaType, size: m.bytes.length };
  }
  async manifestGet(repository: string, reference: string): Promise<Manifest | undefined> {
    this.#record('manifestGet', repository, reference);
    const m = this.#resolve(repository, reference);
    if (!m) return undefined;
    const parsed = parseManifest(m.bytes, m.mediaType);
    return { digest: m.digest, mediaType: m.mediaType, size: m.bytes.length, bytes: m.bytes, parsed };
  }
  async manifestPut(repository: string, reference: string, bytes: Buffer, mediaType: string): Promise<Digest> {
    this.#record('manifestPut', repository, reference);
    await this.hooks.manifestPut?.(repository, reference, bytes);
    const digest = sha256(bytes);
    repo(this.manifests, repository).set(digest, { bytes, mediaType });
    if (!reference.includes(':')) repo(this.tags, repository).set(reference, digest);
    return digest;
  }
  async blobHead(repository: string, digest: Digest) {
    this.#record('blobHead', repository, digest);
    return this.blobs.get(repository)?.has(digest) ?? false;
  }
  async blobGet(repository: string, desc: Pick<Descriptor, 'digest' | 'size'>): Promise<Readable> {
    this.#record('blobGet', repository, desc.digest);
    const data = this.hooks.blobBytes?.(repository, desc.digest) ?? this.blobs.get(repository)?.get(desc.digest);
    if (!data) throw new RegistryError({ kind: 'not-found', registry: this.display, operation: 'fetching blob from' });
    // In 1 KiB pieces, as a network body arrives; no verification, so the copy engine's own checks show.
    const pieces: Buffer[] = [];
    for (let i = 0; i < data.length; i += 1024) pieces.push(data.subarray(i, i + 1024));
    return Readable.from(pieces);
  }
  async blobPut(
    repository: string,
    desc: Pick<Descriptor, 'digest' | 'size'>,
    open: () => Promise<Readable>,
  ): Promise<UploadResult> {
    this.#record('blobPut', repository, desc.digest);
    const entry = { digest: desc.digest, bytes: 0 };
    this.received.push(entry);
    const chunks: Buffer[] = [];
    for await (const c of await open()) {
      chunks.push(c as Buffer);
      entry.bytes += (c as Buffer).length;
    }
    const data = Buffer.concat(chunks);
    if (data.length !== desc.size || sha256(data) !== desc.digest)
      throw new RegistryError({ kind: 'digest-mismatch', registry: this.display, operation: 'uploading blob to' });
    repo(this.blobs, repository).set(desc.digest, data);
    return { via: 'uploaded', retries: 0 };
  }
  async blobMount(repository: string, digest: Digest) {
    this.#record('blobMount', repository, digest);
    return false;
  }
  /** As a registry with the referrers API: every manifest of the repository whose subject is `digest`. */
  async referrers(repository: string, digest: Digest) {
    const descriptors: Descriptor[] = [];
    for (const [d, m] of this.manifests.get(repository) ?? []) {
      const parsed = parseManifest(m.bytes, m.mediaType);
      if (parsed.subject?.digest === digest) descriptors.push(referrerDescriptor(parsed, d as Digest, m.bytes.length));
    }
    return { descriptors };
  }
  async deleteTag(repository: string, tag: string): Promise<'tag'> {
    this.tags.get(repository)?.delete(tag);
    return 'tag';
  }
  requestCounts() {
    const out: Record<string, number> = {};
    for (const c of this.calls) out[c.op] = (out[c.op] ?? 0) + 1;
    return out;
  }
  async close() {}

  #record(op: Call['op'], repository: string, reference: string) {
    this.calls.push({ op, repository, reference });
  }

  #resolve(repository: string, reference: string) {
    const digest = reference.includes(':') ? reference : this.tags.get(repository)?.get(reference);
    const m = digest ? this.manifests.get(repository)?.get(digest) : undefined;
    return m && digest ? { ...m, digest: digest as Digest } : undefined;
  }
}

function repo<V>(map: Map<string, Map<string, V>>, repository: string): Map<string, V> {
  let m = map.get(repository);
  if (!m) map.set(repository, (m = new Map()));
  return m;
}
