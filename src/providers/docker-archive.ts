/**
 * What `docker save` writes, read as an OCI layout and written as both.
 *
 * Reading: an archive that already carries an OCI layout (`docker save` since Docker 25, and what
 * ferry writes) is read as one. Otherwise `manifest.json` lists each image's config file and layer
 * tars; ferry hashes every file as it streams by, checks the config against its file name and each
 * layer (decompressed when it is gzip or zstd) against the config's `rootfs.diff_ids`, and writes
 * an OCI image manifest for it, so the same archive always gives the same manifest digest.
 *
 * Writing: the OCI layout plus `manifest.json` with `RepoTags`, pointing at the layout's blobs,
 * so `docker load` and `skopeo … docker-archive:` read it as well as OCI tools do.
 */
import { createReadStream } from 'node:fs';
import { mkdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGunzip, createZstdDecompress } from 'node:zlib';
import { type Digest, sha256 } from '../oci/digest.js';
import { type Descriptor, type ParsedManifest, parseManifest } from '../oci/manifest.js';
import { IMAGE_CONFIG_TYPES, INDEX_TYPES, MediaType } from '../oci/media-types.js';
import { blobFile, type LayoutIndex, readManifestBlob, type Tagged, writeLayout } from './archive-layout.js';
import { ArchiveError, compressionOf, discard, type Extracted, resolveLink, sha256Tap } from './archive-tar.js';
import { layoutBlobPath, OCI_LAYOUT, REF_NAME } from './oci-layout.js';

/** An image config is a few KiB; a bigger `manifest.json` or config is not what `docker save` writes. */
const MAX_JSON_BYTES = 32 << 20;

interface SaveEntry {
  Config: string;
  RepoTags?: string[] | null;
  Layers: string[];
}

const LAYER_TYPES = {
  plain: 'application/vnd.oci.image.layer.v1.tar',
  gzip: 'application/vnd.oci.image.layer.v1.tar+gzip',
  zstd: 'application/vnd.oci.image.layer.v1.tar+zstd',
} as const;

/** True when the extracted archive is an OCI layout already (read it as an oci-archive). */
export function carriesLayout(x: Extracted): boolean {
  return x.files.has(OCI_LAYOUT.marker) && x.files.has(OCI_LAYOUT.index);
}

async function readJson(path: string, name: string, label: string): Promise<{ bytes: Buffer; value: unknown }> {
  const { size } = await stat(path);
  if (size > MAX_JSON_BYTES) throw new ArchiveError(`${label}: ${name} is ${size} bytes; not what docker save writes`);
  const bytes = await readFile(path);
  try {
    return { bytes, value: JSON.parse(bytes.toString('utf8')) };
  } catch (e) {
    throw new ArchiveError(`${label}: ${name} is not JSON: ${(e as Error).message}`);
  }
}

/** A layer file's digest as stored and its uncompressed digest (the diff ID), in one streaming pass. */
async function hashLayer(path: string) {
  const compression = await compressionOf(path);
  const stored = sha256Tap();
  const diff = sha256Tap();
  const decompress = compression === 'gzip' ? [createGunzip()] : compression === 'zstd' ? [createZstdDecompress()] : [];
  await pipeline([createReadStream(path), stored.tap, ...decompress, diff.tap, discard()]);
  return {
    digest: `sha256:${stored.hex()}` as Digest,
    diffId: `sha256:${diff.hex()}`,
    mediaType: LAYER_TYPES[compression],
  };
}

/** The hex a file name promises (`<hex>.json`, `blobs/sha256/<hex>`), if any. */
function namedDigest(name: string): string | undefined {
  return /(?:^|\/)([a-f0-9]{64})(?:\.json)?$/.exec(name)?.[1];
}

/**
 * Turns an extracted `docker save` archive (no OCI layout) into an OCI layout in the same
 * directory: blobs moved under `blobs/sha256/`, a manifest per image, index.json naming each
 * RepoTag. Untagged images get an index entry without a name (reported as skipped).
 */
