/**
 * copyArtifact against real registries (distribution 2.8.2): many tags of one multi-arch index
 * copied at once, by one run and by two, must all land; a blob declared larger than the limit is
 * refused before any byte moves; a source sending more than the declared size is cut off.
 * Both registries are anonymous plain HTTP on loopback.
 */
import { join } from 'node:path';
import pLimit from 'p-limit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Digest } from '../../src/oci/digest.js';
import { RegistryStore } from '../../src/providers/registry-store.js';
import { RegistryClient } from '../../src/registry/client.js';
import { BlobMover, copyArtifact, emptyStats, type Side } from '../../src/replicate/copy.js';
import { runRule } from '../../src/replicate/rule.js';
import { testRule } from '../support/engine.js';
import { RegistryError } from '../../src/registry/errors.js';
import { type FaultProxy, startFaultProxy } from '../support/fault-proxy.js';
import { createLayout, type FixtureImage, MediaType, seededBytes, sha256Digest } from '../support/oci-fixtures.js';
import { countRequests, type RunningRegistry, startRegistry } from '../support/registry-process.js';
import { dockerRef, inspectDigest, refOptions, seedImage } from '../support/skopeo.js';
import { createTempDir, type TempDir } from '../support/tmp.js';

let tmp: TempDir;
let src: RunningRegistry;
let dst: RunningRegistry;
let proxy: FaultProxy; // in front of `src`
let srcStore: RegistryStore;
let dstStore: RegistryStore;
let index: FixtureImage;

const storeFor = (reg: RunningRegistry, name: string) =>
  new RegistryStore({ name, client: new RegistryClient({ registry: reg.host, baseUrl: reg.url }) });

beforeAll(async () => {
  tmp = await createTempDir('ferry-copy-safety-');
  [src, dst] = await Promise.all([
    startRegistry({ mode: 'anonymous', logLevel: 'warn' }),
    startRegistry({ mode: 'anonymous', logLevel: 'warn' }),
  ]);
  const layout = await createLayout(join(tmp.path, 'layout'));
  index = layout.addIndex({
    tag: 'latest',
    platforms: ['amd64', 'arm64', 'arm', '386', 'ppc64le', 's390x', 'riscv64', 'mips64le'].map((architecture) => ({
      os: 'linux',
      architecture,
    })),
    layers: [512],
    seed: 'shared-index',
  });
  await seedImage(layout.dir, 'latest', src, 'app/multi:latest', null);
  proxy = await startFaultProxy({ target: src.url });
  srcStore = storeFor(src, 'src');
  dstStore = storeFor(dst, 'dst');
});

afterAll(async () => {
  await Promise.all([srcStore?.close(), dstStore?.close()]);
  await proxy?.stop();
  await Promise.all([src?.stop(), dst?.stop()]);
  await tmp?.remove();
});

