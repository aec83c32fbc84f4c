/** Archive registries in replication.yaml (issue 13 item 4), and how an archive's image names map to repositories. */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { describe, expect, test } from 'vitest';
import { loadConfig } from '../../../src/config/index.js';
import { sha256 } from '../../../src/oci/digest.js';
import { MediaType } from '../../../src/oci/media-types.js';
import { collapse, splitName } from '../../../src/providers/archive-layout.js';
import { OciLayoutStore } from '../../../src/providers/oci-layout.js';

const fixtures = join(import.meta.dirname, '../../fixtures/config');

describe('archive registries in the rules file', () => {
  test('path (resolved beside the file), url kept whole with its sha256, repository for bare tags', async () => {
    const file = join(fixtures, 'good/003-air-gap-archives.yaml');
    const { config, warnings } = await loadConfig(file);
    expect(warnings).toEqual([]);
    expect(config.registries.get('export')).toMatchObject({
      type: 'oci-archive',
      path: join(fixtures, 'good/out/images.tar.gz'),
    });
    expect(config.registries.get('export')?.url).toBeUndefined();
    expect(config.registries.get('saved')).toMatchObject({
      type: 'docker-archive',
      path: join(fixtures, 'good/incoming/save.tar'),
      repository: 'tools/legacy',
    });
    expect(config.registries.get('published')).toMatchObject({
      type: 'oci-archive',
      url: 'https://downloads.example.com/releases/images-1.4.tar?X-Amz-Signature=abc',
      sha256: '0f343b0931126a20f133d67c2b018a3b5e5b3a1b5e5b3a1b5e5b3a1b5e5b3a1b',
    });
  });
});

describe('image names in an archive', () => {
  test.each([
    ['acme/app:v1', undefined, { repository: 'acme/app', tag: 'v1' }],
    ['registry.example.com:5000/acme/app:v1', undefined, { repository: 'acme/app', tag: 'v1' }],
    ['docker.io/library/alpine:3.20', undefined, { repository: 'library/alpine', tag: '3.20' }],
    ['localhost/app:1', undefined, { repository: 'app', tag: '1' }],
    ['alpine:latest', undefined, { repository: 'alpine', tag: 'latest' }],
    ['v1', 'tools', { repository: 'tools', tag: 'v1' }],
    ['v1', undefined, undefined],
    ['acme/app', 'tools', undefined],
    ['acme/app@sha256:' + 'a'.repeat(64), undefined, undefined],
    ['Acme/App:v1', undefined, undefined],
  ])('%s (default repository %s)', (name, fallback, expected) => {
    expect(splitName(name, fallback)).toEqual(expected);
  });
});

describe('packing an archive', () => {
  /** A layout holding app:v1 whose second layer is not in it: `missing`. */
  async function withAbsentLayer(missing: { mediaType: string; urls?: string[] }) {
    const root = await mkdtemp(join(tmpdir(), 'ferry-collapse-'));
    const store = new OciLayoutStore('tree', root);
    const put = async (data: Buffer, mediaType: string) => {
      const desc = { mediaType, digest: sha256(data), size: data.length };
      await store.blobPut('app', desc, async () => Readable.from([data]));
      return desc;
    };
    const config = await put(Buffer.from('{"os":"linux","architecture":"amd64"}'), MediaType.OciConfig);
    const layer = await put(Buffer.from('carried layer'), 'application/vnd.oci.image.layer.v1.tar');
    const absent = { ...missing, digest: sha256(Buffer.from('not carried')), size: 11 };
    const manifest = Buffer.from(
      JSON.stringify({ schemaVersion: 2, mediaType: MediaType.OciManifest, config, layers: [layer, absent] }),
    );
    await store.manifestPut('app', 'v1', manifest, MediaType.OciManifest);
    return { tree: root, blobs: join(root, 'app') };
  }

  test('leaves out a non-distributable layer, as the copy does', async () => {
    const { tree, blobs } = await withAbsentLayer({
      mediaType: 'application/vnd.docker.image.rootfs.foreign.diff.tar.gzip',
      urls: ['https://mcr.microsoft.com/layer'],
    });
    await expect(collapse(tree, blobs)).resolves.toMatchObject({ tagged: [{ repository: 'app', tag: 'v1' }] });
  });

  test('refuses to pack without an ordinary layer, even one that names a mirror URL', async () => {
    const { tree, blobs } = await withAbsentLayer({
      mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip',
      urls: ['https://mirror.example.com/layer'],
    });
    await expect(collapse(tree, blobs)).rejects.toThrow(/is missing from the archive/);
  });
});
