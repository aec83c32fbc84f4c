/** Opening an archive registry: how its entries become repositories and tags, and what a run that writes nothing leaves. */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import tar from 'tar-stream';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { openArchive } from '../../../src/providers/archive-store.js';
import { createTempDir, type TempDir } from '../../support/tmp.js';

let tmp: TempDir;
beforeAll(async () => {
  tmp = await createTempDir('ferry-archive-store-');
});
afterAll(() => tmp.remove());

const digest = (c: string) => `sha256:${c.repeat(64)}`;

/** An OCI-layout tar whose index.json names `names` (undefined = an entry without a name). */
async function layoutTar(file: string, names: (string | undefined)[]): Promise<string> {
  const manifests = names.map((name, i) => ({
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    digest: digest(String(i % 10)),
    size: 100,
    ...(name ? { annotations: { 'org.opencontainers.image.ref.name': name } } : {}),
  }));
  const pack = tar.pack();
  pack.entry({ name: 'oci-layout' }, '{"imageLayoutVersion":"1.0.0"}');
  pack.entry({ name: 'index.json' }, JSON.stringify({ schemaVersion: 2, manifests }));
  pack.finalize();
  const chunks: Buffer[] = [];
  for await (const c of pack) chunks.push(c as Buffer);
  const path = join(tmp.path, file);
  await writeFile(path, Buffer.concat(chunks));
  return path;
}

/** Writes a tiny image under acme/app:`tag`, as a copy would. */
const put = async (store: Awaited<ReturnType<typeof openArchive>>, tag: string) => {
  const config = Buffer.from('{}');
  const configDigest = `sha256:${createHash('sha256').update(config).digest('hex')}` as const;
  await store.blobPut('acme/app', { digest: configDigest, size: 2 }, async () => Readable.from([config]));
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: configDigest, size: 2 },
      layers: [],
    }),
  );
  await store.manifestPut('acme/app', tag, manifest, 'application/vnd.oci.image.manifest.v1+json');
};

describe('an archive as a registry', () => {
  test('repository:tag names, bare tags under the file name, and a warning for what has no usable name', async () => {
    const path = await layoutTar('tools.tar', ['acme/app:1', 'registry.example.com:5000/acme/app:2', 'v1', undefined]);
    const store = await openArchive({ name: 'in', format: 'oci-archive', path });
    try {
      expect(await store.listRepositories()).toEqual(['acme/app', 'tools']);
      expect(await store.listTags('acme/app')).toEqual(['1', '2']);
      expect(await store.listTags('tools')).toEqual(['v1']);
      expect(store.warnings).toEqual([
        `tools.tar: 1 entry has no usable repository:tag name and is left out (${digest('3')})`,
      ]);
    } finally {
      await store.close();
    }
  });

  test('a file name that is no repository: bare tags are left out, and the warning says to set repository', async () => {
    const path = await layoutTar('My Images.tar', ['v1', 'v2']);
    const store = await openArchive({ name: 'in', format: 'oci-archive', path });
    expect(await store.listRepositories()).toEqual([]);
    expect(store.warnings).toEqual([
      'My Images.tar: 2 entries have no usable repository:tag name and are left out (v1, v2); set `repository:` on the registry to name the repository of bare tags',
    ]);
    await store.close();
    const named = await openArchive({ name: 'in', format: 'oci-archive', path, repository: 'acme/images' });
    expect(await named.listTags('acme/images')).toEqual(['v1', 'v2']);
    expect(named.warnings).toEqual([]);
    await named.close();
  });

  test('an archive that does not exist is empty, and a run that writes nothing does not create it', async () => {
    const path = join(tmp.path, 'new', 'out.tar');
    const store = await openArchive({ name: 'out', format: 'docker-archive', path });
    expect(store.display).toMatch(/^docker-archive:.*new\/out\.tar$/);
    // Empty as a destination; as a source it is an error (local-source-missing.test.ts).
    expect(await store.listTags('acme/app')).toEqual([]);
    await expect(store.listRepositories()).rejects.toThrow('does not exist, and this rule reads from it');
    await store.close();
    expect(existsSync(path)).toBe(false);
  });

  test('a pinned sha256 on a file that does not exist is an error', async () => {
    const path = join(tmp.path, 'missing.tar');
    await expect(openArchive({ name: 'in', format: 'oci-archive', path, sha256: 'a'.repeat(64) })).rejects.toThrow(
      `registries.in: ${path} does not exist, and its sha256 is pinned`,
    );
  });

  test('written at close; an archive another run wrote meanwhile is left as that run wrote it', async () => {
    const dir = join(tmp.path, 'race');
    const path = join(dir, 'out.tar');
    const first = await openArchive({ name: 'out', format: 'oci-archive', path });
    await put(first, 'v1');
    await first.close();
    const reopened = await openArchive({ name: 'out', format: 'oci-archive', path });
    expect(await reopened.listTags('acme/app')).toEqual(['v1']);

    await put(reopened, 'v2');
    await writeFile(path, 'another run'); // written after this run read it
    await expect(reopened.close()).rejects.toThrow(/was changed by another run while this one wrote to it/);
    expect(readFileSync(path, 'utf8')).toBe('another run');
    expect(readdirSync(dir)).toEqual(['out.tar']);
  });

  test('copies into a new repository at the same time all land', async () => {
    const path = join(tmp.path, 'parallel', 'out.tar');
    const store = await openArchive({ name: 'out', format: 'oci-archive', path });
    const tags = Array.from({ length: 8 }, (_, i) => `v${i}`);
    await Promise.all(tags.map((t) => put(store, t)));
    await store.close();
    const back = await openArchive({ name: 'out', format: 'oci-archive', path });
    expect(await back.listTags('acme/app')).toEqual(tags);
    await back.close();
  });
});
