/**
 * Hostile registries (issue 15): pagination that loops or never ends, a registry that sends a
 * manifest at 1 byte/s, and a plain-http registry whose token realm sits on another origin. Each
 * runs against a real docker-registry behind the fault proxy, or a fake registry that is nothing
 * but the hostile behaviour.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Digest, sha256 } from '../../src/oci/digest.js';
import { blobsOf, type Descriptor } from '../../src/oci/manifest.js';
import {
  type ClientOptions,
  LISTING_MAX_BYTES,
  LISTING_MAX_ENTRIES,
  RegistryClient,
} from '../../src/registry/client.js';
import { type FaultProxy, startFaultProxy } from '../support/fault-proxy.js';
import { createLayout, type FixtureImage } from '../support/oci-fixtures.js';
import { type RecordingServer, startRecordingServer } from '../support/recording-server.js';
import { type RunningRegistry, startRegistry } from '../support/registry-process.js';
import { seedImage } from '../support/skopeo.js';
import { createTempDir, type TempDir } from '../support/tmp.js';
import { rejection } from '../support/rejection.js';

const MiB = 1024 * 1024;
/** The bounds issue 15 sets for a listing that never ends. */
const LISTING_SECONDS = 20;
const LISTING_MEMORY = 500 * MiB;
/** The bound issue 15 sets for a body sent at 1 byte/s. */
const SLOW_BODY_SECONDS = 90;

let tmp: TempDir;
let image: FixtureImage;
let big: Descriptor;
let reg: RunningRegistry;
let px: FaultProxy;

beforeAll(async () => {
  tmp = await createTempDir();
  const layout = await createLayout(tmp.path);
  image = layout.addImage({ tag: 'v1', layers: [256 * 1024, 1000], seed: 'hostile-image' });
  big = (JSON.parse(image.raw.toString('utf8')) as { layers: Descriptor[] }).layers[0]!;
  reg = await startRegistry({ mode: 'anonymous' });
  for (const repo of ['src/app', 'loop/a', 'loop/b', 'loop/c']) await seedImage(tmp.path, 'v1', reg, `${repo}:t1`);
  px = await startFaultProxy({ target: reg.url });
});

afterAll(async () => {
  await px?.stop();
  await reg?.stop();
  await tmp?.remove();
});

async function drain(stream: Readable): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const c of stream) parts.push(c as Buffer);
  return Buffer.concat(parts);
}

/** Runs `fn`, sampling the resident set every 20 ms; the peak growth over the start and the seconds taken. */
async function measured<T>(fn: () => Promise<T>): Promise<{ result: T; seconds: number; peakGrowth: number }> {
  const start = process.memoryUsage.rss();
  let peak = start;
  const sampler = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage.rss());
  }, 20);
  const t0 = performance.now();
  try {
    const result = await fn();
    peak = Math.max(peak, process.memoryUsage.rss());
    return { result, seconds: (performance.now() - t0) / 1000, peakGrowth: peak - start };
  } finally {
    clearInterval(sampler);
  }
}

/**
 * A fake registry that is only a tag list: `/v2/` answers 200, every `tags/list` request gets
 * `page(k)` (k from `?page=k`, 0 for the first) and a next Link `link(k)`.
 */
async function fakeTagList(page: (k: number) => string, link: (k: number) => string): Promise<RecordingServer> {
  return startRecordingServer({
    host: '127.0.0.1',
    handler: (req: IncomingMessage, res: ServerResponse) => {
      const url = new URL(req.url ?? '/', 'http://x');
      if (url.pathname === '/v2/') {
        res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
        return;
      }
      const k = Number(url.searchParams.get('page') ?? 0);
      res.writeHead(200, { 'content-type': 'application/json', link: `<${link(k)}>; rel="next"` }).end(page(k));
    },
  });
}

/** A tags/list body of `count` tags of `length` characters, distinct within the page. */
function tagPage(count: number, length: number, prefix: string): string {
  const tags = Array.from({ length: count }, (_, i) => `${prefix}${i}`.padEnd(length, 'x'));
  return JSON.stringify({ name: 'app', tags });
}

