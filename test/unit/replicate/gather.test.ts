import { join } from 'node:path';
import { expect, test } from 'vitest';
import { OciLayoutStore } from '../../../src/providers/oci-layout.js';
import { RateBudgetError, type Store } from '../../../src/providers/index.js';
import { runRule } from '../../../src/replicate/rule.js';
import { putLayoutImage } from '../../support/layout-image.js';
import { MemoryStore } from '../../support/memory-store.js';
import { dirPerTest, intercept, testRule } from '../../support/engine.js';

const tmp = dirPerTest('ferry-gather-');

const image = putLayoutImage;

const rule = testRule({ name: 'g', destinationNamespace: 'mirror', flattening: 1 });

/** The layout store as a provider whose tag listing carries digests (as Harbor's artifacts API). */
function withListingDigests(store: OciLayoutStore, digests: Map<string, string>) {
  let heads = 0;
  const wrapped = new Proxy(store, {
    get(target, prop) {
      if (prop === 'listTagDetails')
        return async (repo: string) => (await target.listTags(repo)).map((tag) => ({ tag, digest: digests.get(tag) }));
      if (prop === 'manifestHead')
        return (repo: string, ref: string) => {
          heads++;
          return target.manifestHead(repo, ref);
        };
      const v = Reflect.get(target, prop);
      return typeof v === 'function' ? v.bind(target) : v;
    },
  }) as Store;
  return { store: wrapped, heads: () => heads };
}

test('a source whose listing carries digests costs no HEAD per tag', async () => {
  const layout = new OciLayoutStore('src', join(tmp(), 'src'));
  const digests = new Map<string, string>();
  for (const t of ['v1', 'v2', 'v3']) digests.set(t, await image(layout, 'team/app', t));
  const src = withListingDigests(layout, digests);
  const dst = new OciLayoutStore('dst', join(tmp(), 'dst'));
  const first = await runRule(rule, src.store, dst, { dryRun: false, concurrency: 2, blobConcurrency: 2 });
  expect(first.results.map((r) => r.status)).toEqual(['copied', 'copied', 'copied']);
  const before = src.heads();
  const again = await runRule(rule, src.store, dst, { dryRun: true, concurrency: 2, blobConcurrency: 2 });
  expect(again.plan.items.map((i) => `${i.tag}:${i.action}:${i.sourceDigest === digests.get(i.tag)}`)).toEqual([
    'v1:unchanged:true',
    'v2:unchanged:true',
    'v3:unchanged:true',
  ]);
  expect(src.heads() - before).toBe(0);
});

test('a pull the quota no longer allows is deferred to the next run, not failed', async () => {
  const layout = new OciLayoutStore('src', join(tmp(), 'src'));
  await image(layout, 'team/app', 'v1');
  const quota = new Proxy(layout, {
    get(target, prop) {
      if (prop === 'blobGet')
        return () =>
          Promise.reject(
            new RateBudgetError({
              kind: 'rate-limited',
              registry: 'docker.io',
              operation: 'pulling',
              detail: 'deferred',
            }),
          );
      const v = Reflect.get(target, prop);
      return typeof v === 'function' ? v.bind(target) : v;
    },
  }) as Store;
  const dst = new OciLayoutStore('dst', join(tmp(), 'dst'));
  const run = await runRule(rule, quota, dst, { dryRun: false, concurrency: 1, blobConcurrency: 1 });
  expect(run.results.map((r) => r.status)).toEqual(['deferred']);
});

test('a destination whose listing carries digests costs no HEAD per tag either', async () => {
  const src = new OciLayoutStore('src', join(tmp(), 'src'));
  const layout = new OciLayoutStore('dst', join(tmp(), 'dst'));
  for (const t of ['v1', 'v2', 'v3']) await image(src, 'team/app', t);
  await runRule(rule, src, layout, { dryRun: false, concurrency: 2, blobConcurrency: 2 });
  const digests = new Map<string, string>();
  for (const t of ['v1', 'v2', 'v3']) digests.set(t, (await layout.manifestHead('mirror/app', t))!.digest);
  const dst = withListingDigests(layout, digests);
  const again = await runRule(rule, src, dst.store, { dryRun: true, concurrency: 2, blobConcurrency: 2 });
  expect(again.plan.items.map((i) => `${i.tag}:${i.action}`)).toEqual(['v1:unchanged', 'v2:unchanged', 'v3:unchanged']);
  expect(dst.heads()).toBe(0);
});

