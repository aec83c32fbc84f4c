import { createHash } from 'node:crypto';
import { MockAgent } from 'undici';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import type { Digest } from '../../../src/oci/digest.js';
import { MANIFEST_ACCEPT, MediaType } from '../../../src/oci/media-types.js';
import {
  type ClientOptions,
  DEFAULT_LISTING_LIMITS,
  LISTING_MAX_BYTES,
  LISTING_MAX_ENTRIES,
  LISTING_MAX_PAGES,
  MAX_CHUNK_SIZE,
  RegistryClient,
} from '../../../src/registry/client.js';
import { referrersTag } from '../../../src/oci/referrers.js';
import { RegistryError } from '../../../src/registry/errors.js';
import { rejection } from '../../support/rejection.js';

const REG = 'https://reg.example';
const sha = (b: Buffer | string): Digest => `sha256:${createHash('sha256').update(b).digest('hex')}`;

interface Seen {
  origin: string;
  method: string;
  path: string;
  headers: Record<string, string>;
}
interface Reply {
  status: number;
  body?: string | Buffer;
  headers?: Record<string, string>;
}

function lower(h: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (h && typeof h === 'object') for (const [k, v] of Object.entries(h)) out[k.toLowerCase()] = String(v);
  return out;
}

let agent: MockAgent;
let seen: Seen[];
let client: RegistryClient;

/** Routes for the registry: `METHOD /path` (query included) → reply; GET /v2/ answers 200. */
function registry(routes: Record<string, Reply | ((r: Seen) => Reply)>, origin = REG) {
  agent
    .get(origin)
    .intercept({ path: () => true, method: () => true })
    .reply((opts) => {
      const r: Seen = { origin, method: opts.method, path: opts.path, headers: lower(opts.headers) };
      seen.push(r);
      const route = routes[`${r.method} ${r.path}`] ?? (r.path === '/v2/' ? { status: 200 } : { status: 404 });
      const out = typeof route === 'function' ? route(r) : route;
      return {
        statusCode: out.status,
        data: out.body ?? '',
        responseOptions: { headers: out.headers ?? {} },
      };
    })
    .persist();
}
const requests = (origin = REG) => seen.filter((s) => s.origin === origin && s.path !== '/v2/');

beforeEach(() => {
  agent = new MockAgent();
  agent.disableNetConnect();
  seen = [];
  client = new RegistryClient({
    registry: 'reg.example',
    baseUrl: REG,
    dispatcher: agent,
    sleep: async () => {},
  });
});
afterEach(async () => {
  await agent.close();
});

async function consume(stream: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const c of stream) parts.push(Buffer.from(c));
  return Buffer.concat(parts);
}

const config = Buffer.from('{"architecture":"amd64","os":"linux"}');
const layer = Buffer.from('layer bytes '.repeat(100));
const manifestBytes = Buffer.from(
  JSON.stringify({
    schemaVersion: 2,
    mediaType: MediaType.OciManifest,
    config: { mediaType: MediaType.OciConfig, digest: sha(config), size: config.length },
    layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar', digest: sha(layer), size: layer.length }],
  }),
);
const manifestDigest = sha(manifestBytes);

