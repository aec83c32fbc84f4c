/**
 * An archive source given as an https:// URL: downloaded once, checked against the sha256 the
 * configuration pins, and kept in a cache named by that sha256, so a second run with the same pin
 * reads the cached file and does not download. A download whose sha256 differs is deleted: nothing
 * is cached and nothing is read from it.
 *
 * Bounds (docs/RELIABILITY.md): at most ARCHIVE_MAX_BYTES are written, and the whole download,
 * every attempt and the waits between them, must end within ARCHIVE_DOWNLOAD_DEADLINE_MS; either
 * one cuts the connection and keeps nothing. 3 attempts: a 408, 429 or 5xx, or a connection cut
 * (mid-body included), is tried again. Redirects follow the registry client's policy
 * (src/registry/wire.ts): no https → http, no internal address from a public one, at most 10, and
 * the Authorization header only on the URL's own origin.
 *
 * TLS and proxies: the system trust store plus NODE_EXTRA_CA_CERTS (a private CA's PEM), and the
 * proxy variables (https_proxy, no_proxy), through undici's EnvHttpProxyAgent.
 */
import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { setTimeout as delay } from 'node:timers/promises';
import { type Dispatcher, EnvHttpProxyAgent } from 'undici';
import {
  backoffDelay,
  DEFAULT_RETRY,
  isTransientNetworkError,
  parseRetryAfter,
  RETRY_STATUS,
  type RetryOptions,
} from '../registry/retry.js';
import { firstHeader, redirectTarget, shownUrl } from '../registry/wire.js';
import { ArchiveError, fileSha256 } from './archive-tar.js';

/** The largest archive a download may write: 64 GiB, four times the default max_blob_size. */
export const ARCHIVE_MAX_BYTES = 64 * 1024 ** 3;
/**
 * How long one archive's download may take, all attempts and waits included: 6 h, the longest a
 * GitHub-hosted job runs. A server that trickles or stalls is cut off here (a CLI run or a
 * self-hosted runner has no job limit to do it).
 */
export const ARCHIVE_DOWNLOAD_DEADLINE_MS = 6 * 3600 * 1000;
/** Attempts of one download, the first included. */
export const ARCHIVE_DOWNLOAD_ATTEMPTS = 3;
/** The registry client's waits (1 s doubling, Retry-After up to 5 min), over fewer attempts. */
const ARCHIVE_RETRY: RetryOptions = { ...DEFAULT_RETRY, attempts: ARCHIVE_DOWNLOAD_ATTEMPTS };
const MAX_REDIRECTS = 10;
const REDIRECTS = new Set([301, 302, 303, 307, 308]);

/**
 * Where downloaded archives are kept: FERRY_CACHE_DIR, else the runner's tool cache (kept between
 * jobs on a self-hosted runner), else the user's cache directory.
 */
export function archiveCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.FERRY_CACHE_DIR) return join(env.FERRY_CACHE_DIR, 'archives');
  if (env.RUNNER_TOOL_CACHE) return join(env.RUNNER_TOOL_CACHE, 'ferry', 'archives');
  return join(env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'ferry', 'archives');
}

export interface FetchArchiveOptions {
  cacheDir?: string;
  /** The Authorization header value; sent to the URL's own origin only. */
  auth?: string;
  /** Default ARCHIVE_MAX_BYTES. */
  maxBytes?: number;
  /** Default ARCHIVE_DOWNLOAD_DEADLINE_MS. */
  deadlineMs?: number;
}

/** A refusal that another attempt would meet again. */
class FinalError extends Error {}
/** An answer worth asking again (408, 429, 5xx), with the server's Retry-After. */
class StatusError extends Error {
  constructor(
    readonly status: number,
    readonly retryAfterMs: number | undefined,
  ) {
    super(`HTTP ${status}`);
  }
}

/** The cached file for `sha256`, downloading `url` into the cache first when it is not there. */
export async function fetchArchive(
  url: string,
  sha256: string,
  opts: FetchArchiveOptions = {},
): Promise<{ file: string; downloaded: boolean }> {
  const dir = opts.cacheDir ?? archiveCacheDir();
  const file = join(dir, `sha256-${sha256}`);
  if (await stat(file).catch(() => undefined)) return { file, downloaded: false };
  await mkdir(dir, { recursive: true });
  const tmp = join(dir, `.sha256-${sha256}.${process.pid}.${randomBytes(4).toString('hex')}.download`);
  try {
    await download(new URL(url), tmp, opts);
    const got = await fileSha256(tmp);
    if (got !== sha256)
      throw new ArchiveError(
        `${shownUrl(url)} has sha256 ${got}, the configuration pins ${sha256}: refused (nothing was kept). ` +
          'If the archive was rebuilt on purpose, pin its new sha256.',
      );
    await rename(tmp, file);
  } finally {
    await rm(tmp, { force: true });
  }
  return { file, downloaded: true };
}