export async function dockerToLayout(dir: string, x: Extracted, label: string): Promise<void> {
  if (!x.files.has('manifest.json'))
    throw new ArchiveError(`${label}: neither manifest.json (docker save) nor index.json (OCI layout) in the archive`);
  const { value } = await readJson(join(dir, 'manifest.json'), 'manifest.json', label);
  if (!Array.isArray(value)) throw new ArchiveError(`${label}: manifest.json is not a list of images`);
  await mkdir(join(dir, OCI_LAYOUT.blobs, 'sha256'), { recursive: true });
  const moved = new Map<string, Descriptor>();
  const diffIdOf = new Map<Digest, string>();
  /** Moves an archive file into blobs/ (once, however many images share it). */
  const place = async (name: string, describe: (path: string) => Promise<Descriptor>): Promise<Descriptor> => {
    const file = resolveLink(x, name, label);
    let d = moved.get(file);
    if (!d) {
      const path = join(dir, ...file.split('/'));
      d = await describe(path);
      const target = blobFile(dir, d.digest);
      if (target !== path) await rename(path, target);
      moved.set(file, d);
    }
    return d;
  };
  const index: LayoutIndex = { schemaVersion: 2, mediaType: MediaType.OciIndex, manifests: [] };
  for (const raw of value as SaveEntry[]) {
    if (typeof raw?.Config !== 'string' || !Array.isArray(raw.Layers))
      throw new ArchiveError(`${label}: a manifest.json entry has no Config or Layers`);
    const configDesc = await place(raw.Config, async (path) => {
      const { bytes } = await readJson(path, raw.Config, label);
      return { mediaType: MediaType.OciConfig, digest: sha256(bytes), size: bytes.length };
    });
    const { value: config } = await readJson(blobFile(dir, configDesc.digest), raw.Config, label);
    const promised = namedDigest(raw.Config);
    if (promised && configDesc.digest !== `sha256:${promised}`)
      throw new ArchiveError(`${label}: ${raw.Config} hashes to ${configDesc.digest}; the archive is corrupt`);
    const diffIds = (config as { rootfs?: { diff_ids?: unknown } }).rootfs?.diff_ids;
    if (!Array.isArray(diffIds) || diffIds.length !== raw.Layers.length)
      throw new ArchiveError(
        `${label}: ${raw.Config} lists ${Array.isArray(diffIds) ? diffIds.length : 'no'} layer diff IDs for ${raw.Layers.length} layers`,
      );
    const layers: Descriptor[] = [];
    for (const [i, layer] of raw.Layers.entries()) {
      const d = await place(layer, async (path) => {
        const h = await hashLayer(path);
        diffIdOf.set(h.digest, h.diffId);
        return { mediaType: h.mediaType, digest: h.digest, size: (await stat(path)).size };
      });
      // Each image's config is checked, also for a layer an earlier image shares.
      const diffId = diffIdOf.get(d.digest);
      if (diffId !== diffIds[i])
        throw new ArchiveError(
          `${label}: layer ${layer} unpacks to ${String(diffId)}, the image config says ${String(diffIds[i])}`,
        );
      const promisedLayer = namedDigest(layer);
      if (promisedLayer && d.digest !== `sha256:${promisedLayer}`)
        throw new ArchiveError(`${label}: ${layer} hashes to ${d.digest}; the archive is corrupt`);
      layers.push(d);
    }
    const manifest = Buffer.from(
      JSON.stringify({ schemaVersion: 2, mediaType: MediaType.OciManifest, config: configDesc, layers }),
    );
    const digest = sha256(manifest);
    await writeFile(blobFile(dir, digest), manifest);
    const desc: Descriptor = { mediaType: MediaType.OciManifest, digest, size: manifest.length };
    const tags = raw.RepoTags ?? [];
    if (!tags.length) index.manifests.push(desc);
    for (const t of tags) index.manifests.push({ ...desc, annotations: { [REF_NAME]: t } });
  }
  await writeLayout(dir, index);
}

/** The one image manifest a tag stands for in a docker-archive, or undefined for an artifact. */
async function imageOf(layoutDir: string, t: Tagged): Promise<Descriptor | undefined> {
  let d = t.descriptor;
  if (INDEX_TYPES.has(d.mediaType)) {
    const image = imageOfIndex(
      `${t.repository}:${t.tag}`,
      parseManifest(await readManifestBlob(layoutDir, d.digest), d.mediaType),
    );
    if (!image) return undefined;
    d = image;
  }
  const m = parseManifest(await readManifestBlob(layoutDir, d.digest), d.mediaType);
  return m.config && IMAGE_CONFIG_TYPES.has(m.config.mediaType) ? d : undefined;
}

/**
 * The one image a docker-archive entry holds for a tagged index; undefined for an index of
 * artifacts only (a referrers fallback index of signatures and SBOMs), which stays in the OCI
 * layout. Throws when the index has several platforms.
 */
export function imageOfIndex(ref: string, m: ParsedManifest): Descriptor | undefined {
  // Attestation manifests (BuildKit's unknown/unknown) are not images, nor is an entry without a
  // platform that names an artifactType (a referrer).
  const images = m.manifests.filter((c) => (c.platform ? c.platform.os !== 'unknown' : !c.artifactType));
  if (images.length > 1) throw singlePlatform(ref, images.length);
  return images[0];
}

function singlePlatform(ref: string, platforms: number): ArchiveError {
  return new ArchiveError(
    `${ref} has ${platforms} platforms; a docker-archive holds one image per tag: add platforms: [linux/amd64] (or the one you need) to the rule`,
  );
}

/**
 * Writes `manifest.json` (docker save's list of images with their RepoTags) for the layout's
 * tagged images; artifacts (signatures, SBOMs) stay in the OCI layout only.
 */
export async function writeDockerManifest(layoutDir: string, tagged: readonly Tagged[]): Promise<void> {
  const images = new Map<Digest, { Config: string; RepoTags: string[]; Layers: string[] }>();
  for (const t of tagged) {
    const d = await imageOf(layoutDir, t);
    if (!d) continue;
    let entry = images.get(d.digest);
    if (!entry) {
      const m = parseManifest(await readManifestBlob(layoutDir, d.digest), d.mediaType);
      const path = (x: Descriptor) => layoutBlobPath(x.digest);
      entry = { Config: path(m.config!), RepoTags: [], Layers: m.layers.map(path) };
      images.set(d.digest, entry);
    }
    entry.RepoTags.push(`${t.repository}:${t.tag}`);
  }
  await writeFile(join(layoutDir, 'manifest.json'), JSON.stringify([...images.values()]));
}