describe('tags', () => {
  test('follows Link pagination across two pages', async () => {
    registry({
      'GET /v2/a/tags/list?n=2': {
        status: 200,
        body: '{"name":"a","tags":["1","2"]}',
        headers: { link: '</v2/a/tags/list?last=2&n=2>; rel="next"' },
      },
      'GET /v2/a/tags/list?last=2&n=2': { status: 200, body: '{"name":"a","tags":["3"]}' },
    });
    expect(await client.tags('a', 2)).toEqual(['1', '2', '3']);
    expect(requests().map((r) => r.path)).toEqual(['/v2/a/tags/list?n=2', '/v2/a/tags/list?last=2&n=2']);
  });

  test.each([
    ['"tags": null', '{"name":"a","tags":null}'],
    ['no "tags"', '{"name":"a"}'],
    ['an error document', '{"errors":[{"code":"UNKNOWN"}]}'],
  ])('a page with %s in the middle of a tag list fails the listing instead of cutting it short', async (_n, body) => {
    registry({
      'GET /v2/a/tags/list?n=2': {
        status: 200,
        body: '{"name":"a","tags":["1","2"]}',
        headers: { link: '</v2/a/tags/list?last=2&n=2>; rel="next"' },
      },
      'GET /v2/a/tags/list?last=2&n=2': {
        status: 200,
        body,
        headers: { link: '</v2/a/tags/list?last=3&n=2>; rel="next"' },
      },
      'GET /v2/a/tags/list?last=3&n=2': { status: 200, body: '{"name":"a","tags":["4"]}' },
    });
    const e = await rejection(client.tags('a', 2));
    expect(e.kind).toBe('invalid');
    expect(e.message).toContain('listing tags of reg.example/a: page 2 of the listing has no "tags" array');
    expect(e.hint).toContain('decides nothing on a listing it could not read whole');
  });

  test('a last page with "tags": null after others fails too; as the only page it is an empty repository', async () => {
    registry({
      'GET /v2/a/tags/list?n=2': {
        status: 200,
        body: '{"name":"a","tags":["1","2"]}',
        headers: { link: '</v2/a/tags/list?last=2&n=2>; rel="next"' },
      },
      'GET /v2/a/tags/list?last=2&n=2': { status: 200, body: '{"name":"a","tags":null}' },
      'GET /v2/b/tags/list?n=2': { status: 200, body: '{"name":"b","tags":null}' },
    });
    expect((await rejection(client.tags('a', 2))).message).toContain('page 2 of the listing has no "tags" array');
    // What distribution answers for a repository whose tags were all deleted.
    expect(await client.tags('b', 2)).toEqual([]);
  });

  test.each([
    ['a parameter before rel', '</v2/a/tags/list?last=2&n=2>; title="more"; rel="next"'],
    ['a rel list', '</v2/a/tags/list?last=2&n=2>; rel="next last"'],
    ['a prev link first', '</v2/a/tags/list?n=2>; rel="prev", </v2/a/tags/list?last=2&n=2>; rel=next'],
  ])('follows a next link with %s instead of stopping at page one', async (_name, link) => {
    registry({
      'GET /v2/a/tags/list?n=2': { status: 200, body: '{"tags":["1","2"]}', headers: { link } },
      'GET /v2/a/tags/list?last=2&n=2': { status: 200, body: '{"tags":["3"]}' },
    });
    expect(await client.tags('a', 2)).toEqual(['1', '2', '3']);
  });

  test('a next link that is not a URL fails the listing instead of ending it at page one', async () => {
    registry({
      'GET /v2/a/tags/list?n=2': {
        status: 200,
        body: '{"tags":["1","2"]}',
        // A proxy that builds its links from an unset port.
        headers: { link: '<http://reg.example:undefined/v2/a/tags/list?last=2&n=2>; rel="next"' },
      },
      'GET /v2/a/tags/list?last=2&n=2': { status: 200, body: '{"tags":["3"]}' },
    });
    const e = await rejection(client.tags('a', 2));
    expect(e.kind).toBe('invalid');
    expect(e.message).toMatch(/Link rel="next" .*reg\.example:undefined.* is not a URL/);
  });

  test('the client pings /v2/ once before its first request', async () => {
    registry({ 'GET /v2/a/tags/list?n=10': { status: 200, body: '{"tags":["x"]}' } });
    await client.tags('a', 10);
    await client.tags('a', 10);
    expect(seen.filter((s) => s.path === '/v2/')).toHaveLength(1);
    expect(seen[0]!.path).toBe('/v2/');
  });

  test('a Link to another host is rejected and never followed', async () => {
    registry({
      'GET /v2/a/tags/list?n=2': {
        status: 200,
        body: '{"tags":["1","2"]}',
        headers: { link: '<https://evil.example/v2/a/tags/list?last=2>; rel="next"' },
      },
    });
    registry({}, 'https://evil.example');
    const e = await rejection(client.tags('a', 2));
    expect(e.message).toContain('evil.example');
    expect(requests('https://evil.example')).toEqual([]);
  });

  test('invalid tag names are returned for the engine to report; entries that are not strings are dropped', async () => {
    registry({
      'GET /v2/a/tags/list?n=100': {
        status: 200,
        body: JSON.stringify({ tags: ['ok', '../x', 'a/b', '-bad', 'v1.0', 7] }),
      },
    });
    expect(await client.tags('a', 100)).toEqual(['ok', '../x', 'a/b', '-bad', 'v1.0']);
  });

  test('a repository that does not exist has no tags', async () => {
    registry({
      'GET /v2/a/tags/list?n=5': { status: 404, body: '{"errors":[{"code":"NAME_UNKNOWN","message":"no"}]}' },
    });
    expect(await client.tags('a', 5)).toEqual([]);
  });

  test('a server error that names NAME_UNKNOWN is a failed listing, not an empty repository', async () => {
    registry({
      'GET /v2/a/tags/list?n=5': { status: 500, body: '{"errors":[{"code":"NAME_UNKNOWN","message":"backend"}]}' },
    });
    await expect(client.tags('a', 5)).rejects.toMatchObject({ status: 500 });
  });

  test('an invalid repository name is refused before any request', async () => {
    registry({});
    await expect(client.tags('../x')).rejects.toThrow('invalid repository name');
    expect(seen).toEqual([]);
  });
});

