import { MockAgent } from 'undici';
import { afterEach, beforeEach, describe, expect, test, vi } from 'vitest';
import type { RegistryCredentials } from '../../../src/registry/auth/docker-config.js';
import { RegistryError, type RegistryErrorKind } from '../../../src/registry/errors.js';
import {
  BLOB_DEADLINE_GRACE_MS,
  BLOB_FLOOR_BYTES_PER_SECOND,
  DEFAULT_DEADLINES,
  REQUEST_DEADLINE_MS,
  requestDeadlineMs,
  type SendRequest,
  TOKEN_BODY_CAP,
  Transport,
  type TransportOptions,
} from '../../../src/registry/http.js';
import { rejection } from '../../support/rejection.js';

const REG = 'https://reg.example';
const AUTH = 'https://auth.example';
const CDN = 'https://cdn.example';
const START = Date.parse('2025-03-01T12:00:00Z');

interface Seen {
  origin: string;
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: string;
}
interface Reply {
  status: number;
  body?: string | Buffer;
  headers?: Record<string, string>;
}
type Handler = (r: Seen, n: number) => Reply;

function lower(h: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (Array.isArray(h)) for (let i = 0; i + 1 < h.length; i += 2) out[String(h[i]).toLowerCase()] = String(h[i + 1]);
  else if (h && typeof h === 'object') for (const [k, v] of Object.entries(h)) out[k.toLowerCase()] = String(v);
  return out;
}

/** A MockAgent whose origins answer through handlers and record every request they see. */
function fakeNet() {
  const agent = new MockAgent();
  agent.disableNetConnect();
  const seen: Seen[] = [];
  const route = (origin: string, handler: Handler) => {
    let n = 0;
    agent
      .get(origin)
      .intercept({ path: () => true, method: () => true })
      .reply((opts) => {
        const r: Seen = {
          origin,
          method: opts.method,
          path: opts.path,
          headers: lower(opts.headers),
          ...(typeof opts.body === 'string' ? { body: opts.body } : {}),
        };
        seen.push(r);
        const out = handler(r, n++);
        return {
          statusCode: out.status,
          data: out.body ?? '',
          responseOptions: { headers: out.headers ?? {} },
        };
      })
      .persist();
  };
  const at = (origin: string) => seen.filter((s) => s.origin === origin);
  return { agent, seen, route, at };
}
type Net = ReturnType<typeof fakeNet>;

let net: Net;
let waits: number[];
beforeEach(() => {
  vi.useFakeTimers({ toFake: ['Date'] });
  vi.setSystemTime(START);
  net = fakeNet();
  waits = [];
});
afterEach(async () => {
  vi.useRealTimers();
  await net.agent.close();
});

function transport(o: Partial<TransportOptions> = {}): Transport {
  return new Transport({
    registry: 'reg.example',
    baseUrl: REG,
    dispatcher: net.agent,
    // Waiting is recorded and moves the clock, so Retry-After arithmetic sees time pass.
    sleep: async (ms) => {
      waits.push(ms);
      vi.setSystemTime(Date.now() + ms);
    },
    retry: { baseDelayMs: 100, maxDelayMs: 1_000 },
    ...o,
  });
}

function get(t: Transport, path = '/v2/a/manifests/latest', extra: Partial<SendRequest> = {}) {
  return t.send({
    method: 'GET',
    path,
    scopes: ['repository:a:pull'],
    expect: [200],
    operation: 'fetching',
    repository: 'a',
    ...extra,
  });
}

const everything = (e: RegistryError) =>
  [e.message, e.hint ?? '', e.url ?? '', String(e.stack), JSON.stringify(e)].join('\n');

