/**
 * `oci-archive` and `docker-archive` registries: a tar (or tar.gz) file, or an https:// URL to one,
 * behind the Store interface. On open the archive is extracted, streaming, into a working
 * directory and laid out as the tree OciLayoutStore serves; every read and write goes through that
 * store. A run that wrote anything packs the tree back into the archive at close, through a
 * temporary file renamed over the old one. An archive that does not exist yet is empty as a
 * destination, and an error as a source (MissingSourceError) until a rule of the run writes it.
 */
import type { Stats } from 'node:fs';
import { mkdir, mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, join, relative, resolve } from 'node:path';
import type { Readable } from 'node:stream';
import type { Digest } from '../oci/digest.js';
import { type Descriptor, parseManifest } from '../oci/manifest.js';
import { isRepository } from '../oci/ref.js';
import type { FallbackAdd } from '../oci/referrers.js';
import type { UploadResult } from '../registry/client.js';
import { collapse, explode, linkRepository } from './archive-layout.js';
import { fetchArchive } from './archive-fetch.js';
import { shownUrl } from '../registry/wire.js';
import { ArchiveError, extractTar, fileSha256, packTar } from './archive-tar.js';
import { carriesLayout, dockerToLayout, imageOfIndex, writeDockerManifest } from './docker-archive.js';
import { MissingSourceError, OCI_LAYOUT, OciLayoutStore } from './oci-layout.js';
import type { DestinationCheck, Store } from './store.js';

export type ArchiveFormat = 'oci-archive' | 'docker-archive';

export interface ArchiveOptions {
  name: string;
  format: ArchiveFormat;
  /** The archive file (absolute, or relative to the working directory). */
  path?: string;
  /** An https:// URL to download it from (read-only); needs `sha256`. */
  url?: string;
  /** The archive file's SHA-256 (hex): required for a URL, checked for a file when given. */
  sha256?: string;
  /** Repository of entries named by a bare tag; default: the file name without its extensions. */
  repository?: string;
  /** Where downloads are cached (default archiveCacheDir()). */
  cacheDir?: string;
  /** The Authorization header value for the download (never sent on a redirect to another host). */
  auth?: string;
}

/** What tells one version of a file from another without reading it. */
function identity(st: Stats): string {
  return `${st.ino}:${st.size}:${st.mtimeMs}`;
}

/** `images.tar.gz` → `images`, when that is a valid repository name. */
function stemRepository(file: string): string | undefined {
  const stem = basename(file)
    .replace(/\.(tar\.gz|tgz|tar|oci)$/i, '')
    .toLowerCase();
  return isRepository(stem) ? stem : undefined;
}