describe('listing bounds (issue 15 item 3)', () => {
  /**
   * Tag pages of two tags each (none with `empty`); page K's next link is `linkFor(K)` (none when
   * undefined). The first page is page 0, the one a `?page=K` link asks for is page K.
   */
  function pagedTags(linkFor: (page: number) => string | undefined, empty = false) {
    agent
      .get(REG)
      .intercept({ path: () => true, method: () => true })
      .reply((opts) => {
        seen.push({ origin: REG, method: opts.method, path: opts.path, headers: lower(opts.headers) });
        if (opts.path === '/v2/') return { statusCode: 200, data: '' };
        const page = Number(/[?&]page=(\d+)/.exec(opts.path)?.[1] ?? 0);
        const link = linkFor(page);
        return {
          statusCode: 200,
          data: JSON.stringify({ name: 'a', tags: empty ? [] : [`t${page}a`, `t${page}b`] }),
          responseOptions: { headers: link ? { link: `<${link}>; rel="next"` } : {} },
        };
      })
      .persist();
    return (o: Partial<ClientOptions> = {}) =>
      new RegistryClient({ registry: 'reg.example', baseUrl: REG, dispatcher: agent, sleep: async () => {}, ...o });
  }

  test('a tag list whose next link points to itself fails on the first repeat', async () => {
    const make = pagedTags(() => '/v2/a/tags/list?n=2');
    const e = await rejection(make().tags('a', 2));
    expect(e.kind).toBe('invalid');
    expect(e.message).toContain(
      "listing tags of reg.example/a: the registry's pagination repeats page /v2/a/tags/list?n=2",
    );
    expect(e.message).toContain('after 1 page(s), 2 entries');
    expect(e.hint).toContain('pagination loops');
    expect(requests().map((r) => r.path)).toEqual(['/v2/a/tags/list?n=2']);
  });

  test('a tag list whose third page links back to the second fails after three pages', async () => {
    const make = pagedTags((page) => `/v2/a/tags/list?n=2&page=${page === 2 ? 1 : page + 1}`);
    const e = await rejection(make().tags('a', 2));
    expect(e.message).toContain('repeats page /v2/a/tags/list?n=2&page=1: the Link rel="next" of page 3');
    expect(requests()).toHaveLength(3);
  });

  test('a catalog that loops fails and names the registry', async () => {
    registry({
      'GET /v2/_catalog?n=5': {
        status: 200,
        body: '{"repositories":["a","b"]}',
        headers: { link: '</v2/_catalog?last=b&n=5>; rel="next"' },
      },
      'GET /v2/_catalog?last=b&n=5': {
        status: 200,
        body: '{"repositories":["c"]}',
        headers: { link: '</v2/_catalog?n=5>; rel="next"' },
      },
    });
    const e = await rejection(client.catalog(5));
    expect(e.message).toMatch(
      /^listing repositories reg\.example: the registry's pagination repeats page \/v2\/_catalog\?n=5/,
    );
    expect(e.hint).toContain('catalog pagination loops');
    expect(requests()).toHaveLength(2);
  });

  test('distinct pages that never end stop at the entry bound', async () => {
    const make = pagedTags((page) => `/v2/a/tags/list?n=2&page=${page + 1}`);
    const e = await rejection(make({ listingLimits: { entries: 7 } }).tags('a', 2));
    expect(e.kind).toBe('too-large');
    expect(e.message).toContain('the listing is longer than 7 entries');
    expect(e.hint).toContain('at most 7 entries');
    expect(requests()).toHaveLength(4);
  });

  test('distinct pages that never end stop at the byte bound', async () => {
    const make = pagedTags((page) => `/v2/a/tags/list?n=2&page=${page + 1}`);
    const e = await rejection(make({ listingLimits: { bytes: 300 } }).tags('a', 2));
    expect(e.kind).toBe('too-large');
    expect(e.message).toContain('the listing is longer than 300 bytes');
    expect(requests().length).toBeLessThanOrEqual(5);
  });

  test('distinct empty pages that never end stop at the page bound', async () => {
    const make = pagedTags((page) => `/v2/a/tags/list?n=2&page=${page + 1}`, true);
    const e = await rejection(make({ listingLimits: { pages: 10 } }).tags('a', 2));
    expect(e.message).toContain('the listing is longer than 10 pages');
    expect(requests()).toHaveLength(10);
  });

  test('a listing that ends within the bounds is complete', async () => {
    const make = pagedTags((page) => (page < 3 ? `/v2/a/tags/list?n=2&page=${page + 1}` : undefined));
    expect(await make({ listingLimits: { entries: 8, pages: 4 } }).tags('a', 2)).toEqual([
      't0a',
      't0b',
      't1a',
      't1b',
      't2a',
      't2b',
      't3a',
      't3b',
    ]);
  });

  test('the default bounds are a million entries, 64 MiB and 20,000 pages', () => {
    expect(DEFAULT_LISTING_LIMITS).toEqual({ entries: 1_000_000, bytes: 64 * 1024 * 1024, pages: 20_000 });
    expect([LISTING_MAX_ENTRIES, LISTING_MAX_BYTES, LISTING_MAX_PAGES]).toEqual([1_000_000, 67_108_864, 20_000]);
  });

  test('a page that is not JSON names the page and the repository', async () => {
    registry({ 'GET /v2/a/tags/list?n=2': { status: 200, body: '{"tags": ["v1",' } });
    const e = await rejection(client.tags('a', 2));
    expect(e.message).toContain('listing tags of reg.example/a: page 1 of the listing is not JSON');
  });
});