describe('tags sharing one multi-arch index', () => {
  // Sixteen tags of one 8-platform index, ten rounds: when every copy wrote every child itself,
  // 7 to 30 of these 160 copies failed with 400 MANIFEST_BLOB_UNKNOWN; one fails the test.
  const TAGS = [
    'latest',
    'stable',
    'v1',
    'v1.2',
    'v1.2.3',
    'edge',
    'lts',
    'prod',
    ...Array.from({ length: 8 }, (_, i) => `build-${i}`),
  ];
  const ROUNDS = 10;

  /** Copies every tag into `<prefix><round>/multi`, `runs` runs at once (each its own mover); failures as text. */
  async function copyRounds(prefix: string, runs: number): Promise<string[]> {
    const failures: string[] = [];
    const from: Side = { store: srcStore, repository: 'app/multi' };
    for (let round = 0; round < ROUNDS; round++) {
      // A new destination repository each round: every copy has to write the children.
      const to: Side = { store: dstStore, repository: `${prefix}${round}/multi` };
      const settled = await Promise.all(
        Array.from({ length: runs }, () => {
          // As a rule runs them: one mover and one manifest limit per run, every tag at once.
          const mover = new BlobMover(pLimit(16));
          // No manifest limit to speak of: every copy writes its children at the same moment.
          const manifests = pLimit(256);
          return Promise.allSettled(
            TAGS.map((tag) =>
              copyArtifact(mover, manifests, from, to, index.digest as Digest, tag, emptyStats(), {
                platforms: [],
                referrers: false,
              }),
            ),
          );
        }),
      );
      settled.flat().forEach((s, i) => {
        if (s.status === 'rejected')
          failures.push(`${to.repository}:${TAGS[i % TAGS.length]}: ${(s.reason as Error).message}`);
      });
    }
    return failures;
  }

  it('are all copied when copied at once, round after round', { timeout: 120_000 }, async () => {
    expect(await copyRounds('one', 1)).toEqual([]);
    // skopeo, not ferry, reads one round back.
    for (const tag of TAGS)
      expect(await inspectDigest(dockerRef(dst, `one${ROUNDS - 1}/multi:${tag}`), refOptions(dst))).toBe(index.digest);
  });

  // Each run writes a child once, but the other run may be writing it at that moment: without
  // a retry of the index PUT, 9 to 15 of these 320 copies failed; with a single retry, one now and
  // then on a loaded machine (the rewrite hit twice in a row).
  it('are all copied by two runs into one repository at once', { timeout: 120_000 }, async () => {
    expect(await copyRounds('two', 2)).toEqual([]);
  });
});

let sentinel = 0;
/**
 * Waits until `reg` has logged every request made so far: one more, uniquely named request, and
 * its access-log line (written after each response) is waited for.
 */
async function settleLog(reg: RunningRegistry): Promise<void> {
  const name = `sentinel${++sentinel}x`;
  await (await fetch(`${reg.url}/v2/${name}/tags/list`)).arrayBuffer();
  const pattern = new RegExp(`/v2/${name}/`);
  for (let i = 0; i < 400 && (await countRequests(reg, pattern)) === 0; i++) await new Promise((r) => setImmediate(r));
  expect(await countRequests(reg, pattern)).toBe(1);
}

/** Raw pushes to the source, for manifests skopeo would refuse to write. */
async function pushBlob(repo: string, data: Buffer): Promise<string> {
  const start = await fetch(`${src.url}/v2/${repo}/blobs/uploads/`, { method: 'POST' });
  expect(start.status).toBe(202);
  const loc = new URL(start.headers.get('location')!, src.url);
  const digest = sha256Digest(data);
  loc.searchParams.set('digest', digest);
  const put = await fetch(loc, {
    method: 'PUT',
    body: new Uint8Array(data),
    headers: { 'content-type': 'application/octet-stream' },
  });
  expect(put.status).toBe(201);
  return digest;
}

/** Pushes an image whose one layer is `layer` but declared `declaredSize` bytes; its digest. */
async function pushLyingImage(repo: string, layer: Buffer, declaredSize: number): Promise<Digest> {
  const config = Buffer.from(JSON.stringify({ os: 'linux', architecture: 'amd64', rootfs: { type: 'layers' } }));
  const doc = {
    schemaVersion: 2,
    mediaType: MediaType.ociManifest,
    config: { mediaType: MediaType.ociConfig, digest: await pushBlob(repo, config), size: config.length },
    layers: [{ mediaType: MediaType.ociLayerGzip, digest: await pushBlob(repo, layer), size: declaredSize }],
  };
  const bytes = Buffer.from(JSON.stringify(doc));
  const r = await fetch(`${src.url}/v2/${repo}/manifests/v1`, {
    method: 'PUT',
    body: bytes,
    headers: { 'content-type': MediaType.ociManifest },
  });
  expect(r.status, await r.text()).toBe(201);
  return sha256Digest(bytes) as Digest;
}

const copyOne = (from: Side, repository: string, digest: Digest, o: { maxBlobSize?: number } = {}) =>
  copyArtifact(new BlobMover(pLimit(4)), pLimit(4), from, { store: dstStore, repository }, digest, 'v1', emptyStats(), {
    platforms: [],
    referrers: false,
    ...o,
  });