export async function openArchive(o: ArchiveOptions): Promise<ArchiveStore> {
  if (!o.path === !o.url) throw new ArchiveError(`registries.${o.name}: an ${o.format} needs either path or url`);
  if (o.url && !o.sha256)
    throw new ArchiveError(`registries.${o.name}: an archive URL needs its sha256 pinned (sha256: <64 hex>)`);
  const work = await mkdtemp(join(process.env.RUNNER_TEMP || tmpdir(), 'ferry-archive-'));
  try {
    let file = o.path ? resolve(o.path) : undefined;
    let downloads = 0;
    if (o.url) {
      const got = await fetchArchive(o.url, o.sha256!, {
        ...(o.cacheDir ? { cacheDir: o.cacheDir } : {}),
        ...(o.auth ? { auth: o.auth } : {}),
      });
      file = got.file;
      downloads = got.downloaded ? 1 : 0;
    }
    const layout = join(work, 'layout');
    const tree = join(work, 'tree');
    const label = o.url ? shownUrl(o.url) : basename(file!);
    const found = await stat(file!).catch(() => undefined);
    const exists = found !== undefined;
    const seen = found ? identity(found) : 'absent';
    const warnings: string[] = [];
    if (exists) {
      const x = await extractTar(file!, layout, o.sha256 ? { sha256: o.sha256 } : {}).catch(async (e: unknown) => {
        // A cached download that no longer matches its pin (a disk error, a hand edit) is dropped, so
        // the next run downloads it again instead of failing the same way for ever.
        if (!o.url || downloads) throw e;
        // Any other failure (a full temp disk, the entry bound) leaves a copy that still matches.
        if ((await fileSha256(file!).catch(() => o.sha256)) === o.sha256) throw e;
        await rm(file!, { force: true });
        throw new ArchiveError(
          `${(e as Error).message}; the cached copy ${file} was removed: the next run downloads it again`,
        );
      });
      if (o.format === 'docker-archive' && !carriesLayout(x)) await dockerToLayout(layout, x, label);
    } else {
      if (o.sha256) throw new ArchiveError(`registries.${o.name}: ${file} does not exist, and its sha256 is pinned`);
      // Not an error yet: as a destination it is created at close. A rule reading it fails in
      // listRepositories, unless an earlier rule of this run wrote into it.
      await mkdir(layout, { recursive: true });
    }
    const defaultRepository = o.repository ?? stemRepository(o.url ? new URL(o.url).pathname : file!);
    const skipped = await explode(layout, tree, defaultRepository);
    if (skipped.length)
      warnings.push(
        `${label}: ${skipped.length} entr${skipped.length === 1 ? 'y has' : 'ies have'} no usable repository:tag name and ` +
          `${skipped.length === 1 ? 'is' : 'are'} left out (${skipped.slice(0, 3).join(', ')}${skipped.length > 3 ? ', …' : ''})` +
          (defaultRepository ? '' : '; set `repository:` on the registry to name the repository of bare tags'),
      );
    return new ArchiveStore({
      ...o,
      work,
      layout,
      tree,
      label,
      downloads,
      warnings,
      seen,
      missing: !exists,
      ...(file ? { file } : {}),
    });
  } catch (e) {
    await rm(work, { recursive: true, force: true });
    throw e;
  }
}

interface Opened extends ArchiveOptions {
  work: string;
  layout: string;
  tree: string;
  label: string;
  file?: string;
  /** The archive file as this run read it (`identity`), to notice another run writing it meanwhile. */
  seen: string;
  /** The file did not exist when the run opened it. */
  missing: boolean;
  downloads: number;
  warnings: string[];
}

export class ArchiveStore implements Store {
  readonly name: string;
  readonly display: string;
  readonly deletesByTag = true;
  readonly mountDomain: string;
  readonly warnings: readonly string[];
  readonly #o: Opened;
  readonly #inner: OciLayoutStore;
  /** Per repository, its layout made ready once (concurrent copies into one repository share it). */
  readonly #linked = new Map<string, Promise<void>>();
  #dirty = false;
  /** A dry run planned copies into it (so its absence is no typo, only not made yet). */
  #planned = false;
  #closed?: Promise<void>;

  constructor(o: Opened) {
    this.#o = o;
    this.name = o.name;
    const where = o.url ? shownUrl(o.url) : relative(process.cwd(), o.file!) || o.file!;
    this.display = `${o.format}:${where}`;
    this.mountDomain = `${o.format}:${o.work}`;
    this.warnings = o.warnings;
    this.#inner = new OciLayoutStore(o.name, o.tree);
  }