describe('a URL that does not lead to a working registry API: the message and hint a user reads', () => {
  const retries = 5;

  test('500 on GET /v2/ is "checking the registry API", not "ping", with a hint to check the registry', async () => {
    agent
      .get(REG)
      .intercept({ path: '/v2/', method: 'GET' })
      .reply(500, 'internal error', { headers: { 'content-type': 'text/plain' } })
      .times(retries);
    const e = await rejection(client.catalog());
    expect(e.message).toBe('checking the registry API (GET /v2/) of reg.example: internal error (HTTP 500)');
    expect(e.message).not.toMatch(/\bping\b/);
    expect(e.kind).toBe('server');
    // It says ferry already retried: "run again" means later, not at once.
    expect(e.hint).toMatch(
      /^reg\.example failed with HTTP 500 on each of 5 attempts over \d+\.\d s: the registry, or a proxy in front of it, is failing; check its logs, then run again$/,
    );
  });

  test('the attempts a 5xx hint counts leave out the re-send with a fresh token after a 401', async () => {
    let calls = 0;
    registry({
      'GET /v2/_catalog?n=1000': () =>
        ++calls === 1
          ? { status: 401, headers: { 'www-authenticate': 'Basic realm="reg"' } }
          : { status: 500, body: 'internal error' },
    });
    const e = await rejection(client.catalog());
    expect(calls).toBe(5); // the 401, then the first 500 and its 3 retries
    expect(e.hint).toMatch(/^reg\.example failed with HTTP 500 on each of 4 attempts over /);
  });

  test('404 on GET /v2/ says the URL does not serve the registry API', async () => {
    registry({ 'GET /v2/': { status: 404, body: '404 page not found' } });
    const e = await rejection(client.catalog());
    expect(e.message).toBe('checking the registry API (GET /v2/) of reg.example: 404 page not found (HTTP 404)');
    expect(e.hint).toBe(
      "reg.example does not serve the registry API at /v2/ (HTTP 404): is the registry's url in replication.yaml the registry itself, not its web UI or another service on that host?",
    );
  });

  test('an HTML login page answering 200 is named as an HTML page with its title', async () => {
    const page = '<!doctype html><html><head><title>Login</title></head><body>Please sign in</body></html>';
    registry({ 'GET /v2/': { status: 200, body: page }, 'GET /v2/_catalog?n=1000': { status: 200, body: page } });
    const e = await rejection(client.catalog());
    expect(e.message).toBe(
      'listing repositories reg.example: page 1 of the listing is an HTML page "Login", not JSON (after 1 page(s), 0 entries, 107 bytes)',
    );
    expect(e.hint).toBe(
      "reg.example answered an HTML page instead of JSON: the registry's url in replication.yaml leads to a web UI, a login page or a proxy, not the registry API",
    );
  });

  test("a proxy's HTML error page is reduced to its heading, and the hint names the proxy", async () => {
    agent
      .get(REG)
      .intercept({ path: '/v2/_catalog?n=1000', method: 'GET' })
      .reply(500, '<html><body><h1>502 Bad Gateway</h1><hr>nginx</body></html>', {
        headers: { 'content-type': 'text/html' },
      })
      .times(retries);
    registry({});
    const e = await rejection(client.catalog());
    expect(e.message).toBe('listing repositories reg.example: an HTML page "502 Bad Gateway" (HTTP 500)');
    expect(e.message).not.toContain('<');
    expect(e.hint).toMatch(
      /^reg\.example failed with HTTP 500 and an HTML error page on each of 5 attempts over \d+\.\d s: the registry, or a proxy/,
    );
  });
});

describe('manifestGet', () => {
  test('by digest: correct bytes are returned and parsed, with the Accept list sent', async () => {
    registry({
      [`GET /v2/a/manifests/${manifestDigest}`]: {
        status: 200,
        body: manifestBytes,
        headers: { 'content-type': MediaType.OciManifest },
      },
    });
    const m = await client.manifestGet('a', manifestDigest);
    expect(m?.digest).toBe(manifestDigest);
    expect(m?.bytes.equals(manifestBytes)).toBe(true);
    expect(m?.size).toBe(manifestBytes.length);
    expect(m?.parsed.layers[0]?.digest).toBe(sha(layer));
    expect(requests()[0]!.headers.accept).toBe(MANIFEST_ACCEPT);
  });

  test('by digest: bytes that hash differently fail with digest-mismatch', async () => {
    const tampered = Buffer.from(manifestBytes.toString().replace('amd64', 'arm64').replace('"size":', '"size": '));
    registry({
      [`GET /v2/a/manifests/${manifestDigest}`]: {
        status: 200,
        body: tampered,
        headers: { 'content-type': MediaType.OciManifest },
      },
    });
    const e = await rejection(client.manifestGet('a', manifestDigest));
    expect(e.kind).toBe('digest-mismatch');
    expect(e.message).toContain(sha(tampered));
  });

  test("by tag: the digest is computed from the bytes, not taken from the registry's header", async () => {
    registry({
      'GET /v2/a/manifests/v1': {
        status: 200,
        body: manifestBytes,
        headers: { 'content-type': MediaType.OciManifest, 'docker-content-digest': sha('something else') },
      },
    });
    expect((await client.manifestGet('a', 'v1'))?.digest).toBe(manifestDigest);
  });

  test('404 means absent', async () => {
    registry({});
    expect(await client.manifestGet('a', 'missing')).toBeUndefined();
  });

  test.each([['../x'], ['sha256:../../x'], ['a/b'], ['SHA256:ABC']])(
    'the reference %j is refused before any request',
    async (ref) => {
      registry({});
      await expect(client.manifestGet('a', ref)).rejects.toThrow();
      expect(seen).toEqual([]);
    },
  );
});

describe('manifestHead', () => {
  test('reads digest, media type and size from the headers, with the same Accept as GET', async () => {
    registry({
      'HEAD /v2/a/manifests/v1': {
        status: 200,
        headers: {
          'docker-content-digest': manifestDigest,
          'content-type': MediaType.OciManifest,
          'content-length': String(manifestBytes.length),
        },
      },
    });
    expect(await client.manifestHead('a', 'v1')).toEqual({
      digest: manifestDigest,
      mediaType: MediaType.OciManifest,
      size: manifestBytes.length,
    });
    expect(requests().map((r) => r.method)).toEqual(['HEAD']);
    expect(requests()[0]!.headers.accept).toBe(MANIFEST_ACCEPT);
  });

  test('falls back to GET when Docker-Content-Digest is missing', async () => {
    registry({
      'HEAD /v2/a/manifests/v1': {
        status: 200,
        headers: { 'content-type': MediaType.OciManifest, 'content-length': String(manifestBytes.length) },
      },
      'GET /v2/a/manifests/v1': {
        status: 200,
        body: manifestBytes,
        headers: { 'content-type': MediaType.OciManifest },
      },
    });
    expect(await client.manifestHead('a', 'v1')).toEqual({
      digest: manifestDigest,
      mediaType: MediaType.OciManifest,
      size: manifestBytes.length,
    });
    expect(requests().map((r) => r.method)).toEqual(['HEAD', 'GET']);
  });

  test('falls back to GET when Content-Length is missing (RELIABILITY C2)', async () => {
    registry({
      'HEAD /v2/a/manifests/v1': {
        status: 200,
        headers: { 'content-type': MediaType.OciManifest, 'docker-content-digest': manifestDigest },
      },
      'GET /v2/a/manifests/v1': {
        status: 200,
        body: manifestBytes,
        headers: { 'content-type': MediaType.OciManifest },
      },
    });
    expect(await client.manifestHead('a', 'v1')).toEqual({
      digest: manifestDigest,
      mediaType: MediaType.OciManifest,
      size: manifestBytes.length,
    });
  });

  test('an invalid Docker-Content-Digest is refused', async () => {
    registry({
      'HEAD /v2/a/manifests/v1': {
        status: 200,
        headers: {
          'content-type': MediaType.OciManifest,
          'docker-content-digest': 'sha256:../../x',
          'content-length': '10',
        },
      },
    });
    await expect(client.manifestHead('a', 'v1')).rejects.toThrow('Docker-Content-Digest');
  });

  test('404 means absent', async () => {
    registry({});
    expect(await client.manifestHead('a', 'v1')).toBeUndefined();
  });
});

