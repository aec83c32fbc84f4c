/**
 * The client through the fault-injection proxy in front of real registries (RELIABILITY.md (b)):
 * transient faults are retried to success; corruption and truncation are detected and reported
 * and never written; credentials never reach another host; https→http is refused.
 * Each test scripts the proxy with rules and synchronises on their `fired` promises.
 */
import { Readable } from 'node:stream';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type Digest, sha256 } from '../../src/oci/digest.js';
import { blobsOf, type Descriptor } from '../../src/oci/manifest.js';
import { type ClientOptions, RegistryClient } from '../../src/registry/client.js';
import { type FaultProxy, type RecordedRequest, startFaultProxy } from '../support/fault-proxy.js';
import { createLayout, type FixtureImage, seededBytes } from '../support/oci-fixtures.js';
import { type RecordingServer, startRecordingServer } from '../support/recording-server.js';
import { type RunningRegistry, startRegistry, TOKEN_SERVICE } from '../support/registry-process.js';
import { dockerRef, inspectRaw, refOptions, SkopeoError, seedImage } from '../support/skopeo.js';
import { getTestTls, type TestTls } from '../support/tls.js';
import { createTempDir, type TempDir } from '../support/tmp.js';
import { rejection } from '../support/rejection.js';
import type { RegistryError } from '../../src/registry/errors.js';

const BIG = 256 * 1024;
const RESET_AT = 64 * 1024;

let tmp: TempDir;
let image: FixtureImage;
/** The big layer (≈256 KiB) every blob fault targets, and the small one. */
let big: Descriptor;
let small: Descriptor;
let tls: TestTls;

beforeAll(async () => {
  tls = await getTestTls();
  tmp = await createTempDir();
  const layout = await createLayout(tmp.path);
  image = layout.addImage({ tag: 'v1', layers: [BIG, 1000], seed: 'faults-image' });
  const m = JSON.parse(image.raw.toString('utf8')) as { layers: Descriptor[] };
  [big, small] = [m.layers[0]!, m.layers[1]!];
});

afterAll(async () => {
  await tmp?.remove();
});

async function drain(stream: Readable): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const c of stream) parts.push(c as Buffer);
  return Buffer.concat(parts);
}

/** Client-only copy in commit order: blobs, children by digest, then the tag. */
async function copyWithClient(c: RegistryClient, srcRepo: string, dstRepo: string, ref: string, tag: string) {
  const copyOne = async (reference: string, putAs: string | undefined): Promise<Digest> => {
    const m = await c.manifestGet(srcRepo, reference);
    if (!m) throw new Error(`${srcRepo}:${reference} not found`);
    if (m.parsed.kind === 'index') for (const child of m.parsed.manifests) await copyOne(child.digest, undefined);
    for (const b of blobsOf(m.parsed)) {
      if ((await c.blobHead(dstRepo, b.digest)) !== undefined) continue;
      await c.blobUpload(dstRepo, b, async () => (await c.blobGet(srcRepo, b)).stream);
    }
    return c.manifestPut(dstRepo, putAs ?? m.digest, m.bytes, m.mediaType);
  };
  return copyOne(ref, tag);
}

/** Requests the proxy recorded from index `from` on. */
function since(px: FaultProxy, from: number, method?: string, path?: string | RegExp): RecordedRequest[] {
  return px.requests
    .slice(from)
    .filter(
      (r) =>
        (method === undefined || r.method === method) &&
        (path === undefined || (typeof path === 'string' ? r.path.includes(path) : path.test(r.path))),
    );
}

async function absentWithSkopeo(reg: RunningRegistry, repoAndTag: string): Promise<void> {
  const err = await inspectRaw(dockerRef(reg, repoAndTag), refOptions(reg)).catch((e: unknown) => e);
  expect(err, `${repoAndTag} must not exist`).toBeInstanceOf(SkopeoError);
  expect((err as SkopeoError).stderr).toMatch(/manifest unknown|not found|name unknown/i);
}

