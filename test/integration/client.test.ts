/**
 * The OCI Distribution client against a real registry (distribution 2.8.2) in all three auth
 * modes. skopeo is the independent check: what the client pushed, skopeo reads back with the
 * same digests; what skopeo seeded, the client reads with the same bytes.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Digest, sha256 } from '../../src/oci/digest.js';
import { blobsOf, type Descriptor } from '../../src/oci/manifest.js';
import { MediaType } from '../../src/oci/media-types.js';
import { referrersTag } from '../../src/oci/referrers.js';
import { type ClientOptions, RegistryClient } from '../../src/registry/client.js';
import { RegistryError } from '../../src/registry/errors.js';
import { createLayout, type FixtureImage, type Layout, seededBytes } from '../support/oci-fixtures.js';
import { countRequests, type RegistryMode, type RunningRegistry, startRegistry } from '../support/registry-process.js';
import { dockerRef, inspectRaw, listTags, refOptions, SkopeoError, seedImage, skopeoCopy } from '../support/skopeo.js';
import { createTempDir, type TempDir } from '../support/tmp.js';

const SBOM = 'application/vnd.example.sbom.v1+json';
/** Small enough that fixture layers (a few KiB) go up in several PATCHes. */
const CHUNK_THRESHOLD = 4096;
const CHUNK_SIZE = 2048;

let tmp: TempDir;
let layout: Layout;
let image: FixtureImage;
let index: FixtureImage;
let referrer: FixtureImage;
let fallbackIndex: Buffer;

beforeAll(async () => {
  tmp = await createTempDir();
  layout = await createLayout(tmp.path);
  // Layers of 6 KiB and 1 KiB: one chunked and one monolithic upload when copied.
  image = layout.addImage({ tag: 'v1', layers: [6000, 1000], seed: 'client-image' });
  index = layout.addIndex({
    tag: 'multi',
    platforms: [
      { os: 'linux', architecture: 'amd64' },
      { os: 'linux', architecture: 'arm64', variant: 'v8' },
    ],
    layers: [5000],
    seed: 'client-index',
  });
  referrer = layout.addReferrer({ subject: image, artifactType: SBOM, tag: 'v1-sbom' });
  // The referrers tag-schema fallback: an index under `sha256-<hex of subject>` listing the referrer
  // (spec: "Referrers Tag Schema"). Written into the layout so skopeo, not the client, seeds it.
  // The descriptor carries no artifactType: skopeo 1.9.3 cannot store an index with that field
  // without converting it, which --preserve-digests forbids.
  const { artifactType: _omitted, ...childDescriptor } = referrer.descriptor;
  fallbackIndex = Buffer.from(
    JSON.stringify({ schemaVersion: 2, mediaType: MediaType.OciIndex, manifests: [childDescriptor] }),
  );
  const fallbackDigest = sha256(fallbackIndex);
  await writeFile(join(tmp.path, 'blobs', 'sha256', fallbackDigest.slice(7)), fallbackIndex);
  const top = JSON.parse(await readFile(join(tmp.path, 'index.json'), 'utf8')) as { manifests: Descriptor[] };
  top.manifests.push({
    mediaType: MediaType.OciIndex,
    digest: fallbackDigest,
    size: fallbackIndex.length,
    annotations: { 'org.opencontainers.image.ref.name': referrersTag(image.digest as Digest) },
  });
  await writeFile(join(tmp.path, 'index.json'), JSON.stringify(top));
});

afterAll(async () => {
  await tmp?.remove();
});

function blobBytes(digest: string): Promise<Buffer> {
  return readFile(join(tmp.path, 'blobs', 'sha256', digest.slice('sha256:'.length)));
}

async function drain(stream: Readable): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const c of stream) parts.push(c as Buffer);
  return Buffer.concat(parts);
}

function clientFor(reg: RunningRegistry, ca: string | undefined, extra: Partial<ClientOptions> = {}) {
  const user = 'ferry';
  return new RegistryClient({
    registry: reg.host,
    baseUrl: reg.url,
    ...(reg.mode === 'anonymous' ? {} : { credentials: { username: user, password: reg.users[user]! } }),
    ...(ca ? { tls: { ca } } : {}),
    retry: { baseDelayMs: 10 },
    chunkThreshold: CHUNK_THRESHOLD,
    chunkSize: CHUNK_SIZE,
    ...extra,
  });
}

/**
 * Copies `srcRepo:ref` to `dstRepo:tag` with the client only, in commit order: blobs, child
 * manifests by digest, then the tag. Returns the top-level digest.
 */
