/**
 * The embedded default: a small deterministic set of OCI image layouts (two images, a
 * multi-arch index, an artifact with an SBOM referrer) and a replication.yaml that mirrors
 * them into another local layout. No registry or network needed.
 */
import { createHash } from 'node:crypto';
import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { sha256 } from './oci/digest.js';
import type { Descriptor } from './oci/manifest.js';
import { MediaType } from './oci/media-types.js';
import { referrersTag } from './oci/referrers.js';
import { OciLayoutStore } from './providers/oci-layout.js';

export const DEMO_CONFIG = `# yaml-language-server: $schema=../schema/replication.schema.json
# ferry's embedded demo: mirror a local OCI layout into another one.
version: 1
registries:
  source:
    type: oci-layout
    path: ./source
  mirror:
    type: oci-layout
    path: ./mirror
rules:
  - name: demo-mirror
    description: every repository under demo/, release tags only, as acme/… in the mirror
    source: source
    destination: mirror
    filters:
      name: demo/**
      tag: ["v*", "latest", "!*-rc*"]
    destination_namespace: acme
    flattening: 1
    override: true
    delete_remote: { enabled: true, max: 5 }
    trigger: [manual]
`;

/** Deterministic pseudo-random bytes from a seed. */
function bytesFor(seed: string, size: number): Buffer {
  const out = Buffer.alloc(size);
  let off = 0;
  for (let i = 0; off < size; i++) {
    const block = createHash('sha256').update(`${seed}/${i}`).digest();
    block.copy(out, off);
    off += block.length;
  }
  return out;
}

async function putBlob(store: OciLayoutStore, repo: string, data: Buffer, mediaType: string): Promise<Descriptor> {
  const desc = { mediaType, digest: sha256(data), size: data.length };
  await store.blobPut(repo, desc, async () => Readable.from([data]));
  return desc;
}

async function image(
  store: OciLayoutStore,
  repo: string,
  seed: string,
  platform = { os: 'linux', architecture: 'amd64' },
) {
  const config = Buffer.from(
    JSON.stringify({
      architecture: platform.architecture,
      os: platform.os,
      rootfs: { type: 'layers', diff_ids: [] },
    }),
  );
  const cfg = await putBlob(store, repo, config, MediaType.OciConfig);
  const base = await putBlob(
    store,
    repo,
    bytesFor('demo-base-layer', 48 * 1024),
    'application/vnd.oci.image.layer.v1.tar+gzip',
  );
  const own = await putBlob(store, repo, bytesFor(seed, 16 * 1024), 'application/vnd.oci.image.layer.v1.tar+gzip');
  const manifest = Buffer.from(
    JSON.stringify({ schemaVersion: 2, mediaType: MediaType.OciManifest, config: cfg, layers: [base, own] }),
  );
  return {
    bytes: manifest,
    desc: { mediaType: MediaType.OciManifest, digest: sha256(manifest), size: manifest.length, platform },
  };
}

/** Writes the demo source layouts and replication.yaml into `dir` (idempotent). Returns the config path. */
export async function writeDemo(dir: string): Promise<string> {
  await mkdir(dir, { recursive: true });
  const configPath = join(dir, 'replication.yaml');
  // `--dir` may name a user's own repository: its rules file is not the demo's to overwrite.
  const existing = await readFile(configPath, 'utf8').catch(() => undefined);
  if (existing !== undefined && existing !== DEMO_CONFIG)
    throw new Error(
      `${configPath} exists and is not the demo's: ferry demo writes its own replication.yaml, report and summary there; give --dir a new or demo directory`,
    );
  const store = new OciLayoutStore('source', join(dir, 'source'));
  if (!(await stat(join(dir, 'source')).catch(() => undefined))) {
    for (const [repo, tags] of [
      ['demo/app/web', ['v1.0.0', 'v1.1.0', 'v1.2.0-rc1', 'latest']],
      ['demo/app/worker', ['v2.0.0', 'dev']],
    ] as const) {
      for (const tag of tags) {
        const img = await image(store, repo, `${repo}:${tag === 'latest' ? 'v1.1.0' : tag}`);
        await store.manifestPut(repo, tag, img.bytes, MediaType.OciManifest);
      }
    }
    const children = [];
    for (const architecture of ['amd64', 'arm64']) {
      const img = await image(store, 'demo/tools/cli', `cli-${architecture}`, { os: 'linux', architecture });
      await store.manifestPut('demo/tools/cli', img.desc.digest, img.bytes, MediaType.OciManifest);
      children.push(img.desc);
    }
    const index = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: MediaType.OciIndex, manifests: children }));
    await store.manifestPut('demo/tools/cli', 'v3.1.0', index, MediaType.OciIndex);
    // An SBOM attached to the index, found through the referrers tag fallback (sha256-<hex>).
    const empty = await putBlob(store, 'demo/tools/cli', Buffer.from('{}'), MediaType.OciEmpty);
    const sbom = await putBlob(
      store,
      'demo/tools/cli',
      Buffer.from('{"spdxVersion":"SPDX-2.3","name":"cli"}'),
      'application/spdx+json',
    );
    const subject = { mediaType: MediaType.OciIndex, digest: sha256(index), size: index.length };
    const referrer = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: MediaType.OciManifest,
        artifactType: 'application/spdx+json',
        config: empty,
        layers: [sbom],
        subject,
      }),
    );
    await store.manifestPut('demo/tools/cli', sha256(referrer), referrer, MediaType.OciManifest);
    const fallback = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: MediaType.OciIndex,
        manifests: [
          {
            mediaType: MediaType.OciManifest,
            digest: sha256(referrer),
            size: referrer.length,
            artifactType: 'application/spdx+json',
          },
        ],
      }),
    );
    await store.manifestPut('demo/tools/cli', referrersTag(subject.digest), fallback, MediaType.OciIndex);
  }
  await writeFile(configPath, DEMO_CONFIG);
  return configPath;
}
