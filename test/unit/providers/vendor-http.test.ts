/**
 * Vendor REST API requests share the registry client's wire handling (src/registry/wire.ts):
 * rate-limit reset times, `Link` pagination, redirects with the internal-address check, and an
 * undici agent with the transport's settings. Each test shows what a user saw when the vendor
 * path had its own copy.
 */
import { readFile } from 'node:fs/promises';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { createSecureServer } from 'node:http2';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { DockerHubStore, RateLimitSink } from '../../../src/providers/dockerhub.js';
import { GhcrStore } from '../../../src/providers/ghcr.js';
import { HarborStore } from '../../../src/providers/harbor.js';
import { openStore, type Store } from '../../../src/providers/index.js';
import { API_BODY_CAP, type VendorListingLimits, VendorApi } from '../../../src/providers/vendor-http.js';
import { RegistryClient } from '../../../src/registry/client.js';
import { RegistryError } from '../../../src/registry/errors.js';
import { Transport } from '../../../src/registry/http.js';
import { rateLimitReset } from '../../../src/registry/wire.js';
import { getTestTls } from '../../support/tls.js';

type Answer = { status: number; headers?: Record<string, string>; body?: unknown };

const servers: Server[] = [];
const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of closers.splice(0)) await c();
  await Promise.all(
    servers.splice(0).map(
      (s) =>
        new Promise<void>((r) => {
          s.closeAllConnections();
          s.close(() => r());
        }),
    ),
  );
});

interface Seen {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
}

/** A loopback server answering from `answer`; records what it was asked. */
async function serve(answer: (url: string, base: string) => Answer, host = '127.0.0.1') {
  const seen: Seen[] = [];
  let base = '';
  const server = createServer((req, res) => {
    seen.push({ method: req.method ?? 'GET', url: req.url ?? '/', headers: req.headers });
    const a = answer(req.url ?? '/', base);
    const payload = a.body === undefined ? '' : JSON.stringify(a.body);
    res.writeHead(a.status, {
      ...(payload ? { 'content-type': 'application/json' } : {}),
      'content-length': String(Buffer.byteLength(payload)),
      ...a.headers,
    });
    res.end(payload);
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, host, r));
  base = `http://${host}:${(server.address() as AddressInfo).port}`;
  return { url: base, seen };
}

function api(baseUrl: string, authorization?: string): VendorApi {
  const a = new VendorApi({
    name: new URL(baseUrl).host,
    provider: 'harbor',
    baseUrl,
    retry: { attempts: 1 },
    ...(authorization ? { authorization: () => Promise.resolve(authorization) } : {}),
  });
  closers.push(() => a.close());
  return a;
}

const failure = (p: Promise<unknown>) =>
  p.then(
    () => {
      throw new Error('expected a failure');
    },
    (e: unknown) => e as RegistryError,
  );

describe('rate limits', () => {
  it('reads Retry-After as the registry client does: "1.5" is no date, the reset header is used', async () => {
    const reset = Math.floor(Date.UTC(2031, 5, 1, 8, 0, 0) / 1000);
    const server = await serve(() => ({
      status: 429,
      headers: { 'retry-after': '1.5', 'x-ratelimit-reset': String(reset) },
      body: { message: 'API rate limit exceeded' },
    }));
    const e = await failure(api(server.url).request({ method: 'GET', path: '/x', operation: 'listing' }));
    expect(e.kind).toBe('rate-limited');
    expect(e.hint).toContain('the limit resets at 2031-06-01T08:00:00.000Z');
    // One reading for both paths: what the registry client makes of the same headers.
    expect(rateLimitReset({ 'retry-after': '1.5', 'x-ratelimit-reset': String(reset) })?.toISOString()).toBe(
      '2031-06-01T08:00:00.000Z',
    );
  });

  it('names no reset time when the only header is not one', async () => {
    const server = await serve(() => ({
      status: 429,
      headers: { 'retry-after': '1.5' },
      body: { message: 'slow down' },
    }));
    const e = await failure(api(server.url).request({ method: 'GET', path: '/x', operation: 'listing' }));
    expect(e.kind).toBe('rate-limited');
    expect(e.hint).not.toMatch(/resets at/);
    expect(e.message).toContain('slow down');
  });
});

