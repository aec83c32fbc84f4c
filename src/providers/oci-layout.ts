/**
 * A directory of OCI image layouts, one per repository: `<root>/<repository>/{oci-layout,
 * index.json, blobs/<alg>/<hex>}` (as regclient's ocidir). Tags are index.json entries with
 * the `org.opencontainers.image.ref.name` annotation.
 * https://github.com/opencontainers/image-spec/blob/main/image-layout.md
 */
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join, relative, resolve, sep } from 'node:path';
import { type Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { type Digest, digestLike, hasherFor, parseDigest, sha256 } from '../oci/digest.js';
import { type Descriptor, parseManifest } from '../oci/manifest.js';
import { MediaType } from '../oci/media-types.js';
import { isTag, parseRepository, parseTag } from '../oci/ref.js';
import type { Manifest, ManifestHead, UploadResult } from '../registry/client.js';
import { RegistryError } from '../registry/errors.js';
import type { Store } from './store.js';

const REF_NAME = 'org.opencontainers.image.ref.name';

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
  readonly #locks = new Map<string, Promise<unknown>>();
  #counts = new Map<string, number>();
  #tmp = 0;

  constructor(name: string, root: string) {
    this.name = name;
    this.#root = resolve(root);
    this.display = `oci:${relative(process.cwd(), this.#root) || '.'}`;
    this.mountDomain = `oci:${this.#root}`;
  }

  #dir(repository: string): string {
    parseRepository(repository);
    const dir = resolve(this.#root, ...repository.split('/'));
    if (!dir.startsWith(this.#root + sep)) throw new Error(`repository ${repository} leaves the layout root`);
    return dir;
  }

  #blobPath(repository: string, digest: Digest): string {
    const d = parseDigest(digest);
    const i = d.indexOf(':');
    return join(this.#dir(repository), 'blobs', d.slice(0, i), d.slice(i + 1));
  }

  #count(op: string) {
    this.#counts.set(op, (this.#counts.get(op) ?? 0) + 1);
  }

  async listRepositories(): Promise<string[]> {
    const out: string[] = [];
    const walk = async (dir: string, prefix: string[]) => {
      let entries: import('node:fs').Dirent[];
      try {
        entries = await readdir(dir, { withFileTypes: true });
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'ENOENT') return;
        throw e;
      }
      if (prefix.length && entries.some((e) => e.isFile() && e.name === 'oci-layout')) out.push(prefix.join('/'));
      for (const e of entries)
        if (e.isDirectory() && e.name !== 'blobs') await walk(join(dir, e.name), [...prefix, e.name]);
    };
    await walk(this.#root, []);
    return out.sort();
  }

  async #readIndex(repository: string): Promise<IndexJson> {
    try {
      return JSON.parse(await readFile(join(this.#dir(repository), 'index.json'), 'utf8')) as IndexJson;
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
    if (!d) return undefined;
    const bytes = await readFile(this.#blobPath(repository, d.digest));
    if (digestLike(d.digest, bytes) !== d.digest) throw this.#corrupt(repository, d.digest);
    const parsed = parseManifest(bytes, d.mediaType);
    return { digest: d.digest, mediaType: parsed.mediaType, size: bytes.length, bytes, parsed };
  }

  async manifestPut(repository: string, reference: string, bytes: Buffer, mediaType: string): Promise<Digest> {
    this.#count('PUT');
    const digest = sha256(bytes);
    if (reference.includes(':') && parseDigest(reference) !== digest)
      throw new Error(`manifest bytes do not match ${reference}`);
    await this.#ensureLayout(repository);
    await this.#writeAtomic(this.#blobPath(repository, digest), bytes);
    if (!reference.includes(':')) {
      const tag = parseTag(reference);
      await this.#withLock(repository, async () => {
        const index = await this.#readIndex(repository);
        index.manifests = index.manifests.filter((m) => m.annotations?.[REF_NAME] !== tag);
        index.manifests.push({ mediaType, digest, size: bytes.length, annotations: { [REF_NAME]: tag } });
        await this.#writeAtomic(join(this.#dir(repository), 'index.json'), Buffer.from(JSON.stringify(index, null, 2)));
      });
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

  async blobMount(): Promise<boolean> {
    return false;
  }

  async referrers(repository: string, digest: Digest) {
    const fallbackTag = digest.replace(':', '-');
    const m = await this.manifestGet(repository, fallbackTag).catch(() => undefined);
    return { descriptors: m?.parsed.kind === 'index' ? m.parsed.manifests : [], fallbackTag };
  }

  async deleteTag(repository: string, tag: string): Promise<'tag'> {
    this.#count('DELETE');
    await this.#withLock(repository, async () => {
      const index = await this.#readIndex(repository);
      index.manifests = index.manifests.filter((m) => m.annotations?.[REF_NAME] !== tag);
      await this.#writeAtomic(join(this.#dir(repository), 'index.json'), Buffer.from(JSON.stringify(index, null, 2)));
    });
    return 'tag';
  }

  requestCounts() {
    return Object.fromEntries(this.#counts);
  }

  async close() {}

  async #ensureLayout(repository: string) {
    const dir = this.#dir(repository);
    await mkdir(join(dir, 'blobs', 'sha256'), { recursive: true });
    const marker = join(dir, 'oci-layout');
    if (!(await stat(marker).catch(() => undefined))) await writeFile(marker, '{"imageLayoutVersion":"1.0.0"}');
  }

  async #writeAtomic(path: string, bytes: Buffer) {
    const tmp = `${path}.${process.pid}.${this.#tmp++}.tmp`;
    await writeFile(tmp, bytes);
    await rename(tmp, path);
  }

  async #withLock<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const prev = this.#locks.get(key) ?? Promise.resolve();
    const next = prev.then(fn, fn);
    this.#locks.set(
      key,
      next.catch(() => {}),
    );
    return next;
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