describe('retries', () => {
  test('503 twice then 200: three requests and two recorded backoff waits', async () => {
    net.route(REG, (_r, n) => (n < 2 ? { status: 503 } : { status: 200, body: 'ok' }));
    const res = await get(transport());
    expect(await res.body.text()).toBe('ok');
    expect(net.at(REG)).toHaveLength(3);
    expect(res.retries).toBe(2);
    expect(waits).toHaveLength(2);
    for (const w of waits) {
      expect(w).toBeGreaterThanOrEqual(0);
      expect(w).toBeLessThanOrEqual(1_000);
    }
  });

  test('a persistent 503 stops after the configured attempts with a temporary server error', async () => {
    net.route(REG, () => ({ status: 503, body: 'down' }));
    const e = await rejection(get(transport({ retry: { attempts: 3, baseDelayMs: 10, maxDelayMs: 100 } })));
    expect(net.at(REG)).toHaveLength(3);
    expect(waits).toHaveLength(2);
    expect(e.kind).toBe('server');
    expect(e.status).toBe(503);
    expect(e.temporary).toBe(true);
  });

  test.each([408, 429, 500, 502, 504])('HTTP %d is retried', async (status) => {
    net.route(REG, (_r, n) => (n === 0 ? { status } : { status: 200 }));
    const res = await get(transport());
    await res.body.dump();
    expect(net.at(REG)).toHaveLength(2);
  });

  test.each<[number, RegistryErrorKind]>([
    [400, 'invalid'],
    [401, 'unauthorized'],
    [403, 'denied'],
    [404, 'not-found'],
    [405, 'unsupported'],
    [413, 'too-large'],
  ])('HTTP %d is not retried and fails as %s', async (status, kind) => {
    net.route(REG, () => ({ status }));
    const e = await rejection(get(transport()));
    expect(net.at(REG)).toHaveLength(1);
    expect(waits).toEqual([]);
    expect(e.kind).toBe(kind);
    expect(e.status).toBe(status);
  });

  test('a request marked not retryable is sent once', async () => {
    net.route(REG, () => ({ status: 503 }));
    await rejection(
      get(transport(), '/v2/a/blobs/uploads/x', {
        method: 'PUT',
        body: Buffer.from('x'),
        expect: [201],
        retry: false,
      }),
    );
    expect(net.at(REG)).toHaveLength(1);
  });

  test('Retry-After: 2 on a 429 waits exactly 2000 ms', async () => {
    net.route(REG, (_r, n) => (n === 0 ? { status: 429, headers: { 'retry-after': '2' } } : { status: 200 }));
    (await get(transport())).body.dump();
    expect(net.at(REG)).toHaveLength(2);
    expect(waits).toEqual([2_000]);
  });

  test('Retry-After as an HTTP-date waits until that time', async () => {
    const at = new Date(START + 3_000).toUTCString();
    net.route(REG, (_r, n) => (n === 0 ? { status: 503, headers: { 'retry-after': at } } : { status: 200 }));
    (await get(transport())).body.dump();
    expect(waits).toEqual([3_000]);
  });

  test('Retry-After beyond maxRetryAfterMs fails fast as rate-limited, with the retry time in the hint', async () => {
    net.route(REG, () => ({
      status: 429,
      headers: { 'retry-after': '3600' },
      body: '{"errors":[{"code":"TOOMANYREQUESTS","message":"slow down"}]}',
    }));
    const e = await rejection(get(transport({ retry: { maxRetryAfterMs: 60_000 } })));
    expect(net.at(REG)).toHaveLength(1);
    expect(waits).toEqual([]);
    expect(e.kind).toBe('rate-limited');
    expect(e.hint).toContain('3600 s');
    expect(e.hint).toContain(new Date(START + 3_600_000).toISOString());
  });

  test('Retry-After waits add up: once their sum would pass maxRetryAfterMs, the request fails as rate-limited', async () => {
    net.route(REG, () => ({ status: 429, headers: { 'retry-after': '40' } }));
    const e = await rejection(get(transport({ retry: { attempts: 5, maxRetryAfterMs: 100_000 } })));
    // 40 s, 40 s, and the third ask would make 120 s.
    expect(waits).toEqual([40_000, 40_000]);
    expect(net.at(REG)).toHaveLength(3);
    expect(e.kind).toBe('rate-limited');
  });

  test('a connection reset is retried', async () => {
    net.agent
      .get(REG)
      .intercept({ path: () => true, method: 'GET' })
      .replyWithError(Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }));
    net.route(REG, () => ({ status: 200, body: 'ok' }));
    const res = await get(transport());
    expect(await res.body.text()).toBe('ok');
    expect(res.retries).toBe(1);
    expect(waits).toHaveLength(1);
  });

  test('a DNS failure is not retried and is reported as a network error naming the code', async () => {
    net.agent
      .get(REG)
      .intercept({ path: () => true, method: 'GET' })
      .replyWithError(Object.assign(new Error('getaddrinfo ENOTFOUND reg.example'), { code: 'ENOTFOUND' }));
    net.route(REG, () => ({ status: 200 }));
    const e = await rejection(get(transport()));
    expect(e.kind).toBe('network');
    expect(e.message).toContain('ENOTFOUND');
    expect(net.at(REG)).toHaveLength(0);
    expect(waits).toEqual([]);
  });

  test('a certificate error is reported as tls with a hint about the CA', async () => {
    net.agent
      .get(REG)
      .intercept({ path: () => true, method: 'GET' })
      .replyWithError(Object.assign(new Error('self-signed certificate'), { code: 'DEPTH_ZERO_SELF_SIGNED_CERT' }));
    const e = await rejection(get(transport()));
    expect(e.kind).toBe('tls');
    expect(e.hint).toContain('ca');
  });
});

const CHALLENGE = `Bearer realm="${AUTH}/token",service="reg",scope="repository:a:pull"`;
const CREDS: RegistryCredentials = { username: 'robot', password: 'pa55-w0rd-for-http-test' };
const basic = (c: { username: string; password: string }) =>
  `Basic ${Buffer.from(`${c.username}:${c.password}`).toString('base64')}`;

/** Registry that wants `Bearer <token>` and a token server that hands out tok-<n>. */
function bearerRegistry(opts: { token?: (n: number) => string; onAuthorized?: (r: Seen) => Reply } = {}) {
  const token = opts.token ?? ((n: number) => `tok-${n}-abcdefgh`);
  const issued: string[] = [];
  net.route(AUTH, (_r, n) => {
    const t = token(n);
    issued.push(t);
    return {
      status: 200,
      body: JSON.stringify({ token: t, expires_in: 300 }),
      headers: { 'content-type': 'application/json' },
    };
  });
  net.route(REG, (r) => {
    if (!issued.some((t) => r.headers.authorization === `Bearer ${t}`))
      return {
        status: 401,
        headers: { 'www-authenticate': CHALLENGE },
        body: '{"errors":[{"code":"UNAUTHORIZED"}]}',
      };
    return opts.onAuthorized?.(r) ?? { status: 200, body: 'ok' };
  });
  return issued;
}