describe('error bodies', () => {
  it('fails with the status and the start of the body when an error body is over the cap', async () => {
    const server = await serve(() => ({
      status: 403,
      body: { message: 'the robot account may not list artifacts', padding: ' '.repeat(API_BODY_CAP) },
    }));
    const e = await failure(api(server.url).request({ method: 'GET', path: '/x', operation: 'listing' }));
    expect(e).toBeInstanceOf(RegistryError);
    expect(e.status).toBe(403);
    expect(e.kind).toBe('denied');
    expect(e.message).toContain('the robot account may not list artifacts');
    expect(e.message.length).toBeLessThan(1_000);
  });
});

describe('redirects', () => {
  it.each(['http://169.254.169.254/latest/meta-data/', 'http://[::ffff:a9fe:a9fe]/latest/meta-data/'])(
    'refuses a redirect to the metadata address %s',
    async (target) => {
      const server = await serve(() => ({ status: 302, headers: { location: target } }));
      const e = await failure(
        api(server.url, 'Bearer api-token').request({
          method: 'GET',
          path: '/api/v2.0/projects',
          operation: 'listing',
        }),
      );
      expect(e).toBeInstanceOf(RegistryError);
      expect(e.kind).toBe('redirect-refused');
      expect(e.message).toMatch(/link-local address/);
    },
    // Before, the request went out to the unreachable address and waited for the connect timeout.
    5_000,
  );

  it('follows a redirect to another origin without the API credentials', async () => {
    const other = await serve(() => ({ status: 200, body: [{ name: 'p' }] }), '127.0.0.2');
    const server = await serve(() => ({ status: 307, headers: { location: `${other.url}/elsewhere` } }));
    const r = await api(server.url, 'Bearer api-token').request({
      method: 'GET',
      path: '/api/v2.0/projects',
      operation: 'listing',
    });
    expect(r.body).toEqual([{ name: 'p' }]);
    expect(server.seen[0]?.headers.authorization).toBe('Bearer api-token');
    expect(other.seen).toHaveLength(1);
    expect(other.seen[0]?.headers.authorization).toBeUndefined();
  });
});

describe('Link pagination', () => {
  it('follows a next link whatever the case of rel, and not a next-archive one', async () => {
    const projects: Record<string, Answer> = {
      '1': {
        status: 200,
        headers: { link: '</api/v2.0/projects?page=2&page_size=100>; REL="Next"' },
        body: [{ name: 'a' }],
      },
      '2': {
        status: 200,
        headers: { link: '</api/v2.0/projects?page=3&page_size=100>; rel="next-archive"' },
        body: [{ name: 'b' }],
      },
      '3': { status: 200, body: [{ name: 'archived' }] },
    };
    const server = await serve((url) => {
      const u = new URL(url, 'http://x');
      if (u.pathname === '/api/v2.0/projects') return projects[u.searchParams.get('page') ?? '1']!;
      const project = /^\/api\/v2\.0\/projects\/([^/]+)\/repositories$/.exec(u.pathname)?.[1];
      if (project) return { status: 200, body: [{ name: `${project}/app` }] };
      return { status: 404, body: { errors: [{ code: 'NOT_FOUND', message: 'not found' }] } };
    });
    const store: Store = await openStore(
      { name: 'h', type: 'harbor', url: 'http://127.0.0.1:9', tls: { verify: true }, options: { api_url: server.url } },
      { baseDir: process.cwd(), retry: { attempts: 1 } },
    );
    closers.push(() => store.close());
    expect(await store.listRepositories()).toEqual(['a/app', 'b/app']);
  });
});

