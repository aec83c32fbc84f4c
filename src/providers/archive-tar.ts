/**
 * Tar files in and out, streaming: an archive is never held in memory, whatever its size.
 * Reading accepts plain or gzip-compressed tars (told apart by their first bytes, not their name),
 * and only regular files, directories and symbolic links (`docker save` links duplicate layers);
 * links are reported, never created, so nothing in an archive can write outside its directory.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, open, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, join, posix } from 'node:path';
import { type Readable, Transform, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip, createGzip } from 'node:zlib';
import tar from 'tar-stream';

/** More entries than any image archive has (a layout holds a few files per layer); a bound against tar bombs. */
export const MAX_ARCHIVE_ENTRIES = 100_000;

export class ArchiveError extends Error {
  override name = 'ArchiveError';
}

export interface Extracted {
  /** Symbolic links by archive path → their target, resolved to an archive path. */
  links: Map<string, string>;
  /** Archive paths of the regular files written. */
  files: Set<string>;
}

/** `./a//b` → `a/b`; refuses absolute paths and paths that leave the archive. */
export function archivePath(name: string, archive: string): string {
  const n = posix.normalize(name.replace(/^(\.\/)+/, ''));
  if (n.startsWith('/') || n === '..' || n.startsWith('../') || n.includes('\0'))
    throw new ArchiveError(`${archive}: entry "${name}" points outside the archive`);
  return n.replace(/\/$/, '');
}

/** How a file is compressed, from its magic bytes (gzip 1f 8b, zstd 28 b5 2f fd); 'plain' otherwise. */
export async function compressionOf(file: string): Promise<'gzip' | 'zstd' | 'plain'> {
  const fh = await open(file, 'r');
  try {
    const head = Buffer.alloc(4);
    const { bytesRead } = await fh.read(head, 0, 4, 0);
    if (bytesRead >= 2 && head[0] === 0x1f && head[1] === 0x8b) return 'gzip';
    if (bytesRead === 4 && head.readUInt32LE(0) === 0xfd2fb528) return 'zstd';
    return 'plain';
  } finally {
    await fh.close();
  }
}

/** Passes bytes through, hashing them with SHA-256. */
export function sha256Tap(): { tap: Transform; hex: () => string } {
  const hash = createHash('sha256');
  const tap = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      hash.update(chunk);
      cb(null, chunk);
    },
  });
  return { tap, hex: () => hash.digest('hex') };
}

/** A stream end that drops what it is given (the bytes were only wanted for their hash). */
export function discard(): Writable {
  return new Writable({ write: (_chunk, _enc, cb) => cb() });
}

/** The SHA-256 of a file, read as a stream. */
export async function fileSha256(file: string): Promise<string> {
  const { tap, hex } = sha256Tap();
  await pipeline(createReadStream(file), tap, discard());
  return hex();
}

/**
 * Extracts `file` into the empty directory `dir`. With `sha256`, the archive's own bytes must hash
 * to it (checked as they stream by; on a mismatch the error comes after the last byte, and the
 * caller removes `dir`).
 */
export async function extractTar(
  file: string,
  dir: string,
  opts: { sha256?: string; maxEntries?: number } = {},
): Promise<Extracted> {
  const maxEntries = opts.maxEntries ?? MAX_ARCHIVE_ENTRIES;
  const label = basename(file);
  // Read as tar or tar.gz, what skopeo, containerd and docker save write.
  const gzip = (await compressionOf(file)) === 'gzip';
  const { tap, hex } = sha256Tap();
  const extract = tar.extract();
  const feeding = pipeline([createReadStream(file), tap, ...(gzip ? [createGunzip()] : []), extract]);
  // The consumer below reports its own error; this keeps a feeding failure from going unhandled meanwhile.
  feeding.catch(() => {});
  const out: Extracted = { links: new Map(), files: new Set() };
  let entries = 0;
  try {
    for await (const entry of extract) {
      const h = entry.header;
      if (++entries > maxEntries)
        throw new ArchiveError(`${label}: more than ${maxEntries} entries; not an image archive`);
      const name = archivePath(h.name, label);
      if (h.type === 'file' || h.type === 'contiguous-file') {
        if (out.files.has(name) || out.links.has(name))
          throw new ArchiveError(`${label}: entry "${name}" appears twice`);
        out.files.add(name);
        const target = join(dir, ...name.split('/'));
        await mkdir(dirname(target), { recursive: true });
        // 'wx': an existing file (a path that is also a directory in the archive...) is an error, never overwritten.
        await pipeline(entry, createWriteStream(target, { flags: 'wx' }));
        continue;
      }
      if (h.type === 'symlink') {
        const to = posix.join(posix.dirname(name), h.linkname ?? '');
        out.links.set(name, archivePath(to, label));
      } else if (h.type !== 'directory') {
        throw new ArchiveError(
          `${label}: entry "${name}" is a ${h.type ?? 'special file'}; only files, directories and symlinks are read`,
        );
      }
      entry.resume();
    }
    await feeding;
  } catch (e) {
    extract.destroy();
    await feeding.catch(() => {});
    if (e instanceof ArchiveError) throw e;
    throw new ArchiveError(`${label}: not a readable tar${gzip ? '.gz' : ''} archive: ${(e as Error).message}`);
  }
  const actual = hex();
  if (opts.sha256 && actual !== opts.sha256)
    throw new ArchiveError(`${label}: sha256 is ${actual}, the configuration pins ${opts.sha256}`);
  return out;
}

/** Follows symbolic links inside an extracted archive to a regular file's archive path. */
export function resolveLink(x: Extracted, name: string, archive: string): string {
  let n = name;
  for (let hops = 0; hops < 16; hops++) {
    if (x.files.has(n)) return n;
    const next = x.links.get(n);
    if (next === undefined) throw new ArchiveError(`${archive}: "${name}" is not in the archive`);
    n = next;
  }
  throw new ArchiveError(`${archive}: "${name}" is a loop of symbolic links`);
}

/**
 * Writes the files `names` (paths relative to `dir`, in this order) as a tar to `out`, gzip'd when
 * asked. The tar is written beside `out` and renamed over it when complete, so a reader sees the
 * old archive or the new one, never a part. Entries carry a fixed time and owner, so the same
 * content makes the same bytes (and the same sha256 to pin).
 */
export async function packTar(
  dir: string,
  names: readonly string[],
  out: string,
  /** `beforeRename` may throw to keep the old archive (it changed under us...). */
  opts: { gzip: boolean; beforeRename?: () => Promise<void> },
) {
  const tmp = join(dirname(out), `.${basename(out)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  const pack = tar.pack();
  const writing = pipeline([pack as unknown as Readable, ...(opts.gzip ? [createGzip()] : []), createWriteStream(tmp)]);
  writing.catch(() => {});
  try {
    for (const name of names) {
      const path = join(dir, ...name.split('/'));
      const { size } = await stat(path);
      const header = { name, size, mode: 0o644, mtime: new Date(0), uid: 0, gid: 0, type: 'file' as const };
      await new Promise<void>((resolve, reject) => {
        const entry = pack.entry(header, (err) => (err ? reject(err) : resolve())) as unknown as Writable;
        createReadStream(path).on('error', reject).pipe(entry);
      });
    }
    pack.finalize();
    await writing;
    const fh = await open(tmp, 'r');
    try {
      await fh.sync();
    } finally {
      await fh.close();
    }
    await opts.beforeRename?.();
    await rename(tmp, out);
  } catch (e) {
    pack.destroy();
    await writing.catch(() => {});
    await rm(tmp, { force: true });
    throw e;
  }
}