describe('bearer token flow', () => {
  test('401 → token GET with service, scope and Basic credentials → retried request carries the bearer token', async () => {
    const issued = bearerRegistry();
    const res = await get(transport({ credentials: CREDS }));
    expect(await res.body.text()).toBe('ok');
    const tokenReqs = net.at(AUTH);
    expect(tokenReqs).toHaveLength(1);
    const q = new URL(tokenReqs[0]!.path, AUTH);
    expect(q.pathname).toBe('/token');
    expect(q.searchParams.get('service')).toBe('reg');
    expect(q.searchParams.getAll('scope')).toEqual(['repository:a:pull']);
    expect(tokenReqs[0]!.headers.authorization).toBe(basic(CREDS as { username: string; password: string }));
    const regReqs = net.at(REG);
    expect(regReqs).toHaveLength(2);
    expect(regReqs[0]!.headers.authorization).toBeUndefined();
    expect(regReqs[1]!.headers.authorization).toBe(`Bearer ${issued[0]}`);
  });

  test('anonymous: the token GET carries no Authorization', async () => {
    bearerRegistry();
    await (await get(transport())).body.dump();
    expect(net.at(AUTH)[0]!.headers.authorization).toBeUndefined();
  });

  test('the token is cached: a second request for the same scope fetches no new token', async () => {
    const issued = bearerRegistry();
    const t = transport({ credentials: CREDS });
    await (await get(t)).body.dump();
    await (await get(t, '/v2/a/manifests/other')).body.dump();
    expect(net.at(AUTH)).toHaveLength(1);
    const regReqs = net.at(REG);
    expect(regReqs).toHaveLength(3);
    expect(regReqs[2]!.headers.authorization).toBe(`Bearer ${issued[0]}`);
  });

  test('insufficient_scope adds the missing scope, first, to a new token request', async () => {
    const scopesOf = (s: Seen) => new URL(s.path, AUTH).searchParams.getAll('scope');
    net.route(AUTH, (r, n) => ({
      status: 200,
      body: JSON.stringify({ token: `tok-${n}-${scopesOf(r).length}-scopes` }),
    }));
    net.route(REG, (r) => {
      const auth = r.headers.authorization ?? '';
      if (!auth) return { status: 401, headers: { 'www-authenticate': `Bearer realm="${AUTH}/token",service="reg"` } };
      if (r.path.startsWith('/v2/b/') && !auth.endsWith('2-scopes'))
        return {
          status: 401,
          headers: {
            'www-authenticate': `Bearer realm="${AUTH}/token",service="reg",scope="repository:b:pull,push",error="insufficient_scope"`,
          },
        };
      return { status: 200 };
    });
    const t = transport({ credentials: CREDS });
    await (await get(t, '/v2/', { scopes: [] })).body.dump();
    const res = await get(t, '/v2/b/blobs/uploads/', {
      method: 'POST',
      scopes: ['repository:a:pull'],
      expect: [200],
    });
    await res.body.dump();
    const last = net.at(AUTH).at(-1)!;
    expect(scopesOf(last)).toEqual(['repository:b:pull,push', 'repository:a:pull']);
    expect(net.at(REG).at(-1)!.headers.authorization).toMatch(/2-scopes$/);
  });

  test('a 401 after a fresh token is final: one token fetch, two registry requests, unauthorized', async () => {
    net.route(AUTH, () => ({ status: 200, body: '{"token":"tok-never-good"}' }));
    net.route(REG, () => ({ status: 401, headers: { 'www-authenticate': CHALLENGE } }));
    const e = await rejection(get(transport({ credentials: CREDS })));
    expect(e.kind).toBe('unauthorized');
    expect(net.at(AUTH)).toHaveLength(1);
    expect(net.at(REG)).toHaveLength(2);
  });

  test('a Basic challenge is answered with Basic credentials on the registry origin', async () => {
    net.route(REG, (r) =>
      r.headers.authorization
        ? { status: 200 }
        : { status: 401, headers: { 'www-authenticate': 'Basic realm="harbor"' } },
    );
    await (await get(transport({ credentials: CREDS }))).body.dump();
    expect(net.at(REG)[1]!.headers.authorization).toBe(basic(CREDS as { username: string; password: string }));
  });

  test('an identity token is exchanged with an OAuth2 refresh_token POST', async () => {
    const refresh = 'refresh-token-value-1234';
    bearerRegistry();
    await (await get(transport({ credentials: { identityToken: refresh } }))).body.dump();
    const tokenReq = net.at(AUTH)[0]!;
    expect(tokenReq.method).toBe('POST');
    const form = new URLSearchParams(tokenReq.body ?? '');
    expect(form.get('grant_type')).toBe('refresh_token');
    expect(form.get('refresh_token')).toBe(refresh);
    expect(form.get('service')).toBe('reg');
    expect(form.get('scope')).toBe('repository:a:pull');
  });

  test.each([400, 401, 404, 405])(
    'a token service answering the refresh_token POST with %i is asked with a GET and the token as password',
    async (status) => {
      const refresh = 'refresh-token-value-5678';
      const username = '00000000-0000-0000-0000-000000000000';
      net.route(AUTH, (r) =>
        r.method === 'POST'
          ? { status }
          : r.headers.authorization === `Basic ${Buffer.from(`${username}:${refresh}`).toString('base64')}`
            ? { status: 200, body: JSON.stringify({ token: 'tok-from-get-123', expires_in: 300 }) }
            : { status: 401 },
      );
      net.route(REG, (r) =>
        r.headers.authorization === 'Bearer tok-from-get-123'
          ? { status: 200, body: 'ok' }
          : { status: 401, headers: { 'www-authenticate': CHALLENGE } },
      );
      const t = transport({ credentials: { identityToken: refresh, username } });
      const res = await get(t);
      expect(await res.body.text()).toBe('ok');
      // Another scope's token goes straight to the GET: the refusal is remembered.
      await (await get(t, '/v2/b/manifests/latest', { scopes: ['repository:b:pull'], repository: 'b' })).body.dump();
      expect(net.at(AUTH).map((x) => x.method)).toEqual(['POST', 'GET', 'GET']);
    },
  );

  test('a token response over the size cap is refused', async () => {
    net.route(AUTH, () => ({ status: 200, body: Buffer.alloc(TOKEN_BODY_CAP + 10, 'a') }));
    net.route(REG, () => ({ status: 401, headers: { 'www-authenticate': CHALLENGE } }));
    await rejection(get(transport()));
    expect(net.at(REG)).toHaveLength(1);
  });
});