describe('Link pagination (issue 15 item 3)', () => {
  it('a tag list whose second page answers 404 NAME_UNKNOWN fails: the repository is not taken for empty', async () => {
    await seedImage(tmp.path, 'v1', reg, 'paged/app:t1');
    await seedImage(tmp.path, 'v1', reg, 'paged/app:t2');
    // distribution 2.8 does not page tag lists: the proxy adds the Link a paging registry sends.
    // Then a replica behind the load balancer that does not know the repository yet answers page 2.
    px.addRule({
      method: 'GET',
      path: '/v2/paged/app/tags/list',
      action: { kind: 'add-header', headers: { Link: '</v2/paged/app/tags/list?last=t2&n=2>; rel="next"' } },
    });
    px.addRule({
      method: 'GET',
      path: '/v2/paged/app/tags/list',
      skip: 1,
      action: {
        kind: 'status',
        status: 404,
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ errors: [{ code: 'NAME_UNKNOWN', message: 'repository name not known to registry' }] }),
      },
    });
    const c = new RegistryClient({ registry: px.host, baseUrl: px.url });
    try {
      // Before, the tags read on page 1 were dropped and the repository listed as empty: at a
      // destination every tag then looked absent, and was written over even with override off.
      const e = await rejection(c.tags('paged/app', 2));
      expect(e.kind).toBe('invalid');
      expect(e.message).toMatch(
        /^listing tags of 127\.0\.0\.1:\d+\/paged\/app: page 2 of the listing answered HTTP 404 NAME_UNKNOWN after page 1 was read \(after 1 page\(s\), 2 entries/,
      );
      expect(e.hint).toMatch(/lagging behind.*ferry decides nothing on a listing it could not read whole: run again$/);
      // The first page alone still says a repository is not there.
      expect(await c.tags('paged/none', 1)).toEqual([]);
    } finally {
      px.clearRules();
      await c.close();
    }
  });

  it("a real registry's catalog whose next link leads back to the first page fails after one round", async () => {
    const rule = px.addRule({
      method: 'GET',
      path: '/v2/_catalog',
      times: Number.POSITIVE_INFINITY,
      // distribution pages the catalog with ?last=<name>&n=1; the page after loop/b points at the first page.
      action: {
        kind: 'add-header',
        headers: ({ query }): Record<string, string> =>
          new URLSearchParams(query).get('last') === 'loop/b' ? { Link: '</v2/_catalog?n=1>; rel="next"' } : {},
      },
    });
    const c = new RegistryClient({ registry: px.host, baseUrl: px.url });
    try {
      const mark = px.requests.length;
      const e = await rejection(c.catalog(1));
      expect(e.kind).toBe('invalid');
      expect(e.message).toMatch(
        /^listing repositories 127\.0\.0\.1:\d+: the registry's pagination repeats page \/v2\/_catalog\?n=1: the Link rel="next" of page 3 points back to a page already read/,
      );
      expect(e.hint).toContain('catalog pagination loops');
      const pages = px.requests.slice(mark).filter((r) => r.path === '/v2/_catalog');
      expect(pages.map((r) => new URLSearchParams(r.query).get('last'))).toEqual([null, 'loop/a', 'loop/b']);
      expect(rule.count()).toBe(3);
    } finally {
      px.clearRules();
      await c.close();
    }
  });

  it(`a tag list of 4 MiB pages that links to itself stops at the first repeat (bound: ${LISTING_SECONDS} s, ${LISTING_MEMORY / MiB} MiB)`, async () => {
    const body = tagPage(32_000, 128, 'self-');
    const fake = await fakeTagList(
      () => body,
      () => '/v2/app/tags/list?n=1000',
    );
    const c = new RegistryClient({ registry: fake.host, baseUrl: fake.url });
    try {
      const { result: e, seconds, peakGrowth } = await measured(() => rejection(c.tags('app')));
      expect(e.message).toContain(`listing tags of ${fake.host}/app: the registry's pagination repeats page`);
      expect(fake.requests.filter((r) => r.path === '/v2/app/tags/list')).toHaveLength(1);
      expect(seconds).toBeLessThan(LISTING_SECONDS);
      expect(peakGrowth).toBeLessThan(LISTING_MEMORY);
    } finally {
      await c.close();
      await fake.stop();
    }
  });

  it(`distinct 4 MiB pages without end stop at the ${LISTING_MAX_BYTES / MiB} MiB bound (bound: ${LISTING_SECONDS} s, ${LISTING_MEMORY / MiB} MiB)`, async () => {
    const body = tagPage(32_000, 128, 'big-');
    const fake = await fakeTagList(
      () => body,
      (k) => `/v2/app/tags/list?n=1000&page=${k + 1}`,
    );
    const c = new RegistryClient({ registry: fake.host, baseUrl: fake.url });
    try {
      const { result: e, seconds, peakGrowth } = await measured(() => rejection(c.tags('app')));
      expect(e.kind).toBe('too-large');
      expect(e.message).toContain(`the listing is longer than ${LISTING_MAX_BYTES} bytes`);
      const pages = fake.requests.filter((r) => r.path === '/v2/app/tags/list').length;
      expect(pages).toBe(Math.ceil(LISTING_MAX_BYTES / Buffer.byteLength(body)));
      expect(seconds).toBeLessThan(LISTING_SECONDS);
      expect(peakGrowth).toBeLessThan(LISTING_MEMORY);
    } finally {
      await c.close();
      await fake.stop();
    }
  });

  it(`distinct pages of short tags without end stop at the ${LISTING_MAX_ENTRIES} entries bound (bound: ${LISTING_SECONDS} s, ${LISTING_MEMORY / MiB} MiB)`, async () => {
    const body = tagPage(100_000, 1, 'e');
    const fake = await fakeTagList(
      () => body,
      (k) => `/v2/app/tags/list?n=100000&page=${k + 1}`,
    );
    const c = new RegistryClient({ registry: fake.host, baseUrl: fake.url });
    try {
      const { result: e, seconds, peakGrowth } = await measured(() => rejection(c.tags('app', 100_000)));
      expect(e.kind).toBe('too-large');
      expect(e.message).toContain(`the listing is longer than ${LISTING_MAX_ENTRIES} entries`);
      expect(fake.requests.filter((r) => r.path === '/v2/app/tags/list')).toHaveLength(
        LISTING_MAX_ENTRIES / 100_000 + 1,
      );
      expect(seconds).toBeLessThan(LISTING_SECONDS);
      expect(peakGrowth).toBeLessThan(LISTING_MEMORY);
    } finally {
      await c.close();
      await fake.stop();
    }
  });
});

