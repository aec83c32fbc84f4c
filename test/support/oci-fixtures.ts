/** Deterministic OCI image layouts built in code: images, multi-arch indexes, artifacts and referrers. */
import { createHash } from 'node:crypto';
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';

export const MediaType = {
  ociManifest: 'application/vnd.oci.image.manifest.v1+json',
  ociIndex: 'application/vnd.oci.image.index.v1+json',
  ociConfig: 'application/vnd.oci.image.config.v1+json',
  ociLayerGzip: 'application/vnd.oci.image.layer.v1.tar+gzip',
  ociEmpty: 'application/vnd.oci.empty.v1+json',
  dockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
  dockerList: 'application/vnd.docker.distribution.manifest.list.v2+json',
  dockerConfig: 'application/vnd.docker.container.image.v1+json',
  dockerLayerGzip: 'application/vnd.docker.image.rootfs.diff.tar.gzip',
} as const;

export interface Platform {
  os: string;
  architecture: string;
  variant?: string;
}

export interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  platform?: Platform;
  artifactType?: string;
  annotations?: Record<string, string>;
}

export interface FixtureImage {
  /** Tag in index.json (org.opencontainers.image.ref.name); undefined when untagged. */
  tag?: string;
  digest: string;
  mediaType: string;
  size: number;
  /** Digests of every blob the manifest reaches: config and layers, and for an index its children and theirs. */
  blobs: string[];
  /** The exact manifest bytes. */
  raw: Buffer;
  descriptor: Descriptor;
  /** Manifests of an index, in order. */
  children?: FixtureImage[];
}

export interface ImageOptions {
  tag?: string;
  /** Sizes of the uncompressed random layer contents, in bytes. */
  layers: number[];
  /** PRNG seed; defaults to the tag or a per-layout counter. */
  seed?: string;
  platform?: Platform;
  /** 'oci' (default) or 'docker' schema2 media types. */
  format?: 'oci' | 'docker';
  /** Non-image config media types make an artifact with opaque config and layers. */
  configMediaType?: string;
  layerMediaType?: string;
  artifactType?: string;
  annotations?: Record<string, string>;
  subject?: FixtureImage | Descriptor;
}

export interface IndexOptions {
  tag?: string;
  platforms: Platform[];
  /** Layer sizes for each platform's image. */
  layers: number[];
  seed?: string;
  format?: 'oci' | 'docker';
  annotations?: Record<string, string>;
}

export interface ArtifactOptions {
  tag?: string;
  configMediaType: string;
  artifactType?: string;
  layers: number[];
  layerMediaType?: string;
  seed?: string;
  subject?: FixtureImage | Descriptor;
}

export interface ReferrerOptions {
  subject: FixtureImage | Descriptor;
  artifactType: string;
  tag?: string;
  seed?: string;
}

export interface Layout {
  dir: string;
  addImage(opts: ImageOptions): FixtureImage;
  addIndex(opts: IndexOptions): FixtureImage;
  addArtifact(opts: ArtifactOptions): FixtureImage;
  addReferrer(opts: ReferrerOptions): FixtureImage;
  /** Writes index.json listing every top-level manifest added so far. */
  write(): void;
}

/** Deterministic bytes: sha256(seed:counter) blocks concatenated. */
export function seededBytes(seed: string, size: number): Buffer {
  const out = Buffer.alloc(size);
  for (let off = 0, i = 0; off < size; i++, off += 32) {
    createHash('sha256').update(`${seed}:${i}`).digest().copy(out, off);
  }
  return out;
}

export function sha256Digest(data: Buffer): string {
  return `sha256:${createHash('sha256').update(data).digest('hex')}`;
}

