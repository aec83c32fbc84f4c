/**
 * An archive carries one OCI image layout at its root holding every repository (as skopeo,
 * containerd and `docker save` write it), its tags named `repository:tag` in the
 * `org.opencontainers.image.ref.name` annotation. OciLayoutStore serves a tree with a layout per
 * repository. This turns the one into the other and back; both share one `blobs/` directory
 * (each repository's `blobs` is a symbolic link to it), so no blob is copied or stored twice.
 */
import { mkdir, readFile, stat, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Digest } from '../oci/digest.js';
import { blobsOf, type Descriptor, parseManifest } from '../oci/manifest.js';
import { INDEX_TYPES, isNondistributable, MANIFEST_TYPES, MediaType } from '../oci/media-types.js';
import { isRepository, isTag, parseRepository } from '../oci/ref.js';
import { ArchiveError } from './archive-tar.js';
import { layoutBlobPath, OCI_LAYOUT, OciLayoutStore, REF_NAME } from './oci-layout.js';

/** containerd (and `docker save` since 25) put the full reference here and only the tag in REF_NAME. */
const IMAGE_NAME = 'io.containerd.image.name';
/** Manifests and indexes are small; a bigger one in an archive is corrupt or hostile. */
const MAX_MANIFEST_BYTES = 4 << 20;

export interface LayoutIndex {
  schemaVersion: 2;
  mediaType?: string;
  manifests: Descriptor[];
}

export interface Tagged {
  repository: string;
  tag: string;
  descriptor: Descriptor;
}

/**
 * `[host[:port]/]repository:tag` → its repository (without the host) and tag. A bare tag (what
 * `skopeo copy … oci-archive:file:tag` writes) belongs to `defaultRepository`.
 */
export function splitName(name: string, defaultRepository?: string): { repository: string; tag: string } | undefined {
  if (name.includes('@')) return undefined;
  const slash = name.lastIndexOf('/');
  const colon = name.lastIndexOf(':');
  if (colon <= slash) {
    // No tag part: a bare tag when it has no slash (skopeo), otherwise a name without a tag.
    return slash < 0 && defaultRepository && isTag(name) ? { repository: defaultRepository, tag: name } : undefined;
  }
  let repository = name.slice(0, colon);
  const tag = name.slice(colon + 1);
  const first = repository.split('/')[0]!;
  // As `docker pull` tells a host from a path: a dot, a port or localhost.
  if (repository.includes('/') && (first.includes('.') || first.includes(':') || first === 'localhost'))
    repository = repository.slice(first.length + 1);
  return isRepository(repository) && isTag(tag) ? { repository, tag } : undefined;
}

export async function readLayoutIndex(layoutDir: string): Promise<LayoutIndex | undefined> {
  const text = await readFile(join(layoutDir, OCI_LAYOUT.index), 'utf8').catch((e: NodeJS.ErrnoException) => {
    if (e.code === 'ENOENT') return undefined;
    throw e;
  });
  if (text === undefined) return undefined;
  const index = JSON.parse(text) as LayoutIndex;
  if (!Array.isArray(index?.manifests)) throw new ArchiveError('index.json has no manifests list');
  return index;
}

/** The archive's tags, by repository; entries that name no usable repository and tag are listed in `skipped`. */
export function taggedEntries(index: LayoutIndex, defaultRepository?: string) {
  const tagged: Tagged[] = [];
  const skipped: string[] = [];
  for (const d of index.manifests) {
    const name = d.annotations?.[IMAGE_NAME] ?? d.annotations?.[REF_NAME];
    const split = name === undefined ? undefined : splitName(name, defaultRepository);
    if (split) tagged.push({ ...split, descriptor: d });
    else skipped.push(name ?? d.digest);
  }
  return { tagged, skipped };
}

/** Makes `<tree>/<repository>` a layout whose `blobs` is the shared one, before anything is written there. */
export async function linkRepository(layoutDir: string, treeDir: string, repository: string): Promise<void> {
  const dir = join(treeDir, ...parseRepository(repository).split('/'));
  await mkdir(dir, { recursive: true });
  if (!(await stat(join(dir, OCI_LAYOUT.blobs)).catch(() => undefined)))
    await symlink(join(layoutDir, OCI_LAYOUT.blobs), join(dir, OCI_LAYOUT.blobs));
  if (!(await stat(join(dir, OCI_LAYOUT.marker)).catch(() => undefined)))
    await writeFile(join(dir, OCI_LAYOUT.marker), OCI_LAYOUT.markerContent);
}

