/**
 * copyArtifact against in-memory stores that record every call: child manifests written once when
 * tags sharing an index are copied at once, one retry of a PUT the registry answers with "blob
 * unknown", the per-blob size limit checked before any transfer, and a source sending more bytes
 * than declared.
 */
import pLimit from 'p-limit';
import { describe, expect, it } from 'vitest';
import type { Digest } from '../../../src/oci/digest.js';
import type { Descriptor } from '../../../src/oci/manifest.js';
import { RegistryError } from '../../../src/registry/errors.js';
import {
  BlobMover,
  type CopyOptions,
  type CopyStats,
  copyArtifact,
  DEFAULT_MAX_BLOB_SIZE,
  emptyStats,
  PROGRESS_STEP,
} from '../../../src/replicate/copy.js';
import { MemoryStore } from '../../support/memory-store.js';

const REPO = 'app/multi';
const OPTS: CopyOptions = { platforms: [], referrers: false };

function stores() {
  return { src: new MemoryStore('src'), dst: new MemoryStore('dst') };
}

/** A source index of `n` single-layer platform images; returns the index and its children. */
function seedIndex(src: MemoryStore, n: number, seed = 'x'): { index: Descriptor; children: Descriptor[] } {
  const archs = ['amd64', 'arm64', 'arm', '386', 'ppc64le', 's390x'];
  const children = Array.from({ length: n }, (_, i) => ({
    ...src.putImage(REPO, [Buffer.from(`${seed} layer ${i}`)]),
    platform: { os: 'linux', architecture: archs[i]! },
  }));
  return { index: src.putIndex(REPO, children), children };
}

function copy(
  mover: BlobMover,
  src: MemoryStore,
  dst: MemoryStore,
  digest: string,
  tag: string | undefined,
  o: Partial<CopyOptions> = {},
  stats: CopyStats = emptyStats(),
) {
  return copyArtifact(
    mover,
    pLimit(8),
    { store: src, repository: REPO },
    { store: dst, repository: REPO },
    digest as Digest,
    tag,
    stats,
    { ...OPTS, ...o },
  );
}

const blobUnknown = (code = 'MANIFEST_BLOB_UNKNOWN') =>
  new RegistryError({
    kind: 'invalid',
    registry: 'memory:dst',
    repository: REPO,
    operation: 'writing manifest to',
    status: 400,
    codes: [code],
  });

describe('tags sharing one index, copied at once', () => {
  it('write each child manifest once', async () => {
    const { src, dst } = stores();
    const { index, children } = seedIndex(src, 4);
    const mover = new BlobMover(pLimit(8));
    const tags = ['latest', 'v1', 'v1.0', 'v1.0.0', 'stable', 'edge'];
    await Promise.all(tags.map((t) => copy(mover, src, dst, index.digest, t)));

    for (const c of children) expect(dst.count('manifestPut', c.digest), c.digest).toBe(1);
    for (const t of tags) expect(dst.count('manifestPut', t), t).toBe(1);
    for (const t of tags) expect(dst.tags.get(REPO)?.get(t)).toBe(index.digest);
  });

  it('write a child once when a later copy starts while the first is writing it', async () => {
    const { src, dst } = stores();
    const { index, children } = seedIndex(src, 2);
    const mover = new BlobMover(pLimit(8));
    let second: Promise<unknown> | undefined;
    // The second copy starts when the first one's PUT of a child arrives, and that PUT is held
    // until the second copy has gone as far as it can (the stores do no I/O: everything it can
    // do happens before the next turn of the event loop).
    dst.hooks.manifestPut = async (_repo, ref) => {
      if (ref !== children[0]!.digest || second) return;
      second = copy(mover, src, dst, index.digest, 'v1');
      await new Promise((resolve) => setImmediate(resolve));
    };
    await copy(mover, src, dst, index.digest, 'latest');
    await second;
    for (const c of children) expect(dst.count('manifestPut', c.digest), c.digest).toBe(1);
    expect(dst.tags.get(REPO)?.get('v1')).toBe(index.digest);
  });

  it('keep apart the same child in two destination repositories', async () => {
    const { src, dst } = stores();
    const { index, children } = seedIndex(src, 2);
    const mover = new BlobMover(pLimit(8));
    await Promise.all(
      ['one/multi', 'two/multi'].map((repository) =>
        copyArtifact(
          mover,
          pLimit(8),
          { store: src, repository: REPO },
          { store: dst, repository },
          index.digest,
          'latest',
          emptyStats(),
          OPTS,
        ),
      ),
    );
    for (const c of children) {
      expect(dst.hasManifest('one/multi', c.digest)).toBe(true);
      expect(dst.hasManifest('two/multi', c.digest)).toBe(true);
      expect(dst.count('manifestPut', c.digest)).toBe(2);
    }
  });
});