describe('an https:// URL for a plain-HTTP registry', () => {
  it('says the server answered plain HTTP, without OpenSSL’s record-layer text, and how to fix the URL', async () => {
    const c = new RegistryClient({ registry: reg.host, baseUrl: `https://${reg.host}`, retry: { attempts: 1 } });
    try {
      const e = await rejection(c.tags('src/app'));
      expect(e.kind).toBe('tls');
      expect(e.message).toMatch(
        /: ERR_SSL_WRONG_VERSION_NUMBER: the TLS handshake failed: the server answered plain HTTP$/,
      );
      // Before: "…:error:0A00010B:SSL routines:tls_validate_record_header:wrong version number:../deps/openssl/…"
      expect(e.message).not.toMatch(/SSL routines|openssl/);
      expect(e.hint).toContain(`answered plain HTTP on an https:// URL`);
    } finally {
      await c.close();
    }
  });
});

describe('slow-loris (issue 15 item 4)', () => {
  const make = (extra: Partial<ClientOptions> = {}) =>
    new RegistryClient({ registry: px.host, baseUrl: px.url, retry: { baseDelayMs: 10 }, ...extra });

  it(`a manifest sent at 1 byte/s gives up at its deadline (bound: ${SLOW_BODY_SECONDS} s)`, async () => {
    const rule = px.addRule({
      method: 'GET',
      path: '/v2/src/app/manifests/t1',
      times: Number.POSITIVE_INFINITY,
      action: { kind: 'throttle', bytesPerSecond: 1 },
    });
    const c = make({ deadlines: { requestMs: 3_000 } });
    try {
      const mark = px.requests.length;
      const t0 = performance.now();
      const e = await rejection(c.manifestGet('src/app', 't1'));
      const seconds = (performance.now() - t0) / 1000;
      await rule.fired;
      expect(e.kind).toBe('timeout');
      expect(e.message).toBe(
        `fetching manifest of ${px.host}/src/app: GET /v2/src/app/manifests/t1 took longer than 3 s (deadline); the registry is too slow or stalled`,
      );
      expect(seconds).toBeLessThan(SLOW_BODY_SECONDS);
      // The body was being read when the deadline hit, and the request was not tried again.
      const gets = px.requests.slice(mark).filter((r) => r.path === '/v2/src/app/manifests/t1');
      expect(gets).toHaveLength(1);
      expect(gets[0]!.status).toBe(200);
      expect(gets[0]!.responseBytes).toBeGreaterThan(0);
      expect(gets[0]!.responseBytes).toBeLessThan(image.raw.length);
      expect(rule.count()).toBe(1);
      expect(c.transport.pendingDeadlines).toBe(0);
    } finally {
      px.clearRules();
      await c.close();
    }
  });

  it('a blob sent below the floor rate gives up at grace + size / floor', async () => {
    px.addRule({
      method: 'GET',
      path: `/blobs/${big.digest}`,
      times: Number.POSITIVE_INFINITY,
      action: { kind: 'throttle', bytesPerSecond: 32 * 1024 },
    });
    // 0.5 s + 256 KiB at about 256 KiB/s = 1.5 s, where the throttled blob needs 8 s. A floor that
    // is no whole number of KiB, as a rule's bandwidth cap makes it, is shown rounded in the hint.
    const c = make({ deadlines: { blobGraceMs: 500, blobFloorBytesPerSecond: 256 * 1024 + 100 } });
    try {
      const { stream } = await c.blobGet('src/app', big);
      const e = await rejection(drain(stream));
      expect(e.kind).toBe('timeout');
      expect(e.message).toBe(
        `fetching blob from ${px.host}/src/app: GET /v2/src/app/blobs/${big.digest} (${big.size} bytes) took longer than 1.5 s (deadline); the registry is too slow or stalled`,
      );
      expect(e.hint).toContain('or for a blob 0.5 s plus 1 s per 256.1 KiB;');
      expect(c.transport.pendingDeadlines).toBe(0);
    } finally {
      px.clearRules();
      await c.close();
    }
  });

  it('a whole copy under the default deadlines leaves no deadline running', async () => {
    const c = make();
    try {
      const m = await c.manifestGet('src/app', 't1');
      for (const b of blobsOf(m!.parsed)) {
        if ((await c.blobHead('dst/copy', b.digest as Digest)) !== undefined) continue;
        await c.blobUpload('dst/copy', b, async () => (await c.blobGet('src/app', b)).stream);
      }
      expect(await c.manifestPut('dst/copy', 't1', m!.bytes, m!.mediaType)).toBe(image.digest);
      const { stream } = await c.blobGet('dst/copy', big);
      expect(sha256(await drain(stream))).toBe(big.digest);
      expect(await c.tags('dst/copy')).toEqual(['t1']);
      expect(c.transport.pendingDeadlines).toBe(0);
    } finally {
      await c.close();
    }
  });
});

