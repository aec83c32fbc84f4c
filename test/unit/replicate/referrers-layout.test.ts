/**
 * An OCI layout (or an archive, which writes one) has no referrers API: the signatures of an image
 * copied into it are found through the subject's `sha256-<hex>` fallback index (RELIABILITY E3),
 * which the copy must write there as it does on a registry without the API.
 */
import { createReadStream } from 'node:fs';
import { join } from 'node:path';
import tar from 'tar-stream';
import { expect, test } from 'vitest';
import type { Digest } from '../../../src/oci/digest.js';
import { MediaType } from '../../../src/oci/media-types.js';
import { referrersTag } from '../../../src/oci/referrers.js';
import { openArchive } from '../../../src/providers/archive-store.js';
import { OciLayoutStore } from '../../../src/providers/oci-layout.js';
import { runRule } from '../../../src/replicate/rule.js';
import { dirPerTest, testRule } from '../../support/engine.js';
import { putLayoutImage, putLayoutSignature, SIGNATURE, withReferrersApi } from '../../support/layout-image.js';

const tmp = dirPerTest('ferry-referrers-layout-');
const rule = testRule({ destinationNamespace: 'mirror', flattening: 1, referrers: true });
const opts = { dryRun: false, concurrency: 2, blobConcurrency: 2 };

test('signatures copied from a source with the referrers API into a layout are listed by its fallback index', async () => {
  const layout = new OciLayoutStore('src', join(tmp(), 'src'));
  const v1 = (await putLayoutImage(layout, 'team/app', 'v1')) as Digest;
  const sigs = await Promise.all([1, 2, 3].map((n) => putLayoutSignature(layout, 'team/app', v1, { n: `${n}` })));
  const src = withReferrersApi(layout, new Map([[v1, sigs]])).store;
  const dst = new OciLayoutStore('dst', join(tmp(), 'dst'));

  const r = await runRule(rule, src, dst, opts);
  expect(r.results.map((x) => x.status)).toEqual(['copied']);

  const found = await dst.referrers('mirror/app', v1);
  expect(new Set(found.descriptors.map((d) => d.digest))).toEqual(new Set(sigs.map((s) => s.digest)));
  expect(found.descriptors.every((d) => d.artifactType === SIGNATURE)).toBe(true);
  const index = await dst.manifestGet('mirror/app', found.fallbackTag);
  expect(index?.mediaType).toBe(MediaType.OciIndex);

  // A second run finds everything in place: the index is neither rewritten nor grown.
  const again = await runRule(rule, src, dst, opts);
  expect(again.results.map((x) => x.status)).toEqual(['unchanged']);
  expect((await dst.manifestGet('mirror/app', found.fallbackTag))?.digest).toBe(index?.digest);
});

test('a docker-archive keeps the signatures in its OCI side and only the image in manifest.json', async () => {
  const layout = new OciLayoutStore('src', join(tmp(), 'src'));
  const v1 = (await putLayoutImage(layout, 'team/app', 'v1')) as Digest;
  const sigs = await Promise.all([1, 2].map((n) => putLayoutSignature(layout, 'team/app', v1, { n: `${n}` })));
  const src = withReferrersApi(layout, new Map([[v1, sigs]])).store;
  const path = join(tmp(), 'out.tar');
  const dst = await openArchive({ name: 'out', format: 'docker-archive', path });

  const r = await runRule(rule, src, dst, opts);
  await dst.close();
  expect(r.results.map((x) => [x.status, x.error?.message])).toEqual([['copied', undefined]]);

  const back = await openArchive({ name: 'out', format: 'docker-archive', path });
  try {
    expect((await back.listTags('mirror/app')).sort()).toEqual([referrersTag(v1), 'v1']);
    const found = await back.referrers('mirror/app', v1);
    expect(new Set(found.descriptors.map((d) => d.digest))).toEqual(new Set(sigs.map((s) => s.digest)));
  } finally {
    await back.close();
  }
  const images = JSON.parse(await manifestJson(path)) as { RepoTags: string[] }[];
  expect(images.map((i) => i.RepoTags)).toEqual([['mirror/app:v1']]);
});

