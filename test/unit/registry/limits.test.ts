/**
 * Caps on untrusted bodies (docs/RELIABILITY.md "Limits and defaults in ferry", A7, T18): a manifest
 * or one listing page is read to at most MANIFEST_CAP (8 MiB), an error response's body to at most
 * ERROR_BODY_CAP (64 KiB). Each runs against a small HTTP server on 127.0.0.1 that is nothing but the
 * oversized body, through ferry's own connection settings (`registryAgent`).
 *
 * What the client read is counted where undici hands it the response bytes: a body stops being read
 * within one socket read (64 KiB) past the cap. What the server got to send is a coarser measure: the
 * kernel's socket buffers on loopback take several MiB before the client closes the connection.
 */
import type { ServerResponse } from 'node:http';
import type { Dispatcher } from 'undici';
import { afterEach, describe, expect, test } from 'vitest';
import { MediaType } from '../../../src/oci/media-types.js';
import { MANIFEST_CAP, RegistryClient } from '../../../src/registry/client.js';
import { ERROR_BODY_CAP, registryAgent } from '../../../src/registry/http.js';
import { type RecordingServer, startRecordingServer } from '../../support/recording-server.js';
import { rejection } from '../../support/rejection.js';

const KiB = 1024;
const MiB = 1024 * KiB;
/** The caps docs/RELIABILITY.md states; the tests below are sized by them, not by the constants. */
const MANIFEST_LIMIT = 8 * MiB;
const ERROR_BODY_LIMIT = 64 * KiB;
/** The most a client reads past a cap: the socket read that crossed it. */
const ONE_SOCKET_READ = 64 * KiB;
/** What an endless body sends at most when nothing stops it. */
const ENDLESS = 64 * MiB;
/** Loopback socket buffers (send and receive) that fill before the client's close reaches the server. */
const SOCKET_BUFFERS = 16 * MiB;

let fake: RecordingServer | undefined;
let client: RegistryClient | undefined;

afterEach(async () => {
  await client?.close();
  await fake?.stop();
  client = undefined;
  fake = undefined;
});

type Answer = (res: ServerResponse) => void;

/** A registry that answers `/v2/` and, for every other path, `answers[path]` (404 when there is none). */
async function registry(answers: Record<string, Answer>): Promise<RecordingServer> {
  fake = await startRecordingServer({
    host: '127.0.0.1',
    handler: (req, res) => {
      const path = new URL(req.url ?? '/', 'http://x').pathname;
      if (path === '/v2/') return void res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      const answer = answers[path];
      if (!answer) return void res.writeHead(404).end();
      answer(res);
    },
  });
  return fake;
}

/**
 * A client of `server` through ferry's own agent, with the response body bytes undici parsed for
 * each path counted (`received`).
 */
function clientOf(server: RecordingServer): { client: RegistryClient; received: Map<string, number> } {
  const received = new Map<string, number>();
  const dispatcher = registryAgent(server.url, {}).compose((dispatch) => (opts, handler) => {
    const path = opts.path.split('?')[0] ?? opts.path;
    const count = (n: number) => received.set(path, (received.get(path) ?? 0) + n);
    const counted = new Proxy(handler, {
      get(target, prop) {
        const v: unknown = Reflect.get(target, prop);
        if (typeof v !== 'function') return v;
        if (prop === 'onResponseData')
          return (controller: unknown, chunk: Buffer) => {
            count(chunk.length);
            return v.call(target, controller, chunk) as unknown;
          };
        if (prop === 'onData')
          return (chunk: Buffer) => {
            count(chunk.length);
            return v.call(target, chunk) as unknown;
          };
        return v.bind(target);
      },
    });
    return dispatch(opts, counted as Dispatcher.DispatchHandler);
  });
  client = new RegistryClient({ registry: server.host, baseUrl: server.url, dispatcher, sleep: async () => {} });
  return { client, received };
}

/**
 * Answers `status` and then `prefix` followed by spaces without end (up to ENDLESS), as fast as the
 * socket takes them; `closed` settles when the response is over (the client closed the connection).
 */
function endless(status: number, contentType: string, prefix: string): { answer: Answer; closed: Promise<void> } {
  let over: () => void = () => {};
  const closed = new Promise<void>((resolve) => (over = resolve));
  const answer: Answer = (res) => {
    res.once('close', over);
    res.writeHead(status, { 'content-type': contentType });
    const chunk = Buffer.alloc(64 * KiB, 0x20);
    let sent = 0;
    const more = () => {
      while (sent < ENDLESS) {
        if (res.destroyed) return;
        sent += chunk.length;
        if (!res.write(chunk)) return void res.once('drain', more);
      }
      res.end();
    };
    res.write(prefix);
    more();
  };
  return { answer, closed };
}