describe('listing pages: one routine for every vendor API', () => {
  /** No registry listens here: these listings touch only the vendor API. */
  const client = () => new RegistryClient({ registry: '127.0.0.1:9', baseUrl: 'http://127.0.0.1:9' });
  const apiOptions = (url: string, listingLimits?: Partial<VendorListingLimits>) => ({
    name: new URL(url).host,
    baseUrl: url,
    retry: { attempts: 1 },
    ...(listingLimits ? { listingLimits } : {}),
  });
  const harbor = (url: string, listingLimits?: Partial<VendorListingLimits>) => {
    const s = new HarborStore({ name: 'h', client: client(), api: apiOptions(url, listingLimits), projects: ['p'] });
    closers.push(() => s.close());
    return s;
  };
  const hub = (url: string, listingLimits?: Partial<VendorListingLimits>) => {
    const s = new DockerHubStore({
      name: 'd',
      client: client(),
      api: apiOptions(url, listingLimits),
      namespace: 'acme',
    });
    closers.push(() => s.close());
    return s;
  };
  const ghcr = (url: string) => {
    const s = new GhcrStore({ name: 'g', client: client(), api: apiOptions(url), owner: 'acme', ownerType: 'org' });
    closers.push(() => s.close());
    return s;
  };
  const pageOf = (url: string) => Number(new URL(url, 'http://x').searchParams.get('page') ?? 1);
  /** A Harbor repository list whose page `n` is `body(n)`, with Link to page `next(n)` while it is defined. */
  const harborList = (body: (n: number) => unknown, next: (n: number) => number | undefined) =>
    serve((url) => {
      const n = pageOf(url);
      const k = next(n);
      return {
        status: 200,
        headers: {
          'x-total-count': '1000',
          ...(k !== undefined
            ? { link: `</api/v2.0/projects/p/repositories?page=${k}&page_size=100>; rel="next"` }
            : {}),
        },
        body: body(n),
      };
    });

  it('fails a Harbor listing when a page mid-way is not an array', async () => {
    // Before, the page read as empty and the listing came back without p/b, as if it were gone.
    const server = await harborList(
      (n) => (n === 2 ? { errors: [{ code: 'UNKNOWN', message: 'busy' }] } : [{ name: `p/${'abc'[n - 1]}` }]),
      (n) => (n < 3 ? n + 1 : undefined),
    );
    const e = await failure(harbor(server.url).listRepositories());
    expect(e.kind).toBe('invalid');
    expect(e.message).toMatch(/page 2 of the listing is not a JSON array \(after 2 page\(s\), 1 entries\)/);
    expect(e.hint).toMatch(/decides nothing on a listing it could not read whole/);
    expect(server.seen).toHaveLength(2);
  });

  it('fails a Harbor artifacts listing whose page 2 answers 404: only page 1 may say the repository is not there', async () => {
    // Before, the 100 tags of page 1 were dropped and the repository read as empty: at a destination
    // each of its tags looked absent and was written over, even with override off.
    const artifacts = '/api/v2.0/projects/p/repositories/app/artifacts';
    const server = await serve((url) =>
      pageOf(url) === 1
        ? {
            status: 200,
            headers: { 'x-total-count': '150', link: `<${artifacts}?page=2&page_size=100>; rel="next"` },
            body: Array.from({ length: 100 }, (_, i) => ({
              digest: `sha256:${String(i).padStart(64, '0')}`,
              tags: [{ name: `t${i}` }],
            })),
          }
        : { status: 404, body: { errors: [{ code: 'NOT_FOUND', message: 'not found' }] } },
    );
    const e = await failure(harbor(server.url).listTagDetails('p/app'));
    expect(e.kind).toBe('invalid');
    expect(e.message).toMatch(
      /page 2 of the listing answered HTTP 404 NOT_FOUND after page 1 was read \(after 1 page\(s\), 100 entries\)/,
    );
    expect(e.hint).toMatch(
      /lagging behind, or the repository deleted while it was listed; ferry decides nothing on a listing it could not read whole: run again$/,
    );
    // A 404 on page 1 is a repository Harbor does not have: no tags, no error.
    const none = await serve(() => ({ status: 404, body: { errors: [{ code: 'NOT_FOUND', message: 'not found' }] } }));
    expect(await harbor(none.url).listTagDetails('p/app')).toEqual([]);
  });

  it('fails a Harbor listing whose Link leads back to a page already read', async () => {
    // Before, it went round until the 10,000th page and returned what it had.
    const server = await harborList(
      (n) => [{ name: `p/r${n}` }],
      (n) => (n < 3 ? n + 1 : 2),
    );
    const e = await failure(harbor(server.url).listRepositories());
    expect(e.kind).toBe('invalid');
    expect(e.message).toMatch(/pagination repeats page .*page=2.*Link rel="next" of page 3/);
    expect(server.seen).toHaveLength(3);
  });

  it('fails a Harbor listing past its page bound, paging by Link or by X-Total-Count', async () => {
    // Before, the loop stopped silently after 10,000 pages, returning a partial list.
    const byLink = await harborList(
      (n) => [{ name: `p/r${n}` }],
      (n) => n + 1,
    );
    const e = await failure(harbor(byLink.url, { pages: 3 }).listRepositories());
    expect(e.kind).toBe('too-large');
    expect(e.message).toMatch(/longer than 3 pages/);
    expect(e.hint).toMatch(/at most \d+ entries and 3 pages per listing/);
    expect(byLink.seen).toHaveLength(3);
    const byCount = await harborList(
      (n) => [{ name: `p/r${n}` }],
      () => undefined,
    );
    expect((await failure(harbor(byCount.url, { pages: 4 }).listRepositories())).message).toMatch(
      /longer than 4 pages/,
    );
    expect(byCount.seen.map((r) => pageOf(r.url))).toEqual([1, 2, 3, 4]);
  });

  it('fails a Harbor listing whose page is empty while X-Total-Count counts more', async () => {
    const server = await harborList(
      (n) => (n === 1 ? [{ name: 'p/a' }] : []),
      () => undefined,
    );
    const e = await failure(harbor(server.url).listRepositories());
    expect(e.kind).toBe('invalid');
    expect(e.message).toMatch(/page 2 of the listing is empty, yet x-total-count counts 1000 entries and 1 were read/);
  });

  it('reads on past a full Harbor page that carries neither a Link nor X-Total-Count (a proxy dropped them)', async () => {
    const server = await serve((url) => {
      const n = pageOf(url);
      const size = n === 1 ? 100 : n === 2 ? 3 : 0;
      return { status: 200, body: Array.from({ length: size }, (_, i) => ({ name: `p/r${n}-${i}` })) };
    });
    const repos = await harbor(server.url).listRepositories();
    expect(repos).toHaveLength(103);
    // The short page is the last: nothing asked after it.
    expect(server.seen.map((r) => pageOf(r.url))).toEqual([1, 2]);
  });

  it('reads a Harbor list as before: Link, else X-Total-Count, and an empty project as []', async () => {
    const server = await serve((url) => {
      const n = pageOf(url);
      return { status: 200, headers: { 'x-total-count': '3' }, body: n <= 3 ? [{ name: `p/r${n}` }] : [] };
    });
    expect(await harbor(server.url).listRepositories()).toEqual(['p/r1', 'p/r2', 'p/r3']);
    expect(server.seen.map((r) => r.url)).toEqual([
      '/api/v2.0/projects/p/repositories?page=1&page_size=100',
      '/api/v2.0/projects/p/repositories?page=2&page_size=100',
      '/api/v2.0/projects/p/repositories?page=3&page_size=100',
    ]);
    const empty = await serve(() => ({ status: 200, headers: { 'x-total-count': '0' }, body: [] }));
    expect(await harbor(empty.url).listRepositories()).toEqual([]);
    // Harbor's swagger gives a list answer as an array, an empty one as []: null is no listing.
    const nul = await serve(() => ({ status: 200, body: null }));
    expect((await failure(harbor(nul.url).listRepositories())).message).toMatch(
      /page 1 of the listing is not a JSON array/,
    );
  });

  /** A Docker Hub namespace listing whose page `n` has `results(n)` and, while defined, a `next` of `next(n, base)`. */
  const hubList = (results: (n: number) => unknown, next: (n: number, base: string) => string | undefined) =>
    serve((url, base) => {
      const n = pageOf(url);
      return { status: 200, body: { count: 1000, next: next(n, base) ?? null, previous: null, results: results(n) } };
    });
  const hubNext = (n: number, base: string) => `${base}/v2/namespaces/acme/repositories?page=${n}&page_size=100`;

  it('fails a Docker Hub listing past its page bound', async () => {
    // Before, the loop stopped silently after 10,000 pages, returning a partial list.
    const server = await hubList(
      (n) => [{ name: `r${n}`, namespace: 'acme' }],
      (n, base) => hubNext(n + 1, base),
    );
    const e = await failure(hub(server.url, { pages: 3 }).listRepositories());
    expect(e.kind).toBe('too-large');
    expect(e.message).toMatch(/longer than 3 pages \(after 3 page\(s\), 3 entries\)/);
    expect(server.seen).toHaveLength(3);
    const entries = await failure(hub(server.url, { entries: 2 }).listRepositories());
    expect(entries.message).toMatch(/longer than 2 entries/);
  });

  it('fails a Docker Hub listing whose page has no results array, or whose next loops or leaves the API', async () => {
    const missing = await hubList(
      (n) => (n === 2 ? null : [{ name: `r${n}`, namespace: 'acme' }]),
      (n, base) => (n < 3 ? hubNext(n + 1, base) : undefined),
    );
    const e = await failure(hub(missing.url).listRepositories());
    expect(e.kind).toBe('invalid');
    expect(e.message).toMatch(/page 2 of the listing has no "results" array/);
    const loop = await hubList(
      (n) => [{ name: `r${n}` }],
      (_n, base) => hubNext(2, base),
    );
    const l = await failure(hub(loop.url).listRepositories());
    expect(l.message).toMatch(/pagination repeats page .*page=2.*"next" URL of page 2/);
    expect(loop.seen).toHaveLength(2);
    const away = await hubList(
      (n) => [{ name: `r${n}` }],
      () => 'https://elsewhere.example/v2/namespaces/acme/repositories?page=2',
    );
    const a = await failure(hub(away.url).listRepositories());
    expect(a.kind).toBe('invalid');
    expect(a.message).toMatch(/"next" URL of page 1 leaves the API for https:\/\/elsewhere\.example/);
    expect(away.seen).toHaveLength(1);
    const odd = await hubList(
      () => [],
      () => 42 as unknown as string,
    );
    expect((await failure(hub(odd.url).listRepositories())).message).toMatch(/"next" that is not a URL/);
  });

  it('reads a Docker Hub namespace as before, an empty one included', async () => {
    const server = await hubList(
      (n) => [{ name: `R${n}`, namespace: 'acme' }],
      (n, base) => (n < 2 ? hubNext(n + 1, base) : undefined),
    );
    expect(await hub(server.url).listRepositories()).toEqual(['acme/r1', 'acme/r2']);
    expect(server.seen.map((r) => r.url)).toEqual([
      '/v2/namespaces/acme/repositories?page_size=100',
      '/v2/namespaces/acme/repositories?page=2&page_size=100',
    ]);
    const empty = await hubList(
      () => [],
      () => undefined,
    );
    expect(await hub(empty.url).listRepositories()).toEqual([]);
  });

  it('fails a GitHub package listing when a page mid-way is not an array', async () => {
    // Before, the page was skipped and the packages on it looked absent.
    const server = await serve((url, base): Answer => {
      const n = pageOf(url);
      return {
        status: 200,
        headers:
          n < 3
            ? { link: `<${base}/orgs/acme/packages?package_type=container&per_page=100&page=${n + 1}>; rel="next"` }
            : {},
        body: n === 2 ? { message: 'Server Error' } : [{ name: `app${n}` }],
      };
    });
    const e = await failure(ghcr(server.url).listRepositories());
    expect(e.kind).toBe('invalid');
    expect(e.message).toMatch(/listing container packages of acme on .*page 2 of the listing is not a JSON array/);
    expect(server.seen).toHaveLength(2);
  });
});