describe('anonymous registry behind the fault proxy', () => {
  let reg: RunningRegistry;
  let px: FaultProxy;
  let client: RegistryClient;
  const make = (extra: Partial<ClientOptions> = {}) =>
    new RegistryClient({ registry: px.host, baseUrl: px.url, retry: { baseDelayMs: 10 }, ...extra });

  beforeAll(async () => {
    reg = await startRegistry({ mode: 'anonymous' });
    await seedImage(tmp.path, 'v1', reg, 'src/app:v1');
    px = await startFaultProxy({ target: reg.url });
    client = make();
  });
  afterEach(() => px.clearRules());
  afterAll(async () => {
    await client?.close();
    await px?.stop();
    await reg?.stop();
  });

  it('T1: a blob GET reset mid-body is resumed with Range and the digest verifies', async () => {
    const rule = px.addRule({
      method: 'GET',
      path: `/blobs/${big.digest}`,
      action: { kind: 'reset-after', bytes: RESET_AT },
    });
    const mark = px.requests.length;
    const { stream } = await client.blobGet('src/app', big);
    const data = await drain(stream);
    await rule.fired;
    expect(data.length).toBe(big.size);
    expect(sha256(data)).toBe(big.digest);

    const gets = since(px, mark, 'GET', `/blobs/${big.digest}`);
    expect(gets).toHaveLength(2);
    expect(gets[0]!.faulted).toBe('reset-after');
    expect(gets[0]!.headers.range).toBeUndefined();
    const m = /^bytes=(\d+)-$/.exec(String(gets[1]!.headers.range));
    expect(m, `resume request Range: ${gets[1]!.headers.range}`).not.toBeNull();
    const from = Number(m![1]);
    expect(from).toBeGreaterThan(0);
    expect(from).toBeLessThanOrEqual(RESET_AT);
    expect(gets[1]!.status).toBe(206);
    // Only the missing bytes came again: ≈ one blob in total, not one and a quarter.
    expect(gets[1]!.responseBytes).toBe(big.size - from);
  });

  it('T1: a copy survives the reset; skopeo reads the copied image with the source digest', async () => {
    const rule = px.addRule({
      method: 'GET',
      path: `/blobs/${big.digest}`,
      action: { kind: 'reset-after', bytes: RESET_AT },
    });
    const mark = px.requests.length;
    expect(await copyWithClient(client, 'src/app', 'dst/resumed', 'v1', 'v1')).toBe(image.digest);
    await rule.fired;
    expect(sha256(await inspectRaw(dockerRef(reg, 'dst/resumed:v1'), refOptions(reg)))).toBe(image.digest);
    expect(since(px, mark, 'GET', `/blobs/${big.digest}`).filter((r) => r.headers.range)).toHaveLength(1);
    // One upload session per blob: nothing was sent twice.
    expect(since(px, mark, 'POST', '/dst/resumed/blobs/uploads/')).toHaveLength(3);
  });

  it('T2: a registry that ignores Range after a reset fails cleanly, never concatenating', async () => {
    const reset = px.addRule({
      method: 'GET',
      path: `/blobs/${big.digest}`,
      action: { kind: 'reset-after', bytes: RESET_AT },
    });
    const ignored = px.addRule({
      method: 'GET',
      path: `/blobs/${big.digest}`,
      action: { kind: 'ignore-range' },
    });
    const mark = px.requests.length;
    const { stream } = await client.blobGet('src/app', big);
    let received = 0;
    const err = await rejection(
      (async () => {
        for await (const c of stream) received += (c as Buffer).length;
      })(),
    );
    await Promise.all([reset.fired, ignored.fired]);
    expect(err.kind).toBe('network');
    expect(err.message).toMatch(/cannot resume at byte \d+: the registry ignored or mis-answered the Range request/);
    // The consumer got only the first part; the 200 full body was never appended.
    expect(received).toBeGreaterThan(0);
    expect(received).toBeLessThanOrEqual(RESET_AT);
    const gets = since(px, mark, 'GET', `/blobs/${big.digest}`);
    expect(gets.map((r) => r.status)).toEqual([200, 200]);
  });

  it('T2: in a copy the upload is redone from byte 0 and the destination is exact', async () => {
    px.addRule({
      method: 'GET',
      path: `/blobs/${big.digest}`,
      action: { kind: 'reset-after', bytes: RESET_AT },
    });
    px.addRule({ method: 'GET', path: `/blobs/${big.digest}`, action: { kind: 'ignore-range' } });
    const mark = px.requests.length;
    expect(await copyWithClient(client, 'src/app', 'dst/norange', 'v1', 'v1')).toBe(image.digest);
    // The broken session was cancelled, a fresh one carried the whole blob.
    expect(since(px, mark, 'DELETE', '/dst/norange/blobs/uploads/').length).toBeGreaterThanOrEqual(1);
    const { stream } = await client.blobGet('dst/norange', big);
    expect(sha256(await drain(stream))).toBe(big.digest);
    expect(sha256(await inspectRaw(dockerRef(reg, 'dst/norange:v1'), refOptions(reg)))).toBe(image.digest);
  });

  it('T6/A1: 503 twice on a manifest GET, then success; three requests counted', async () => {
    const fresh = make();
    try {
      const rule = px.addRule({
        method: 'GET',
        path: '/src/app/manifests/v1',
        times: 2,
        action: { kind: 'status', status: 503 },
      });
      const mark = px.requests.length;
      const getsBefore = fresh.transport.counts().GET ?? 0;
      const m = await fresh.manifestGet('src/app', 'v1');
      await rule.fired;
      expect(m?.digest).toBe(image.digest);
      const seen = since(px, mark, 'GET', '/src/app/manifests/v1');
      expect(seen.map((r) => r.status)).toEqual([503, 503, 200]);
      // The ping plus three manifest GETs.
      expect((fresh.transport.counts().GET ?? 0) - getsBefore).toBe(4);
    } finally {
      await fresh.close();
    }
  });

  it('a registry whose API check failed twice, retries and all, is not asked again by that client', async () => {
    const fresh = make();
    try {
      px.addRule({
        method: 'GET',
        path: /^\/v2\/$/,
        times: Number.POSITIVE_INFINITY,
        action: { kind: 'status', status: 503 },
      });
      const mark = px.requests.length;
      // One ask per repository of a rule, one after another: before, each checked the API again,
      // five tries each (about 11 s apiece at the default backoff), however many repositories.
      const errors: unknown[] = [];
      for (const repo of ['a', 'b', 'c', 'd', 'e', 'f'])
        errors.push(await fresh.tags(`src/${repo}`).catch((e: unknown) => e));
      expect(since(px, mark, 'GET', /^\/v2\/$/)).toHaveLength(10);
      expect(since(px, mark).filter((r) => r.path !== '/v2/')).toEqual([]);
      // The same error each time: the rule tells it once, naming the repositories.
      for (const e of errors) expect((e as RegistryError).status).toBe(503);
      expect(new Set(errors.map((e) => (e as Error).message)).size).toBe(1);
    } finally {
      await fresh.close();
    }
  });

  it('one failed API check shared by requests at once counts once: the registry is asked again after it', async () => {
    const fresh = make();
    try {
      const down = px.addRule({
        method: 'GET',
        path: /^\/v2\/$/,
        times: Number.POSITIVE_INFINITY,
        action: { kind: 'status', status: 503 },
      });
      // Three requests at once share one check (five tries), which fails.
      const first = await Promise.allSettled(['a', 'b', 'c'].map((r) => fresh.tags(`src/${r}`)));
      expect(first.map((s) => s.status)).toEqual(['rejected', 'rejected', 'rejected']);
      await down.fired;
      px.clearRules();
      // Before: each request waiting on it counted the failure, and one outage ended the run's use
      // of the registry. Now the next request checks again, and the registry answers.
      expect(await fresh.tags('src/app')).toEqual(['v1']);
    } finally {
      await fresh.close();
    }
  });

  it('T6: 503 twice on the blob PUT redoes the whole upload session, then commits', async () => {
    const data = seededBytes('faults-503', 10_000);
    const desc = { digest: sha256(data), size: data.length };
    const rule = px.addRule({
      method: 'PUT',
      path: '/dst/flaky/blobs/uploads/',
      times: 2,
      action: { kind: 'status', status: 503 },
    });
    const mark = px.requests.length;
    const r = await client.blobUpload('dst/flaky', desc, () => Readable.from([data]));
    await rule.fired;
    expect(r).toEqual({ via: 'uploaded', retries: 2 });
    expect(since(px, mark, 'POST', '/dst/flaky/blobs/uploads/')).toHaveLength(3);
    expect(since(px, mark, 'DELETE', '/dst/flaky/blobs/uploads/')).toHaveLength(2);
    expect(since(px, mark, 'PUT', '/dst/flaky/blobs/uploads/').map((x) => x.status)).toEqual([503, 503, 201]);
    expect(sha256(await drain((await client.blobGet('dst/flaky', desc)).stream))).toBe(desc.digest);
  });

  it('T6: a connection reset in the middle of the blob PUT body redoes the session', async () => {
    const data = seededBytes('faults-reset-put', 50_000);
    const desc = { digest: sha256(data), size: data.length };
    const rule = px.addRule({
      method: 'PUT',
      path: '/dst/resetput/blobs/uploads/',
      action: { kind: 'reset-request-after', bytes: 10_000 },
    });
    const mark = px.requests.length;
    const r = await client.blobUpload('dst/resetput', desc, () => Readable.from([data]));
    await rule.fired;
    expect(r).toEqual({ via: 'uploaded', retries: 1 });
    expect(since(px, mark, 'POST', '/dst/resetput/blobs/uploads/')).toHaveLength(2);
    expect(sha256(await drain((await client.blobGet('dst/resetput', desc)).stream))).toBe(desc.digest);
  });

  it('T15: a chunked upload whose second PATCH is reset still ends with the right blob', async () => {
    const chunked = make({ chunkThreshold: 4096, chunkSize: 4096 });
    try {
      const data = seededBytes('faults-reset-patch', 4096 * 4 + 100);
      const desc = { digest: sha256(data), size: data.length };
      const rule = px.addRule({
        method: 'PATCH',
        path: '/dst/resetpatch/blobs/uploads/',
        skip: 1,
        action: { kind: 'reset-request-after', bytes: 1000 },
      });
      const mark = px.requests.length;
      const r = await chunked.blobUpload('dst/resetpatch', desc, () => Readable.from([data]));
      await rule.fired;
      // Recovered inside the session (RELIABILITY D4): the status GET (204, Range 0-4095) said
      // where to go on, and the lost chunk was sent again from that offset; no new session.
      expect(r).toEqual({ via: 'uploaded', retries: 0 });
      expect(since(px, mark, 'POST', '/dst/resetpatch/blobs/uploads/')).toHaveLength(1);
      expect(since(px, mark, 'GET', '/dst/resetpatch/blobs/uploads/').map((x) => x.status)).toEqual([204]);
      expect(since(px, mark, 'PATCH', '/dst/resetpatch/blobs/uploads/').map((x) => x.headers['content-range'])).toEqual(
        ['0-4095', '4096-8191', '4096-8191', '8192-12287', '12288-16383', '16384-16483'],
      );
      const commits = since(px, mark, 'PUT', '/dst/resetpatch/blobs/uploads/').filter((x) => x.status === 201);
      expect(commits).toHaveLength(1);
      expect(sha256(await drain((await chunked.blobGet('dst/resetpatch', desc)).stream))).toBe(desc.digest);
    } finally {
      await chunked.close();
    }
  });

  it('T5: 429 with Retry-After: 1 waits a second, then succeeds', async () => {
    const rule = px.addRule({
      method: 'HEAD',
      path: '/src/app/manifests/v1',
      action: { kind: 'status', status: 429, headers: { 'retry-after': '1' } },
    });
    const mark = px.requests.length;
    expect((await client.manifestHead('src/app', 'v1'))?.digest).toBe(image.digest);
    await rule.fired;
    const heads = since(px, mark, 'HEAD', '/src/app/manifests/v1');
    expect(heads.map((r) => r.status)).toEqual([429, 200]);
    expect(heads[1]!.at - heads[0]!.at).toBeGreaterThanOrEqual(990);
  });

  it('T5: Retry-After beyond maxRetryAfterMs fails fast with a rate-limited hint', async () => {
    const rule = px.addRule({
      method: 'HEAD',
      path: '/src/app/manifests/v1',
      action: {
        kind: 'status',
        status: 429,
        headers: { 'retry-after': '3600', 'ratelimit-remaining': '0;w=21600' },
      },
    });
    const mark = px.requests.length;
    const started = Date.now();
    const err = await rejection(client.manifestHead('src/app', 'v1'));
    await rule.fired;
    expect(Date.now() - started).toBeLessThan(1000);
    expect(err.kind).toBe('rate-limited');
    expect(err.status).toBe(429);
    expect(err.hint).toContain(px.host);
    expect(err.hint).toMatch(/retry after 3600 s/);
    expect(err.hint).toContain('ratelimit-remaining: 0;w=21600');
    expect(since(px, mark, 'HEAD')).toHaveLength(1);
  });

  it('truncated blob bodies are reported and nothing is written at the destination', async () => {
    px.addRule({
      method: 'GET',
      path: `/blobs/${big.digest}`,
      times: Number.POSITIVE_INFINITY,
      action: { kind: 'truncate-after', bytes: 50_000 },
    });
    const mark = px.requests.length;
    const err = await rejection(copyWithClient(client, 'src/app', 'dst/truncated', 'v1', 'v1'));
    expect(err.kind).toBe('network');
    expect(err.message).toContain(big.digest);
    expect(err.message).toMatch(/connection lost after \d+ of \d+ bytes/);
    expect(await client.blobHead('dst/truncated', big.digest)).toBeUndefined();
    expect(since(px, mark, 'PUT', '/dst/truncated/manifests/')).toHaveLength(0);
    expect(await client.tags('dst/truncated')).toEqual([]);
    await absentWithSkopeo(reg, 'dst/truncated:v1');
  });

  it('a manifest body cut short is fetched again; cut every time it fails as network, not too-large', async () => {
    const once = px.addRule({
      method: 'GET',
      path: '/src/app/manifests/v1',
      action: { kind: 'truncate-after', bytes: 100 },
    });
    const mark = px.requests.length;
    const m = await client.manifestGet('src/app', 'v1');
    await once.fired;
    expect(m?.bytes.equals(image.raw)).toBe(true);
    expect(since(px, mark, 'GET', '/src/app/manifests/v1').map((r) => r.responseBytes)).toEqual([100, image.size]);

    px.clearRules();
    px.addRule({
      method: 'GET',
      path: '/src/app/manifests/v1',
      times: Number.POSITIVE_INFINITY,
      action: { kind: 'truncate-after', bytes: 100 },
    });
    const err = await rejection(client.manifestGet('src/app', 'v1'));
    expect(err.kind).toBe('network');
    expect(err.message).toContain('connection lost');
    expect(err.temporary).toBe(true);
  });

  it('T3: a flipped byte is a digest-mismatch; the upload is cancelled, never committed', async () => {
    const rule = px.addRule({
      method: 'GET',
      path: `/blobs/${big.digest}`,
      action: { kind: 'flip-byte', offset: 100_000 },
    });
    const mark = px.requests.length;
    const err = await rejection(copyWithClient(client, 'src/app', 'dst/flipped', 'v1', 'v1'));
    await rule.fired;
    expect(err.kind).toBe('digest-mismatch');
    expect(err.message).toContain(big.digest);
    expect(err.message).toContain('src/app');
    expect(err.hint).toMatch(/nothing was written/);
    expect(await client.blobHead('dst/flipped', big.digest)).toBeUndefined();
    // The session was cancelled (D5) and no blob PUT was answered 201 for the corrupt bytes.
    expect(since(px, mark, 'DELETE', '/dst/flipped/blobs/uploads/').length).toBeGreaterThanOrEqual(1);
    const puts = since(px, mark, 'PUT', '/dst/flipped/blobs/uploads/').filter((p) =>
      p.query.includes(big.digest.slice(7)),
    );
    expect(puts.filter((p) => p.status === 201)).toHaveLength(0);
    // The last chunk is held back until the digest verifies: the registry never got the whole body.
    for (const p of puts) expect(p.requestBytes).toBeLessThan(big.size);
    expect(since(px, mark, 'PUT', '/dst/flipped/manifests/')).toHaveLength(0);
    await absentWithSkopeo(reg, 'dst/flipped:v1');
  });

  it('T4: a Content-Length that disagrees with the descriptor is refused before any byte is pushed', async () => {
    px.addRule({
      method: 'GET',
      path: `/blobs/${big.digest}`,
      times: Number.POSITIVE_INFINITY,
      action: { kind: 'content-length', delta: 1 },
    });
    const mark = px.requests.length;
    const err = await rejection(copyWithClient(client, 'src/app', 'dst/badlength', 'v1', 'v1'));
    expect(err.kind).toBe('size-mismatch');
    expect(err.message).toContain(`Content-Length ${big.size + 1}`);
    expect(
      since(px, mark, 'PUT', `/dst/badlength/blobs/uploads/`).filter((p) => p.query.includes(big.digest.slice(7))),
    ).toHaveLength(0);
    expect(await client.blobHead('dst/badlength', big.digest)).toBeUndefined();
  });

  it('follows Link pagination of tags page by page', async () => {
    // distribution 2.8.2 ignores `n` on tags/list; the proxy pages its answer like registries that honour it.
    for (const t of ['a1', 'a2', 'a3', 'a4']) {
      await seedImage(tmp.path, 'v1', reg, `src/app:${t}`);
    }
    px.addRule({
      method: 'GET',
      path: '/v2/src/app/tags/list',
      times: Number.POSITIVE_INFINITY,
      action: {
        kind: 'custom',
        handle: (req, res) => {
          const u = new URL(req.url ?? '/', 'http://x');
          const n = Number(u.searchParams.get('n') ?? 100);
          const last = u.searchParams.get('last');
          const all = ['a1', 'a2', 'a3', 'a4', 'v1'];
          const start = last ? all.indexOf(last) + 1 : 0;
          const page = all.slice(start, start + n);
          const headers: Record<string, string> = { 'content-type': 'application/json' };
          if (start + n < all.length) headers.link = `</v2/src/app/tags/list?last=${page.at(-1)}&n=${n}>; rel="next"`;
          res.writeHead(200, headers).end(JSON.stringify({ name: 'src/app', tags: page }));
        },
      },
    });
    const mark = px.requests.length;
    expect(await client.tags('src/app', 2)).toEqual(['a1', 'a2', 'a3', 'a4', 'v1']);
    expect(since(px, mark, 'GET', '/tags/list').map((r) => r.query)).toEqual(['n=2', 'last=a2&n=2', 'last=a4&n=2']);
  });
});