describe('a manifest PUT answered with 400 blob unknown', () => {
  // Two runs writing one index into one repository hit the registry's link rewrite twice in a
  // row about once in 320 copies on a loaded machine: a single retry was not enough.
  it.each([1, 2])('rewrites a lost child and retries the index (refused %i times)', async (refusals) => {
    const { src, dst } = stores();
    const { index, children } = seedIndex(src, 3);
    const lost = children[1]!.digest;
    let refused = 0;
    dst.hooks.manifestPut = (_repo, ref) => {
      if (ref !== 'latest' || refused++ >= refusals) return;
      // As distribution does when another client rewrites the child's link at that moment.
      dst.manifests.get(REPO)!.delete(lost);
      throw blobUnknown();
    };
    const stats = emptyStats();
    const out = await copy(new BlobMover(pLimit(8)), src, dst, index.digest, 'latest', {}, stats);

    expect(out.digest).toBe(index.digest);
    expect(dst.count('manifestPut', 'latest')).toBe(refusals + 1);
    expect(dst.count('manifestPut', lost)).toBe(refusals + 1);
    expect(dst.count('manifestPut', children[0]!.digest)).toBe(1);
    expect(dst.hasManifest(REPO, lost)).toBe(true);
    expect(stats.retries).toBe(refusals);
  });

  it('resends a lost blob and retries an image manifest once', async () => {
    const { src, dst } = stores();
    const layer = Buffer.from('the only layer');
    const image = src.putImage(REPO, [layer]);
    const layerDigest = src.putBlob(REPO, layer).digest;
    let refused = 0;
    dst.hooks.manifestPut = () => {
      if (refused++ > 0) return;
      dst.blobs.get(REPO)!.delete(layerDigest);
      throw blobUnknown('BLOB_UNKNOWN');
    };
    await copy(new BlobMover(pLimit(8)), src, dst, image.digest, 'v1');
    expect(dst.count('manifestPut', 'v1')).toBe(2);
    expect(dst.count('blobPut', layerDigest)).toBe(2);
    expect(dst.blobs.get(REPO)?.get(layerDigest)).toEqual(layer);
  });

  it('fails, naming the registry code, when every retry is refused', async () => {
    const { src, dst } = stores();
    const { index } = seedIndex(src, 2);
    dst.hooks.manifestPut = (_repo, ref) => {
      if (ref === 'latest') throw blobUnknown();
    };
    const err = await copy(new BlobMover(pLimit(8)), src, dst, index.digest, 'latest').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RegistryError);
    expect((err as RegistryError).codes).toEqual(['MANIFEST_BLOB_UNKNOWN']);
    // The first PUT and three retries: bounded, never a loop.
    expect(dst.count('manifestPut', 'latest')).toBe(4);
  });

  it('is not retried for other 400 answers', async () => {
    const { src, dst } = stores();
    const { index } = seedIndex(src, 2);
    dst.hooks.manifestPut = (_repo, ref) => {
      if (ref === 'latest') throw blobUnknown('MANIFEST_INVALID');
    };
    await expect(copy(new BlobMover(pLimit(8)), src, dst, index.digest, 'latest')).rejects.toThrow(RegistryError);
    expect(dst.count('manifestPut', 'latest')).toBe(1);
  });
});