describe('token realm of a plain-http registry (issue 15 item 7)', () => {
  const CREDS = { username: 'ferry', password: 'plain-http-realm-secret' };

  /** A plain-http gate in front of the registry that wants a Bearer token from `realm`. */
  async function gate(realm: (self: string) => string): Promise<FaultProxy> {
    const g = await startFaultProxy({ target: reg.url });
    g.addRule({
      times: Number.POSITIVE_INFINITY,
      action: {
        kind: 'custom',
        handle: (req, res, forward) => {
          if (req.url?.startsWith('/token')) {
            const ok = req.headers.authorization === `Basic ${btoa(`${CREDS.username}:${CREDS.password}`)}`;
            res.writeHead(ok ? 200 : 401, { 'content-type': 'application/json' });
            res.end(ok ? '{"token":"own-origin-token"}' : '{}');
          } else if (req.headers.authorization?.startsWith('Bearer ')) forward();
          else {
            res.writeHead(401, { 'www-authenticate': `Bearer realm="${realm(g.url)}",service="gate"` });
            res.end();
          }
        },
      },
    });
    return g;
  }

  it('an http realm on another port receives nothing and the error says why', async () => {
    const realm = await startRecordingServer({ host: '127.0.0.1', body: '{"token":"cleartext-token"}' });
    const g = await gate(() => `${realm.url}/token`);
    const c = new RegistryClient({ registry: g.host, baseUrl: g.url, credentials: CREDS });
    try {
      const e = await rejection(c.tags('src/app'));
      expect(e.kind).toBe('redirect-refused');
      expect(e.message).toContain(
        `token realm ${realm.url} refused: it is plain http on another origin than the registry (${g.url})`,
      );
      expect(e.hint).toContain('serve the token realm over https');
      expect(realm.requests).toEqual([]);
    } finally {
      await c.close();
      await g.stop();
      await realm.stop();
    }
  });

  it("an http realm on the registry's own origin gets the credentials and the listing works", async () => {
    const g = await gate((self) => `${self}/token`);
    const c = new RegistryClient({ registry: g.host, baseUrl: g.url, credentials: CREDS });
    try {
      expect(await c.tags('src/app')).toEqual(['t1']);
      const tokens = g.requests.filter((r) => r.path === '/token');
      expect(tokens.length).toBeGreaterThan(0);
      expect(tokens.every((r) => r.status === 200)).toBe(true);
    } finally {
      await c.close();
      await g.stop();
    }
  });
});