describe('token realm validation (RELIABILITY B3, T10)', () => {
  function challengeWith(realm: string) {
    net.route(REG, (r) =>
      r.headers.authorization
        ? { status: 200 }
        : { status: 401, headers: { 'www-authenticate': `Bearer realm="${realm}",service="reg"` } },
    );
  }

  test('a realm over http for an https registry is refused and no credential is sent', async () => {
    net.route('http://auth.example', () => ({ status: 200, body: '{"token":"t-plain-http"}' }));
    challengeWith('http://auth.example/token');
    const e = await rejection(get(transport({ credentials: CREDS })));
    expect(e.kind).toBe('redirect-refused');
    expect(e.message).toContain('https');
    expect(net.at('http://auth.example')).toHaveLength(0);
    expect(net.seen.filter((s) => s.headers.authorization)).toEqual([]);
  });

  test.each([
    ['file URL', 'file:///etc/passwd'],
    ['realm with userinfo', 'https://user:pw@auth.example/token'],
    ['not a URL', 'not a url'],
  ])('a %s realm is refused', async (_name, realm) => {
    challengeWith(realm);
    const e = await rejection(get(transport({ credentials: CREDS })));
    expect(e.kind).toBe('redirect-refused');
    expect(net.seen.filter((s) => s.headers.authorization)).toEqual([]);
  });

  test.each([
    ['link-local metadata address', 'https://169.254.169.254/token'],
    ['private address', 'https://10.0.0.1/token'],
    ['plain-http loopback realm for an https registry', 'http://127.0.0.1:9999/token'],
    ['IPv4-mapped metadata address', 'https://[::ffff:169.254.169.254]/token'],
    ['IPv4-compatible metadata address', 'https://[::169.254.169.254]/token'],
    ['IPv4-mapped private address', 'https://[::ffff:10.0.0.1]/token'],
    ['IPv4-mapped loopback address', 'https://[::ffff:127.0.0.1]/token'],
  ])('a %s realm is refused before any credential is sent', async (_name, realm) => {
    const origin = new URL(realm).origin;
    net.route(origin, () => ({ status: 200, body: '{"token":"t-internal"}' }));
    challengeWith(realm);
    const e = await rejection(get(transport({ credentials: CREDS })));
    expect(e.kind).toBe('redirect-refused');
    expect(net.at(origin)).toHaveLength(0);
  });

  describe('a plain-http registry (issue 15 item 7)', () => {
    const PLAIN = 'http://reg.example:5000';
    function plainRegistry(realm: string) {
      net.route(PLAIN, (r) =>
        r.headers.authorization?.startsWith('Bearer ')
          ? { status: 200 }
          : { status: 401, headers: { 'www-authenticate': `Bearer realm="${realm}",service="reg"` } },
      );
    }
    const plain = (o: Partial<TransportOptions> = {}) =>
      transport({ registry: 'reg.example:5000', baseUrl: PLAIN, credentials: CREDS, ...o });

    test.each([
      ['another host', 'http://auth.example/token'],
      ['another port of the same host', 'http://reg.example:5001/token'],
      ['the default port of the same host', 'http://reg.example/token'],
    ])('an http realm on %s is refused and receives nothing', async (_name, realm) => {
      const origin = new URL(realm).origin;
      net.route(origin, () => ({ status: 200, body: '{"token":"t-cleartext"}' }));
      plainRegistry(realm);
      const e = await rejection(get(plain()));
      expect(e.kind).toBe('redirect-refused');
      expect(e.message).toContain(`reg.example:5000/a: token realm ${origin} refused`);
      expect(e.message).toContain('in clear');
      expect(e.hint).toContain('serve the token realm over https');
      expect(net.at(origin)).toHaveLength(0);
      expect(net.seen.filter((s) => s.headers.authorization?.startsWith('Basic'))).toEqual([]);
    });

    test("an http realm on the registry's own origin gets the credentials", async () => {
      net.route(PLAIN, (r) => {
        if (r.path.startsWith('/token'))
          return r.headers.authorization === basic(CREDS as { username: string; password: string })
            ? { status: 200, body: '{"token":"own-origin-plain"}' }
            : { status: 401 };
        if (r.headers.authorization === 'Bearer own-origin-plain') return { status: 200 };
        return { status: 401, headers: { 'www-authenticate': `Bearer realm="${PLAIN}/token",service="reg"` } };
      });
      await (await get(plain())).body.dump();
      expect(net.at(PLAIN).at(-1)!.headers.authorization).toBe('Bearer own-origin-plain');
    });

    test('an https realm on another origin gets the credentials', async () => {
      net.route(AUTH, (r) =>
        r.headers.authorization ? { status: 200, body: '{"token":"tls-realm"}' } : { status: 401 },
      );
      plainRegistry(`${AUTH}/token`);
      await (await get(plain())).body.dump();
      expect(net.at(AUTH)).toHaveLength(1);
      expect(net.at(PLAIN).at(-1)!.headers.authorization).toBe('Bearer tls-realm');
    });
  });

  test("a realm on the registry's own origin is accepted", async () => {
    net.route(REG, (r) => {
      if (r.path.startsWith('/token')) return { status: 200, body: '{"token":"own-origin-token"}' };
      if (r.headers.authorization === 'Bearer own-origin-token') return { status: 200 };
      return { status: 401, headers: { 'www-authenticate': `Bearer realm="${REG}/token",service="reg"` } };
    });
    await (await get(transport({ credentials: CREDS }))).body.dump();
    expect(net.at(REG).at(-1)!.headers.authorization).toBe('Bearer own-origin-token');
  });
});