describe('blobGet verifies while streaming', () => {
  const path = `/v2/a/blobs/${sha(layer)}`;
  const desc = { digest: sha(layer), size: layer.length };

  test('correct bytes stream through unchanged', async () => {
    registry({
      [`GET ${path}`]: { status: 200, body: layer, headers: { 'content-length': String(layer.length) } },
    });
    const { stream, size } = await client.blobGet('a', desc);
    expect(size).toBe(layer.length);
    expect((await consume(stream)).equals(layer)).toBe(true);
  });

  test('a body longer than the descriptor size fails with size-mismatch', async () => {
    registry({ [`GET ${path}`]: { status: 200, body: Buffer.concat([layer, Buffer.from('extra')]) } });
    const { stream } = await client.blobGet('a', desc);
    const e = await rejection(consume(stream));
    expect(e.kind).toBe('size-mismatch');
  });

  test('a body shorter than the descriptor size fails with size-mismatch', async () => {
    registry({ [`GET ${path}`]: { status: 200, body: layer.subarray(0, layer.length - 1) } });
    const { stream } = await client.blobGet('a', desc);
    expect((await rejection(consume(stream))).kind).toBe('size-mismatch');
  });

  test('one flipped byte fails with digest-mismatch', async () => {
    const flipped = Buffer.from(layer);
    flipped[Math.floor(flipped.length / 2)]! ^= 0x01;
    registry({
      [`GET ${path}`]: { status: 200, body: flipped, headers: { 'content-length': String(flipped.length) } },
    });
    const { stream } = await client.blobGet('a', desc);
    const e = await rejection(consume(stream));
    expect(e.kind).toBe('digest-mismatch');
    expect(e.message).toContain(sha(layer));
  });

  test('a corrupt blob read only later (the upload session opening first) fails its reader', async () => {
    const flipped = Buffer.from(layer);
    flipped[10]! ^= 0x01;
    registry({
      [`GET ${path}`]: { status: 200, body: flipped, headers: { 'content-length': String(flipped.length) } },
    });
    const { stream } = await client.blobGet('a', desc);
    // The whole body has arrived before anyone reads: its failure must wait for the reader.
    for (let i = 0; i < 20; i++) await new Promise(setImmediate);
    expect((await rejection(consume(stream))).kind).toBe('digest-mismatch');
  });

  test('a Content-Length that disagrees with the descriptor is rejected before streaming', async () => {
    registry({
      [`GET ${path}`]: { status: 200, body: layer, headers: { 'content-length': String(layer.length + 1) } },
    });
    const e = await rejection(client.blobGet('a', desc));
    expect(e.kind).toBe('size-mismatch');
    expect(e.message).toContain(String(layer.length + 1));
  });

  test('a blob sent with Content-Encoding is refused (bytes must be as stored)', async () => {
    registry({ [`GET ${path}`]: { status: 200, body: layer, headers: { 'content-encoding': 'gzip' } } });
    expect((await rejection(client.blobGet('a', desc))).kind).toBe('invalid');
  });

  test('an invalid digest is refused before any request', async () => {
    registry({});
    await expect(client.blobGet('a', { digest: 'sha256:../../x' as Digest, size: 1 })).rejects.toThrow(
      'invalid digest',
    );
    expect(seen).toEqual([]);
  });
});