test('a destination whose digest listing fails is read tag by tag, with a warning', async () => {
  const src = new OciLayoutStore('src', join(tmp(), 'src'));
  const layout = new OciLayoutStore('dst', join(tmp(), 'dst'));
  for (const t of ['v1', 'v2']) await image(src, 'team/app', t);
  await runRule(rule, src, layout, { dryRun: false, concurrency: 2, blobConcurrency: 2 });
  let heads = 0;
  const dst = intercept(layout, {
    listTagDetails: () => Promise.reject(new Error('403 FORBIDDEN: the robot account may not list artifacts')),
    manifestHead: (repo: string, ref: string) => {
      heads++;
      return layout.manifestHead(repo, ref);
    },
  });
  const again = await runRule(rule, src, dst, { dryRun: true, concurrency: 2, blobConcurrency: 2 });
  expect(again.ruleErrors).toEqual([]);
  expect(again.plan.items.map((i) => `${i.tag}:${i.action}`)).toEqual(['v1:unchanged', 'v2:unchanged']);
  expect(heads).toBe(2);
  expect(again.plan.warnings).toContainEqual(
    expect.stringMatching(/could not be listed \(.*403.*\); one HEAD per tag instead/),
  );
});

test('a cold copy reads each source manifest once: a GET by tag, no HEAD before it', async () => {
  const src = new MemoryStore('src');
  const dst = new MemoryStore('dst');
  for (const t of ['v1', 'v2', 'v3']) src.putImage('team/app', [Buffer.from(`layer ${t}`)], { tag: t });
  const cold = testRule({ name: 'cold' });
  const run = await runRule(cold, src, dst, { dryRun: false, concurrency: 2, blobConcurrency: 2 });
  expect(run.results.map((r) => r.status)).toEqual(['copied', 'copied', 'copied']);
  expect(src.count('manifestHead')).toBe(0);
  expect(src.calls.filter((c) => c.op === 'manifestGet').map((c) => c.reference)).toEqual(['v1', 'v2', 'v3']);

  // A plan asks the source the same questions as the run: what one says, the other sees.
  const plan = new MemoryStore('src');
  for (const t of ['v1', 'v2']) plan.putImage('team/app', [Buffer.from(`layer ${t}`)], { tag: t });
  await runRule(cold, plan, new MemoryStore('dst'), { dryRun: true, concurrency: 2, blobConcurrency: 2 });
  expect(plan.calls.map((c) => `${c.op} ${c.reference}`)).toEqual(['manifestGet v1', 'manifestGet v2']);
});

