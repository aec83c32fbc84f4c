import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent, request } from 'undici';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { type FaultProxy, startFaultProxy } from '../../support/fault-proxy.js';
import { type RecordingServer, startRecordingServer } from '../../support/recording-server.js';

const SIZE = 1024 * 1024;
const BLOB = Buffer.alloc(SIZE);
for (let i = 0; i < SIZE; i++) BLOB[i] = (i * 31 + (i >> 8)) & 0xff;
const sha = (b: Buffer) => `sha256:${createHash('sha256').update(b).digest('hex')}`;

/** Upstream: /blob (Range-aware), /echo (headers as JSON), POST /upload (absolute Location), PUT /upload/*. */
let upstream: http.Server;
let upstreamUrl = '';
const upstreamSeen: { method: string; url: string; headers: http.IncomingHttpHeaders }[] = [];

function startUpstream(): Promise<void> {
  upstream = http.createServer((req, res) => {
    upstreamSeen.push({ method: req.method!, url: req.url!, headers: req.headers });
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const path = req.url!.split('?')[0];
      if (path === '/blob') {
        const m = /^bytes=(\d+)-$/.exec(req.headers.range ?? '');
        const start = m ? Number(m[1]) : 0;
        const headers: Record<string, string> = {
          'Content-Length': String(SIZE - start),
          'Docker-Content-Digest': sha(BLOB),
          'Content-Type': 'application/octet-stream',
        };
        if (m) headers['Content-Range'] = `bytes ${start}-${SIZE - 1}/${SIZE}`;
        res.writeHead(m ? 206 : 200, headers);
        if (req.method === 'HEAD') return res.end();
        // Several writes, so the proxy sees a multi-chunk stream.
        for (let o = start; o < SIZE; o += 100_000) res.write(BLOB.subarray(o, Math.min(SIZE, o + 100_000)));
        return res.end();
      }
      if (req.url === '/echo') {
        res.writeHead(200, { 'Content-Type': 'application/json' });
        return res.end(JSON.stringify(req.headers));
      }
      if (req.method === 'POST' && req.url === '/upload') {
        res.writeHead(202, {
          Location: `${upstreamUrl}/upload/abc?_state=xyz`,
          'WWW-Authenticate': 'Bearer realm="https://auth.example/token",service="reg"',
          'Content-Length': '0',
        });
        return res.end();
      }
      if (req.method === 'PUT' && req.url?.startsWith('/upload/')) {
        const body = Buffer.concat(chunks);
        res.writeHead(201, { 'Docker-Content-Digest': sha(body), Location: '/v2/x/blobs/y' });
        return res.end();
      }
      res.writeHead(404).end('nope');
    });
  });
  upstream.listen(0, '127.0.0.1');
  return once(upstream, 'listening').then(() => {
    upstreamUrl = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`;
  });
}

/** Reads a body, returning the bytes received and the error that ended it early (if any). */
async function readAll(body: AsyncIterable<Buffer>): Promise<{ buf: Buffer; err?: Error }> {
  const parts: Buffer[] = [];
  try {
    for await (const c of body) parts.push(c);
    return { buf: Buffer.concat(parts) };
  } catch (err) {
    return { buf: Buffer.concat(parts), err: err as Error };
  }
}

const dispatcher = new Agent();
let proxy: FaultProxy;

beforeAll(startUpstream);
afterAll(async () => {
  await dispatcher.close();
  upstream.closeAllConnections();
  await new Promise((r) => upstream.close(r));
});
afterEach(async () => {
  await proxy?.stop();
});

describe('fault proxy', () => {
  test('passes through byte-exactly and rewrites Location to the proxy', async () => {
    proxy = await startFaultProxy({ target: upstreamUrl });
    const got = await request(`${proxy.url}/blob`, { dispatcher });
    expect(got.statusCode).toBe(200);
    expect(got.headers['docker-content-digest']).toBe(sha(BLOB));
    expect(got.headers['content-length']).toBe(String(SIZE));
    expect(sha(Buffer.from(await got.body.arrayBuffer()))).toBe(sha(BLOB));

    const ranged = await request(`${proxy.url}/blob`, { dispatcher, headers: { range: 'bytes=1000-' } });
    expect(ranged.statusCode).toBe(206);
    expect(ranged.headers['content-range']).toBe(`bytes 1000-${SIZE - 1}/${SIZE}`);
    expect(Buffer.from(await ranged.body.arrayBuffer()).equals(BLOB.subarray(1000))).toBe(true);

    const post = await request(`${proxy.url}/upload`, { dispatcher, method: 'POST' });
    await post.body.dump();
    expect(post.statusCode).toBe(202);
    expect(post.headers.location).toBe(`${proxy.url}/upload/abc?_state=xyz`);
    expect(post.headers['www-authenticate']).toContain('realm="https://auth.example/token"');

    const payload = Buffer.concat([BLOB, BLOB, BLOB]);
    const put = await request(post.headers.location as string, { dispatcher, method: 'PUT', body: payload });
    await put.body.dump();
    expect(put.statusCode).toBe(201);
    expect(put.headers['docker-content-digest']).toBe(sha(payload));
    expect(put.headers.location).toBe('/v2/x/blobs/y'); // relative stays relative

    expect(proxy.requests.map((r) => `${r.method} ${r.path} ${r.status}`)).toEqual([
      'GET /blob 200',
      'GET /blob 206',
      'POST /upload 202',
      'PUT /upload/abc 201',
    ]);
    expect(proxy.requests[3]!.query).toBe('_state=xyz');
    expect(proxy.requests[3]!.requestBytes).toBe(3 * SIZE);
    expect(proxy.requests[0]!.responseBytes).toBe(SIZE);
    expect(proxy.countBy('GET', '/blob')).toBe(2);
  });

  test('503 twice, then passes; fired resolves and requests record the fault', async () => {
    proxy = await startFaultProxy({ target: upstreamUrl });
    const rule = proxy.addRule({
      method: 'GET',
      path: /^\/blob$/,
      times: 2,
      action: { kind: 'status', status: 503, body: 'busy' },
    });
    const statuses: number[] = [];
    for (let i = 0; i < 3; i++) {
      const r = await request(`${proxy.url}/blob`, { dispatcher });
      await r.body.dump();
      statuses.push(r.statusCode);
    }
    await rule.fired;
    expect(statuses).toEqual([503, 503, 200]);
    expect(rule.count()).toBe(2);
    expect(proxy.requests.map((r) => r.faulted)).toEqual(['status', 'status', undefined]);
    expect(upstreamSeen.filter((s) => s.url === '/blob').length).toBeGreaterThan(0);
  });

  test('skip lets the first match through; 429 carries Retry-After', async () => {
    proxy = await startFaultProxy({ target: upstreamUrl });
    const rule = proxy.addRule({
      method: 'HEAD',
      path: '/blob',
      skip: 1,
      action: { kind: 'status', status: 429, headers: { 'Retry-After': '2' } },
    });
    const first = await request(`${proxy.url}/blob`, { dispatcher, method: 'HEAD' });
    const second = await request(`${proxy.url}/blob`, { dispatcher, method: 'HEAD' });
    await Promise.all([first.body.dump(), second.body.dump()]);
    await rule.fired;
    expect(first.statusCode).toBe(200);
    expect(first.headers['content-length']).toBe(String(SIZE));
    expect(second.statusCode).toBe(429);
    expect(second.headers['retry-after']).toBe('2');
    expect(proxy.requests[1]!.at).toBeGreaterThanOrEqual(proxy.requests[0]!.at);
  });

  test('reset-after: the client gets N bytes, then a connection reset', async () => {
    proxy = await startFaultProxy({ target: upstreamUrl });
    const rule = proxy.addRule({ path: '/blob', action: { kind: 'reset-after', bytes: 300_000 } });
    const r = await request(`${proxy.url}/blob`, { dispatcher });
    expect(r.headers['content-length']).toBe(String(SIZE));
    const { buf, err } = await readAll(r.body);
    await rule.fired;
    expect(err).toBeDefined();
    expect((err as NodeJS.ErrnoException).code).toBe('ECONNRESET');
    expect(buf.length).toBe(300_000);
    expect(buf.equals(BLOB.subarray(0, 300_000))).toBe(true);
    // The next request on a fresh connection is untouched.
    const again = await request(`${proxy.url}/blob`, { dispatcher });
    expect(sha(Buffer.from(await again.body.arrayBuffer()))).toBe(sha(BLOB));
  });

  test('truncate-after: original Content-Length, body ends early with a clean close', async () => {
    proxy = await startFaultProxy({ target: upstreamUrl });
    const rule = proxy.addRule({ path: '/blob', action: { kind: 'truncate-after', bytes: 123_457 } });
    const r = await request(`${proxy.url}/blob`, { dispatcher });
    expect(r.headers['content-length']).toBe(String(SIZE));
    const { buf, err } = await readAll(r.body);
    await rule.fired;
    expect(err).toBeDefined();
    expect((err as NodeJS.ErrnoException).code).toBe('UND_ERR_SOCKET'); // "other side closed"
    expect(buf.equals(BLOB.subarray(0, 123_457))).toBe(true);
    expect(proxy.requests[0]!.responseBytes).toBe(123_457);
  });

  test('flip-byte changes exactly one byte', async () => {
    proxy = await startFaultProxy({ target: upstreamUrl });
    proxy.addRule({ path: '/blob', action: { kind: 'flip-byte', offset: 500_000 } });
    const r = await request(`${proxy.url}/blob`, { dispatcher });
    const buf = Buffer.from(await r.body.arrayBuffer());
    expect(buf.length).toBe(SIZE);
    const diffs = [...buf.keys()].filter((i) => buf[i] !== BLOB[i]);
    expect(diffs).toEqual([500_000]);
    expect(buf[500_000]).toBe(BLOB[500_000]! ^ 0xff);
  });

  test('content-length lies: +1 fails the read; drop sends no Content-Length', async () => {
    proxy = await startFaultProxy({ target: upstreamUrl });
    proxy.addRule({ path: '/blob', action: { kind: 'content-length', delta: 1 } });
    proxy.addRule({ path: '/blob', skip: 1, action: { kind: 'content-length', delta: 0, drop: true } });
    const bigger = await request(`${proxy.url}/blob`, { dispatcher });
    expect(bigger.headers['content-length']).toBe(String(SIZE + 1));
    const a = await readAll(bigger.body);
    expect(a.err).toBeDefined();
    expect(a.buf.equals(BLOB)).toBe(true);
    const dropped = await request(`${proxy.url}/blob`, { dispatcher });
    expect(dropped.headers['content-length']).toBeUndefined();
    expect(sha(Buffer.from(await dropped.body.arrayBuffer()))).toBe(sha(BLOB));
  });

  test('ignore-range strips Range; add-header adds response headers', async () => {
    proxy = await startFaultProxy({ target: upstreamUrl });
    proxy.addRule({ path: '/blob', action: { kind: 'ignore-range' } });
    proxy.addRule({ path: '/echo', action: { kind: 'ignore-range' } });
    proxy.addRule({
      path: '/echo',
      skip: 1,
      action: { kind: 'add-header', headers: { 'Content-Encoding': 'gzip' } },
    });
    const r = await request(`${proxy.url}/blob`, { dispatcher, headers: { range: 'bytes=1000-' } });
    expect(r.statusCode).toBe(200);
    expect(Buffer.from(await r.body.arrayBuffer()).length).toBe(SIZE);
    expect(proxy.requests[0]!.headers.range).toBe('bytes=1000-'); // recorded as the client sent it
    const echo = await request(`${proxy.url}/echo`, { dispatcher, headers: { range: 'bytes=5-' } });
    expect(((await echo.body.json()) as Record<string, string>).range).toBeUndefined();
    const gz = await request(`${proxy.url}/echo`, { dispatcher });
    await gz.body.dump();
    expect(gz.headers['content-encoding']).toBe('gzip');
  });

  test('reset-request-after cuts an upload; stall holds until the client aborts', async () => {
    proxy = await startFaultProxy({ target: upstreamUrl });
    const reset = proxy.addRule({ method: 'PUT', action: { kind: 'reset-request-after', bytes: SIZE } });
    const before = upstreamSeen.filter((s) => s.method === 'PUT').length;
    await expect(
      request(`${proxy.url}/upload/zzz`, {
        dispatcher,
        method: 'PUT',
        body: Buffer.concat([BLOB, BLOB, BLOB]),
      }),
    ).rejects.toThrow();
    await reset.fired;
    expect(upstreamSeen.filter((s) => s.method === 'PUT').length).toBe(before);

    const stall = proxy.addRule({ path: '/echo', action: { kind: 'stall' } });
    const ac = new AbortController();
    const pending = request(`${proxy.url}/echo`, { dispatcher, signal: ac.signal });
    await stall.fired;
    ac.abort();
    await expect(pending).rejects.toThrow();
  });

  describe('redirect to a recording CDN on 127.0.0.2', () => {
    let cdn: RecordingServer;
    afterEach(async () => cdn?.stop());

    test('307 is served by the proxy; the CDN records headers and returns the real bytes', async () => {
      cdn = await startRecordingServer({ upstream: upstreamUrl });
      expect(cdn.url).toMatch(/^http:\/\/127\.0\.0\.2:\d+$/);
      proxy = await startFaultProxy({ target: upstreamUrl });
      const rule = proxy.addRule({
        method: 'GET',
        path: '/blob',
        action: { kind: 'redirect', location: (r) => `${cdn.url}${r.path}?sig=1` },
      });
      const auth = { authorization: 'Bearer secret-token' };
      const first = await request(`${proxy.url}/blob`, { dispatcher, headers: auth });
      await first.body.dump();
      await rule.fired;
      expect(first.statusCode).toBe(307);
      expect(first.headers.location).toBe(`${cdn.url}/blob?sig=1`);
      expect(proxy.requests[0]!.headers.authorization).toBe('Bearer secret-token');
      expect(proxy.requests[0]!.faulted).toBe('redirect');

      // A well-behaved client follows without credentials.
      const followed = await request(first.headers.location as string, { dispatcher });
      expect(sha(Buffer.from(await followed.body.arrayBuffer()))).toBe(sha(BLOB));
      expect(cdn.requests).toHaveLength(1);
      expect(cdn.requests[0]!.query).toBe('sig=1');
      expect(cdn.requests[0]!.headers.authorization).toBeUndefined();
      expect(cdn.requests[0]!.headers.cookie).toBeUndefined();

      // A leaky client would be caught.
      const leak = await request(`${cdn.url}/blob`, { dispatcher, headers: { ...auth, cookie: 'a=b' } });
      await leak.body.dump();
      expect(cdn.requests[1]!.headers).toMatchObject({ authorization: 'Bearer secret-token', cookie: 'a=b' });
    });

    test('fixed answer when there is no upstream', async () => {
      cdn = await startRecordingServer({ status: 401, headers: { 'WWW-Authenticate': 'Bearer realm="x"' } });
      const r = await request(`${cdn.url}/anything`, { dispatcher });
      await r.body.dump();
      expect(r.statusCode).toBe(401);
      expect(r.headers['www-authenticate']).toBe('Bearer realm="x"');
      expect(cdn.requests.map((q) => q.path)).toEqual(['/anything']);
    });
  });

  describe('TLS', () => {
    let dir = '';
    let tls: { cert: Buffer; key: Buffer };
    beforeAll(() => {
      dir = mkdtempSync(join(tmpdir(), 'fault-proxy-'));
      execFileSync('openssl', [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:P-256',
        '-nodes',
        '-days',
        '1',
        '-subj',
        '/CN=fault-proxy-test',
        '-addext',
        'subjectAltName=IP:127.0.0.1,IP:127.0.0.2',
        '-keyout',
        join(dir, 'key.pem'),
        '-out',
        join(dir, 'cert.pem'),
      ]);
      tls = { cert: readFileSync(join(dir, 'cert.pem')), key: readFileSync(join(dir, 'key.pem')) };
    });
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    test('https proxy → https target (CA given); Location rewritten to the https proxy', async () => {
      const httpsTarget = await startRecordingServer({ tls, upstream: upstreamUrl });
      try {
        proxy = await startFaultProxy({ target: httpsTarget.url, targetCa: tls.cert, tls });
        expect(proxy.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
        const tlsAgent = new Agent({ connect: { ca: tls.cert } });
        try {
          const r = await request(`${proxy.url}/blob`, { dispatcher: tlsAgent });
          expect(sha(Buffer.from(await r.body.arrayBuffer()))).toBe(sha(BLOB));
          const post = await request(`${proxy.url}/upload`, { dispatcher: tlsAgent, method: 'POST' });
          await post.body.dump();
          // upstream → https recording server (rewrites to itself) → proxy (rewrites to itself).
          expect(post.headers.location).toBe(`${proxy.url}/upload/abc?_state=xyz`);
        } finally {
          await tlsAgent.close();
        }
      } finally {
        await httpsTarget.stop();
      }
    });
  });
});