describe('the Docker Hub agent', () => {
  it('speaks HTTP/1.1 only, like the transport (HTTP/2 hung on a failing upload body)', async () => {
    const tls = await getTestTls();
    const versions: string[] = [];
    const server = createSecureServer(
      { key: await readFile(tls.keyFile), cert: await readFile(tls.certFile), allowHTTP1: true },
      (req, res) => {
        versions.push(req.httpVersion);
        res.writeHead(200, { 'ratelimit-limit': '100;w=21600', 'ratelimit-remaining': '99;w=21600' });
        res.end('{}');
      },
    );
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    closers.push(() => new Promise<void>((r) => server.close(() => r())));
    const sink = new RateLimitSink();
    const origin = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const dispatcher = sink.dispatcher(origin, { ca: tls.caPem });
    closers.unshift(() => dispatcher.close());
    const r = await dispatcher.request({
      origin,
      path: '/v2/',
      method: 'GET',
    });
    await r.body.text();
    expect(sink.info).toMatchObject({ limit: 100, remaining: 99 });
    // The registry client's own agent, for comparison.
    const transport = new Transport({
      registry: 'h2',
      baseUrl: origin,
      tls: { ca: tls.caPem },
      retry: { attempts: 1 },
    });
    closers.unshift(() => transport.close());
    const t = await transport.send({ method: 'GET', path: '/v2/', scopes: [], expect: [200], operation: 'ping' });
    await t.body.text();
    expect(versions).toEqual(['1.1', '1.1']);
  });
});
