/**
 * An archive source given as an https:// URL: downloaded once with @actions/tool-cache's
 * `downloadTool` (3 attempts; a 5xx, 408, 429 or a connection cut mid-body is tried again), checked
 * against the sha256 the configuration pins, and kept in a cache named by that sha256, so a second
 * run with the same pin reads the cached file and does not download. A download whose sha256
 * differs is deleted: nothing is cached and nothing is read from it.
 *
 * TLS: tool-cache uses Node's https with the default trust store, plus NODE_EXTRA_CA_CERTS (a
 * private CA's PEM) and the proxy variables (https_proxy, no_proxy).
 */
import { randomBytes } from 'node:crypto';
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { ArchiveError, fileSha256 } from './archive-tar.js';

/**
 * Where downloaded archives are kept: FERRY_CACHE_DIR, else the runner's tool cache (kept between
 * jobs on a self-hosted runner), else the user's cache directory.
 */
export function archiveCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.FERRY_CACHE_DIR) return join(env.FERRY_CACHE_DIR, 'archives');
  if (env.RUNNER_TOOL_CACHE) return join(env.RUNNER_TOOL_CACHE, 'ferry', 'archives');
  return join(env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'ferry', 'archives');
}

/** The URL without credentials or query (signed URLs carry secrets there), for messages. */
export function displayUrl(url: string): string {
  const u = new URL(url);
  return `${u.protocol}//${u.host}${u.pathname}`;
}

let redirected = 0;
let stdoutWrite: typeof process.stdout.write | undefined;

/**
 * Runs `fn` with this process's stdout writes sent to stderr. tool-cache reports through
 * @actions/core, which writes its `::debug::` lines (the full URL, query included) and retry notices
 * to stdout, where they would mix into what ferry prints there (`ferry plan --json`, the matrix a
 * workflow reads with fromJSON). The Actions runner reads workflow commands from stderr as well.
 */
async function toStderr<T>(fn: () => Promise<T>): Promise<T> {
  if (redirected++ === 0) {
    stdoutWrite = process.stdout.write;
    process.stdout.write = process.stderr.write.bind(process.stderr) as typeof process.stdout.write;
  }
  try {
    return await fn();
  } finally {
    if (--redirected === 0) process.stdout.write = stdoutWrite!;
  }
}

/** The cached file for `sha256`, downloading `url` into the cache first when it is not there. */
export async function fetchArchive(
  url: string,
  sha256: string,
  opts: { cacheDir?: string; auth?: string } = {},
): Promise<{ file: string; downloaded: boolean }> {
  const dir = opts.cacheDir ?? archiveCacheDir();
  const file = join(dir, `sha256-${sha256}`);
  if (await stat(file).catch(() => undefined)) return { file, downloaded: false };
  await mkdir(dir, { recursive: true });
  const tmp = join(dir, `.sha256-${sha256}.${process.pid}.${randomBytes(4).toString('hex')}.download`);
  try {
    try {
      // A dynamic import: the bundled CLI (an ES module) resolves tool-cache's import-only export
      // only this way; webpackMode eager keeps it inside the one bundle file.
      const { downloadTool } = await import(/* webpackMode: "eager" */ '@actions/tool-cache');
      await toStderr(() => downloadTool(url, tmp, opts.auth));
    } catch (e) {
      throw new ArchiveError(`downloading ${displayUrl(url)} failed: ${(e as Error).message}`);
    }
    const got = await fileSha256(tmp);
    if (got !== sha256)
      throw new ArchiveError(
        `${displayUrl(url)} has sha256 ${got}, the configuration pins ${sha256}: refused (nothing was kept). ` +
          'If the archive was rebuilt on purpose, pin its new sha256.',
      );
    await rename(tmp, file);
  } finally {
    await rm(tmp, { force: true });
  }
  return { file, downloaded: true };
}