describe('basic-auth TLS registry behind a TLS fault proxy', () => {
  let reg: RunningRegistry;
  let px: FaultProxy;
  let cdn: RecordingServer;
  let plainCdn: RecordingServer;
  let client: RegistryClient;
  let basic: string;

  beforeAll(async () => {
    reg = await startRegistry({ mode: 'basic' });
    await seedImage(tmp.path, 'v1', reg, 'src/app:v1');
    const cert = { cert: tls.certPem, key: tls.keyPem };
    px = await startFaultProxy({ target: reg.url, targetCa: tls.caPem, tls: cert });
    basic = `Basic ${Buffer.from(`ferry:${reg.users.ferry}`).toString('base64')}`;
    // The "CDN" on 127.0.0.2 holds its own credentials for the registry (as storage would).
    cdn = await startRecordingServer({
      tls: cert,
      upstream: reg.url,
      upstreamCa: tls.caPem,
      upstreamHeaders: { authorization: basic },
    });
    plainCdn = await startRecordingServer({ host: '127.0.0.3', status: 200, body: 'not a blob' });
    client = new RegistryClient({
      registry: px.host,
      baseUrl: px.url,
      credentials: { username: 'ferry', password: reg.users.ferry! },
      tls: { ca: tls.caPem },
      retry: { baseDelayMs: 10 },
    });
  });
  afterEach(() => px.clearRules());
  afterAll(async () => {
    await client?.close();
    await cdn?.stop();
    await plainCdn?.stop();
    await px?.stop();
    await reg?.stop();
  });

  it('T8: a blob GET redirected to another host gets the right bytes and sends it no Authorization', async () => {
    const rule = px.addRule({
      method: 'GET',
      path: '/blobs/',
      times: Number.POSITIVE_INFINITY,
      action: {
        kind: 'redirect',
        status: 307,
        location: ({ path, query }) => `${cdn.url}${path}${query ? `?${query}` : ''}`,
      },
    });
    const mark = px.requests.length;
    const cdnMark = cdn.requests.length;
    const { stream } = await client.blobGet('src/app', big);
    expect(sha256(await drain(stream))).toBe(big.digest);
    // A whole copy with every blob GET redirected: skopeo reads the source digest at the destination.
    expect(await copyWithClient(client, 'src/app', 'dst/cdn', 'v1', 'v1')).toBe(image.digest);
    expect(sha256(await inspectRaw(dockerRef(reg, 'dst/cdn:v1'), refOptions(reg)))).toBe(image.digest);
    expect(rule.count()).toBeGreaterThanOrEqual(4);

    const atCdn = cdn.requests.slice(cdnMark);
    expect(atCdn.length).toBeGreaterThanOrEqual(4);
    for (const r of atCdn) {
      expect(r.headers.authorization, `${r.method} ${r.path}`).toBeUndefined();
      expect(r.headers.cookie).toBeUndefined();
      expect(r.headers['proxy-authorization']).toBeUndefined();
    }
    // The registry itself did get the credentials on the request it redirected.
    const redirected = since(px, mark, 'GET', '/blobs/').filter((r) => r.faulted === 'redirect');
    expect(redirected.length).toBeGreaterThanOrEqual(4);
    for (const r of redirected) expect(r.headers.authorization).toBe(basic);
  });

  it('T9: a redirect from https to http is refused before connecting', async () => {
    px.addRule({
      method: 'GET',
      path: `/blobs/${big.digest}`,
      action: { kind: 'redirect', location: ({ path }) => `${plainCdn.url}${path}` },
    });
    const err = await rejection(client.blobGet('src/app', big));
    expect(err.kind).toBe('redirect-refused');
    expect(err.message).toMatch(/https to http/);
    expect(plainCdn.requests).toHaveLength(0);
  });

  it('T9: a redirect loop stops after 10 hops', async () => {
    const rule = px.addRule({
      method: 'GET',
      path: `/blobs/${small.digest}`,
      times: Number.POSITIVE_INFINITY,
      action: { kind: 'redirect', location: ({ path }) => `${px.url}${path}` },
    });
    const err = await rejection(client.blobGet('src/app', small));
    expect(err.kind).toBe('redirect-refused');
    expect(err.message).toMatch(/more than 10 redirects/);
    expect(rule.count()).toBe(10);
  });
});

