/**
 * Source manifests read while gathering facts (platform subsets, the labels and resource
 * filters) are handed to the copier instead of being fetched twice. The cache holds manifests by
 * digest within a byte budget, and an entry is released once its tag is done, so memory does not
 * grow with the number of tags: past the budget a manifest is simply fetched again.
 */
import type { Store } from '../providers/store.js';
import type { Manifest } from '../registry/client.js';

/** Bytes of manifests held at once (about 16,000 typical manifests). */
export const MANIFEST_CACHE_BYTES = 32 * 1024 * 1024;

export class ManifestCache {
  readonly #entries = new Map<string, Promise<Manifest | undefined>>();
  readonly #sizes = new Map<string, number>();
  #bytes = 0;
  readonly #budget: number;

  constructor(budget = MANIFEST_CACHE_BYTES) {
    this.#budget = budget;
  }

  /** The store, with manifests by digest read through this cache. */
  wrap(store: Store): Store {
    return new Proxy(store, {
      get: (target, prop) => {
        if (prop === 'manifestGet')
          return (repository: string, reference: string) => this.get(target, repository, reference);
        const v = Reflect.get(target, prop);
        return typeof v === 'function' ? v.bind(target) : v;
      },
    });
  }

  get(store: Store, repository: string, reference: string): Promise<Manifest | undefined> {
    if (!reference.includes(':')) return store.manifestGet(repository, reference); // a tag can move
    const key = `${repository}@${reference}`;
    const hit = this.#entries.get(key);
    if (hit) return hit;
    const p = store.manifestGet(repository, reference);
    if (this.#bytes >= this.#budget) return p;
    this.#entries.set(key, p);
    p.then(
      (m) => {
        if (!this.#entries.has(key)) return;
        const size = m?.bytes.length ?? 0;
        this.#sizes.set(key, size);
        this.#bytes += size;
      },
      () => this.release(repository, reference),
    );
    return p;
  }

  /** Keeps a manifest read some other way (by tag) under its digest, within the budget. */
  put(repository: string, digest: string, m: Manifest): void {
    const key = `${repository}@${digest}`;
    if (this.#entries.has(key) || this.#bytes >= this.#budget) return;
    this.#entries.set(key, Promise.resolve(m));
    this.#sizes.set(key, m.bytes.length);
    this.#bytes += m.bytes.length;
  }

  /** Forgets a manifest once the work that needed it is done. */
  release(repository: string, digest: string): void {
    const key = `${repository}@${digest}`;
    this.#entries.delete(key);
    this.#bytes -= this.#sizes.get(key) ?? 0;
    this.#sizes.delete(key);
  }
}