describe('blob size limit', () => {
  const HUGE = 10 ** 15;
  /** A layer declared far larger than it is: nothing at the source would ever end it. */
  const declared = (size: number): Descriptor => ({
    mediaType: 'application/vnd.oci.image.layer.v1.tar',
    digest: `sha256:${'ab'.repeat(32)}`,
    size,
  });
  const transfers = (src: MemoryStore, dst: MemoryStore) =>
    src.count('blobGet') + dst.count('blobPut') + dst.count('blobMount') + dst.count('manifestPut');

  it('is 16 GiB by default', () => {
    expect(DEFAULT_MAX_BLOB_SIZE).toBe(16 * 1024 * 1024 * 1024);
  });

  it('refuses a layer declared at 10^15 bytes before anything is transferred', async () => {
    const { src, dst } = stores();
    const image = src.putImage(REPO, [Buffer.from('small'), declared(HUGE)]);
    const err = await copy(new BlobMover(pLimit(8)), src, dst, image.digest, 'v1').catch((e: unknown) => e);

    expect(err).toBeInstanceOf(RegistryError);
    const e = err as RegistryError;
    expect(e.kind).toBe('too-large');
    expect(e.message).toContain(`sha256:${'ab'.repeat(32)}`);
    expect(e.message).toContain(`${HUGE} bytes`);
    expect(e.message).toContain(`${DEFAULT_MAX_BLOB_SIZE} bytes (16.0 GiB)`);
    expect(e.hint).toMatch(/max_blob_size/);
    expect(transfers(src, dst)).toBe(0);
  });

  it('refuses an index when one platform has a blob over the limit, before any platform moves', async () => {
    const { src, dst } = stores();
    const small = src.putImage(REPO, [Buffer.from('fine layer')]);
    const big = src.putImage(REPO, [declared(HUGE)]);
    const index = src.putIndex(REPO, [
      { ...small, platform: { os: 'linux', architecture: 'amd64' } },
      { ...big, platform: { os: 'linux', architecture: 'arm64' } },
    ]);
    await expect(copy(new BlobMover(pLimit(8)), src, dst, index.digest, 'latest')).rejects.toThrow(
      /declares 1000000000000000 bytes/,
    );
    expect(transfers(src, dst)).toBe(0);
  });

  it('checks the config blob too', async () => {
    const { src, dst } = stores();
    const image = src.putImage(REPO, [Buffer.from('layer')], { config: { ...declared(HUGE), mediaType: 'x/y' } });
    await expect(copy(new BlobMover(pLimit(8)), src, dst, image.digest, 'v1')).rejects.toThrow(/max_blob_size|limit/);
    expect(transfers(src, dst)).toBe(0);
  });

  it('follows maxBlobSize: a blob at the limit is copied, one byte over is refused', async () => {
    const { src, dst } = stores();
    const layer = Buffer.alloc(2000, 7);
    const image = src.putImage(REPO, [layer]);
    await expect(copy(new BlobMover(pLimit(8)), src, dst, image.digest, 'v1', { maxBlobSize: 1999 })).rejects.toThrow(
      /above the limit of 1999 bytes/,
    );
    expect(transfers(src, dst)).toBe(0);
    await copy(new BlobMover(pLimit(8)), src, dst, image.digest, 'v1', { maxBlobSize: 2000 });
    expect(dst.tags.get(REPO)?.get('v1')).toBe(image.digest);
  });
});

describe('a source that sends more bytes than the descriptor declares', () => {
  it('is cut off at the declared size and nothing is stored', async () => {
    const { src, dst } = stores();
    const layer = Buffer.alloc(4096, 1);
    const image = src.putImage(REPO, [layer]);
    const layerDigest = src.putBlob(REPO, layer).digest;
    // The right bytes, then 64 KiB more: a source that never stops.
    src.hooks.blobBytes = (_repo, digest) =>
      digest === layerDigest ? Buffer.concat([layer, Buffer.alloc(64 * 1024, 2)]) : undefined;

    const err = await copy(new BlobMover(pLimit(8)), src, dst, image.digest, 'v1').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RegistryError);
    expect((err as RegistryError).kind).toBe('size-mismatch');
    expect((err as Error).message).toContain(layerDigest);
    const got = dst.received.filter((r) => r.digest === layerDigest);
    expect(got.length).toBeGreaterThan(0);
    for (const r of got) expect(r.bytes).toBeLessThanOrEqual(layer.length);
    expect(dst.blobs.get(REPO)?.has(layerDigest) ?? false).toBe(false);
    expect(dst.count('manifestPut')).toBe(0);
  });
});

describe('blob progress', () => {
  it('is reported once per PROGRESS_STEP bytes and at the last byte, not for every chunk', async () => {
    const { src, dst } = stores();
    // 3.5 steps, streamed by the memory store in 1 KiB pieces (3,584 chunks).
    const layer = Buffer.alloc(3.5 * PROGRESS_STEP, 3);
    const image = src.putImage(REPO, [layer]);
    const layerDigest = src.putBlob(REPO, layer).digest;
    const seen: { digest: string; bytes: number; total: number }[] = [];
    await copy(new BlobMover(pLimit(8)), src, dst, image.digest, 'v1', { onBlobProgress: (p) => seen.push(p) });

    expect(seen.filter((p) => p.digest === layerDigest)).toEqual(
      [1, 2, 3, 3.5].map((n) => ({ digest: layerDigest, bytes: n * PROGRESS_STEP, total: layer.length })),
    );
  });
});

describe('requests per copied tag', () => {
  const headsByDigest = (store: MemoryStore) =>
    store.calls.filter((c) => c.op === 'manifestHead' && c.reference.startsWith('sha256:')).length;

  it('an index copied into a fresh repository writes its platforms without asking about each', async () => {
    const { src, dst } = stores();
    const { index } = seedIndex(src, 3);
    await copy(new BlobMover(pLimit(8)), src, dst, index.digest, 'v1', { freshDestination: true });
    expect(dst.tags.get(REPO)?.get('v1')).toBe(index.digest);
    expect(headsByDigest(dst)).toBe(0);
    expect(dst.count('manifestPut')).toBe(4);

    // A repository that held images is asked: a platform it has is not written again.
    const again = new MemoryStore('dst2');
    await copy(new BlobMover(pLimit(8)), src, again, index.digest, 'v1');
    expect(headsByDigest(again)).toBe(3);
  });

  it('the tag is read back after it is written, whatever the PUT answered (RELIABILITY.md C6)', async () => {
    const { src, dst } = stores();
    const image = src.putImage(REPO, [Buffer.from('one layer')]);
    await copy(new BlobMover(pLimit(8)), src, dst, image.digest, 'v1', { freshDestination: true });
    expect(dst.count('manifestHead', 'v1')).toBe(1);
  });
});