async function copyWithClient(
  src: RegistryClient,
  srcRepo: string,
  dst: RegistryClient,
  dstRepo: string,
  ref: string,
  tag: string,
): Promise<Digest> {
  const copyOne = async (reference: string, putAs: string | undefined) => {
    const m = await src.manifestGet(srcRepo, reference);
    if (!m) throw new Error(`${srcRepo}:${reference} not found`);
    if (m.parsed.kind === 'index') {
      for (const child of m.parsed.manifests) await copyOne(child.digest, undefined);
    } else {
      for (const b of blobsOf(m.parsed)) {
        if ((await dst.blobHead(dstRepo, b.digest)) !== undefined) continue;
        await dst.blobUpload(dstRepo, b, async () => (await src.blobGet(srcRepo, b)).stream);
      }
    }
    return dst.manifestPut(dstRepo, putAs ?? m.digest, m.bytes, m.mediaType);
  };
  return copyOne(ref, tag);
}

describe.each<RegistryMode>(['anonymous', 'basic', 'token'])('%s registry', (mode) => {
  let reg: RunningRegistry;
  let ca: string | undefined;
  let client: RegistryClient;
  const skopeo = () => refOptions(reg);

  beforeAll(async () => {
    reg = await startRegistry({ mode });
    ca = reg.caFile ? await readFile(reg.caFile, 'utf8') : undefined;
    await seedImage(layout.dir, 'v1', reg, 'app:v1');
    await seedImage(layout.dir, 'multi', reg, 'app:multi');
    await seedImage(
      layout.dir,
      referrersTag(image.digest as Digest),
      reg,
      `app:${referrersTag(image.digest as Digest)}`,
    );
    client = clientFor(reg, ca);
  });
  afterAll(async () => {
    await client?.close();
    await reg?.stop();
  });

  it('pings, trusting the test CA only through the tls.ca option', async () => {
    expect(process.env.NODE_TLS_REJECT_UNAUTHORIZED).toBeUndefined();
    await expect(client.ping()).resolves.toBeUndefined();
    if (mode !== 'anonymous') expect(reg.url.startsWith('https://')).toBe(true);
  });

  it('reads manifests with HEAD and GET, by tag and by digest, exactly as stored', async () => {
    const head = await client.manifestHead('app', 'v1');
    expect(head).toEqual({ digest: image.digest, mediaType: image.mediaType, size: image.size });

    const byTag = await client.manifestGet('app', 'v1');
    expect(byTag?.digest).toBe(image.digest);
    expect(byTag?.bytes.equals(image.raw)).toBe(true);
    expect(byTag?.parsed.layers.map((l) => l.digest)).toEqual(image.blobs.slice(1));

    // An OCI index comes back as the index (not its amd64 child): the Accept list is sent.
    const multi = await client.manifestGet('app', 'multi');
    expect(multi?.digest).toBe(index.digest);
    expect(multi?.parsed.kind).toBe('index');
    expect(multi?.bytes.equals(index.raw)).toBe(true);
    const child = index.children![1]!;
    const byDigest = await client.manifestGet('app', child.digest);
    expect(byDigest?.bytes.equals(child.raw)).toBe(true);
    expect((await client.manifestHead('app', index.digest))?.mediaType).toBe(MediaType.OciIndex);

    expect(await client.manifestHead('app', 'no-such-tag')).toBeUndefined();
    expect(await client.manifestGet('app', 'no-such-tag')).toBeUndefined();
    expect(await client.manifestHead('nobody/here', 'v1')).toBeUndefined();
  });

  it('reads blobs with HEAD and GET, verifying the digest', async () => {
    const [config, layer] = [image.blobs[0]!, image.blobs[1]!];
    const want = await blobBytes(layer);
    expect(await client.blobHead('app', layer as Digest)).toBe(want.length);
    const { stream, size } = await client.blobGet('app', { digest: layer as Digest, size: want.length });
    expect(size).toBe(want.length);
    expect((await drain(stream)).equals(want)).toBe(true);
    const cfg = await blobBytes(config);
    expect(
      (await drain((await client.blobGet('app', { digest: config as Digest, size: cfg.length })).stream)).equals(cfg),
    ).toBe(true);
    expect(await client.blobHead('app', sha256('not stored anywhere'))).toBeUndefined();
  });

  it('uploads blobs monolithically and in chunks', async () => {
    const small = seededBytes(`${mode}:small`, CHUNK_THRESHOLD - 10);
    const big = seededBytes(`${mode}:big`, CHUNK_SIZE * 3 + 123);
    const patchesBefore = await countRequests(reg, /"PATCH \/v2\/uploads\/blobs\/uploads\//);
    for (const data of [small, big]) {
      const desc = { digest: sha256(data), size: data.length };
      const r = await client.blobUpload('uploads', desc, () => Readable.from([data]));
      expect(r).toEqual({ via: 'uploaded', retries: 0 });
      expect(await client.blobHead('uploads', desc.digest)).toBe(data.length);
      expect((await drain((await client.blobGet('uploads', desc)).stream)).equals(data)).toBe(true);
    }
    // The big blob went up as 4 PATCHes (3 full chunks and the rest); the small one as one PUT.
    const patches = (await countRequests(reg, /"PATCH \/v2\/uploads\/blobs\/uploads\//)) - patchesBefore;
    expect(patches).toBe(4);
  });

  it('writes and deletes manifests; skopeo sees the same bytes', async () => {
    // The image's blobs into a fresh repository by mount, then its manifest by tag.
    for (const d of image.blobs) expect(await client.blobMount('written', d as Digest, 'app')).toBe(true);
    const digest = await client.manifestPut('written', 'w1', image.raw, image.mediaType);
    expect(digest).toBe(image.digest);
    expect((await inspectRaw(dockerRef(reg, 'written:w1'), skopeo())).equals(image.raw)).toBe(true);
    expect(await client.manifestHead('written', 'w1')).toMatchObject({ digest: image.digest });

    await client.manifestDelete('written', digest);
    expect(await client.manifestHead('written', 'w1')).toBeUndefined();
    expect(await client.manifestHead('written', digest)).toBeUndefined();
    const gone = await inspectRaw(dockerRef(reg, 'written:w1'), skopeo()).catch((e: unknown) => e);
    expect(gone).toBeInstanceOf(SkopeoError);
  });

  it('lists the catalog and tags across pages', async () => {
    const repos = ['cat/a', 'cat/b', 'cat/c', 'cat/d', 'cat/e'];
    for (const repo of repos) {
      for (const d of image.blobs) await client.blobMount(repo, d as Digest, 'app');
      await client.manifestPut(repo, 'v1', image.raw, image.mediaType);
    }
    const before = await countRequests(reg, /"GET \/v2\/_catalog/);
    const all = await client.catalog(2);
    expect(all).toEqual(expect.arrayContaining(['app', ...repos]));
    expect(new Set(all).size).toBe(all.length);
    // ≥ 7 repositories at 2 per page: at least 4 pages followed through Link.
    expect((await countRequests(reg, /"GET \/v2\/_catalog/)) - before).toBeGreaterThanOrEqual(4);

    const tags = ['t1', 't2', 't3', 't4', 't5'];
    for (const t of tags) await client.manifestPut('cat/a', t, image.raw, image.mediaType);
    const tagPagesBefore = await countRequests(reg, /"GET \/v2\/cat\/a\/tags\/list\?/);
    const listed = await client.tags('cat/a', 2);
    // distribution 2.8.2 ignores `n` on tags/list and sends every tag with no Link: the client asks
    // for pages of 2 and takes the whole answer. (Link-paginated tags: faults.test.ts, via the proxy.)
    expect((await countRequests(reg, /"GET \/v2\/cat\/a\/tags\/list\?n=2 /)) - tagPagesBefore).toBe(1);
    expect(listed.sort()).toEqual([...tags, 'v1'].sort());
    expect((await listTags(dockerRef(reg, 'cat/a'), skopeo())).sort()).toEqual(listed);
    expect(await client.tags('never/pushed')).toEqual([]);
  });

  it('mounts a blob from another repository (201)', async () => {
    const layer = image.blobs[1] as Digest;
    const tokensBefore = reg.tokenServer?.requests.length ?? 0;
    expect(await client.blobHead('mounted', layer)).toBeUndefined();
    expect(await client.blobMount('mounted', layer, 'app')).toBe(true);
    expect(await countRequests(reg, /"POST \/v2\/mounted\/blobs\/uploads\/\?.*mount=.* 201 /)).toBe(1);
    expect(await client.blobHead('mounted', layer)).toBe((await blobBytes(layer)).length);
    // A blob the source does not have is declined (202) and the opened session cancelled.
    expect(await client.blobMount('mounted', sha256('absent'), 'app')).toBe(false);
    expect(await countRequests(reg, /"DELETE \/v2\/mounted\/blobs\/uploads\/[^ ]+ HTTP\/[\d.]+" 204 /)).toBe(1);
    if (mode === 'token') {
      // One token carries the push scope on the target and the pull scope on the source.
      const asked = reg.tokenServer!.requests.slice(tokensBefore);
      const both = asked.find(
        (r) =>
          r.requested.some((s) => s.name === 'mounted' && s.actions.includes('push')) &&
          r.requested.some((s) => s.name === 'app' && s.actions.join() === 'pull'),
      );
      expect(both, 'a token request with repository:app:pull and the push scope').toBeDefined();
      expect(both!.granted.map((s) => s.name).sort()).toEqual(['app', 'mounted']);
    }
  });

  it('copies an image and a multi-arch index with the client alone; skopeo reads the same digests', async () => {
    const got = await copyWithClient(client, 'app', client, 'copy/dest', 'v1', 'v1');
    expect(got).toBe(image.digest);
    const multi = await copyWithClient(client, 'app', client, 'copy/dest', 'multi', 'multi');
    expect(multi).toBe(index.digest);

    const raw = await inspectRaw(dockerRef(reg, 'copy/dest:v1'), skopeo());
    expect(sha256(raw)).toBe(image.digest);
    const rawIndex = await inspectRaw(dockerRef(reg, 'copy/dest:multi'), skopeo());
    expect(sha256(rawIndex)).toBe(index.digest);
    for (const child of index.children!) {
      const c = await inspectRaw(dockerRef(reg, `copy/dest@${child.digest}`), skopeo());
      expect(sha256(c)).toBe(child.digest);
    }
    expect((await listTags(dockerRef(reg, 'copy/dest'), skopeo())).sort()).toEqual(['multi', 'v1']);
    // The copied layers verify when read back by skopeo's own digest check (a full copy to a layout).
    const out = await createTempDir();
    try {
      const o = skopeo();
      await skopeoCopy(dockerRef(reg, 'copy/dest:multi'), `oci:${out.path}:multi`, {
        all: true,
        srcCreds: o.creds,
        srcCertDir: o.certDir,
        srcTlsVerify: o.tlsVerify,
      });
      expect((await inspectRaw(`oci:${out.path}:multi`)).equals(index.raw)).toBe(true);
    } finally {
      await out.remove();
    }
  });

  it('lists referrers through the sha256-<hex> fallback tag', async () => {
    const listed = await client.referrers('app', image.digest as Digest);
    expect(listed).toHaveLength(1);
    expect(listed[0]).toMatchObject({
      digest: referrer.digest,
      mediaType: referrer.mediaType,
      size: referrer.size,
    });
    // The referrer it names is there to copy.
    expect((await client.manifestGet('app', referrer.digest))?.parsed.subject?.digest).toBe(image.digest);
    expect(await client.referrers('app', index.digest as Digest)).toEqual([]);
  });

  it.runIf(mode !== 'anonymous')('refuses a wrong password as unauthorized', async () => {
    const bad = new RegistryClient({
      registry: reg.host,
      baseUrl: reg.url,
      credentials: { username: 'ferry', password: 'wrong-password' },
      tls: { ca: ca! },
      retry: { baseDelayMs: 10 },
    });
    try {
      const err = await bad.manifestGet('app', 'v1').catch((e: unknown) => e);
      expect(err).toBeInstanceOf(RegistryError);
      expect((err as RegistryError).kind).toBe('unauthorized');
      expect((err as RegistryError).hint).toContain(reg.host);
      expect((err as RegistryError).message).not.toContain('wrong-password');
    } finally {
      await bad.close();
    }
  });

  it.runIf(mode === 'token')('refuses a push by a pull-only user with a hint naming the registry', async () => {
    const reader = new RegistryClient({
      registry: reg.host,
      baseUrl: reg.url,
      credentials: { username: 'reader', password: reg.users.reader! },
      tls: { ca: ca! },
      retry: { baseDelayMs: 10 },
    });
    try {
      // reader may pull…
      expect((await reader.manifestHead('app', 'v1'))?.digest).toBe(image.digest);
      // …but not push.
      const data = seededBytes('reader-push', 100);
      const err = await reader
        .blobUpload('reader/target', { digest: sha256(data), size: data.length }, () => Readable.from([data]))
        .catch((e: unknown) => e);
      expect(err).toBeInstanceOf(RegistryError);
      // distribution answers 401 insufficient_scope even with a fresh token: that is a permission problem.
      expect((err as RegistryError).kind).toBe('denied');
      expect((err as RegistryError).hint).toContain(reg.host);
      expect((err as RegistryError).hint).toContain('push permission');
      const put = await reader.manifestPut('reader/target', 'v1', image.raw, image.mediaType).catch((e: unknown) => e);
      expect((put as RegistryError).kind).toBe('denied');
      expect(await client.tags('reader/target')).toEqual([]);
    } finally {
      await reader.close();
    }
  });

  it.runIf(mode !== 'anonymous')('fails TLS without the CA, with a hint to configure it', async () => {
    const untrusting = new RegistryClient({
      registry: reg.host,
      baseUrl: reg.url,
      credentials: { username: 'ferry', password: reg.users.ferry! },
      retry: { baseDelayMs: 10 },
    });
    try {
      const err = await untrusting.ping().catch((e: unknown) => e);
      expect(err).toBeInstanceOf(RegistryError);
      expect((err as RegistryError).kind).toBe('tls');
      expect((err as RegistryError).hint).toMatch(
        /signed by an authority ferry does not know: give its CA as the registry's tls\.ca in replication\.yaml/,
      );
    } finally {
      await untrusting.close();
    }
  });
});