  /**
   * Only a rule's source is listed (a destination is read per repository). An archive that did
   * not exist when the run opened it, and that no earlier rule of the run has written into, is
   * not an empty source: it is a typo in `path:` or a step that did not put it there.
   */
  async listRepositories() {
    if (this.#o.missing && !this.#dirty)
      throw new MissingSourceError({
        registry: this.name,
        type: this.#o.format,
        path: this.#o.file!,
        ...(this.#planned ? { plannedOnly: true } : {}),
      });
    return this.#inner.listRepositories();
  }
  listTags(repository: string) {
    return this.#inner.listTags(repository);
  }
  manifestHead(repository: string, reference: string) {
    return this.#inner.manifestHead(repository, reference);
  }
  manifestGet(repository: string, reference: string) {
    return this.#inner.manifestGet(repository, reference);
  }
  blobHead(repository: string, digest: Digest) {
    return this.#inner.blobHead(repository, digest);
  }
  blobGet(repository: string, desc: Pick<Descriptor, 'digest' | 'size'>): Promise<Readable> {
    return this.#inner.blobGet(repository, desc);
  }
  referrers(repository: string, digest: Digest) {
    return this.#inner.referrers(repository, digest);
  }

  async prepareDestination(_repository?: string, opts?: DestinationCheck): Promise<void> {
    if (opts?.dryRun) this.#planned = true;
    if (this.#o.url)
      throw new ArchiveError(
        `${this.display} is downloaded from a URL and can only be a source; write to an archive with path:`,
      );
  }

  async manifestPut(
    repository: string,
    reference: string,
    bytes: Buffer,
    mediaType: string,
    opts: { referrersFallback?: FallbackAdd } = {},
  ): Promise<Digest> {
    await this.#writable(repository);
    // docker save's manifest.json names one image per tag: refuse a multi-platform tag up front,
    // so it fails as this image's copy rather than as the whole archive at the end.
    if (this.#o.format === 'docker-archive' && !reference.includes(':')) {
      const m = parseManifest(bytes, mediaType);
      if (m.kind === 'index') imageOfIndex(`${repository}:${reference}`, m);
    }
    return this.#inner.manifestPut(repository, reference, bytes, mediaType, opts);
  }

  async blobPut(
    repository: string,
    desc: Pick<Descriptor, 'digest' | 'size'>,
    open: () => Promise<Readable>,
  ): Promise<UploadResult> {
    await this.#writable(repository);
    return this.#inner.blobPut(repository, desc, open);
  }

  async deleteTag(repository: string, tag: string, digest?: Digest): Promise<'tag'> {
    await this.#writable(repository);
    return this.#inner.deleteTag(repository, tag, digest);
  }

  requestCounts() {
    return { ...this.#inner.requestCounts(), ...(this.#o.downloads ? { download: this.#o.downloads } : {}) };
  }

  /** Packs what the run wrote into the archive (when it wrote anything), then removes the working copy. */
  close(): Promise<void> {
    this.#closed ??= this.#pack().finally(() => rm(this.#o.work, { recursive: true, force: true }));
    return this.#closed;
  }

  async #pack(): Promise<void> {
    if (!this.#dirty) return;
    try {
      await this.#write();
    } catch (e) {
      if (e instanceof ArchiveError) throw e;
      // A raw "EEXIST: mkdir …" names neither the archive nor what it means for the images.
      throw new ArchiveError(
        `${this.display} could not be written (${(e as Error).message}): the images this run copied into it are not there; fix what the error names (the path, its permissions, free space), then run again`,
      );
    }
  }

  async #write(): Promise<void> {
    const { layout, tree, file } = this.#o;
    const { tagged, blobs } = await collapse(tree, layout);
    const names: string[] = [OCI_LAYOUT.marker, OCI_LAYOUT.index];
    if (this.#o.format === 'docker-archive') {
      await writeDockerManifest(layout, tagged);
      names.push('manifest.json');
    }
    await mkdir(dirname(file!), { recursive: true });
    await packTar(layout, [...names, ...blobs], file!, {
      gzip: /\.(tar\.gz|tgz)$/i.test(file!),
      // Another run wrote the archive since this one read it: replacing it would drop that run's
      // images, so this run's writes are given up instead (the next run makes them again).
      beforeRename: async () => {
        const now = await stat(file!).catch(() => undefined);
        if ((now ? identity(now) : 'absent') !== this.#o.seen)
          throw new ArchiveError(
            `${this.display} was changed by another run while this one wrote to it; it is left as that run wrote it: run again`,
          );
      },
    });
  }

  async #writable(repository: string): Promise<void> {
    await this.prepareDestination();
    let linked = this.#linked.get(repository);
    if (!linked) {
      linked = linkRepository(this.#o.layout, this.#o.tree, repository);
      this.#linked.set(repository, linked);
    }
    await linked;
    this.#dirty = true;
  }
}
