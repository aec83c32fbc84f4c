import { join } from 'node:path';
import { expect, test } from 'vitest';
import { sha256 } from '../../../src/oci/digest.js';
import { MediaType } from '../../../src/oci/media-types.js';
import { OciLayoutStore } from '../../../src/providers/oci-layout.js';
import { runRule } from '../../../src/replicate/rule.js';
import { putLayoutImage, putLayoutIndex } from '../../support/layout-image.js';
import { dirPerTest, testRule } from '../../support/engine.js';

const tmp = dirPerTest('ferry-groups-');

const image = putLayoutImage;

const rule = testRule({
  name: 'flatten',
  destinationNamespace: 'mirror',
  flattening: 1,
  deleteRemote: { enabled: true, max: 10, acknowledgeMatchAll: true },
  referrers: true,
});

test('a shard that selects one of two sources flattened onto one destination deletes nothing of the other', async () => {
  const src = new OciLayoutStore('src', join(tmp(), 'src'));
  const dst = new OciLayoutStore('dst', join(tmp(), 'dst'));
  await image(src, 'team-a/app', 'a1');
  await image(src, 'team-b/app', 'b1');
  const full = await runRule(rule, src, dst, { dryRun: false, concurrency: 2, blobConcurrency: 2 });
  expect(full.results.map((r) => `${r.tag}:${r.status}`).sort()).toEqual(['a1:copied', 'b1:copied']);

  const shard = await runRule(rule, src, dst, {
    dryRun: false,
    concurrency: 2,
    blobConcurrency: 2,
    select: (repo) => repo === 'team-a/app',
  });
  expect(shard.results.filter((r) => r.status === 'deleted')).toEqual([]);
  expect(await dst.listTags('mirror/app')).toEqual(['a1', 'b1']);
});

test('a tag whose manifest is a platform of a kept index is not deleted by digest', async () => {
  const src = new OciLayoutStore('src', join(tmp(), 'src'));
  const layout = new OciLayoutStore('dst', join(tmp(), 'dst'));
  // A registry that deletes by digest (distribution 2.8): same store, other capability.
  const dst = new Proxy(layout, {
    get: (t, p) => {
      if (p === 'deletesByTag') return false;
      const v = Reflect.get(t, p, t);
      return typeof v === 'function' ? v.bind(t) : v;
    },
  }) as OciLayoutStore;
  await image(src, 'app', 'amd64');
  await image(src, 'app', 'arm64');
  const children = await Promise.all(['amd64', 'arm64'].map((t) => src.manifestHead('app', t)));
  const index = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: MediaType.OciIndex,
      manifests: children.map((c) => ({ mediaType: c!.mediaType, digest: c!.digest, size: c!.size })),
    }),
  );
  await src.manifestPut('app', '1.0', index, MediaType.OciIndex);
  const plain = { ...rule, destinationNamespace: undefined, filters: { ...rule.filters, tag: ['1.0*'] } };
  // First run copies the index; the destination also carries a per-platform tag the source no longer has.
  await runRule({ ...plain, deleteRemote: { ...plain.deleteRemote, enabled: false } }, src, dst, {
    dryRun: false,
    concurrency: 1,
    blobConcurrency: 1,
  });
  const amd64 = (await src.manifestGet('app', children[0]!.digest))!;
  await layout.manifestPut('app', '1.0-amd64', amd64.bytes, amd64.mediaType);

  const run = await runRule(plain, src, dst, { dryRun: false, concurrency: 1, blobConcurrency: 1 });
  const extra = run.results.find((r) => r.tag === '1.0-amd64');
  expect(extra?.status).toBe('refused');
  expect(extra?.reason).toMatch(/platform of tag 1\.0, which stays/);
  expect(await layout.listTags('app')).toContain('1.0-amd64');
});

test('a platforms: rule settles: the second run finds the subset index unchanged', async () => {
  const src = new OciLayoutStore('src', join(tmp(), 'src'));
  const dst = new OciLayoutStore('dst', join(tmp(), 'dst'));
  const index = await putLayoutIndex(src, 'app', 'v1', ['amd64', 'arm64']);
  const subsetRule = {
    ...rule,
    destinationNamespace: undefined,
    platforms: ['linux/amd64'],
    filters: { ...rule.filters, tag: ['v1'] },
  };
  const opts = { dryRun: false, concurrency: 1, blobConcurrency: 1 };
  const first = await runRule(subsetRule, src, dst, opts);
  expect(first.results.map((r) => r.status)).toEqual(['copied']);
  expect(first.results[0]!.destinationDigest).not.toBe(sha256(index));
  const second = await runRule(subsetRule, src, dst, opts);
  expect(second.results.map((r) => r.status)).toEqual(['unchanged']);
  expect(second.plan.warnings).toEqual([]);
});