/** manifest.json of a tar archive. */
async function manifestJson(path: string): Promise<string> {
  const extract = tar.extract();
  let found = '';
  createReadStream(path).pipe(extract);
  for await (const entry of extract) {
    const chunks: Buffer[] = [];
    for await (const c of entry) chunks.push(c as Buffer);
    if (entry.header.name === 'manifest.json') found = Buffer.concat(chunks).toString();
  }
  return found;
}

test('many signatures of one image copied at once all end up in its fallback index', async () => {
  const layout = new OciLayoutStore('src', join(tmp(), 'src'));
  const v1 = (await putLayoutImage(layout, 'team/app', 'v1')) as Digest;
  const sigs = await Promise.all(
    Array.from({ length: 8 }, (_, n) => putLayoutSignature(layout, 'team/app', v1, { n: `${n}` })),
  );
  const src = withReferrersApi(layout, new Map([[v1, sigs]])).store;
  const writes: string[] = [];
  class Counting extends OciLayoutStore {
    override manifestPut(...a: Parameters<OciLayoutStore['manifestPut']>) {
      if (a[1] === referrersTag(v1)) writes.push(a[1]);
      return super.manifestPut(...a);
    }
  }
  const dst = new Counting('dst', join(tmp(), 'dst'));

  const r = await runRule(rule, src, dst, opts);
  expect(r.results.map((x) => x.status)).toEqual(['copied']);
  expect((await dst.referrers('mirror/app', v1)).descriptors).toHaveLength(8);
  // Fewer index writes than signatures: those that arrive while one is written join the next
  // (how many batches depends on timing; test/unit/oci/referrers.test.ts pins the batching down).
  expect(writes.length).toBeLessThan(8);
});

test('a late signature copied by referrers: always is listed by the destination fallback index too', async () => {
  const layout = new OciLayoutStore('src', join(tmp(), 'src'));
  const v1 = (await putLayoutImage(layout, 'team/app', 'v1')) as Digest;
  const first = await putLayoutSignature(layout, 'team/app', v1, { n: '1' });
  const referrers = new Map([[v1, [first]]]);
  const src = withReferrersApi(layout, referrers).store;
  const dst = new OciLayoutStore('dst', join(tmp(), 'dst'));
  const always = { ...rule, referrers: 'always' as const };
  expect((await runRule(always, src, dst, opts)).results.map((x) => x.status)).toEqual(['copied']);

  // cosign signs v1 again after it was mirrored.
  const late = await putLayoutSignature(layout, 'team/app', v1, { n: '2' });
  referrers.set(v1, [first, late]);
  const r = await runRule(always, src, dst, opts);
  expect(r.results.map((x) => x.status)).toEqual(['unchanged', 'copied']);

  const found = await dst.referrers('mirror/app', v1);
  expect(new Set(found.descriptors.map((d) => d.digest))).toEqual(new Set([first.digest, late.digest]));
});

test.each([
  ['every tag', {}],
  ['latest: 2', { latest: 2 }],
])(
  'referrers: false copies no signature tag (%s), and the selection says why they were left out',
  async (_n, extra) => {
    const src = new OciLayoutStore('src', join(tmp(), 'src'));
    for (const t of ['v1', 'v2']) await putLayoutImage(src, 'team/app', t);
    const sig = `${referrersTag((await src.manifestHead('team/app', 'v2'))!.digest)}.sig`;
    await putLayoutImage(src, 'team/app', sig);
    await putLayoutImage(src, 'team/app', referrersTag((await src.manifestHead('team/app', 'v1'))!.digest));
    const dst = new OciLayoutStore('dst', join(tmp(), 'dst'));
    const r = await runRule(
      testRule({ filters: { name: ['team/**'], resource: 'all', ...extra }, referrers: false }),
      src,
      dst,
      opts,
    );
    expect(r.results.map((x) => `${x.status} ${x.tag}`).sort()).toEqual(['copied v1', 'copied v2']);
    expect(await dst.listTags('team/app')).toEqual(['v1', 'v2']);
    expect(r.plan.selection?.dropped.referrers).toBe(2);
  },
);