describe('referrers', () => {
  const sig = Buffer.from('{"sig":1}');
  const referrerIndex = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: MediaType.OciIndex,
      manifests: [
        {
          mediaType: MediaType.OciManifest,
          digest: sha(sig),
          size: sig.length,
          artifactType: 'application/vnd.dev.cosign',
        },
      ],
    }),
  );

  test('uses the referrers API when it answers with an index', async () => {
    registry({
      [`GET /v2/a/referrers/${manifestDigest}`]: {
        status: 200,
        body: referrerIndex,
        headers: { 'content-type': MediaType.OciIndex },
      },
    });
    const refs = await client.referrers('a', manifestDigest);
    expect(refs.map((r) => r.digest)).toEqual([sha(sig)]);
    expect(refs[0]?.artifactType).toBe('application/vnd.dev.cosign');
  });

  test('a 404 on the API falls back to the sha256-<hex> tag', async () => {
    const tag = referrersTag(manifestDigest);
    expect(tag).toBe(`sha256-${manifestDigest.slice('sha256:'.length)}`);
    registry({
      [`GET /v2/a/manifests/${tag}`]: {
        status: 200,
        body: referrerIndex,
        headers: { 'content-type': MediaType.OciIndex },
      },
    });
    const refs = await client.referrers('a', manifestDigest);
    expect(refs.map((r) => r.digest)).toEqual([sha(sig)]);
    expect(requests().map((r) => `${r.method} ${r.path}`)).toEqual([
      `GET /v2/a/referrers/${manifestDigest}`,
      `GET /v2/a/manifests/${tag}`,
    ]);
  });

  test('once the API has answered in a repository, a declined answer there fails: it is not taken for "no referrers"', async () => {
    const other = sha(Buffer.from('another subject'));
    registry({
      [`GET /v2/a/referrers/${manifestDigest}`]: {
        status: 200,
        body: referrerIndex,
        headers: { 'content-type': MediaType.OciIndex },
      },
      // No route for `other`: 404, as a replica or a proxy that does not route the API answers.
    });
    expect((await client.referrers('a', manifestDigest)).map((r) => r.digest)).toEqual([sha(sig)]);
    // Before, this 404 switched the API off for the rest of the run: `other` and every later
    // subject read as having no referrers, and their tags were copied without their signatures.
    const e = await rejection(client.referrers('a', other));
    expect(e.kind).toBe('invalid');
    expect(e.message).toContain(
      `the referrers API declined the request for ${other}, though it answered in this repository earlier in this run`,
    );
    expect(e.hint).toMatch(/does not take that for "no referrers": run again$/);
    // Still asked, and still believed, for the next subject.
    expect((await client.referrers('a', manifestDigest)).map((r) => r.digest)).toEqual([sha(sig)]);
    // Another repository it never answered in (served without the API behind the same host):
    // its fallback tag answers, no failure, and the API is not switched off for the others.
    expect(await client.referrers('b', other)).toEqual([]);
    expect((await client.referrers('a', manifestDigest)).map((r) => r.digest)).toEqual([sha(sig)]);
  });

  test('no API and no fallback tag means no referrers', async () => {
    registry({});
    expect(await client.referrers('a', manifestDigest)).toEqual([]);
  });

  /** A referrers API answering `pages` pages of one referrer each; `link(page)` is page's next link. */
  const pagedReferrers = (pages: number, link: (page: number) => string | undefined, lastStatus = 200) => {
    const path = `/v2/a/referrers/${manifestDigest}`;
    const routes: Record<string, Reply> = {};
    for (let page = 1; page <= pages; page++) {
      const body = Buffer.from(
        JSON.stringify({
          schemaVersion: 2,
          mediaType: MediaType.OciIndex,
          manifests: [{ mediaType: MediaType.OciManifest, digest: sha(String(page)), size: 1 }],
        }),
      );
      const next = link(page);
      routes[page === 1 ? path : `${path}?page=${page}`] = {
        status: page === pages ? lastStatus : 200,
        body,
        headers: { 'content-type': MediaType.OciIndex, ...(next ? { link: `<${next}>; rel="next"` } : {}) },
      };
    }
    registry(Object.fromEntries(Object.entries(routes).map(([k, v]) => [`GET ${k}`, v])));
    return path;
  };

  test('follows Link rel="next" through every page of the referrers API', async () => {
    const path = pagedReferrers(3, (page) =>
      page < 3 ? `/v2/a/referrers/${manifestDigest}?page=${page + 1}` : undefined,
    );
    const refs = await client.referrers('a', manifestDigest);
    expect(refs.map((r) => r.digest)).toEqual([sha('1'), sha('2'), sha('3')]);
    expect(requests().map((r) => r.path)).toEqual([path, `${path}?page=2`, `${path}?page=3`]);
    expect(requests().every((r) => r.headers.accept === MediaType.OciIndex)).toBe(true);
  });

  test('a referrers pagination that loops fails instead of being followed forever', async () => {
    pagedReferrers(2, (page) => `/v2/a/referrers/${manifestDigest}${page === 1 ? '?page=2' : ''}`);
    const e = await rejection(client.referrers('a', manifestDigest));
    expect(e.kind).toBe('invalid');
    expect(e.message).toContain('repeats page');
    expect(e.hint).toContain('referrers list');
  });

  test('a referrers list longer than the listing bounds fails, never truncated', async () => {
    pagedReferrers(20, (page) => `/v2/a/referrers/${manifestDigest}?page=${page + 1}`);
    const limited = new RegistryClient({
      registry: 'reg.example',
      baseUrl: REG,
      dispatcher: agent,
      sleep: async () => {},
      listingLimits: { pages: 5 },
    });
    const e = await rejection(limited.referrers('a', manifestDigest));
    expect(e.kind).toBe('too-large');
    expect(e.message).toContain('5 pages');
    expect(requests()).toHaveLength(5);
  });

  test('a later page that is missing fails the list; it does not fall back to the tag', async () => {
    pagedReferrers(2, (page) => (page === 1 ? `/v2/a/referrers/${manifestDigest}?page=2` : undefined), 404);
    const e = await rejection(client.referrers('a', manifestDigest));
    expect(e.message).toContain('page 2 of the listing answered HTTP 404');
    expect(requests().some((r) => r.path.includes('/manifests/'))).toBe(false);
  });

  test('a page whose descriptors are invalid fails the list', async () => {
    registry({
      [`GET /v2/a/referrers/${manifestDigest}`]: {
        status: 200,
        body: JSON.stringify({
          schemaVersion: 2,
          mediaType: MediaType.OciIndex,
          manifests: [{ mediaType: MediaType.OciManifest, digest: 'sha256:../../x', size: 1 }],
        }),
        headers: { 'content-type': MediaType.OciIndex },
      },
    });
    const e = await rejection(client.referrers('a', manifestDigest));
    expect(e.kind).toBe('invalid');
    expect(e.message).toContain('page 1 of the listing');
  });
});

