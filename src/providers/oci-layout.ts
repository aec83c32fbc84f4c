/**
 * A directory of OCI image layouts, one per repository: `<root>/<repository>/{oci-layout,
 * index.json, blobs/<alg>/<hex>}` (as regclient's ocidir). Tags are index.json entries with
 * the `org.opencontainers.image.ref.name` annotation.
 * https://github.com/opencontainers/image-spec/blob/main/image-layout.md
 *
 * Several ferry runs may share one layout, so every read-modify-write of index.json happens under
 * a lock file (`index.json.lock`, created with O_EXCL) that holds across processes, and index.json
 * is replaced by an fsynced temporary file and a rename, so a killed run never leaves it torn.
 */
import { randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import {
  type FileHandle,
  link,
  mkdir,
  open,
  readdir,
  readFile,
  rename,
  rm,
  stat,
  unlink,
  writeFile,
} from 'node:fs/promises';
import { hostname } from 'node:os';
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { type Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { type Digest, digestLike, hasherFor, parseDigest, sha256 } from '../oci/digest.js';
import { type Descriptor, parseManifest } from '../oci/manifest.js';
import { MediaType } from '../oci/media-types.js';
import { isTag, parseRepository, parseTag } from '../oci/ref.js';
import { type FallbackAdd, referrerDescriptor, referrersTag } from '../oci/referrers.js';
import { fallbackIndexWriter, type Manifest, type ManifestHead, type UploadResult } from '../registry/client.js';
import { RegistryError } from '../registry/errors.js';
import { type DestinationCheck, type Store, TagMovedError } from './store.js';

/**
 * The fixed names of an OCI image layout (image-spec, image-layout.md), for everything that reads
 * or writes one: this store and the archives (archive-layout.ts, docker-archive.ts, archive-store.ts).
 */
export const OCI_LAYOUT = {
  /** The marker file that makes a directory a layout… */
  marker: 'oci-layout',
  /** …and the content ferry writes into it. */
  markerContent: '{"imageLayoutVersion":"1.0.0"}',
  index: 'index.json',
  blobs: 'blobs',
} as const;
/** The annotation that names a tag in index.json. */
export const REF_NAME = 'org.opencontainers.image.ref.name';
const LOCK = `${OCI_LAYOUT.index}.lock`;

/** A blob's path inside its layout, `blobs/<algorithm>/<hex>`, '/'-separated as in a tar. */
export function layoutBlobPath(digest: Digest): string {
  const d = parseDigest(digest);
  return `${OCI_LAYOUT.blobs}/${d.replace(':', '/')}`;
}

/**
 * A lock older than this is taken over even when a process with the holder's pid exists: pids are
 * reused (a container's ferry is often pid 1 every time), and a pid on another host sharing the
 * layout (NFS) cannot be checked. A holder keeps the lock for one index.json write, milliseconds.
 */
export const LOCK_STALE_MS = 30_000;
/** How long a run waits for index.json's lock before failing; longer than LOCK_STALE_MS. */
export const LOCK_TIMEOUT_MS = 60_000;

export interface OciLayoutOptions {
  lockStaleMs?: number;
  lockTimeoutMs?: number;
}

/**
 * index.json updates in this process, chained per layout directory (not per store: two stores on
 * one root share it). Keeps this process's writers from polling the lock file against each other.
 */
const inProcess = new Map<string, Promise<unknown>>();

/** What a lock file says about its holder. */
interface LockHolder {
  pid?: number;
  host?: string;
  /** Epoch ms the lock was taken; the file's mtime when the content is unreadable. */
  since: number;
  nonce?: string;
  /** Exact content and inode, to take over only the very lock that was judged stale. */
  raw: string;
  ino: number;
}

/**
 * Why a local registry a rule reads from is not there: its path (an oci-layout directory, an archive
 * file) does not exist. Listing it as empty would make a typo in `path:`, or a download step that
 * failed, a green run that copied nothing. A registry that rules only write to is created instead,
 * so this is raised only by the source-side listing (listRepositories), never by a destination's
 * reads; and not when an earlier rule of the same run wrote into it (rules run in file order).
 */
export class MissingSourceError extends Error {
  override name = 'MissingSourceError';
  constructor(o: {
    registry: string;
    type: string;
    /** Absolute. */
    path: string;
    /** `not a directory` for a layout path that is a file; default `does not exist`. */
    problem?: string;
    /** An earlier rule of this dry run planned to write it: a real run would have made it. */
    plannedOnly?: boolean;
  }) {
    // As the run's working directory sees it, then resolved; only resolved when that is outside it.
    const rel = relative(process.cwd(), o.path);
    const shown = !rel || rel.startsWith('..') || isAbsolute(rel) ? o.path : `${rel} (${o.path})`;
    super(
      `registries.${o.registry}: ${o.type} path ${shown} ${o.problem ?? 'does not exist'}, and this rule reads from it` +
        (o.plannedOnly
          ? ': an earlier rule of this run writes it, but none this plan counts plans a change there (a pull request plans a rule its merge runs after the rules the merge runs), so there is nothing to list yet'
          : `: check \`path:\` (relative to the rules file's folder) and what should put it there (a download step that failed; a rule writing it that runs later, as rules run in file order)`),
    );
  }
}

/** Raised when index.json's lock cannot be taken in time. */
export class LayoutLockError extends Error {
  override name = 'LayoutLockError';
  readonly lockFile: string;
  constructor(message: string, lockFile: string) {
    super(message);
    this.lockFile = lockFile;
  }
}

interface IndexJson {
  schemaVersion: 2;
  mediaType?: string;
  manifests: (Descriptor & { annotations?: Record<string, string> })[];
}

export class OciLayoutStore implements Store {
  readonly name: string;
  readonly display: string;
  readonly deletesByTag = true;
  readonly mountDomain: string;
  readonly #root: string;
  readonly #lockStaleMs: number;
  readonly #lockTimeoutMs: number;
  #counts = new Map<string, number>();
  #tmp = 0;
  /** A dry run planned copies into this layout (so its absence is no typo, only not made yet). */
  #planned = false;
  /** A layout has no referrers API: referrers are listed by their subject's fallback index. */
  readonly #fallback: ReturnType<typeof fallbackIndexWriter>;

  constructor(name: string, root: string, options: OciLayoutOptions = {}) {
    this.name = name;
    this.#root = resolve(root);
    this.#lockStaleMs = options.lockStaleMs ?? LOCK_STALE_MS;
    this.#lockTimeoutMs = options.lockTimeoutMs ?? LOCK_TIMEOUT_MS;
    this.display = `oci:${relative(process.cwd(), this.#root) || '.'}`;
    this.#fallback = fallbackIndexWriter(this.display, (repository, tag, edit) =>
      this.#updateFallback(repository, tag, edit),
    );
    this.mountDomain = `oci:${this.#root}`;
  }

  #dir(repository: string): string {
    parseRepository(repository);
    const dir = resolve(this.#root, ...repository.split('/'));
    if (!dir.startsWith(this.#root + sep)) throw new Error(`repository ${repository} leaves the layout root`);
    return dir;
  }

  #blobPath(repository: string, digest: Digest): string {
    return join(this.#dir(repository), layoutBlobPath(digest));
  }

  #count(op: string) {
    this.#counts.set(op, (this.#counts.get(op) ?? 0) + 1);
  }

  /**
   * The repositories under the root. Only a rule's source is listed (a destination is read per
   * repository), so a root that does not exist is an error here: see MissingSourceError.
   */
  async listRepositories(): Promise<string[]> {
    const out: string[] = [];
    const walk = async (dir: string, prefix: string[]) => {
      let entries: import('node:fs').Dirent[];
      try {
        entries = await readdir(dir, { withFileTypes: true });
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        if (prefix.length === 0 && (code === 'ENOENT' || code === 'ENOTDIR'))
          throw new MissingSourceError({
            registry: this.name,
            type: 'oci-layout',
            path: this.#root,
            ...(code === 'ENOTDIR' ? { problem: 'is not a directory' } : {}),
            ...(this.#planned ? { plannedOnly: true } : {}),
          });
        // A repository directory removed while it is walked (another run deleting it).
        if (code === 'ENOENT') return;
        throw e;
      }
      if (prefix.length && entries.some((e) => e.isFile() && e.name === OCI_LAYOUT.marker)) out.push(prefix.join('/'));
      for (const e of entries)
        if (e.isDirectory() && e.name !== OCI_LAYOUT.blobs) await walk(join(dir, e.name), [...prefix, e.name]);
    };
    await walk(this.#root, []);
    return out.sort();
  }

  async #readIndex(repository: string): Promise<IndexJson> {
    try {
      return JSON.parse(await readFile(join(this.#dir(repository), OCI_LAYOUT.index), 'utf8')) as IndexJson;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT')
        return { schemaVersion: 2, mediaType: MediaType.OciIndex, manifests: [] };
      throw e;
    }
  }

  async listTags(repository: string): Promise<string[]> {
    this.#count('tags');
    const index = await this.#readIndex(repository);
    const tags = index.manifests.map((m) => m.annotations?.[REF_NAME]).filter((t): t is string => isTag(t));
    return [...new Set(tags)].sort();
  }

  async #resolve(repository: string, reference: string): Promise<Descriptor | undefined> {
    if (reference.includes(':')) {
      const digest = parseDigest(reference);
      const st = await stat(this.#blobPath(repository, digest)).catch(() => undefined);
      if (!st) return undefined;
      const bytes = await readFile(this.#blobPath(repository, digest));
      return { digest, size: st.size, mediaType: parseManifest(bytes).mediaType };
    }
    parseTag(reference);
    const index = await this.#readIndex(repository);
    return index.manifests.find((m) => m.annotations?.[REF_NAME] === reference);
  }

  async manifestHead(repository: string, reference: string): Promise<ManifestHead | undefined> {
    this.#count('HEAD');
    const d = await this.#resolve(repository, reference);
    return d && { digest: d.digest, mediaType: d.mediaType, size: d.size };
  }

  async manifestGet(repository: string, reference: string): Promise<Manifest | undefined> {
    this.#count('GET');
    const d = await this.#resolve(repository, reference);
    return d && this.#readManifest(repository, d);
  }

  async #readManifest(repository: string, d: Descriptor): Promise<Manifest> {
    const bytes = await readFile(this.#blobPath(repository, d.digest));
    if (digestLike(d.digest, bytes) !== d.digest) throw this.#corrupt(repository, d.digest);
    const parsed = parseManifest(bytes, d.mediaType);
    return { digest: d.digest, mediaType: parsed.mediaType, size: bytes.length, bytes, parsed };
  }

  async manifestPut(
    repository: string,
    reference: string,
    bytes: Buffer,
    mediaType: string,
    opts: { referrersFallback?: FallbackAdd } = {},
  ): Promise<Digest> {
    this.#count('PUT');
    const digest = sha256(bytes);
    if (reference.includes(':') && parseDigest(reference) !== digest)
      throw new Error(`manifest bytes do not match ${reference}`);
    await this.#ensureLayout(repository);
    await this.#writeAtomic(this.#blobPath(repository, digest), bytes);
    if (!reference.includes(':')) {
      const tag = parseTag(reference);
      await this.#updateIndex(repository, (index) => {
        setTag(index, tag, { mediaType, digest, size: bytes.length });
        return true;
      });
    }
    if (opts.referrersFallback) {
      const parsed = parseManifest(bytes, mediaType);
      if (parsed.subject)
        await this.#fallback.add(
          repository,
          parsed.subject.digest,
          referrerDescriptor(parsed, digest, bytes.length),
          opts.referrersFallback.listed,
        );
    }
    return digest;
  }

  async blobHead(repository: string, digest: Digest): Promise<boolean> {
    this.#count('HEAD');
    return (await stat(this.#blobPath(repository, digest)).catch(() => undefined)) !== undefined;
  }

  async blobGet(repository: string, desc: Pick<Descriptor, 'digest' | 'size'>): Promise<Readable> {
    this.#count('GET');
    const path = this.#blobPath(repository, desc.digest);
    const st = await stat(path).catch(() => undefined);
    if (!st)
      throw new RegistryError({
        kind: 'not-found',
        registry: this.display,
        repository,
        operation: 'reading blob',
        detail: `blob ${desc.digest} missing`,
      });
    if (st.size !== desc.size)
      throw new RegistryError({
        kind: 'size-mismatch',
        registry: this.display,
        repository,
        operation: 'reading blob',
        detail: `blob ${desc.digest} has ${st.size} bytes, descriptor says ${desc.size}`,
      });
    const check = verifier(desc.digest, desc.size, () => this.#corrupt(repository, desc.digest));
    // .pipe() does not forward read errors: pass them on, or a reader would wait forever.
    const file = createReadStream(path).on('error', (e) => check.destroy(e));
    return file.pipe(check);
  }

  async blobPut(
    repository: string,
    desc: Pick<Descriptor, 'digest' | 'size'>,
    open: () => Promise<Readable>,
  ): Promise<UploadResult> {
    this.#count('PUT');
    await this.#ensureLayout(repository);
    const final = this.#blobPath(repository, desc.digest);
    const tmp = `${final}.${process.pid}.${this.#tmp++}.tmp`;
    try {
      await pipeline(
        await open(),
        verifier(desc.digest, desc.size, () => this.#corrupt(repository, desc.digest)),
        createWriteStream(tmp),
      );
      await rename(tmp, final);
    } catch (e) {
      await rm(tmp, { force: true });
      throw e;
    }
    return { via: 'uploaded', retries: 0 };
  }

  async referrers(repository: string, digest: Digest) {
    const fallbackTag = referrersTag(digest);
    const m = await this.manifestGet(repository, fallbackTag).catch(() => undefined);
    return { descriptors: m?.parsed.kind === 'index' ? m.parsed.manifests : [], fallbackTag };
  }

  /**
   * Removes the tag, only while it still names `digest` (when given): checked under the index
   * lock, so another run that re-tagged it after the engine's check keeps its tag.
   */
  async deleteTag(repository: string, tag: string, digest?: Digest): Promise<'tag'> {
    this.#count('DELETE');
    parseTag(tag);
    // No layout, no tag to delete (and no directory to put a lock file in).
    if (!(await stat(join(this.#dir(repository), OCI_LAYOUT.marker)).catch(() => undefined))) return 'tag';
    await this.#updateIndex(repository, (index) => {
      const moved = index.manifests.find((m) => m.annotations?.[REF_NAME] === tag && digest && m.digest !== digest);
      if (moved) throw new TagMovedError(tag, moved.digest);
      const before = index.manifests.length;
      index.manifests = index.manifests.filter((m) => m.annotations?.[REF_NAME] !== tag);
      return index.manifests.length !== before;
    });
    return 'tag';
  }

  /** Nothing to check: the layout is made by the first write. Remembers a dry run's plan to write. */
  async prepareDestination(_repository: string, opts?: DestinationCheck): Promise<void> {
    if (opts?.dryRun) this.#planned = true;
  }

  requestCounts() {
    return Object.fromEntries(this.#counts);
  }

  async close() {}

  async #ensureLayout(repository: string) {
    const dir = this.#dir(repository);
    await mkdir(join(dir, OCI_LAYOUT.blobs, 'sha256'), { recursive: true });
    const marker = join(dir, OCI_LAYOUT.marker);
    if (!(await stat(marker).catch(() => undefined)))
      await this.#writeAtomic(marker, Buffer.from(OCI_LAYOUT.markerContent));
  }

  /**
   * The fallback index's read, edit and write, all under index.json's lock: a referrer of the same
   * subject that another process adds at once (two runs into one layout) is read before ours is
   * added, not overwritten by it.
   */
  async #updateFallback(
    repository: string,
    tag: string,
    edit: (current: Manifest | undefined) => { bytes: Buffer; mediaType: string } | undefined,
  ): Promise<void> {
    await this.#ensureLayout(repository);
    await this.#updateIndex(repository, async (index) => {
      this.#count('GET');
      const entry = index.manifests.find((m) => m.annotations?.[REF_NAME] === tag);
      const next = edit(entry && (await this.#readManifest(repository, entry)));
      if (!next) return false;
      this.#count('PUT');
      const digest = sha256(next.bytes);
      await this.#writeAtomic(this.#blobPath(repository, digest), next.bytes);
      setTag(index, tag, { mediaType: next.mediaType, digest, size: next.bytes.length });
      return true;
    });
  }

  /**
   * Reads index.json, lets `change` edit it and writes it back, all under the in-process chain
   * and the cross-process lock file, so a concurrent run's entries are always read before ours
   * are added. `change` returns false when it changed nothing (no write then).
   */
  async #updateIndex(repository: string, change: (index: IndexJson) => boolean | Promise<boolean>): Promise<void> {
    const dir = this.#dir(repository);
    await serialise(dir, async () => {
      const release = await this.#lock(dir);
      try {
        const index = await this.#readIndex(repository);
        if (await change(index))
          await this.#writeAtomic(join(dir, OCI_LAYOUT.index), Buffer.from(JSON.stringify(index, null, 2)));
      } finally {
        await release();
      }
    });
  }

  /** Takes `<dir>/index.json.lock`; returns the function that gives it back. */
  async #lock(dir: string): Promise<() => Promise<void>> {
    const path = join(dir, LOCK);
    const nonce = randomBytes(8).toString('hex');
    const deadline = Date.now() + this.#lockTimeoutMs;
    let delay = 2;
    for (;;) {
      if (await createLockFile(path, nonce)) {
        return async () => {
          // Remove only our own lock: if ours was taken over as stale, the file is someone else's.
          const holder = await readLock(path);
          if (holder?.nonce === nonce) await unlink(path).catch(ignoreMissing);
        };
      }
      const holder = await readLock(path);
      // Checked on every pass, before any `continue`: a lock that keeps going away (released, taken
      // over, or a dangling link that exists for O_EXCL and not for reading) must not hold a run
      // past LOCK_TIMEOUT_MS.
      const left = deadline - Date.now();
      if (left <= 0) throw this.#lockTimeout(dir, path, holder);
      // Released between our attempt and the read: try again at once.
      if (!holder) continue;
      if (this.#stale(holder) && (await this.#takeOver(path, holder, nonce))) continue;
      // Jittered exponential backoff: writers that collided do not retry in lockstep.
      await sleep(Math.min(left, delay * (0.5 + Math.random())));
      delay = Math.min(delay * 2, 250);
    }
  }

  #stale(holder: LockHolder): boolean {
    if (Date.now() - holder.since > this.#lockStaleMs) return true;
    return holder.pid !== undefined && holder.host === hostname() && !processAlive(holder.pid);
  }

  /**
   * Removes a stale lock. Only one process at a time may do this (it holds `<lock>.takeover`),
   * and only if the lock is still the very file judged stale: otherwise two processes that both
   * saw the stale lock could remove each other's fresh one. True when the lock was removed or
   * had already gone.
   */
  async #takeOver(path: string, stale: LockHolder, nonce: string): Promise<boolean> {
    const guard = `${path}.takeover`;
    if (!(await createLockFile(guard, nonce))) {
      // A takeover killed midway leaves its guard behind; it goes stale like the lock itself.
      const other = await readLock(guard);
      if (other && this.#stale(other)) await unlinkIf(guard, other);
      return false;
    }
    try {
      const now = await readLock(path);
      if (!now) return true;
      if (now.raw !== stale.raw || now.ino !== stale.ino || !this.#stale(now)) return false;
      await unlink(path).catch(ignoreMissing);
      return true;
    } finally {
      await unlinkIf(guard, undefined, nonce);
    }
  }

  #lockTimeout(dir: string, path: string, holder: LockHolder | undefined): LayoutLockError {
    const who = !holder
      ? 'an unreadable holder (a dangling link, or a lock taken and released again and again)'
      : holder.pid !== undefined
        ? `pid ${holder.pid}${holder.host ? ` on ${holder.host}` : ''} since ${new Date(holder.since).toISOString()}`
        : `an unknown process since ${new Date(holder.since).toISOString()}`;
    const waited =
      this.#lockTimeoutMs < 1000 ? `${this.#lockTimeoutMs}ms` : `${+(this.#lockTimeoutMs / 1000).toFixed(1)}s`;
    return new LayoutLockError(
      `could not lock the OCI layout ${dir} within ${waited}: ` +
        `the lock file ${path} is held by ${who}. ` +
        `If no ferry run is using this layout, remove ${path} and run again.`,
      path,
    );
  }

  /** Writes a file so readers see the old or the new content, never a part (even after SIGKILL or a crash). */
  async #writeAtomic(path: string, bytes: Buffer) {
    const tmp = `${path}.tmp-${process.pid}-${this.#tmp++}-${randomBytes(4).toString('hex')}`;
    try {
      const fh = await open(tmp, 'wx');
      try {
        await fh.writeFile(bytes);
        await fh.sync();
      } finally {
        await fh.close();
      }
      await rename(tmp, path);
    } catch (e) {
      await rm(tmp, { force: true });
      throw e;
    }
    await syncDir(dirname(path));
  }

  #corrupt(repository: string, digest: Digest) {
    return new RegistryError({
      kind: 'digest-mismatch',
      registry: this.display,
      repository,
      operation: 'reading',
      detail: `content of ${digest} does not match its digest`,
    });
  }
}

/** Runs `fn` after every earlier call for the same key has settled. */
async function serialise<T>(key: string, fn: () => Promise<T>): Promise<T> {
  const prev = inProcess.get(key) ?? Promise.resolve();
  const next = prev.then(fn, fn);
  const settled = next.catch(() => {});
  inProcess.set(key, settled);
  try {
    return await next;
  } finally {
    // Drop the entry when nothing was chained after us, so the map does not grow per repository.
    if (inProcess.get(key) === settled) inProcess.delete(key);
  }
}

/** Creates the lock file with O_EXCL and our pid, host and time; false when it already exists. */
async function createLockFile(path: string, nonce: string): Promise<boolean> {
  const content = JSON.stringify({
    pid: process.pid,
    host: hostname(),
    time: new Date().toISOString(),
    since: Date.now(),
    nonce,
  });
  // Written whole under a private name, then linked into place: link() fails when the lock exists,
  // as an exclusive create does, and the lock is never seen empty. A holder killed between
  // creating the lock and writing it left an empty one, which only its age could clear.
  const temp = `${path}.${nonce}`;
  await writeFile(temp, content, { flag: 'w' });
  try {
    await link(temp, path);
    return true;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') return false;
    if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'ENOSYS' && code !== 'EOPNOTSUPP') throw e;
  } finally {
    await unlink(temp).catch(ignoreMissing);
  }
  // A file system without hard links: an exclusive create, then the content.
  let fh: FileHandle;
  try {
    fh = await open(path, 'wx');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw e;
  }
  try {
    await fh.writeFile(content);
    await fh.close();
  } catch (e) {
    await fh.close().catch(() => {});
    await unlink(path).catch(ignoreMissing);
    throw e;
  }
  return true;
}

/** The lock file's holder, or undefined when there is no lock file. */
async function readLock(path: string): Promise<LockHolder | undefined> {
  let raw: string;
  let ino: number;
  let mtime: number;
  try {
    const fh = await open(path, 'r');
    try {
      const st = await fh.stat();
      ino = st.ino;
      mtime = st.mtimeMs;
      raw = await fh.readFile('utf8');
    } finally {
      await fh.close();
    }
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
  // Empty or unreadable content: a holder between creating the file and writing it, or one
  // killed right there. Its age then comes from the file's mtime.
  const holder: LockHolder = { since: mtime, raw, ino };
  try {
    const parsed = JSON.parse(raw) as { pid?: unknown; host?: unknown; since?: unknown; nonce?: unknown };
    if (Number.isSafeInteger(parsed.pid) && (parsed.pid as number) > 0) holder.pid = parsed.pid as number;
    if (typeof parsed.host === 'string') holder.host = parsed.host;
    if (typeof parsed.since === 'number' && Number.isFinite(parsed.since)) holder.since = parsed.since;
    if (typeof parsed.nonce === 'string') holder.nonce = parsed.nonce;
  } catch {
    // keep the mtime-based holder
  }
  return holder;
}

/** Removes `path` if it is still the file described by `seen` (or holds `nonce`). */
async function unlinkIf(path: string, seen?: LockHolder, nonce?: string): Promise<void> {
  const now = await readLock(path);
  if (!now) return;
  if (seen ? now.raw === seen.raw && now.ino === seen.ino : now.nonce === nonce)
    await unlink(path).catch(ignoreMissing);
}

/** Points `tag` at `entry` in index.json: the tag's old entry, if any, goes. */
function setTag(index: IndexJson, tag: string, entry: Omit<IndexJson['manifests'][number], 'annotations'>): void {
  index.manifests = index.manifests.filter((m) => m.annotations?.[REF_NAME] !== tag);
  index.manifests.push({ ...entry, annotations: { [REF_NAME]: tag } });
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    // EPERM: the process exists but belongs to another user.
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Makes a rename in `dir` durable; some platforms and filesystems cannot open a directory. */
async function syncDir(dir: string): Promise<void> {
  let fh: FileHandle | undefined;
  try {
    fh = await open(dir, 'r');
    await fh.sync();
  } catch {
    // best effort: the rename itself is already atomic
  } finally {
    await fh?.close().catch(() => {});
  }
}

function ignoreMissing(e: unknown): void {
  if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Passes bytes through while checking size and digest; errors at the end (or when too long). */
export function verifier(digest: Digest, size: number, onMismatch: () => Error): Transform {
  const hash = hasherFor(digest);
  let n = 0;
  return new Transform({
    transform(chunk: Buffer, _enc, cb) {
      n += chunk.length;
      if (n > size) return cb(onMismatch());
      hash.update(chunk);
      cb(null, chunk);
    },
    flush(cb) {
      const actual = `${digest.slice(0, digest.indexOf(':'))}:${hash.digest('hex')}`;
      cb(n === size && actual === digest ? null : onMismatch());
    },
  });
}