describe('referrers before the tag (RELIABILITY.md C6)', () => {
  const SIG = 'application/vnd.dev.cosign.artifact.sig.v1+json';

  /** An image, and a signature of it the source lists as its referrer. */
  function signed(src: MemoryStore) {
    const image = src.putImage(REPO, [Buffer.from('signed layer')]);
    const sig = src.putManifest(REPO, {
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      artifactType: SIG,
      config: src.putBlob(REPO, Buffer.from('{}'), 'application/vnd.oci.empty.v1+json'),
      layers: [src.putBlob(REPO, Buffer.from(`signature of ${image.digest}`))],
      subject: image,
    });
    return { image, sig };
  }
  const puts = (store: MemoryStore) => store.calls.filter((c) => c.op === 'manifestPut').map((c) => c.reference);

  it('writes the subject by digest, then its signature, then the tag', async () => {
    const { src, dst } = stores();
    const { image, sig } = signed(src);
    await copy(new BlobMover(pLimit(8)), src, dst, image.digest, 'v1', { referrers: true });
    expect(puts(dst)).toEqual([image.digest, sig.digest, 'v1']);
    expect(dst.tags.get(REPO)?.get('v1')).toBe(image.digest);
  });

  it('a signature that fails to copy leaves the tag unwritten, and the next copy writes both', async () => {
    const { src, dst } = stores();
    const { image, sig } = signed(src);
    let glitches = 1;
    dst.hooks.manifestPut = (_repo, reference) => {
      if (reference === sig.digest && glitches-- > 0)
        throw new RegistryError({ kind: 'network', registry: 'memory:dst', operation: 'writing manifest to' });
    };
    await expect(copy(new BlobMover(pLimit(8)), src, dst, image.digest, 'v1', { referrers: true })).rejects.toThrow();
    // Half done: the subject by digest, untagged; a re-run sees the tag missing and copies again.
    expect(dst.tags.get(REPO)?.get('v1')).toBeUndefined();
    expect(dst.hasManifest(REPO, image.digest)).toBe(true);

    await copy(new BlobMover(pLimit(8)), src, dst, image.digest, 'v1', { referrers: true });
    expect(dst.hasManifest(REPO, sig.digest)).toBe(true);
    expect(dst.tags.get(REPO)?.get('v1')).toBe(image.digest);
  });

  it('a signature the destination has, or none at all, costs no extra manifest PUT', async () => {
    const { src, dst } = stores();
    const plain = src.putImage(REPO, [Buffer.from('unsigned layer')]);
    await copy(new BlobMover(pLimit(8)), src, dst, plain.digest, 'v0', { referrers: true });
    expect(puts(dst)).toEqual(['v0']);

    const { image, sig } = signed(src);
    const again = new MemoryStore('dst2');
    again.putManifest(REPO, JSON.parse(src.manifests.get(REPO)!.get(sig.digest)!.bytes.toString()) as object);
    await copy(new BlobMover(pLimit(8)), src, again, image.digest, 'v1', { referrers: true });
    expect(puts(again)).toEqual(['v1']);
  });
});

describe('layers with urls (RELIABILITY B4)', () => {
  it('a non-distributable layer stays where its urls say; an ordinary layer that also lists a mirror is copied', async () => {
    const src = new MemoryStore('src');
    const dst = new MemoryStore('dst');
    const foreign = {
      mediaType: 'application/vnd.docker.image.rootfs.foreign.diff.tar.gzip',
      digest: `sha256:${'f'.repeat(64)}` as Digest,
      size: 1024,
      urls: ['https://mcr.microsoft.com/windows/base/layer'],
    };
    const mirrored = {
      ...src.putBlob(REPO, Buffer.from('an ordinary layer'), 'application/vnd.oci.image.layer.v1.tar+gzip'),
      urls: ['https://mirror.example.com/layer'],
    };
    const image = src.putImage(REPO, [foreign, mirrored], { tag: 'v1' });
    await copy(new BlobMover(pLimit(8)), src, dst, image.digest, 'v1');
    expect(dst.blobs.get(REPO)?.has(mirrored.digest)).toBe(true);
    expect(dst.blobs.get(REPO)?.has(foreign.digest)).toBe(false);
    expect(dst.tags.get(REPO)?.get('v1')).toBe(image.digest);
  });
});