describe('manifestPut', () => {
  test('sends the exact bytes with the media type and returns their digest', async () => {
    let body = '';
    agent
      .get(REG)
      .intercept({ path: '/v2/a/manifests/v1', method: 'PUT' })
      .reply((opts) => {
        body = Buffer.from(opts.body as Uint8Array).toString();
        seen.push({ origin: REG, method: 'PUT', path: opts.path, headers: lower(opts.headers) });
        return {
          statusCode: 201,
          data: '',
          responseOptions: { headers: { 'docker-content-digest': manifestDigest } },
        };
      });
    registry({});
    expect(await client.manifestPut('a', 'v1', manifestBytes, MediaType.OciManifest)).toBe(manifestDigest);
    expect(body).toBe(manifestBytes.toString());
    expect(seen.find((s) => s.method === 'PUT')!.headers['content-type']).toBe(MediaType.OciManifest);
  });

  test('a registry that reports storing other bytes fails with digest-mismatch', async () => {
    registry({
      'PUT /v2/a/manifests/v1': { status: 201, headers: { 'docker-content-digest': sha('other') } },
    });
    const e = await rejection(client.manifestPut('a', 'v1', manifestBytes, MediaType.OciManifest));
    expect(e.kind).toBe('digest-mismatch');
    expect(e.message).toBe(
      `writing manifest to reg.example/a: registry stored ${sha('other')}, sent ${manifestDigest}`,
    );
    // ferry sent these bytes and the registry kept something: not the read side's "corrupted … nothing was written".
    expect(e.hint).toBe(
      'the destination stored the manifest under a different digest than ferry sent (a proxy rewrote it, or the registry converts manifests); the tag may point at altered content: check it with skopeo inspect, and run again',
    );
  });
});

describe('blobUpload', () => {
  const blob = Buffer.from('x'.repeat(3000));
  const digest = sha(blob);
  const open = async () => (await import('node:stream')).Readable.from([blob]);

  test('a registry that refuses the whole-blob PUT (413) gets the blob in chunks instead', async () => {
    let uploads = 0;
    const patches: string[] = [];
    registry({
      'POST /v2/app/blobs/uploads/': () => ({ status: 202, headers: { location: `/upload/${++uploads}` } }),
      [`PUT /upload/1?digest=${encodeURIComponent(digest)}`]: { status: 413 },
      'DELETE /upload/1': { status: 204 },
      'PATCH /upload/2': (r) => {
        patches.push(r.headers['content-range'] ?? '');
        return { status: 202, headers: { location: '/upload/2' } };
      },
      [`PUT /upload/2?digest=${encodeURIComponent(digest)}`]: { status: 201 },
    });
    const r = await client.blobUpload('app', { digest, size: blob.length }, open);
    expect(r.via).toBe('uploaded');
    expect(patches).toEqual([`0-${blob.length - 1}`]);
    expect(requests().map((s) => s.method)).toEqual(['POST', 'PUT', 'DELETE', 'POST', 'PATCH', 'PUT']);
  });
});

describe('an upload Location', () => {
  const blob = Buffer.from('y'.repeat(100));
  const digest = sha(blob);
  test.each([
    ['the link-local metadata address', 'https://169.254.169.254/latest/upload'],
    ['a private address', 'https://10.0.0.7/upload'],
    ['a URL with credentials', 'https://user:pw@cdn.example/upload'],
  ])('pointing at %s is refused: no byte of the blob goes there', async (_name, location) => {
    registry({ 'POST /v2/app/blobs/uploads/': { status: 202, headers: { location } } });
    const e = await rejection(
      client.blobUpload('app', { digest, size: blob.length }, async () =>
        (await import('node:stream')).Readable.from([blob]),
      ),
    );
    expect(e.kind).toBe('redirect-refused');
    expect(e.message).toContain('upload Location points at');
    expect(seen.filter((s) => s.origin !== REG)).toEqual([]);
  });
});