describe('redirects', () => {
  /** Registry that answers Basic-authenticated blob GETs with a redirect. */
  function redirectingRegistry(location: string, status = 307) {
    net.route(REG, (r): Reply =>
      r.headers.authorization
        ? { status, headers: { location } }
        : { status: 401, headers: { 'www-authenticate': 'Basic realm="reg"' } },
    );
  }

  test('a redirect to another origin is followed without the Authorization header', async () => {
    redirectingRegistry(`${CDN}/blob?sig=abc`);
    net.route(CDN, () => ({ status: 200, body: 'blob-bytes' }));
    const res = await get(transport({ credentials: CREDS }), '/v2/a/blobs/sha256:x', {
      headers: { accept: '*/*' },
    });
    expect(await res.body.text()).toBe('blob-bytes');
    expect(res.url.origin).toBe(CDN);
    const cdn = net.at(CDN);
    expect(cdn).toHaveLength(1);
    expect(cdn[0]!.path).toBe('/blob?sig=abc');
    expect(cdn[0]!.headers.authorization).toBeUndefined();
    expect(cdn[0]!.headers.cookie).toBeUndefined();
    expect(net.at(REG).at(-1)!.headers.authorization).toBe(basic(CREDS as { username: string; password: string }));
  });

  test("a 401 challenge from the redirect target does not send the registry's credentials to the target's realm (T11)", async () => {
    const EVIL = 'https://evil.example';
    redirectingRegistry(`${CDN}/blob`);
    net.route(CDN, () => ({
      status: 401,
      headers: { 'www-authenticate': `Bearer realm="${EVIL}/token",service="cdn"` },
    }));
    net.route(EVIL, () => ({ status: 200, body: '{"token":"harvested"}' }));
    const t = transport({ credentials: CREDS });
    // The registry's challenge is already known (as after the client's ping), so the blob GET goes out authorised.
    await get(t, '/v2/').then(
      (r) => r.body.dump(),
      () => undefined,
    );
    await get(t, '/v2/a/blobs/sha256:x').then(
      (r) => r.body.dump(),
      () => undefined,
    );
    expect(net.at(EVIL).filter((s) => s.headers.authorization)).toEqual([]);
    expect(net.at(CDN).filter((s) => s.headers.authorization)).toEqual([]);
  });

  test("a redirect target's refusal names that origin, never its query, and keeps of an XML body only Code and Message", async () => {
    const signature = 'Zm9yZ2VkLXNpZ25hdHVyZS12YWx1ZQ';
    redirectingRegistry(`${CDN}/blob?X-Amz-Credential=AKIAEXAMPLEKEY&X-Amz-Signature=${signature}`);
    net.route(CDN, () => ({
      status: 403,
      headers: { 'content-type': 'application/xml' },
      body: `<Error><Code>SignatureDoesNotMatch</Code><Message>bad signature ${signature}</Message><AWSAccessKeyId>AKIAEXAMPLEKEY</AWSAccessKeyId><SignatureProvided>${signature}</SignatureProvided></Error>`,
    }));
    const t = transport({ credentials: CREDS });
    await get(t, '/v2/').then(
      (r) => r.body.dump(),
      () => undefined,
    );
    const e = await rejection(get(t, '/v2/a/blobs/sha256:x'));
    expect(e).toMatchObject({ kind: 'denied', status: 403, otherOrigin: CDN });
    expect(e.message).toContain(
      `${CDN}, where the registry redirected the request, answered: SignatureDoesNotMatch: bad signature …`,
    );
    // Before: the registry's name alone, and the raw XML with the signature and the key it echoed.
    for (const secret of [signature, 'AKIAEXAMPLEKEY', 'X-Amz-']) {
      expect(e.message).not.toContain(secret);
      expect(e.hint).not.toContain(secret);
    }
    expect(e.hint).toMatch(/which refused the request without credentials: ferry sends none to another host/);
  });

  test("a redirect target's body echoing the query percent-encoded keeps none of its values", async () => {
    const token = 'IQoJb3JpZ2luX2VjEXAMPLE/SESSION+TOKEN==';
    const encoded = encodeURIComponent(token);
    redirectingRegistry(`${CDN}/blob?X-Amz-Security-Token=${encoded}&X-Amz-Signature=abcdef0123456789`);
    net.route(CDN, () => ({
      status: 403,
      headers: { 'content-type': 'text/plain' },
      body: `denied: GET /blob?X-Amz-Security-Token=${encoded}&X-Amz-Signature=abcdef0123456789 (token ${token})`,
    }));
    const t = transport({ credentials: CREDS });
    await get(t, '/v2/').then(
      (r) => r.body.dump(),
      () => undefined,
    );
    const e = await rejection(get(t, '/v2/a/blobs/sha256:x'));
    // Before, only the decoded values were cut: the encoded token stood in the message.
    for (const secret of [token, encoded, 'abcdef0123456789']) expect(e.message).not.toContain(secret);
  });

  test('an upload location on another host that refuses the request is named as that, not as a redirect', async () => {
    net.route(CDN, () => ({ status: 401 }));
    const e = await rejection(
      transport({ credentials: CREDS }).send({
        method: 'PUT',
        path: `${CDN}/upload/3f2a?sig=0123456789abcdef`,
        body: Buffer.from('blob'),
        scopes: [],
        expect: [201],
        operation: 'uploading blob to',
        repository: 'a',
      }),
    );
    expect(e).toMatchObject({ kind: 'unauthorized', otherOrigin: CDN });
    expect(e.message).toContain(`${CDN}, the upload location the registry gave, answered: unexpected HTTP 401`);
    expect(e.message).not.toContain('0123456789abcdef');
    expect(net.at(CDN)[0]!.headers.authorization).toBeUndefined();
  });

  test("a caller's own Authorization and Cookie headers are not carried to a redirect target on another origin", async () => {
    // A vendor API sets its Authorization per request instead of through a challenge.
    net.route(REG, () => ({ status: 302, headers: { location: `${CDN}/download` } }));
    net.route(CDN, () => ({ status: 200, body: 'file' }));
    const res = await get(transport(), '/api/export', {
      headers: { Authorization: 'Bearer vendor-api-token', cookie: 'session=vendor', accept: 'application/json' },
    });
    expect(await res.body.text()).toBe('file');
    expect(net.at(REG)[0]!.headers.authorization).toBe('Bearer vendor-api-token');
    const cdn = net.at(CDN);
    expect(cdn).toHaveLength(1);
    expect(cdn[0]!.headers.authorization).toBeUndefined();
    expect(cdn[0]!.headers.cookie).toBeUndefined();
    expect(cdn[0]!.headers.accept).toBe('application/json');
  });

  test.each([301, 302, 307, 308])(
    'a request with a body answered %i to another origin is refused: the body (a login password) is not sent there',
    async (status) => {
      net.route(REG, () => ({ status, headers: { location: `${CDN}/collect` } }));
      net.route(CDN, () => ({ status: 200 }));
      const e = await rejection(
        transport().send({
          method: 'POST',
          path: '/v2/auth/token',
          body: Buffer.from('{"identifier":"me","secret":"dckr_pat_SECRET"}'),
          headers: { 'content-type': 'application/json' },
          scopes: [],
          expect: [200],
          operation: 'logging in to',
        }),
      );
      expect(e.kind).toBe('redirect-refused');
      expect(e.message).toContain(`would send the POST request's body there`);
      expect(net.at(CDN)).toHaveLength(0);
    },
  );

  test('a request with a body redirected within its own origin follows the redirect with its body', async () => {
    net.route(REG, (r) =>
      r.path === '/old' ? { status: 308, headers: { location: '/new' } } : { status: 201, body: 'made' },
    );
    const res = await transport().send({
      method: 'PUT',
      path: '/old',
      body: Buffer.from('manifest'),
      scopes: [],
      expect: [201],
      operation: 'writing',
    });
    expect(await res.body.text()).toBe('made');
    expect(net.at(REG).map((x) => `${x.method} ${x.path}`)).toEqual(['PUT /old', 'PUT /new']);
  });

  test('a redirect from https to http is refused before connecting', async () => {
    redirectingRegistry('http://cdn.example/blob');
    net.route('http://cdn.example', () => ({ status: 200 }));
    const e = await rejection(get(transport({ credentials: CREDS })));
    expect(e.kind).toBe('redirect-refused');
    expect(e.message).toContain('http');
    expect(net.at('http://cdn.example')).toHaveLength(0);
  });

  test('a redirect Location carrying userinfo is refused', async () => {
    redirectingRegistry('https://user:pw@cdn.example/blob');
    net.route(CDN, () => ({ status: 200 }));
    const e = await rejection(get(transport({ credentials: CREDS })));
    expect(e.kind).toBe('redirect-refused');
    expect(net.at(CDN)).toHaveLength(0);
  });

  test('a chain of three redirects is followed to the end', async () => {
    net.route(REG, (r) => {
      const i = Number(/\/hop\/(\d+)/.exec(r.path)?.[1] ?? 0);
      return i < 3 ? { status: 302, headers: { location: `/hop/${i + 1}` } } : { status: 200, body: `end ${i}` };
    });
    const res = await get(transport(), '/hop/0');
    expect(await res.body.text()).toBe('end 3');
    expect(res.url.pathname).toBe('/hop/3');
  });

  test('more than 10 redirects are refused', async () => {
    net.route(REG, (r) => {
      const i = Number(/\/hop\/(\d+)/.exec(r.path)?.[1] ?? 0);
      return { status: 302, headers: { location: `/hop/${i + 1}` } };
    });
    const e = await rejection(get(transport(), '/hop/0'));
    expect(e.kind).toBe('redirect-refused');
    expect(e.message).toContain('10 redirects');
    expect(net.at(REG).length).toBeLessThanOrEqual(11);
  });

  test.each([
    ['link-local metadata address', 'https://169.254.169.254/latest/meta-data'],
    ['private address', 'https://10.0.0.1/blob'],
    ['IPv4-mapped metadata address', 'https://[::ffff:169.254.169.254]/latest/meta-data'],
    ['NAT64 private address', 'https://[64:ff9b::10.0.0.1]/blob'],
  ])('a redirect from a public registry to a %s is refused before connecting (T9)', async (_name, location) => {
    const origin = new URL(location).origin;
    net.route(origin, () => ({ status: 200 }));
    redirectingRegistry(location);
    const e = await rejection(get(transport({ credentials: CREDS })));
    expect(e.kind).toBe('redirect-refused');
    expect(net.at(origin)).toHaveLength(0);
  });

  test('an absolute URL on another origin (an upload Location) gets no credentials', async () => {
    net.route(REG, (r) =>
      r.headers.authorization ? { status: 200 } : { status: 401, headers: { 'www-authenticate': 'Basic realm="reg"' } },
    );
    net.route('https://uploads.example', () => ({ status: 201 }));
    const t = transport({ credentials: CREDS });
    await (await get(t, '/v2/')).body.dump();
    await (
      await get(t, 'https://uploads.example/upload/1?state=x', {
        method: 'PUT',
        body: Buffer.from('x'),
        expect: [201],
      })
    ).body.dump();
    const up = net.at('https://uploads.example');
    expect(up).toHaveLength(1);
    expect(up[0]!.path).toBe('/upload/1?state=x');
    expect(up[0]!.headers.authorization).toBeUndefined();
  });

  test('a relative path that resolves to another origin is refused without contacting it', async () => {
    net.route('https://evil.example', () => ({ status: 200 }));
    await rejection(get(transport(), '//evil.example/x'));
    expect(net.at('https://evil.example')).toHaveLength(0);
  });
});