test('a tag the source API does not list yet, but its registry has, is not deleted', async () => {
  const layout = new OciLayoutStore('src', join(tmp(), 'src'));
  const dst = new OciLayoutStore('dst', join(tmp(), 'dst'));
  for (const t of ['v1', 'v2']) await image(layout, 'team/app', t);
  const deleting = testRule({
    name: 'g',
    destinationNamespace: 'mirror',
    flattening: 1,
    deleteRemote: { enabled: true, max: 10, acknowledgeMatchAll: true },
  });
  await runRule(deleting, layout, dst, { dryRun: false, concurrency: 2, blobConcurrency: 2 });
  // The API lags the registry: v2, pushed a moment ago, is not in its listing yet.
  const lagging = intercept(layout, {
    listTagDetails: async (repo: string) =>
      (await layout.listTags(repo)).filter((t) => t !== 'v2').map((tag) => ({ tag })),
  });
  const run = await runRule(deleting, lagging, dst, { dryRun: false, concurrency: 2, blobConcurrency: 2 });
  expect(run.results.filter((r) => r.status === 'deleted')).toEqual([]);
  expect(run.plan.items.find((i) => i.tag === 'v2')).toMatchObject({
    action: 'listing-failed',
    reason: expect.stringMatching(/the source registry has it, though the source's API does not list it yet/),
  });
  expect((await dst.listTags('mirror/app')).sort()).toEqual(['v1', 'v2']);
});

/** A source listed as Harbor's artifacts API lists it: digests, labels, creation times. */
function harborLike(src: MemoryStore, labels: (tag: string) => Record<string, string> = () => ({})) {
  return intercept(src, {
    listsLabels: true,
    listTagDetails: async (repo: string) =>
      [...(src.tags.get(repo) ?? new Map<string, string>())].map(([tag, digest], i) => ({
        tag,
        digest,
        labels: labels(tag),
        created: `2024-01-0${i + 1}T00:00:00Z`,
      })),
  });
}

test('keep-latest-N at a source listed with digests deletes what fell out of the newest N, as at a plain registry', async () => {
  const src = new MemoryStore('src');
  const dst = new MemoryStore('dst');
  for (const t of ['v1.0.0', 'v1.1.0', 'v1.2.0']) src.putImage('team/app', [Buffer.from(`layer ${t}`)], { tag: t });
  await runRule(testRule(), src, dst, { dryRun: false, concurrency: 1, blobConcurrency: 1 });
  const latest2 = testRule({
    filters: { latest: 2 },
    deleteRemote: { enabled: true, max: 10, acknowledgeMatchAll: false },
  });

  const plain = await runRule(latest2, src, dst, { dryRun: true, concurrency: 1, blobConcurrency: 1 });
  const listed = await runRule(latest2, harborLike(src), dst, { dryRun: false, concurrency: 1, blobConcurrency: 1 });
  const action = (r: typeof plain) => Object.fromEntries(r.plan.items.map((i) => [i.tag, i.action]));
  expect(action(plain)).toEqual({ 'v1.0.0': 'delete', 'v1.1.0': 'unchanged', 'v1.2.0': 'unchanged' });
  expect(action(listed)).toEqual(action(plain));
  expect(listed.results.find((r) => r.tag === 'v1.0.0')?.status).toBe('deleted');
  expect(listed.results.filter((r) => r.status === 'failed')).toEqual([]);
});

test('a destination tag whose source lost its label stays as it is, a skip row, not a failure, and blocks nothing', async () => {
  const src = new MemoryStore('src');
  const dst = new MemoryStore('dst');
  for (const t of ['v1', 'v2', 'v3']) src.putImage('team/app', [Buffer.from(`layer ${t}`)], { tag: t });
  // v2 and v3 were copied while they carried the label; since, v3 is gone from the source and
  // v2 was pushed again without it.
  await runRule(testRule(), src, dst, { dryRun: false, concurrency: 1, blobConcurrency: 1 });
  const copied = dst.tags.get('team/app')!.get('v2');
  src.tags.get('team/app')!.delete('v3');
  src.putImage('team/app', [Buffer.from('layer v2, rebuilt')], { tag: 'v2' });
  const labelled = harborLike(src, (tag): Record<string, string> => (tag === 'v1' ? { prod: '' } : {}));
  const rule = testRule({
    filters: { labels: { prod: '' } },
    deleteRemote: { enabled: true, max: 10, acknowledgeMatchAll: true },
  });

  const run = await runRule(rule, labelled, dst, { dryRun: false, concurrency: 1, blobConcurrency: 1 });
  const item = (tag: string) => run.plan.items.find((i) => i.tag === tag);
  expect(item('v2')).toMatchObject({ action: 'skip', why: 'filtered-labels' });
  expect(item('v2')?.reason).toMatch(/does not carry the labels prod/);
  // The tag the source no longer has is still deleted: the skipped one blocks nothing.
  expect(item('v3')?.action).toBe('delete');
  expect(run.results.filter((r) => r.status === 'failed')).toEqual([]);
  expect([...dst.tags.get('team/app')!.keys()].sort()).toEqual(['v1', 'v2']);
  expect(dst.tags.get('team/app')!.get('v2')).toBe(copied);
  // The selection counts v2 as left out by the labels filter, once.
  expect(run.plan.selection?.dropped.labels).toBe(1);
});