/** Answers `status` with `body` and its Content-Length. */
function fixed(status: number, contentType: string, body: Buffer): Answer {
  return (res) => {
    res.writeHead(status, { 'content-type': contentType, 'content-length': String(body.length) }).end(body);
  };
}

/** A valid image manifest of exactly `size` bytes: the room is taken by an annotation. */
function manifestOf(size: number): Buffer {
  const doc = (padding: string) =>
    JSON.stringify({
      schemaVersion: 2,
      mediaType: MediaType.OciManifest,
      config: { mediaType: MediaType.OciConfig, digest: `sha256:${'c'.repeat(64)}`, size: 2 },
      layers: [],
      annotations: { 'org.example.padding': padding },
    });
  const bytes = Buffer.from(doc('x'.repeat(size - Buffer.byteLength(doc('')))));
  expect(bytes.length).toBe(size);
  return bytes;
}

/** A tags/list page of exactly `size` bytes listing v1 and v2 (the rest is JSON whitespace). */
function tagPageOf(size: number): Buffer {
  const doc = JSON.stringify({ name: 'a', tags: ['v1', 'v2'] });
  return Buffer.from(doc.padEnd(size, ' '));
}

describe(`a manifest is read to at most MANIFEST_CAP (${MANIFEST_LIMIT / MiB} MiB)`, () => {
  test('the limit is the documented one', () => {
    expect(MANIFEST_CAP).toBe(MANIFEST_LIMIT);
  });

  test('a manifest of exactly 8 MiB is fetched whole', async () => {
    const bytes = manifestOf(MANIFEST_LIMIT);
    const { client } = clientOf(await registry({ '/v2/a/manifests/v1': fixed(200, MediaType.OciManifest, bytes) }));
    const m = await client.manifestGet('a', 'v1');
    expect(m?.size).toBe(MANIFEST_LIMIT);
    expect(m?.parsed.kind).toBe('manifest');
    expect(m?.bytes.equals(bytes)).toBe(true);
  });

  test('a 9 MiB manifest fails as too-large, naming registry, repository and the cap; read no further than the cap', async () => {
    const server = await registry({
      '/v2/a/manifests/v1': fixed(200, MediaType.OciManifest, manifestOf(9 * MiB)),
    });
    const { client, received } = clientOf(server);
    const e = await rejection(client.manifestGet('a', 'v1'));
    expect(e.kind).toBe('too-large');
    expect(e.message).toBe(`fetching manifest of ${server.host}/a: manifest v1 is larger than ${MANIFEST_LIMIT} bytes`);
    expect(received.get('/v2/a/manifests/v1')).toBeGreaterThan(MANIFEST_LIMIT);
    expect(received.get('/v2/a/manifests/v1')).toBeLessThanOrEqual(MANIFEST_LIMIT + ONE_SOCKET_READ);
    // Too large is final: asking again would read the same bytes.
    expect(server.requests.filter((r) => r.path === '/v2/a/manifests/v1')).toHaveLength(1);
  });

  test('a manifest one byte over 8 MiB is too large', async () => {
    const server = await registry({
      '/v2/a/manifests/v1': fixed(200, MediaType.OciManifest, manifestOf(MANIFEST_LIMIT + 1)),
    });
    const e = await rejection(clientOf(server).client.manifestGet('a', 'v1'));
    expect(e.kind).toBe('too-large');
  });

  test('a manifest body without end is cut at the cap: the connection is closed, the server stops sending', async () => {
    const body = endless(200, MediaType.OciManifest, '{"schemaVersion":2,"annotations":{"x":"');
    const server = await registry({ '/v2/a/manifests/v1': body.answer });
    const { client, received } = clientOf(server);
    const e = await rejection(client.manifestGet('a', 'v1'));
    expect(e.kind).toBe('too-large');
    expect(received.get('/v2/a/manifests/v1')).toBeLessThanOrEqual(MANIFEST_LIMIT + ONE_SOCKET_READ);
    await body.closed;
    const served = server.requests.find((r) => r.path === '/v2/a/manifests/v1')?.responseBytes ?? 0;
    expect(served).toBeLessThan(MANIFEST_LIMIT + SOCKET_BUFFERS);
  });

  test('a tag list page of exactly 8 MiB is read', async () => {
    const { client } = clientOf(
      await registry({ '/v2/a/tags/list': fixed(200, 'application/json', tagPageOf(MANIFEST_LIMIT)) }),
    );
    expect(await client.tags('a')).toEqual(['v1', 'v2']);
  });

  test('a tag list page one byte over 8 MiB fails the listing as too-large, read no further than the cap', async () => {
    const server = await registry({
      '/v2/a/tags/list': fixed(200, 'application/json', tagPageOf(MANIFEST_LIMIT + 1)),
    });
    const { client, received } = clientOf(server);
    const e = await rejection(client.tags('a'));
    expect(e.kind).toBe('too-large');
    expect(e.message).toContain(`listing tags of ${server.host}/a: page 1 is larger than ${MANIFEST_LIMIT} bytes`);
    expect(received.get('/v2/a/tags/list')).toBeLessThanOrEqual(MANIFEST_LIMIT + ONE_SOCKET_READ);
  });
});