describe('token registry behind a TLS fault proxy', () => {
  let reg: RunningRegistry;
  let px: FaultProxy;
  let client: RegistryClient;
  const invalidToken = (scope: string) => ({
    kind: 'status' as const,
    status: 401,
    headers: {
      'content-type': 'application/json',
      'www-authenticate': `Bearer realm="${reg.tokenServer!.url}/token",service="${TOKEN_SERVICE}",scope="${scope}",error="invalid_token"`,
    },
    body: JSON.stringify({ errors: [{ code: 'UNAUTHORIZED', message: 'authentication required' }] }),
  });
  const tokenRequests = () => reg.tokenServer!.requests.length;

  beforeAll(async () => {
    reg = await startRegistry({ mode: 'token' });
    await seedImage(tmp.path, 'v1', reg, 'src/app:v1');
    px = await startFaultProxy({
      target: reg.url,
      targetCa: tls.caPem,
      tls: { cert: tls.certPem, key: tls.keyPem },
    });
    client = new RegistryClient({
      registry: px.host,
      baseUrl: px.url,
      credentials: { username: 'ferry', password: reg.users.ferry! },
      tls: { ca: tls.caPem },
      retry: { baseDelayMs: 10 },
      chunkThreshold: 4096,
      chunkSize: 2048,
    });
    // Warm up: a token for pull on src/app is cached.
    expect((await client.manifestHead('src/app', 'v1'))?.digest).toBe(image.digest);
  });
  afterEach(() => px.clearRules());
  afterAll(async () => {
    await client?.close();
    await px?.stop();
    await reg?.stop();
  });

  it('T12: a 401 invalid_token once makes exactly one token refresh, then succeeds', async () => {
    const rule = px.addRule({
      method: 'GET',
      path: '/src/app/manifests/v1',
      action: invalidToken('repository:src/app:pull'),
    });
    const mark = px.requests.length;
    const tokensBefore = tokenRequests();
    expect((await client.manifestGet('src/app', 'v1'))?.digest).toBe(image.digest);
    await rule.fired;
    expect(tokenRequests() - tokensBefore).toBe(1);
    const gets = since(px, mark, 'GET', '/src/app/manifests/v1');
    expect(gets.map((r) => r.status)).toEqual([401, 200]);
    // The retry carried the new token, not the rejected one.
    expect(gets[1]!.headers.authorization).toBe(`Bearer ${reg.tokenServer!.requests.at(-1)!.token}`);
    expect(gets[1]!.headers.authorization).not.toBe(gets[0]!.headers.authorization);
  });

  it('T12: a 401 repeated on the same request is final: unauthorized after two tries, no loop', async () => {
    px.addRule({
      method: 'GET',
      path: '/src/app/manifests/v1',
      times: 5,
      action: invalidToken('repository:src/app:pull'),
    });
    const mark = px.requests.length;
    const tokensBefore = tokenRequests();
    const err = await rejection(client.manifestGet('src/app', 'v1'));
    expect(err.kind).toBe('unauthorized');
    expect(err.hint).toContain(px.host);
    expect(since(px, mark, 'GET', '/src/app/manifests/v1')).toHaveLength(2);
    expect(tokenRequests() - tokensBefore).toBe(1);
  });

  it('T12: a 401 invalid_token on the commit PUT of a chunked upload refreshes once and commits', async () => {
    const data = seededBytes('faults-token-chunked', 9000);
    const desc = { digest: sha256(data), size: data.length };
    const rule = px.addRule({
      method: 'PUT',
      path: '/dst/tok/blobs/uploads/',
      action: invalidToken('repository:dst/tok:pull,push'),
    });
    const mark = px.requests.length;
    expect(await client.blobUpload('dst/tok', desc, () => Readable.from([data]))).toEqual({
      via: 'uploaded',
      retries: 0,
    });
    await rule.fired;
    expect(since(px, mark, 'PATCH', '/dst/tok/blobs/uploads/').length).toBeGreaterThanOrEqual(4);
    expect(since(px, mark, 'PUT', '/dst/tok/blobs/uploads/').map((r) => r.status)).toEqual([401, 201]);
    expect(await client.blobHead('dst/tok', desc.digest)).toBe(data.length);
  });

  it('T12: a 401 invalid_token on a monolithic blob PUT refreshes once and re-sends the body', async () => {
    const data = seededBytes('faults-token-mono', 1000);
    const desc = { digest: sha256(data), size: data.length };
    const rule = px.addRule({
      method: 'PUT',
      path: '/dst/tok2/blobs/uploads/',
      action: invalidToken('repository:dst/tok2:pull,push'),
    });
    const mark = px.requests.length;
    const tokensBefore = tokenRequests();
    await client.blobUpload('dst/tok2', desc, () => Readable.from([data]));
    await rule.fired;
    expect(tokenRequests() - tokensBefore).toBeLessThanOrEqual(2);
    expect(since(px, mark, 'PUT', '/dst/tok2/blobs/uploads/').map((r) => r.status)).toEqual([401, 201]);
    expect(sha256(await drain((await client.blobGet('dst/tok2', desc)).stream))).toBe(desc.digest);
  });
});