/** Creates `dir` as an OCI image layout (oci-layout, blobs/sha256, index.json). */
export async function createLayout(dir: string): Promise<Layout> {
  mkdirSync(join(dir, 'blobs', 'sha256'), { recursive: true });
  writeFileSync(join(dir, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));
  const top: Descriptor[] = [];
  let counter = 0;

  const putBlob = (mediaType: string, data: Buffer): Descriptor => {
    const digest = sha256Digest(data);
    writeFileSync(join(dir, 'blobs', 'sha256', digest.slice('sha256:'.length)), data);
    return { mediaType, digest, size: data.length };
  };
  const putManifest = (doc: object, extra: Partial<Descriptor>, blobs: string[], tag?: string) => {
    const raw = Buffer.from(JSON.stringify(doc));
    const mediaType = (doc as { mediaType: string }).mediaType;
    const descriptor = { ...putBlob(mediaType, raw), ...extra };
    return { tag, digest: descriptor.digest, mediaType, size: raw.length, blobs, raw, descriptor };
  };
  const addTop = (img: FixtureImage): FixtureImage => {
    const annotations = img.tag ? { 'org.opencontainers.image.ref.name': img.tag } : undefined;
    top.push({ ...img.descriptor, ...(annotations && { annotations }) });
    write();
    return img;
  };
  const write = () => {
    const index = { schemaVersion: 2, mediaType: MediaType.ociIndex, manifests: top };
    writeFileSync(join(dir, 'index.json'), JSON.stringify(index));
  };

  const buildImage = (o: ImageOptions): FixtureImage => {
    const seed = o.seed ?? o.tag ?? `image-${counter++}`;
    const docker = o.format === 'docker';
    const configMediaType = o.configMediaType ?? (docker ? MediaType.dockerConfig : MediaType.ociConfig);
    const isImage = configMediaType === MediaType.ociConfig || configMediaType === MediaType.dockerConfig;
    const layerMediaType =
      o.layerMediaType ??
      (isImage ? (docker ? MediaType.dockerLayerGzip : MediaType.ociLayerGzip) : 'application/octet-stream');
    const gzip = layerMediaType.endsWith('gzip');
    const diffIds: string[] = [];
    const layers = o.layers.map((size, i) => {
      const content = seededBytes(`${seed}:layer:${i}`, size);
      diffIds.push(sha256Digest(content));
      return putBlob(layerMediaType, gzip ? gzipSync(content) : content);
    });
    const platform = o.platform ?? { os: 'linux', architecture: 'amd64' };
    const configDoc = isImage
      ? {
          ...platform,
          created: '2024-01-01T00:00:00Z',
          rootfs: { type: 'layers', diff_ids: diffIds },
          config: {},
        }
      : { fixture: seed };
    const config = putBlob(configMediaType, Buffer.from(JSON.stringify(configDoc)));
    const subject = o.subject && descriptorOf(o.subject);
    const doc = {
      schemaVersion: 2,
      mediaType: docker ? MediaType.dockerManifest : MediaType.ociManifest,
      ...(o.artifactType && { artifactType: o.artifactType }),
      config,
      layers,
      ...(subject && { subject }),
      ...(o.annotations && { annotations: o.annotations }),
    };
    const extra: Partial<Descriptor> = {
      ...(o.platform && { platform: o.platform }),
      ...(o.artifactType && { artifactType: o.artifactType }),
    };
    return putManifest(doc, extra, [config.digest, ...layers.map((l) => l.digest)], o.tag);
  };

  const addIndex = (o: IndexOptions): FixtureImage => {
    const seed = o.seed ?? o.tag ?? `index-${counter++}`;
    const docker = o.format === 'docker';
    const children = o.platforms.map((platform) =>
      buildImage({ layers: o.layers, platform, format: o.format, seed: `${seed}:${platformKey(platform)}` }),
    );
    const doc = {
      schemaVersion: 2,
      mediaType: docker ? MediaType.dockerList : MediaType.ociIndex,
      manifests: children.map((c) => c.descriptor),
      ...(o.annotations && { annotations: o.annotations }),
    };
    const blobs = children.flatMap((c) => [c.digest, ...c.blobs]);
    return addTop({ ...putManifest(doc, {}, blobs, o.tag), children });
  };

  const addReferrer = (o: ReferrerOptions): FixtureImage => {
    const subject = descriptorOf(o.subject);
    const seed = o.seed ?? o.tag ?? `referrer-${counter++}`;
    const config = putBlob(MediaType.ociEmpty, Buffer.from('{}'));
    const body = { fixture: seed, describes: subject.digest };
    const layer = putBlob(o.artifactType, Buffer.from(JSON.stringify(body)));
    const doc = {
      schemaVersion: 2,
      mediaType: MediaType.ociManifest,
      artifactType: o.artifactType,
      config,
      layers: [layer],
      subject,
    };
    const extra = { artifactType: o.artifactType };
    return addTop(putManifest(doc, extra, [config.digest, layer.digest], o.tag));
  };

  return {
    dir,
    addImage: (o) => addTop(buildImage(o)),
    addIndex,
    addArtifact: (o) => addTop(buildImage({ ...o })),
    addReferrer,
    write,
  };
}

function descriptorOf(x: FixtureImage | Descriptor): Descriptor {
  const d = 'descriptor' in x ? x.descriptor : x;
  return { mediaType: d.mediaType, digest: d.digest, size: d.size };
}

function platformKey(p: Platform): string {
  return [p.os, p.architecture, p.variant].filter(Boolean).join('/');
}

/** The index.json descriptor tagged `tag` in an OCI layout, if any. */
export function findTagged(layoutDir: string, tag: string): Descriptor | undefined {
  const index = JSON.parse(readFileSync(join(layoutDir, 'index.json'), 'utf8')) as {
    manifests: Descriptor[];
  };
  return index.manifests.find((m) => m.annotations?.['org.opencontainers.image.ref.name'] === tag);
}

/**
 * Writes the manifest `digest` from an OCI layout (and for a list, its children) as a skopeo `dir:` directory.
 * skopeo 1.9.3's `oci:` transport ignores Docker media types in index.json; its `dir:` transport does not.
 */
export function writeDirTransport(layoutDir: string, digest: string, outDir: string): void {
  const blobPath = (d: string) => join(layoutDir, 'blobs', 'sha256', d.slice('sha256:'.length));
  const copyBlob = (d: string) => copyFileSync(blobPath(d), join(outDir, d.slice('sha256:'.length)));
  const copyImage = (raw: Buffer) => {
    const m = JSON.parse(raw.toString('utf8')) as { config?: Descriptor; layers?: Descriptor[] };
    for (const d of [...(m.config ? [m.config] : []), ...(m.layers ?? [])]) copyBlob(d.digest);
  };
  mkdirSync(outDir, { recursive: true });
  writeFileSync(join(outDir, 'version'), 'Directory Transport Version: 1.1\n');
  const raw = readFileSync(blobPath(digest));
  writeFileSync(join(outDir, 'manifest.json'), raw);
  const children = (JSON.parse(raw.toString('utf8')) as { manifests?: Descriptor[] }).manifests;
  if (!children) {
    copyImage(raw);
    return;
  }
  for (const child of children) {
    const childRaw = readFileSync(blobPath(child.digest));
    writeFileSync(join(outDir, `${child.digest.slice('sha256:'.length)}.manifest.json`), childRaw);
    copyImage(childRaw);
  }
}