/** Downloads `url` into `file` within the byte cap and the deadline, trying again what may pass. */
async function download(url: URL, file: string, opts: FetchArchiveOptions): Promise<void> {
  const maxBytes = opts.maxBytes ?? ARCHIVE_MAX_BYTES;
  const deadlineMs = opts.deadlineMs ?? ARCHIVE_DOWNLOAD_DEADLINE_MS;
  const deadline = AbortSignal.timeout(deadlineMs);
  const agent = new EnvHttpProxyAgent();
  const failed = (why: string) => new ArchiveError(`downloading ${shownUrl(url)} failed: ${why}`);
  try {
    for (let attempt = 0; ; attempt++) {
      try {
        await attemptDownload(agent, url, file, opts.auth, maxBytes, deadline);
        return;
      } catch (e) {
        if (deadline.aborted) break;
        const after = e instanceof StatusError ? e.retryAfterMs : undefined;
        const again =
          attempt + 1 < ARCHIVE_RETRY.attempts &&
          !(e instanceof FinalError) &&
          (e instanceof StatusError ? RETRY_STATUS.has(e.status) : isTransientNetworkError(e)) &&
          (after === undefined || after <= ARCHIVE_RETRY.maxRetryAfterMs);
        if (!again) throw failed((e as Error).message);
        const wait = after ?? backoffDelay(attempt, ARCHIVE_RETRY);
        // The wait counts against the deadline too: a long Retry-After ends the download there.
        const woke = await delay(wait, true, { signal: deadline }).catch(() => false);
        if (!woke) break;
      }
    }
    throw failed(
      `download exceeded ${deadlineMs / 1000} s (ARCHIVE_DOWNLOAD_DEADLINE_MS: all attempts of one archive); nothing was kept`,
    );
  } finally {
    await agent.destroy();
  }
}

/** One GET of `url` (following redirects) streamed into `file`. */
async function attemptDownload(
  agent: Dispatcher,
  url: URL,
  file: string,
  auth: string | undefined,
  maxBytes: number,
  signal: AbortSignal,
): Promise<void> {
  const tooLarge = () =>
    new FinalError(
      `archive larger than ${maxBytes} bytes (ARCHIVE_MAX_BYTES), the most ferry downloads; nothing was kept`,
    );
  let at = url;
  for (let hop = 0; ; hop++) {
    const headers: Record<string, string> = { 'user-agent': 'ferry', 'accept-encoding': 'identity' };
    // Credentials belong to the URL's own origin, never to a redirect target (RELIABILITY B1).
    if (auth && at.origin === url.origin) headers.authorization = auth;
    const res = await agent.request({
      origin: at.origin,
      path: at.pathname + at.search,
      method: 'GET',
      headers,
      signal,
    });
    const location = firstHeader(res.headers.location);
    if (REDIRECTS.has(res.statusCode) && location) {
      await res.body.dump().catch(() => {});
      if (hop + 1 >= MAX_REDIRECTS) throw new FinalError(`more than ${MAX_REDIRECTS} redirects`);
      const next = redirectTarget(at, location, url);
      if (next.refused !== undefined) throw new FinalError(next.refused);
      at = next.url;
      continue;
    }
    if (res.statusCode !== 200) {
      await res.body.dump().catch(() => {});
      throw new StatusError(res.statusCode, parseRetryAfter(res.headers['retry-after']));
    }
    // Refused before a byte is written when the server says the size; counted as it comes otherwise.
    if (Number(firstHeader(res.headers['content-length']) ?? 0) > maxBytes) {
      res.body.destroy();
      throw tooLarge();
    }
    let written = 0;
    const cap = new Transform({
      transform(chunk: Buffer, _enc, cb) {
        written += chunk.length;
        if (written > maxBytes) return cb(tooLarge());
        cb(null, chunk);
      },
    });
    await pipeline(res.body, cap, createWriteStream(file));
    return;
  }
}
