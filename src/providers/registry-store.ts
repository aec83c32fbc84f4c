/** A registry speaking the OCI Distribution API (Distribution/registry:2, Zot, Harbor's /v2, ...). */
import type { Readable } from 'node:stream';
import type { Digest } from '../oci/digest.js';
import type { Descriptor } from '../oci/manifest.js';
import { type FallbackAdd, referrersTag } from '../oci/referrers.js';
import type { RegistryClient } from '../registry/client.js';
import type { Store } from './store.js';

export interface RegistryStoreOptions {
  name: string;
  client: RegistryClient;
  /** Explicit repository list; when absent `_catalog` is used. */
  repositories?: string[];
  /** The registry deletes single tags (`DELETE /manifests/<tag>`, distribution v3, ACR). */
  deletesByTag?: boolean;
}

/** Of `names`, those an explicit `repositories:` list holds; all of them without such a list. */
export function within(names: readonly string[], explicit: readonly string[] | undefined): string[] {
  return explicit ? names.filter((n) => explicit.includes(n)) : [...names];
}

export class RegistryStore implements Store {
  readonly name: string;
  readonly display: string;
  readonly mountDomain: string;
  readonly deletesByTag: boolean;
  readonly configuredRepositories: boolean;
  protected readonly client: RegistryClient;
  readonly #repositories?: string[];

  constructor(o: RegistryStoreOptions) {
    this.name = o.name;
    this.client = o.client;
    this.display = o.client.registry;
    this.mountDomain = o.client.transport.base.origin;
    this.deletesByTag = o.deletesByTag ?? false;
    this.#repositories = o.repositories;
    this.configuredRepositories = o.repositories !== undefined;
  }

  async listRepositories(): Promise<string[]> {
    return this.#repositories ? [...this.#repositories] : this.client.catalog();
  }
  /** `_catalog` lists every repository the credentials may read: any name, until its tag list says. */
  async listRepositoriesNamed(names: readonly string[]): Promise<string[]> {
    return within(names, this.#repositories);
  }
  listTags(repository: string) {
    return this.client.tags(repository);
  }
  manifestHead(repository: string, reference: string) {
    return this.client.manifestHead(repository, reference);
  }
  manifestGet(repository: string, reference: string) {
    return this.client.manifestGet(repository, reference);
  }
  manifestPut(
    repository: string,
    reference: string,
    bytes: Buffer,
    mediaType: string,
    opts: { referrersFallback?: FallbackAdd } = {},
  ) {
    return this.client.manifestPut(repository, reference, bytes, mediaType, opts);
  }
  async blobHead(repository: string, digest: Digest) {
    return (await this.client.blobHead(repository, digest)) !== undefined;
  }
  async blobGet(
    repository: string,
    desc: Pick<Descriptor, 'digest' | 'size'>,
    opts: { onRetry?: () => void } = {},
  ): Promise<Readable> {
    return (await this.client.blobGet(repository, desc, opts)).stream;
  }
  blobPut(
    repository: string,
    desc: Pick<Descriptor, 'digest' | 'size'>,
    open: () => Promise<Readable>,
    opts: { mountFrom?: string } = {},
  ) {
    return this.client.blobUpload(repository, desc, open, opts);
  }
  async referrers(repository: string, digest: Digest, opts: { tags?: ReadonlySet<string> } = {}) {
    const fallbackTag = referrersTag(digest);
    // The tags were listed before this run wrote anything: an index written since is there.
    const fallbackTagAbsent =
      opts.tags !== undefined && !opts.tags.has(fallbackTag) && !this.client.wroteFallback(repository, digest);
    return { descriptors: await this.client.referrers(repository, digest, { fallbackTagAbsent }), fallbackTag };
  }
  async deleteTag(repository: string, tag: string, digest: Digest): Promise<'tag' | 'digest'> {
    if (this.deletesByTag) {
      await this.client.manifestDelete(repository, tag);
      return 'tag';
    }
    await this.client.manifestDelete(repository, digest);
    return 'digest';
  }
  requestCounts() {
    return this.client.transport.counts();
  }
  close() {
    return this.client.close();
  }
}