describe('chunked upload', () => {
  test('after a failed PATCH it continues from what the registry kept, sending each byte once', async () => {
    const blob = Buffer.from(Array.from({ length: 3000 }, (_, i) => i % 251));
    const digest = sha(blob);
    const chunked = new RegistryClient({
      registry: 'reg.example',
      baseUrl: REG,
      dispatcher: agent,
      sleep: async () => {},
      chunkThreshold: 1,
      chunkSize: 2048,
    });
    const ranges: string[] = [];
    let patches = 0;
    registry({
      'POST /v2/app/blobs/uploads/': { status: 202, headers: { location: '/up' } },
      'PATCH /up': (r) => {
        const range = r.headers['content-range'] ?? '';
        ranges.push(range);
        if (++patches === 1) return { status: 500 };
        return { status: 202, headers: { location: '/up' } };
      },
      // The registry kept the first 1000 bytes of the failed 2048-byte chunk.
      'GET /up': { status: 204, headers: { range: '0-999', location: '/up' } },
      [`PUT /up?digest=${encodeURIComponent(digest)}`]: { status: 201 },
    });
    const r = await chunked.blobUpload('app', { digest, size: blob.length }, async () =>
      (await import('node:stream')).Readable.from([blob]),
    );
    expect(r.via).toBe('uploaded');
    expect(ranges).toEqual(['0-2047', '1000-2047', '2048-2999']);
  });

  test('the upload status names where the session goes on: the next PATCH and the final PUT go there', async () => {
    const blob = Buffer.from(Array.from({ length: 3000 }, (_, i) => i % 251));
    const digest = sha(blob);
    let patches = 0;
    registry({
      'POST /v2/app/blobs/uploads/': { status: 202, headers: { location: '/up' } },
      'PATCH /up': () => (++patches === 1 ? { status: 500 } : { status: 400 }),
      // The registry kept 1000 bytes, and moved the session.
      'GET /up': { status: 204, headers: { range: '0-999', location: '/moved' } },
      'PATCH /moved': { status: 202, headers: { location: '/moved' } },
      [`PUT /moved?digest=${encodeURIComponent(digest)}`]: { status: 201 },
    });
    const r = await chunkedClient(2048).blobUpload('app', { digest, size: blob.length }, async () =>
      (await import('node:stream')).Readable.from([blob]),
    );
    expect(r.via).toBe('uploaded');
    expect(requests().map((s) => `${s.method} ${s.path.split('?')[0]}`)).toEqual([
      'POST /v2/app/blobs/uploads/',
      'PATCH /up',
      'GET /up',
      'PATCH /moved',
      'PATCH /moved',
      'PUT /moved',
    ]);
  });

  const chunkedClient = (chunkSize: number) =>
    new RegistryClient({
      registry: 'reg.example',
      baseUrl: REG,
      dispatcher: agent,
      sleep: async () => {},
      chunkThreshold: 1,
      chunkSize,
    });

  test("honours the POST answer's OCI-Chunk-Min-Length (spec: the POST response SHOULD include it)", async () => {
    const blob = Buffer.alloc(3000, 5);
    const digest = sha(blob);
    const ranges: string[] = [];
    registry({
      'POST /v2/app/blobs/uploads/': { status: 202, headers: { location: '/up', 'oci-chunk-min-length': '2048' } },
      'PATCH /up': (r) => {
        ranges.push(r.headers['content-range'] ?? '');
        return { status: 202, headers: { location: '/up' } };
      },
      [`PUT /up?digest=${encodeURIComponent(digest)}`]: { status: 201 },
    });
    const { Readable } = await import('node:stream');
    await chunkedClient(1024).blobUpload('app', { digest, size: blob.length }, () => Readable.from([blob]));
    expect(ranges).toEqual(['0-2047', '2048-2999']);
  });

  test('a registry that demands chunks above MAX_CHUNK_SIZE fails the upload, naming both, and the session is cancelled at its latest Location', async () => {
    const blob = Buffer.alloc(5000, 6);
    const digest = sha(blob);
    const sizes: number[] = [];
    registry({
      'POST /v2/app/blobs/uploads/': { status: 202, headers: { location: '/up/0' } },
      'PATCH /up/0': (r) => {
        sizes.push(Number(r.headers['content-length']));
        return { status: 202, headers: { location: '/up/1', 'oci-chunk-min-length': String(2 ** 50) } };
      },
      'DELETE /up/1': { status: 204 },
    });
    const { Readable } = await import('node:stream');
    const err = await chunkedClient(1024)
      .blobUpload('app', { digest, size: blob.length }, () => Readable.from([blob]))
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(err).toBeInstanceOf(RegistryError);
    expect((err as RegistryError).message).toContain(String(2 ** 50));
    expect((err as RegistryError).message).toContain(String(MAX_CHUNK_SIZE));
    // Not retried (the demand is no glitch); no more than one configured chunk went up.
    expect(sizes).toEqual([1024]);
    expect(requests().map((q) => `${q.method} ${q.path}`)).toEqual([
      'POST /v2/app/blobs/uploads/',
      'PATCH /up/0',
      'DELETE /up/1',
    ]);
  });

  test('a demand above MAX_CHUNK_SIZE in the POST answer fails before any byte is read', async () => {
    registry({
      'POST /v2/app/blobs/uploads/': {
        status: 202,
        headers: { location: '/up', 'oci-chunk-min-length': String(MAX_CHUNK_SIZE + 1) },
      },
      'DELETE /up': { status: 204 },
    });
    let opened = 0;
    const { Readable } = await import('node:stream');
    const err = await chunkedClient(1024)
      .blobUpload('app', { digest: sha('xy'), size: 2 }, () => {
        opened++;
        return Readable.from([Buffer.from('xy')]);
      })
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(String(err)).toContain(`OCI-Chunk-Min-Length: ${MAX_CHUNK_SIZE + 1}`);
    expect(opened).toBe(0);
    expect(requests().map((q) => q.method)).toEqual(['POST', 'DELETE']);
  });

  test('builds a chunk from many small source pieces in linear time', async () => {
    // 32 MiB in 64 KiB pieces, 16 MiB chunks: joining per piece took 12-14 s per chunk.
    const piece = Buffer.alloc(64 * 1024, 1);
    const pieces = Array.from({ length: 512 }, () => piece);
    const size = piece.length * pieces.length;
    const digest = sha(Buffer.concat(pieces));
    const sizes: number[] = [];
    registry({
      'POST /v2/app/blobs/uploads/': { status: 202, headers: { location: '/up' } },
      'PATCH /up': (r) => {
        sizes.push(Number(r.headers['content-length']));
        return { status: 202, headers: { location: '/up' } };
      },
      [`PUT /up?digest=${encodeURIComponent(digest)}`]: { status: 201 },
    });
    const { Readable } = await import('node:stream');
    const t = Date.now();
    await chunkedClient(16 * 1024 * 1024).blobUpload('app', { digest, size }, () => Readable.from(pieces));
    expect(sizes).toEqual([16 * 1024 * 1024, 16 * 1024 * 1024]);
    expect(Date.now() - t).toBeLessThan(4000);
  });
});