describe('overall request deadlines (issue 15 item 4)', () => {
  /** Settles to the error, or to 'pending' if `p` has not settled after the timers ran `ms`. */
  async function after(p: Promise<unknown>, ms: number): Promise<unknown> {
    let outcome: unknown = 'pending';
    p.then(
      () => (outcome = 'resolved'),
      (e: unknown) => (outcome = e),
    );
    await vi.advanceTimersByTimeAsync(ms);
    return outcome;
  }

  /** A registry whose answer is held back longer than any deadline here. */
  function stalled() {
    net.agent
      .get(REG)
      .intercept({ path: () => true, method: () => true })
      .reply(200, 'late')
      .delay(10 * 60 * 60 * 1000)
      .persist();
  }

  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['Date', 'setTimeout', 'clearTimeout'] });
    vi.setSystemTime(START);
  });

  test('the defaults: 60 s per request, and 30 s plus 1 s per 10 KiB for a blob', () => {
    expect([REQUEST_DEADLINE_MS, BLOB_DEADLINE_GRACE_MS, BLOB_FLOOR_BYTES_PER_SECOND]).toEqual([
      60_000, 30_000, 10_240,
    ]);
    expect(DEFAULT_DEADLINES).toEqual({ requestMs: 60_000, blobGraceMs: 30_000, blobFloorBytesPerSecond: 10_240 });
    expect(requestDeadlineMs(undefined)).toBe(60_000);
    expect(requestDeadlineMs(0)).toBe(30_000);
    expect(requestDeadlineMs(1024 * 1024)).toBe(30_000 + 102_400);
    expect(requestDeadlineMs(1024 ** 3)).toBe(30_000 + 104_857_600);
  });

  test('with the default deadlines a stalled manifest GET gives up at 60 s, not before', async () => {
    stalled();
    const t = transport();
    const p = get(t);
    expect(await after(p, REQUEST_DEADLINE_MS - 1)).toBe('pending');
    const e = (await after(p, 1)) as RegistryError;
    expect(e).toBeInstanceOf(RegistryError);
    expect(e.kind).toBe('timeout');
    expect(e.message).toBe(
      'fetching reg.example/a: GET /v2/a/manifests/latest took longer than 60 s (deadline); the registry is too slow or stalled',
    );
    expect(e.hint).toContain('60 s, or for a blob 30 s plus 1 s per 10 KiB');
    expect(t.pendingDeadlines).toBe(0);
  });

  test('with the default deadlines a stalled 1 MiB blob GET gives up at 30 s + 102.4 s', async () => {
    stalled();
    const p = get(transport(), '/v2/a/blobs/sha256:x', { size: 1024 * 1024 });
    expect(await after(p, 132_399)).toBe('pending');
    const e = (await after(p, 1)) as RegistryError;
    expect(e.kind).toBe('timeout');
    expect(e.message).toContain('GET /v2/a/blobs/sha256:x (1048576 bytes) took longer than 132.4 s (deadline)');
  });

  test('a clean-up request is sent after the run is cancelled, and gives up at its own deadline', async () => {
    stalled();
    const cancel = new AbortController();
    cancel.abort('SIGTERM');
    const t = transport({ cancel: cancel.signal });
    // An ordinary request of a cancelled run never goes out.
    expect((await rejection(get(t))).kind).toBe('cancelled');
    const p = get(t, '/v2/a/blobs/uploads/u1', { method: 'DELETE', expect: [204], cleanupDeadlineMs: 5_000 });
    expect(await after(p, 4_999)).toBe('pending');
    const e = (await after(p, 1)) as RegistryError;
    expect(e.kind).toBe('timeout');
    expect(e.message).toContain('DELETE /v2/a/blobs/uploads/u1 took longer than 5 s (deadline)');
    expect(t.pendingDeadlines).toBe(0);
  });

  test('an injected deadline replaces the default', async () => {
    stalled();
    const p = get(transport({ deadlines: { requestMs: 2_000 } }));
    expect(await after(p, 1_999)).toBe('pending');
    expect(((await after(p, 1)) as RegistryError).message).toContain('took longer than 2 s (deadline)');
  });

  test('the token request has a deadline of its own', async () => {
    net.agent
      .get(AUTH)
      .intercept({ path: () => true, method: () => true })
      .reply(200, '{"token":"late"}')
      .delay(10 * 60 * 60 * 1000)
      .persist();
    net.route(REG, () => ({ status: 401, headers: { 'www-authenticate': CHALLENGE } }));
    const p = get(transport({ credentials: CREDS }));
    expect(await after(p, REQUEST_DEADLINE_MS - 1)).toBe('pending');
    const e = (await after(p, 1)) as RegistryError;
    expect(e.kind).toBe('timeout');
    expect(e.message).toContain('GET /token took longer than 60 s');
  });

  test('a deadline is cleared once the body is read, dumped, or the status is an error', async () => {
    net.route(REG, (r) =>
      r.path.includes('missing')
        ? { status: 404, body: '{"errors":[{"code":"MANIFEST_UNKNOWN"}]}' }
        : { status: 200, body: 'ok' },
    );
    const t = transport();
    const read = await get(t);
    expect(t.pendingDeadlines).toBe(1);
    expect(await read.body.text()).toBe('ok');
    expect(t.pendingDeadlines).toBe(0);
    await (await get(t, '/v2/a/manifests/x', { method: 'HEAD' })).body.dump();
    expect(t.pendingDeadlines).toBe(0);
    await rejection(get(t, '/v2/a/manifests/missing'));
    expect(t.pendingDeadlines).toBe(0);
  });
});

