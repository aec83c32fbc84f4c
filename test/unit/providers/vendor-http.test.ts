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
import { RateLimitSink } from '../../../src/providers/dockerhub.js';
import { openStore, type Store } from '../../../src/providers/index.js';
import { VendorApi } from '../../../src/providers/vendor-http.js';
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
    const dispatcher = sink.dispatcher({ ca: tls.caPem });
    closers.unshift(() => dispatcher.close());
    const origin = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
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
