// Deterministic OCI content on disk (an OCI image layout): incompressible layers from a seeded PRNG
// (AES-128-CTR keystream keyed by sha256(seed)), configs, image manifests and indexes.
import { createCipheriv, createHash } from 'node:crypto';
import { closeSync, mkdirSync, openSync, renameSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';

export const MT = {
  manifest: 'application/vnd.oci.image.manifest.v1+json',
  index: 'application/vnd.oci.image.index.v1+json',
  config: 'application/vnd.oci.image.config.v1+json',
  layer: 'application/vnd.oci.image.layer.v1.tar+gzip',
};

const CHUNK = 4 << 20;
const ZEROS = Buffer.alloc(CHUNK);

export class Content {
  /** @param {string} dir OCI layout directory (created) */
  constructor(dir) {
    this.dir = dir;
    mkdirSync(join(dir, 'blobs', 'sha256'), { recursive: true });
    writeFileSync(join(dir, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));
    /** key -> descriptor */
    this.random = new Map();
    /** digest -> descriptor of every blob (configs and layers; not manifests) */
    this.blobs = new Map();
    /** index.json entries */
    this.refs = [];
  }

  blobPath(digest) {
    return join(this.dir, 'blobs', 'sha256', digest.slice(7));
  }

  /** An incompressible layer of `size` bytes, generated once per key. */
  randomLayer(key, size) {
    const known = this.random.get(key);
    if (known) return known;
    const seed = createHash('sha256').update(`ferry-bench:${key}`).digest();
    const cipher = createCipheriv('aes-128-ctr', seed.subarray(0, 16), seed.subarray(16, 32));
    const hash = createHash('sha256');
    const tmp = join(this.dir, `tmp-${process.pid}`);
    const fd = openSync(tmp, 'w');
    try {
      for (let left = size; left > 0; left -= CHUNK) {
        const n = Math.min(left, CHUNK);
        const chunk = cipher.update(n === CHUNK ? ZEROS : ZEROS.subarray(0, n));
        hash.update(chunk);
        writeSync(fd, chunk);
      }
    } finally {
      closeSync(fd);
    }
    const digest = `sha256:${hash.digest('hex')}`;
    renameSync(tmp, this.blobPath(digest));
    const desc = { mediaType: MT.layer, digest, size };
    this.random.set(key, desc);
    this.blobs.set(digest, desc);
    return desc;
  }

  #bytes(raw, mediaType, isBlob) {
    const digest = `sha256:${createHash('sha256').update(raw).digest('hex')}`;
    writeFileSync(this.blobPath(digest), raw);
    const desc = { mediaType, digest, size: raw.length };
    if (isBlob) this.blobs.set(digest, desc);
    return desc;
  }

  /** An image manifest over the given layers (descriptors), with its own config. */
  image(seed, layers, platform = { os: 'linux', architecture: 'amd64' }) {
    const configDoc = {
      architecture: platform.architecture,
      os: platform.os,
      ...(platform.variant ? { variant: platform.variant } : {}),
      created: '2024-01-01T00:00:00Z',
      config: { Labels: { 'ferry.bench': seed } },
      rootfs: { type: 'layers', diff_ids: layers.map((l) => l.digest) },
    };
    const config = this.#bytes(Buffer.from(JSON.stringify(configDoc)), MT.config, true);
    const doc = { schemaVersion: 2, mediaType: MT.manifest, config, layers };
    const raw = Buffer.from(JSON.stringify(doc));
    const desc = this.#bytes(raw, MT.manifest, false);
    return { ...desc, raw, blobs: [config, ...layers], platform };
  }

  /** An OCI index over image manifests built with image(). */
  index(children) {
    const doc = {
      schemaVersion: 2,
      mediaType: MT.index,
      manifests: children.map((c) => ({
        mediaType: c.mediaType,
        digest: c.digest,
        size: c.size,
        platform: c.platform,
      })),
    };
    const raw = Buffer.from(JSON.stringify(doc));
    const desc = this.#bytes(raw, MT.index, false);
    return { ...desc, raw, children, blobs: children.flatMap((c) => c.blobs) };
  }

  /** Names a top-level manifest in index.json (for `skopeo copy oci:DIR:ref`). */
  ref(name, top) {
    this.refs.push({
      mediaType: top.mediaType,
      digest: top.digest,
      size: top.size,
      annotations: { 'org.opencontainers.image.ref.name': name },
    });
  }

  writeIndex() {
    writeFileSync(
      join(this.dir, 'index.json'),
      JSON.stringify({ schemaVersion: 2, mediaType: MT.index, manifests: this.refs }),
    );
  }

  uniqueBlobs() {
    return [...this.blobs.values()];
  }
}