describe('declared blob sizes', () => {
  it('a layer declared at 10^15 bytes fails the image before any blob is read or written', async () => {
    const layer = seededBytes('declared-huge', 4096);
    const digest = await pushLyingImage('lying/huge', layer, 10 ** 15);
    const err = await copyOne({ store: srcStore, repository: 'lying/huge' }, 'huge/out', digest).catch(
      (e: unknown) => e,
    );

    expect(err).toBeInstanceOf(RegistryError);
    expect((err as RegistryError).kind).toBe('too-large');
    expect((err as Error).message).toContain(sha256Digest(layer));
    expect((err as Error).message).toContain('1000000000000000 bytes');
    expect((err as RegistryError).hint).toContain('max_blob_size');
    // The registries' access logs: no blob GET at the source, nothing at the destination.
    await Promise.all([settleLog(src), settleLog(dst)]);
    expect(await countRequests(src, /\/v2\/lying\/huge\/blobs\/sha256/)).toBe(0);
    expect(await countRequests(dst, /\/v2\/huge\/out\//)).toBe(0);
  });

  it('a source sending more bytes than the layer declares is cut off and nothing is written', async () => {
    const layer = seededBytes('declared-short', 256 * 1024);
    const digest = await pushLyingImage('lying/short', layer, 64 * 1024);
    // Directly, the registry's Content-Length gives it away; through the proxy there is none, and
    // only the count of bytes read can stop it.
    const direct: Side = { store: srcStore, repository: 'lying/short' };
    const viaProxy: Side = {
      store: new RegistryStore({
        name: 'proxy',
        client: new RegistryClient({ registry: proxy.host, baseUrl: proxy.url }),
      }),
      repository: 'lying/short',
    };
    proxy.addRule({
      method: 'GET',
      path: '/blobs/',
      times: Infinity,
      action: { kind: 'content-length', delta: 0, drop: true },
    });
    try {
      for (const [from, repository] of [
        [direct, 'short/direct'],
        [viaProxy, 'short/proxied'],
      ] as const) {
        const err = await copyOne(from, repository, digest).catch((e: unknown) => e);
        expect(err, repository).toBeInstanceOf(RegistryError);
        expect((err as RegistryError).kind, repository).toBe('size-mismatch');
        const head = await fetch(`${dst.url}/v2/${repository}/blobs/${sha256Digest(layer)}`, { method: 'HEAD' });
        expect(head.status, repository).toBe(404);
        const tag = await fetch(`${dst.url}/v2/${repository}/manifests/v1`, { method: 'HEAD' });
        expect(tag.status, repository).toBe(404);
      }
      expect(proxy.countBy('GET', '/blobs/')).toBeGreaterThan(0);
    } finally {
      proxy.clearRules();
      await viaProxy.store.close();
    }
  });
});

describe('a copy that fails after its retries', () => {
  it('counts the retries its row shows, as its hint counts the attempts', async () => {
    const viaProxy = new RegistryStore({
      name: 'proxy',
      client: new RegistryClient({ registry: proxy.host, baseUrl: proxy.url, retry: { baseDelayMs: 5 } }),
    });
    // Every blob GET of the source answers 503: the layer's copy fails once its attempts are spent.
    proxy.addRule({ method: 'GET', path: '/blobs/', times: Infinity, action: { kind: 'status', status: 503 } });
    try {
      const rule = testRule({ filters: { name: ['app/**'] }, concurrency: 1 });
      const out = await runRule(rule, viaProxy, dstStore, { dryRun: false, concurrency: 1, blobConcurrency: 1 });
      const row = out.results.find((r) => r.tag === 'latest')!;
      expect(row.status).toBe('failed');
      const attempts = Number(/on each of (\d+) attempts/.exec(row.error?.hint ?? '')?.[1]);
      // Before: "retries": 0 beside a hint that said 5 attempts.
      expect(attempts).toBeGreaterThan(1);
      expect(row.retries).toBeGreaterThanOrEqual(attempts - 1);
    } finally {
      proxy.clearRules();
      await viaProxy.close();
    }
  });
});