/**
 * Lays the archive's layout out as a tree OciLayoutStore serves. Returns the entries it could not
 * place (no name, a digest reference, an invalid repository), for a warning.
 */
export async function explode(layoutDir: string, treeDir: string, defaultRepository?: string): Promise<string[]> {
  await mkdir(join(layoutDir, OCI_LAYOUT.blobs, 'sha256'), { recursive: true });
  await mkdir(treeDir, { recursive: true });
  const index = await readLayoutIndex(layoutDir);
  if (!index) return [];
  const { tagged, skipped } = taggedEntries(index, defaultRepository);
  const byRepo = new Map<string, Descriptor[]>();
  for (const t of tagged) {
    const list = byRepo.get(t.repository) ?? [];
    // A tag named twice: the later entry wins, as a second `docker tag` would.
    const kept = list.filter((d) => d.annotations?.[REF_NAME] !== t.tag);
    const { [IMAGE_NAME]: _full, ...annotations } = t.descriptor.annotations ?? {};
    kept.push({ ...t.descriptor, annotations: { ...annotations, [REF_NAME]: t.tag } });
    byRepo.set(t.repository, kept);
  }
  for (const [repository, manifests] of byRepo) {
    await linkRepository(layoutDir, treeDir, repository);
    const repoIndex: LayoutIndex = { schemaVersion: 2, mediaType: MediaType.OciIndex, manifests };
    await writeFile(join(treeDir, ...repository.split('/'), OCI_LAYOUT.index), JSON.stringify(repoIndex, null, 2));
  }
  return skipped;
}

/** Reads a manifest blob of the shared layout, bounded. */
export async function readManifestBlob(layoutDir: string, digest: Digest): Promise<Buffer> {
  const path = blobFile(layoutDir, digest);
  const st = await stat(path).catch(() => undefined);
  if (!st) throw new ArchiveError(`manifest ${digest} is missing from the archive`);
  if (st.size > MAX_MANIFEST_BYTES) throw new ArchiveError(`manifest ${digest} is ${st.size} bytes; not a manifest`);
  return readFile(path);
}

export function blobFile(layoutDir: string, digest: Digest): string {
  return join(layoutDir, layoutBlobPath(digest));
}

/** Writes a layout's marker and its index.json (the blobs are in place already). */
export async function writeLayout(layoutDir: string, index: LayoutIndex): Promise<void> {
  await writeFile(join(layoutDir, OCI_LAYOUT.marker), OCI_LAYOUT.markerContent);
  await writeFile(join(layoutDir, OCI_LAYOUT.index), JSON.stringify(index));
}

/**
 * The tree's tags as one index (names `repository:tag`), written to the layout's index.json, and
 * the archive paths of every blob a tag reaches (blobs of deleted tags are left out).
 */
export async function collapse(treeDir: string, layoutDir: string) {
  const tagged: Tagged[] = [];
  for (const repository of await new OciLayoutStore('archive', treeDir).listRepositories()) {
    const index = await readLayoutIndex(join(treeDir, ...repository.split('/')));
    for (const d of index?.manifests ?? []) {
      const tag = d.annotations?.[REF_NAME];
      if (isTag(tag)) tagged.push({ repository, tag, descriptor: d });
    }
  }
  tagged.sort((a, b) => `${a.repository}:${a.tag}`.localeCompare(`${b.repository}:${b.tag}`));
  const reached = new Set<Digest>();
  const visit = async (d: Descriptor): Promise<void> => {
    if (reached.has(d.digest)) return;
    const exists = await stat(blobFile(layoutDir, d.digest)).catch(() => undefined);
    // A non-distributable layer is fetched from its URLs, not carried: the copy's own rule.
    if (!exists && isNondistributable(d.mediaType)) return;
    if (!exists) throw new ArchiveError(`blob ${d.digest} is missing from the archive`);
    reached.add(d.digest);
    if (!INDEX_TYPES.has(d.mediaType) && !MANIFEST_TYPES.has(d.mediaType)) return;
    const m = parseManifest(await readManifestBlob(layoutDir, d.digest), d.mediaType);
    for (const child of [...m.manifests, ...blobsOf(m)]) await visit(child);
  };
  for (const t of tagged) await visit(t.descriptor);
  const index: LayoutIndex = {
    schemaVersion: 2,
    mediaType: MediaType.OciIndex,
    manifests: tagged.map((t) => ({
      ...t.descriptor,
      annotations: { ...t.descriptor.annotations, [REF_NAME]: `${t.repository}:${t.tag}` },
    })),
  };
  await writeLayout(layoutDir, index);
  const blobs = [...reached].sort().map(layoutBlobPath);
  return { index, tagged, blobs };
}
