/**
 * The bounds of an https:// archive download, against loopback HTTPS servers that misbehave: one
 * that streams for ever, one that announces too many bytes, one that stalls mid-body, one that
 * answers 503 for ever; and where the Authorization header goes when the server redirects.
 * Every refusal names its limit, cuts the connection and keeps nothing in the cache.
 */
import { createHash } from 'node:crypto';
import { readdir } from 'node:fs/promises';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { getCACertificates, setDefaultCACertificates } from 'node:tls';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { fetchArchive } from '../../src/providers/archive-fetch.js';
import { getTestTls } from '../support/tls.js';
import { createTempDir, type TempDir } from '../support/tmp.js';

const BODY = Buffer.from('an archive, as far as the pin is concerned\n');
const SHA = createHash('sha256').update(BODY).digest('hex');
const MiB = 1024 * 1024;

let tmp: TempDir;
let home: Server; // 127.0.0.1: the archive's own origin
let elsewhere: Server; // 127.0.0.2: another origin a redirect may send the download to
/** Resolves when the server sees the client's connection for `path` closed. */
const closed = new Map<string, Promise<void>>();
/** The Authorization header each path was asked with. */
const authSeen = new Map<string, string | undefined>();
let cacheDir = '';

const base = (s: Server) => {
  const a = s.address() as AddressInfo;
  return `https://${a.address}:${a.port}`;
};

beforeAll(async () => {
  tmp = await createTempDir('ferry-archive-download-');
  const tls = await getTestTls();
  // Downloads trust Node's default store, as NODE_EXTRA_CA_CERTS extends it.
  setDefaultCACertificates([...getCACertificates('default'), tls.caPem]);
  const listen = (s: Server, host: string) => new Promise<void>((r) => s.listen(0, host, r));

  home = createServer({ cert: tls.certPem, key: tls.keyPem }, (req, res) => {
    const path = req.url ?? '';
    authSeen.set(path, req.headers.authorization);
    closed.set(path, new Promise((r) => res.on('close', r)));
    const chunk = Buffer.alloc(64 * 1024, 0x61);
    switch (path) {
      case '/forever': {
        // No content-length, and no end: as fast as the client reads, until it hangs up.
        res.writeHead(200, { 'content-type': 'application/x-tar' });
        const more = () => {
          while (!res.destroyed && res.write(chunk));
          if (!res.destroyed) res.once('drain', more);
        };
        more();
        return;
      }
      case '/announced':
        // Says 10 MiB and sends the first bytes; the client must not wait for the rest.
        res.writeHead(200, { 'content-length': 10 * MiB });
        res.write(chunk);
        return;
      case '/stalled':
        // Half of what it promised, then nothing, with the connection open.
        res.writeHead(200, { 'content-length': BODY.length });
        res.write(BODY.subarray(0, BODY.length >> 1));
        return;
      case '/unavailable':
        res.writeHead(503, { 'retry-after': '1' }).end();
        return;
      case '/away':
        res.writeHead(302, { location: `${base(elsewhere)}/file` }).end();
        return;
      case '/here':
        res.writeHead(302, { location: '/file' }).end();
        return;
      case '/file':
        res.writeHead(200, { 'content-length': BODY.length }).end(BODY);
        return;
      default:
        res.writeHead(404).end();
    }
  });
  elsewhere = createServer({ cert: tls.certPem, key: tls.keyPem }, (req, res) => {
    authSeen.set(`elsewhere${req.url}`, req.headers.authorization);
    res.writeHead(200, { 'content-length': BODY.length }).end(BODY);
  });
  await listen(home, '127.0.0.1');
  await listen(elsewhere, '127.0.0.2');
});

beforeEach(async (ctx) => {
  cacheDir = join(tmp.path, ctx.task.id);
  authSeen.clear();
  closed.clear();
});

afterAll(async () => {
  home?.closeAllConnections();
  elsewhere?.closeAllConnections();
  await Promise.all([home, elsewhere].map((s) => new Promise((r) => s?.close(r))));
  await tmp?.remove();
});

const cached = () => readdir(cacheDir).catch(() => []);

describe('an https:// archive download', () => {
  it('stops at the byte cap when the server never ends, hangs up and keeps nothing', async () => {
    const got = fetchArchive(`${base(home)}/forever`, SHA, { cacheDir, maxBytes: MiB });
    await expect(got).rejects.toThrow(
      `downloading ${base(home)}/forever failed: archive larger than ${MiB} bytes (ARCHIVE_MAX_BYTES)`,
    );
    await closed.get('/forever');
    expect(await cached()).toEqual([]);
  });

  it('refuses a declared size over the cap before reading the body', async () => {
    const got = fetchArchive(`${base(home)}/announced`, SHA, { cacheDir, maxBytes: MiB });
    await expect(got).rejects.toThrow(`failed: archive larger than ${MiB} bytes`);
    await closed.get('/announced');
    expect(await cached()).toEqual([]);
  });

  it('gives up at the deadline when the server stalls mid-body', async () => {
    const got = fetchArchive(`${base(home)}/stalled`, SHA, { cacheDir, deadlineMs: 500 });
    await expect(got).rejects.toThrow(`downloading ${base(home)}/stalled failed: download exceeded 0.5 s`);
    await closed.get('/stalled');
    expect(await cached()).toEqual([]);
  });

  it('counts the waits between attempts against the same deadline', async () => {
    // 503 with Retry-After: 1 every time: the second attempt would come after the deadline.
    const got = fetchArchive(`${base(home)}/unavailable`, SHA, { cacheDir, deadlineMs: 500 });
    await expect(got).rejects.toThrow('failed: download exceeded 0.5 s');
  });

  it('sends the Authorization header on its own origin only, redirects included', async () => {
    const auth = 'Bearer archive-token';
    expect((await fetchArchive(`${base(home)}/here`, SHA, { cacheDir, auth })).downloaded).toBe(true);
    expect(authSeen.get('/file')).toBe(auth);
    await fetchArchive(`${base(home)}/away`, SHA, { cacheDir: join(cacheDir, 'away'), auth });
    expect(authSeen.get('/away')).toBe(auth);
    expect(authSeen.get('elsewhere/file')).toBeUndefined();
  });
});
