/**
 * Manifests held for the copier (docs/RELIABILITY.md "Limits and defaults in ferry"): at most
 * MANIFEST_CACHE_BYTES (32 MiB), released as each tag is done; past the budget a manifest is fetched
 * again instead of being kept, so memory does not grow with the number of tags. The cache is the one
 * a rule makes (`new ManifestCache()`, its default budget), read through `wrap` as the copier does.
 */
import { describe, expect, test } from 'vitest';
import type { Descriptor } from '../../../src/oci/manifest.js';
import { MediaType } from '../../../src/oci/media-types.js';
import { MANIFEST_CACHE_BYTES, ManifestCache } from '../../../src/replicate/manifest-cache.js';
import { MemoryStore } from '../../support/memory-store.js';

const MiB = 1024 * 1024;
/** The budget docs/RELIABILITY.md states; the tests below are sized by it, not by the constant. */
const BUDGET = 32 * MiB;
const REPO = 'src/app';

/** An image manifest of exactly `size` bytes (an annotation takes the room), distinct by `name`. */
function putSized(store: MemoryStore, name: string, size: number): Descriptor {
  const doc = (padding: string) => ({
    schemaVersion: 2,
    mediaType: MediaType.OciManifest,
    config: { mediaType: MediaType.OciConfig, digest: `sha256:${'c'.repeat(64)}`, size: 2 },
    layers: [],
    annotations: { 'org.example.name': name, 'org.example.padding': padding },
  });
  const d = store.putManifest(REPO, doc('x'.repeat(size - Buffer.byteLength(JSON.stringify(doc(''))))));
  expect(d.size).toBe(size);
  return d;
}

/** Five manifests of a quarter of the budget each: four fill it exactly, the fifth is past it. */
function fiveQuarters(store: MemoryStore): Descriptor[] {
  return ['a', 'b', 'c', 'd', 'e'].map((name) => putSized(store, name, BUDGET / 4));
}

describe(`manifests held for the copier: MANIFEST_CACHE_BYTES (${BUDGET / MiB} MiB)`, () => {
  test('the limit is the documented one', () => {
    expect(MANIFEST_CACHE_BYTES).toBe(BUDGET);
  });

  test('manifests are kept up to the budget; past it each read fetches again; a released tag makes room', async () => {
    const store = new MemoryStore('src');
    const [a, b, c, d, e] = fiveQuarters(store) as [Descriptor, Descriptor, Descriptor, Descriptor, Descriptor];
    const cache = new ManifestCache();
    const copier = cache.wrap(store);
    const read = async (m: Descriptor) => expect((await copier.manifestGet(REPO, m.digest))?.digest).toBe(m.digest);

    // Up to the budget: one fetch each, however often they are read.
    for (const m of [a, b, c, d, a, b, c, d]) await read(m);
    for (const m of [a, b, c, d]) expect(store.count('manifestGet', m.digest)).toBe(1);

    // The budget is full: the fifth is not kept, and fetched on every read.
    await read(e);
    await read(e);
    expect(store.count('manifestGet', e.digest)).toBe(2);
    // Nothing was pushed out for it.
    for (const m of [a, b, c, d]) await read(m);
    for (const m of [a, b, c, d]) expect(store.count('manifestGet', m.digest)).toBe(1);

    // A tag done releases its manifest: the next one is kept again.
    cache.release(REPO, a.digest);
    await read(e);
    await read(e);
    expect(store.count('manifestGet', e.digest)).toBe(3);
    // The budget is full again (b, c, d, e): a, released, is fetched each time it is read.
    await read(a);
    await read(a);
    expect(store.count('manifestGet', a.digest)).toBe(3);
  });

  test('manifests handed over from gathering (read by tag) count against the same budget', async () => {
    const store = new MemoryStore('src');
    const all = fiveQuarters(store);
    const manifests = await Promise.all(all.map((m) => store.manifestGet(REPO, m.digest)));
    const cache = new ManifestCache();
    for (const [i, m] of manifests.entries()) cache.put(REPO, all[i]!.digest, m!);
    const before = store.count('manifestGet');

    const copier = cache.wrap(store);
    for (const m of all) await copier.manifestGet(REPO, m.digest);
    // The first four were kept; the fifth, past the budget, was not, and is fetched.
    expect(store.count('manifestGet') - before).toBe(1);
    expect(store.calls.at(-1)).toEqual({ op: 'manifestGet', repository: REPO, reference: all[4]!.digest });
  });
});