describe(`an error response's body is read to at most ERROR_BODY_CAP (${ERROR_BODY_LIMIT / KiB} KiB)`, () => {
  const DENIED = '{"errors":[{"code":"DENIED","message":"requested access to the resource is denied"}]}';

  test('the limit is the documented one', () => {
    expect(ERROR_BODY_CAP).toBe(ERROR_BODY_LIMIT);
  });

  test("an error body of exactly 64 KiB is read whole: the registry's message is shown", async () => {
    const body = Buffer.from(DENIED.padEnd(ERROR_BODY_LIMIT, ' '));
    expect(body.length).toBe(ERROR_BODY_LIMIT);
    const server = await registry({ '/v2/a/tags/list': fixed(403, 'application/json', body) });
    const e = await rejection(clientOf(server).client.tags('a'));
    expect(e.kind).toBe('denied');
    expect(e.status).toBe(403);
    expect(e.codes).toEqual(['DENIED']);
    expect(e.message).toBe(
      `listing tags of ${server.host}/a: requested access to the resource is denied (HTTP 403 DENIED)`,
    );
  });

  test("an error body one byte over the cap is judged by its first 64 KiB: the registry's message and code are kept", async () => {
    const body = Buffer.from(DENIED.padEnd(ERROR_BODY_LIMIT + 1, ' '));
    const server = await registry({ '/v2/a/tags/list': fixed(403, 'application/json', body) });
    const e = await rejection(clientOf(server).client.tags('a'));
    expect(e.kind).toBe('denied');
    expect(e.codes).toEqual(['DENIED']);
    expect(e.message).toBe(
      `listing tags of ${server.host}/a: requested access to the resource is denied (HTTP 403 DENIED)`,
    );
  });

  test('a 100 KiB sign-in page of a proxy in front of the registry is named by its title', async () => {
    const page = Buffer.from(
      '<!DOCTYPE html><html><head><title>Sign in to Example SSO</title></head><body>'.padEnd(100 * KiB, ' ') +
        '</body></html>',
    );
    const server = await registry({ '/v2/a/tags/list': fixed(403, 'text/html', page) });
    const e = await rejection(clientOf(server).client.tags('a'));
    expect(e.status).toBe(403);
    expect(e.message).toContain('an HTML page "Sign in to Example SSO"');
  });

  test('an error body without end is cut at the cap: the request fails with a bounded message, the server stops sending', async () => {
    const body = endless(403, 'application/json', '{"errors":[{"code":"DENIED","message":"');
    const server = await registry({ '/v2/a/tags/list': body.answer });
    const { client, received } = clientOf(server);
    const e = await rejection(client.tags('a'));
    expect(e.kind).toBe('denied');
    expect(e.status).toBe(403);
    expect(e.message.startsWith(`listing tags of ${server.host}/a: `)).toBe(true);
    // The spec's error code is read from the body's beginning.
    expect(e.codes).toEqual(['DENIED']);
    expect(e.message).toContain('(HTTP 403 DENIED)');
    expect(e.message.length).toBeLessThan(1_000);
    expect(received.get('/v2/a/tags/list')).toBeGreaterThan(ERROR_BODY_LIMIT);
    expect(received.get('/v2/a/tags/list')).toBeLessThanOrEqual(ERROR_BODY_LIMIT + ONE_SOCKET_READ);
    await body.closed;
    const served = server.requests.find((r) => r.path === '/v2/a/tags/list')?.responseBytes ?? 0;
    expect(served).toBeLessThan(ERROR_BODY_LIMIT + SOCKET_BUFFERS);
  });
});