describe('secrets stay out of errors', () => {
  test('the bearer token never appears in a thrown error', async () => {
    const token = 'tok-SECRET-value-9f8e7d';
    bearerRegistry({
      token: () => token,
      onAuthorized: (r) => ({
        status: 403,
        body: JSON.stringify({
          errors: [{ code: 'DENIED', message: `token ${token} has no access; you sent ${r.headers.authorization}` }],
        }),
      }),
    });
    const e = await rejection(get(transport({ credentials: CREDS })));
    expect(e.kind).toBe('denied');
    expect(everything(e)).not.toContain(token);
  });

  test('a redirect Location that is no URL is quoted without its signed query', async () => {
    net.route(REG, () => ({
      status: 307,
      headers: {
        location: 'https://bucket.s3.example.com:99999/b?X-Amz-Credential=AKIAEXAMPLE&X-Amz-Signature=SIGSECRET',
      },
    }));
    const e = await rejection(get(transport()));
    expect(e.kind).toBe('redirect-refused');
    expect(e.message).toContain('invalid redirect Location "https://bucket.s3.example.com:99999/b?…"');
    expect(everything(e)).not.toMatch(/SIGSECRET|AKIAEXAMPLE/);
  });

  test('a token realm that is no URL is quoted without its query', async () => {
    net.route(REG, () => ({
      status: 401,
      headers: { 'www-authenticate': 'Bearer realm="https://auth.example.com:99999/token?client_secret=REALMSECRET"' },
    }));
    const e = await rejection(get(transport({ credentials: CREDS })));
    expect(e.message).toContain('invalid token realm "https://auth.example.com:99999/token?…"');
    expect(everything(e)).not.toContain('REALMSECRET');
  });

  test('a token endpoint that echoes the Basic header leaks neither the password nor the base64 blob', async () => {
    const creds = { username: 'echo-user', password: 'echo-pass-5678' };
    net.route(AUTH, (r) => ({
      status: 401,
      body: JSON.stringify({
        errors: [{ code: 'UNAUTHORIZED', message: `bad ${r.headers.authorization} (${creds.password})` }],
      }),
    }));
    net.route(REG, () => ({ status: 401, headers: { 'www-authenticate': CHALLENGE } }));
    const e = await rejection(get(transport({ credentials: creds })));
    expect(e.kind).toBe('unauthorized');
    const text = everything(e);
    expect(text).not.toContain(creds.password);
    expect(text).not.toContain(basic(creds).slice('Basic '.length));
  });
});

describe('request hygiene', () => {
  test('every request asks for identity encoding, names the user agent and carries query parameters', async () => {
    net.route(REG, () => ({ status: 200 }));
    await (
      await get(transport({ userAgent: 'ferry-test/1' }), '/v2/a/tags/list', {
        query: { n: '5', last: 'x y' },
      })
    ).body.dump();
    const r = net.at(REG)[0]!;
    expect(r.headers['accept-encoding']).toBe('identity');
    expect(r.headers['user-agent']).toBe('ferry-test/1');
    const u = new URL(r.path, REG);
    expect(u.searchParams.get('n')).toBe('5');
    expect(u.searchParams.get('last')).toBe('x y');
  });

  test('request counts are kept per method', async () => {
    net.route(REG, () => ({ status: 200 }));
    const t = transport();
    await (await get(t)).body.dump();
    await (await get(t, '/v2/a/manifests/x', { method: 'HEAD' })).body.dump();
    expect(t.counts()).toEqual({ GET: 1, HEAD: 1 });
  });

  test('a base URL that is not http(s) is refused', () => {
    expect(() => new Transport({ registry: 'r', baseUrl: 'ftp://r.example' })).toThrow('http');
  });
});
