/**
 * Gaps between body bytes (docs/RELIABILITY.md "Limits and defaults in ferry": 120 s, `bodyTimeout`
 * in `registryAgent()`). A blob's overall deadline grows with its size (a 1 GiB layer may take 29 h),
 * so the gap timeout is what cuts a registry that stops sending in the middle of a blob: after 120 s
 * without a byte the connection is dropped and the blob is resumed where it stopped; with no resume
 * left it fails as a network error. Nothing here waits 120 s: undici's timers run on `setTimeout`,
 * which is faked. undici keeps its timer clock in module state, so this file has only fake time, and
 * the fake clock is installed before the first request.
 */
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Readable } from 'node:stream';
import { afterAll, afterEach, beforeAll, expect, test, vi } from 'vitest';
import type { Digest } from '../../../src/oci/digest.js';
import { RegistryClient } from '../../../src/registry/client.js';
import { RegistryError } from '../../../src/registry/errors.js';

/** The documented gap. */
const GAP_MS = 120_000;
/** undici checks its timers every half second. */
const RESOLUTION_MS = 500;

const blob = Buffer.from(Array.from({ length: 256 * 1024 }, (_, i) => (i * 7) % 251));
const digest: Digest = `sha256:${createHash('sha256').update(blob).digest('hex')}`;
/** Bytes sent before the registry falls silent: one write with the headers, so one socket read. */
const SENT = 1000;

interface Seen {
  range?: string;
}

let server: Server;
let url: string;
let host: string;
let seen: Seen[];
/** Responses held open, ended after each test. */
const open = new Set<ServerResponse>();
let client: RegistryClient;

/** The blob: its first SENT bytes and then silence; a Range request is answered at once, in full. */
function handle(req: IncomingMessage, res: ServerResponse): void {
  if (req.url === '/v2/') return void res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
  if (req.url !== `/v2/a/blobs/${digest}`) return void res.writeHead(404).end();
  const range = req.headers.range;
  seen.push(range === undefined ? {} : { range });
  if (range !== undefined) {
    const from = Number(/^bytes=(\d+)-$/.exec(range)?.[1]);
    res
      .writeHead(206, {
        'content-length': String(blob.length - from),
        'content-range': `bytes ${from}-${blob.length - 1}/${blob.length}`,
      })
      .end(blob.subarray(from));
    return;
  }
  res.writeHead(200, { 'content-length': String(blob.length) });
  res.write(blob.subarray(0, SENT));
  open.add(res);
  res.once('close', () => open.delete(res));
}

beforeAll(async () => {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
  server = createServer(handle);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  host = `127.0.0.1:${port}`;
  url = `http://${host}`;
});

afterAll(async () => {
  vi.useRealTimers();
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

function setUp(): void {
  seen = [];
  client = new RegistryClient({
    registry: host,
    baseUrl: url,
    sleep: async () => {},
    // The overall deadline far away: only the gap between bytes can end these reads.
    deadlines: { blobGraceMs: 10 * 60 * 60 * 1000 },
  });
}

afterEach(async () => {
  for (const res of open) res.destroy();
  await client.close();
});

/** Moves the fake clock `ms` on, then lets what the timers set off (errors, retries) run. */
async function advance(ms: number): Promise<void> {
  await vi.advanceTimersByTimeAsync(ms);
  await new Promise<void>((resolve) => setImmediate(resolve));
}

/** Reads `stream` to its end; `state()` is 'pending' until then, and the error if it failed. */
function reading(stream: Readable): { state: () => unknown; done: Promise<Buffer> } {
  let state: unknown = 'pending';
  const parts: Buffer[] = [];
  const done = (async () => {
    for await (const c of stream) parts.push(c as Buffer);
    return Buffer.concat(parts);
  })();
  done.then(
    () => (state = 'done'),
    (e: unknown) => (state = e),
  );
  return { state: () => state, done };
}

test('a blob whose registry falls silent is resumed after 120 s without a byte, not before, and arrives whole', async () => {
  setUp();
  let retries = 0;
  const got = await client.blobGet('a', { digest, size: blob.length }, { onRetry: () => retries++ });
  const read = reading(got.stream);

  await advance(GAP_MS - RESOLUTION_MS);
  expect(retries).toBe(0);
  expect(read.state()).toBe('pending');
  expect(seen).toEqual([{}]);

  await advance(2 * RESOLUTION_MS);
  expect(retries).toBe(1);
  expect((await read.done).equals(blob)).toBe(true);
  expect(seen).toEqual([{}, { range: `bytes=${SENT}-` }]);
});

test('with no resume left, a silent registry fails the blob after 120 s as a network error naming the blob and the bytes received', async () => {
  setUp();
  const got = await client.blobGet('a', { digest, size: blob.length }, { maxResumes: 0 });
  const read = reading(got.stream);

  await advance(GAP_MS - RESOLUTION_MS);
  expect(read.state()).toBe('pending');

  await advance(2 * RESOLUTION_MS);
  const e = read.state();
  expect(e).toBeInstanceOf(RegistryError);
  expect((e as RegistryError).kind).toBe('network');
  expect((e as RegistryError).temporary).toBe(true);
  expect((e as RegistryError).message).toBe(
    `fetching blob from ${host}/a: blob ${digest}: connection lost after ${SENT} of ${blob.length} bytes: Body Timeout Error`,
  );
  expect(seen).toEqual([{}]);
  await read.done.catch(() => {});
});
