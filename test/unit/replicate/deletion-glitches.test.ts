/**
 * Deletions decided on a glitch or on an unstable order (deletion-safety audit): `latest: N` on a
 * source without creation times, and a destination that deletes by digest answering 404 once.
 */
import { join } from 'node:path';
import { expect, onTestFinished, test } from 'vitest';
import type { Digest } from '../../../src/oci/digest.js';
import { MediaType } from '../../../src/oci/media-types.js';
import { referrersTag } from '../../../src/oci/referrers.js';
import { OciLayoutStore } from '../../../src/providers/oci-layout.js';
import type { Store } from '../../../src/providers/store.js';
import { runRule } from '../../../src/replicate/rule.js';
import { dirPerTest, intercept, testRule } from '../../support/engine.js';
import { putLayoutImage } from '../../support/layout-image.js';
import { deletingByDigest } from '../../support/scenarios.js';

const tmp = dirPerTest('ferry-latest-deletions-');
const o = { dryRun: false, concurrency: 1, blobConcurrency: 1 };

test.each([
  [
    'a cosign signature tag',
    async (src: OciLayoutStore) => `${referrersTag((await src.manifestHead('app', 'v1.11.0'))!.digest)}.sig`,
  ],
  ['a latest tag', async () => 'latest'],
])('%s at the source deletes nothing of the newest releases at the mirror', async (_what, extra) => {
  const src = new OciLayoutStore('src', join(tmp(), 'src'));
  const dst = new OciLayoutStore('dst', join(tmp(), 'dst'));
  for (const t of ['v1.8.0', 'v1.9.0', 'v1.10.0', 'v1.11.0']) await putLayoutImage(src, 'app', t);
  const rule = testRule({
    filters: { name: ['app'], latest: 3 },
    deleteRemote: { enabled: true, max: 50, acknowledgeMatchAll: false },
  });
  await runRule(rule, src, dst, o);
  expect((await dst.listTags('app')).sort()).toEqual(['v1.10.0', 'v1.11.0', 'v1.9.0']);

  await putLayoutImage(src, 'app', await extra(src));
  const again = await runRule(rule, src, dst, o);
  expect(again.results.filter((r) => r.status === 'deleted')).toEqual([]);
  expect(await dst.listTags('app')).toEqual(expect.arrayContaining(['v1.9.0', 'v1.10.0', 'v1.11.0']));
  expect(await dst.listTags('app')).not.toContain('v1.8.0');
});

test('deleting by digest, a destination tag listed but not found when asked keeps every deletion of its repository', async () => {
  const src = new OciLayoutStore('src', join(tmp(), 'src'));
  const root = join(tmp(), 'dst');
  const layout = new OciLayoutStore('dst', root);
  await putLayoutImage(src, 'app', 'old-2');
  // old-1 (in scope, not at the source) and stable (out of scope) share one digest.
  const digest = await putLayoutImage(layout, 'app', 'old-1');
  const m = (await layout.manifestGet('app', digest))!;
  await layout.manifestPut('app', 'stable', m.bytes, m.mediaType);
  const byDigest = deletingByDigest(layout, root);
  let glitch = true;
  const dst = intercept(byDigest, {
    // A lagging replica answers 404 once for a tag its listing names.
    manifestHead: async (repo: string, ref: string) => {
      if (ref === 'stable' && glitch) {
        glitch = false;
        return undefined;
      }
      return byDigest.manifestHead(repo, ref);
    },
  });
  const rule = testRule({
    filters: { name: ['app'], tag: ['old-*'] },
    deleteRemote: { enabled: true, max: 50, acknowledgeMatchAll: false },
  });
  const run = await runRule(rule, src, dst, o);
  const old1 = run.results.find((r) => r.tag === 'old-1');
  expect(old1?.status).toBe('refused');
  expect(old1?.reason).toContain('the destination could not show what stable points at');
  expect((await layout.listTags('app')).sort()).toEqual(['old-1', 'old-2', 'stable']);
});

test('a layout tag re-tagged by another writer after the check is not deleted', async () => {
  const src = new OciLayoutStore('src', join(tmp(), 'src'));
  const root = join(tmp(), 'dst');
  const layout = new OciLayoutStore('dst', root);
  const other = new OciLayoutStore('other', root); // another run on the same layout
  await putLayoutImage(src, 'app', 'keep');
  const keep = await putLayoutImage(layout, 'app', 'keep');
  await putLayoutImage(layout, 'app', 'old');
  const dst = intercept(layout, {
    // Between the engine's HEAD of old and its deletion, the other writer points old at keep's image.
    deleteTag: async (repo: string, tag: string, digest: Digest) => {
      const m = (await other.manifestGet(repo, 'keep'))!;
      await other.manifestPut(repo, tag, m.bytes, m.mediaType);
      return layout.deleteTag(repo, tag, digest);
    },
  });
  const rule = testRule({
    filters: { name: ['app'] },
    deleteRemote: { enabled: true, max: 50, acknowledgeMatchAll: true },
  });
  const run = await runRule(rule, src, dst, o);
  const old = run.results.find((r) => r.tag === 'old');
  // As when the engine's own check finds it moved: not deleted, not a failure.
  expect(old?.status).toBe('refused');
  expect(old?.reason).toBe(`changed since planned: the tag moved to ${keep}; not deleted`);
  expect((await layout.manifestHead('app', 'old'))?.digest).toBe(keep);
});

test('latest: N copies the signature tags of the images it keeps, not of those it leaves out', async () => {
  const src = new OciLayoutStore('src', join(tmp(), 'src'));
  const dst = new OciLayoutStore('dst', join(tmp(), 'dst'));
  for (const t of ['v1.8.0', 'v1.9.0', 'v1.10.0', 'v1.11.0']) await putLayoutImage(src, 'app', t);
  const sigOf = async (t: string) => `${referrersTag((await src.manifestHead('app', t))!.digest)}.sig`;
  for (const t of ['v1.8.0', 'v1.11.0']) await putLayoutImage(src, 'app', await sigOf(t));
  const rule = testRule({ filters: { name: ['app'], latest: 3, resource: 'all' }, referrers: true });
  await runRule(rule, src, dst, o);
  const at = await dst.listTags('app');
  expect(at).toContain(await sigOf('v1.11.0'));
  expect(at).not.toContain(await sigOf('v1.8.0'));
  expect(at).not.toContain('v1.8.0');
});

test('an event naming only a signature tag pushed after its image copies the signature, under latest: N and a tag filter', async () => {
  const src = new OciLayoutStore('src', join(tmp(), 'src'));
  const dst = new OciLayoutStore('dst', join(tmp(), 'dst'));
  for (const t of ['v1.9.0', 'v1.10.0', 'v1.11.0']) await putLayoutImage(src, 'app', t);
  const rule = testRule({ filters: { name: ['app'], tag: ['v*'], latest: 2, resource: 'all' }, referrers: true });
  await runRule(rule, src, dst, o);
  // cosign signs v1.11.0 after it was mirrored; the registry's webhook names the signature tag.
  const sig = `${referrersTag((await src.manifestHead('app', 'v1.11.0'))!.digest)}.sig`;
  await putLayoutImage(src, 'app', sig);
  const event = await runRule(rule, src, dst, { ...o, tags: [sig], copyOnly: true });
  expect(event.results.map((r) => `${r.status} ${r.tag}`).sort()).toEqual([`copied ${sig}`, 'unchanged v1.11.0']);
  expect(await dst.listTags('app')).toContain(sig);
});

test('an event naming a signature: a tag the event did not name that cannot be read is a warning, not a failed row', async () => {
  const src = new OciLayoutStore('src', join(tmp(), 'src'));
  const dst = new OciLayoutStore('dst', join(tmp(), 'dst'));
  for (const t of ['v1.9.0', 'v1.10.0']) await putLayoutImage(src, 'app', t);
  const rule = testRule({ filters: { name: ['app'], tag: ['v*'], resource: 'all' }, referrers: true });
  await runRule(rule, src, dst, o);
  const sig = `${referrersTag((await src.manifestHead('app', 'v1.10.0'))!.digest)}.sig`;
  await putLayoutImage(src, 'app', sig);
  const flaky = intercept(src, {
    manifestHead: async (repo: string, ref: string) => {
      if (ref === 'v1.9.0') throw new Error('connection reset');
      return src.manifestHead(repo, ref);
    },
  });
  const event = await runRule(rule, flaky, dst, { ...o, tags: [sig], copyOnly: true });
  expect(event.results.map((r) => `${r.status} ${r.tag}`).sort()).toEqual([`copied ${sig}`, 'unchanged v1.10.0']);
  expect(event.plan.warnings).toContainEqual(
    expect.stringMatching(/app:v1\.9\.0 not checked for the signature the event names/),
  );
});

test('deleting by digest, a tag pushed after the plan that a lagging vendor listing leaves out keeps the deletion from taking it', async () => {
  const src = new OciLayoutStore('src', join(tmp(), 'src'));
  const root = join(tmp(), 'dst');
  const layout = new OciLayoutStore('dst', root);
  await putLayoutImage(src, 'app', 'v2');
  const old = (await putLayoutImage(layout, 'app', 'old')) as Digest;
  const byDigest = deletingByDigest(layout, root);
  // GHCR-like: tags with digests from a vendor API that shows what it knew at the plan, and keeps
  // showing it; the registry's own tag list is current.
  let snapshot: { tag: string; digest: string }[] | undefined;
  const dst = intercept(byDigest, {
    listTagDetails: async (repo: string) => {
      if (!snapshot) {
        snapshot = await Promise.all(
          (await layout.listTags(repo)).map(async (tag) => ({
            tag,
            digest: (await layout.manifestHead(repo, tag))!.digest,
          })),
        );
        // Once the listing the plan reads is taken, someone tags old's image as keep: done before
        // the listing is answered, so the re-check cannot come first (a setImmediate raced it).
        const m = (await layout.manifestGet(repo, old))!;
        await layout.manifestPut(repo, 'keep', m.bytes, m.mediaType);
      }
      return snapshot;
    },
  });
  const rule = testRule({
    filters: { name: ['app'], tag: ['old', 'v*'] },
    deleteRemote: { enabled: true, max: 50, acknowledgeMatchAll: false },
  });
  const run = await runRule(rule, src, dst, o);
  const row = run.results.find((r) => r.tag === 'old');
  expect(row?.status).toBe('refused');
  expect(row?.reason).toContain('tag keep now also points at');
  expect((await layout.listTags('app')).sort()).toEqual(['keep', 'old', 'v2']);
});

test.each([
  ['deletes by tag', false],
  ['deletes by digest', true],
])(
  'a destination listing a tag name no tag can have (%s): the rest is copied and compared, the name is left alone',
  async (_how, digestDeletes) => {
    const src = new OciLayoutStore('src', join(tmp(), 'src'));
    const root = join(tmp(), 'dst');
    const layout = new OciLayoutStore('dst', root);
    await putLayoutImage(src, 'app', 'v2');
    await putLayoutImage(layout, 'app', 'v1');
    const store = digestDeletes ? deletingByDigest(layout, root) : layout;
    // A broken or hostile registry lists a name that cannot be asked for, let alone deleted.
    const dst = intercept(store, { listTags: async (repo: string) => [...(await store.listTags(repo)), '-bad tag'] });
    const rule = testRule({
      filters: { name: ['app'] },
      deleteRemote: { enabled: true, max: 50, acknowledgeMatchAll: true },
    });
    const run = await runRule(rule, src, dst, o);
    expect(run.ruleErrors).toEqual([]);
    expect(run.plan.warnings).toContainEqual(
      expect.stringMatching(/\/app lists 1 invalid tag, left as they are: "-bad tag" \(tags are /),
    );
    const v1 = run.results.find((r) => r.tag === 'v1');
    expect(run.results.find((r) => r.tag === 'v2')?.status).toBe('copied');
    if (digestDeletes) {
      // What it points at is unknown: deleting v1's manifest could take it along.
      expect(v1?.status).toBe('refused');
      expect(v1?.reason).toContain('the destination could not show what "-bad tag" points at');
      expect((await layout.listTags('app')).sort()).toEqual(['v1', 'v2']);
    } else {
      expect(v1?.status).toBe('deleted');
      expect(await layout.listTags('app')).toEqual(['v2']);
    }
  },
);

test('deleting by digest, a tag name no tag can have listed after the plan refuses the deletion', async () => {
  const src = new OciLayoutStore('src', join(tmp(), 'src'));
  const root = join(tmp(), 'dst');
  const layout = new OciLayoutStore('dst', root);
  await putLayoutImage(src, 'app', 'v2');
  await putLayoutImage(layout, 'app', 'v1');
  const byDigest = deletingByDigest(layout, root);
  let listings = 0;
  const dst = intercept(byDigest, {
    listTags: async (repo: string) => [...(await byDigest.listTags(repo)), ...(listings++ > 0 ? ['-bad tag'] : [])],
  });
  const rule = testRule({
    filters: { name: ['app'] },
    deleteRemote: { enabled: true, max: 50, acknowledgeMatchAll: true },
  });
  const run = await runRule(rule, src, dst, o);
  const v1 = run.results.find((r) => r.tag === 'v1');
  expect(v1?.status).not.toBe('deleted');
  expect(v1?.error?.message ?? v1?.reason).toMatch(/now lists "-bad tag", which no tag can be called/);
  expect((await layout.listTags('app')).sort()).toEqual(['v1', 'v2']);
  expect(listings).toBe(2);
});

test('deleting by digest, an untagged artifact in a vendor listing (an empty tag) blocks nothing', async () => {
  const src = new OciLayoutStore('src', join(tmp(), 'src'));
  const root = join(tmp(), 'dst');
  const layout = new OciLayoutStore('dst', root);
  await putLayoutImage(src, 'app', 'v2');
  await putLayoutImage(layout, 'app', 'v1');
  const byDigest = deletingByDigest(layout, root);
  const dst = intercept(byDigest, {
    listTagDetails: async (repo: string) => [
      ...(await Promise.all(
        (await layout.listTags(repo)).map(async (tag) => ({
          tag,
          digest: (await layout.manifestHead(repo, tag))!.digest,
        })),
      )),
      { tag: '', digest: `sha256:${'e'.repeat(64)}` },
    ],
  });
  const rule = testRule({
    filters: { name: ['app'] },
    deleteRemote: { enabled: true, max: 50, acknowledgeMatchAll: true },
  });
  const run = await runRule(rule, src, dst, o);
  expect(run.plan.warnings).toEqual([]);
  expect(run.results.find((r) => r.tag === 'v1')?.status).toBe('deleted');
});

test('deleting by digest, an index pushed after the plan that lists the doomed manifest as a platform keeps it', async () => {
  const src = new OciLayoutStore('src', join(tmp(), 'src'));
  const root = join(tmp(), 'dst');
  const layout = new OciLayoutStore('dst', root);
  await putLayoutImage(src, 'app', 'v2');
  const old = (await putLayoutImage(layout, 'app', 'old')) as Digest;
  const byDigest = deletingByDigest(layout, root);
  // Between the plan and the deletion, someone pushes a multi-arch tag whose amd64 platform is
  // the manifest `old` points at (not a tag of it: the plan's guard cannot see it).
  const dst = changedAfterPlan(byDigest, async (repo) => {
    const m = (await layout.manifestGet(repo, old))!;
    await layout.manifestPut(repo, 'multi', amd64IndexOf(m, old), MediaType.OciIndex);
  });
  const run = await runRule(deletingOnly(['old', 'v*']), src, dst, o);
  const row = run.results.find((r) => r.tag === 'old');
  expect(row?.status).not.toBe('deleted');
  expect(row?.reason ?? row?.error?.message).toMatch(/multi/);
  // The index's platform is still there.
  expect(await layout.manifestGet('app', old)).toBeDefined();
});

test('deleting by digest, an index and its tagged platform planned together are both deleted, the index first', async () => {
  const src = new OciLayoutStore('src', join(tmp(), 'src'));
  const root = join(tmp(), 'dst');
  const layout = new OciLayoutStore('dst', root);
  await putLayoutImage(src, 'app', 'v2');
  const amd64 = (await putLayoutImage(layout, 'app', 'v1-amd64')) as Digest;
  const m = (await layout.manifestGet('app', amd64))!;
  const index = amd64IndexOf(m, amd64);
  await layout.manifestPut('app', 'v1', index, MediaType.OciIndex);
  const dst = deletingByDigest(layout, root);
  const rule = testRule({
    filters: { name: ['app'] },
    deleteRemote: { enabled: true, max: 50, acknowledgeMatchAll: true },
  });
  const run = await runRule(rule, src, dst, o);
  expect(run.results.filter((r) => r.status !== 'copied').map((r) => `${r.tag} ${r.status}`)).toEqual([
    'v1 deleted',
    'v1-amd64 deleted',
  ]);
  expect(await layout.listTags('app')).toEqual(['v2']);
});

test('deleting by digest, an index re-pushed onto a doomed tag with the doomed manifest as its platform keeps it', async () => {
  const src = new OciLayoutStore('src', join(tmp(), 'src'));
  const root = join(tmp(), 'dst');
  const layout = new OciLayoutStore('dst', root);
  await putLayoutImage(src, 'app', 'v2');
  const old = (await putLayoutImage(layout, 'app', 'old')) as Digest;
  const m = (await layout.manifestGet('app', old))!;
  await layout.manifestPut('app', 'old-alias', m.bytes, m.mediaType);
  const byDigest = deletingByDigest(layout, root);
  // After the plan (both old and old-alias deleted), old is pushed again as a multi-arch index
  // whose amd64 platform is the very manifest both pointed at.
  const dst = changedAfterPlan(byDigest, (repo) =>
    layout.manifestPut(repo, 'old', amd64IndexOf(m, old), MediaType.OciIndex).then(() => {}),
  );
  const run = await runRule(deletingOnly(['old*', 'v*']), src, dst, o);
  expect(run.results.filter((r) => r.status === 'deleted')).toEqual([]);
  expect(run.results.find((r) => r.tag === 'old-alias')?.reason).toMatch(
    /the index tagged old now lists .* as a platform/,
  );
  expect(await layout.manifestGet('app', old)).toBeDefined();
});

test.each([
  ['a listed tag the registry then does not find', 'head'],
  ['a tag list that leaves out a tag about to be deleted', 'list'],
])('deleting by digest, %s at the re-check refuses the deletions of that repository', async (_what, glitch) => {
  const src = new OciLayoutStore('src', join(tmp(), 'src'));
  const root = join(tmp(), 'dst');
  const layout = new OciLayoutStore('dst', root);
  await putLayoutImage(src, 'app', 'v2');
  await putLayoutImage(layout, 'app', 'old');
  await putLayoutImage(layout, 'app', 'other');
  const byDigest = deletingByDigest(layout, root);
  let listings = 0;
  let reCheck = false;
  const dst = intercept(byDigest, {
    listTags: async (repo: string) => {
      reCheck = listings++ > 0;
      const tags = await byDigest.listTags(repo);
      // A lagging replica or a cut listing at the re-check.
      return reCheck && glitch === 'list' ? tags.filter((t) => t !== 'old') : tags;
    },
    manifestHead: async (repo: string, ref: string) =>
      reCheck && glitch === 'head' && ref === 'other' ? undefined : byDigest.manifestHead(repo, ref),
  });
  const rule = testRule({
    filters: { name: ['app'], tag: ['old', 'v*'] },
    deleteRemote: { enabled: true, max: 50, acknowledgeMatchAll: false },
  });
  const run = await runRule(rule, src, dst, o);
  const row = run.results.find((r) => r.tag === 'old');
  // The registry answered, but against itself: the guard keeps the tag, as the plan does when the
  // same happens while it plans; no request failed.
  expect(row?.status).toBe('refused');
  expect(row?.error?.message).toMatch(
    glitch === 'head'
      ? /lists other, which the registry then did not find/
      : /lists no tag old, which the registry still has/,
  );
  expect(row?.error?.hint).toMatch(/^run again: .*lag/);
  expect((await layout.listTags('app')).sort()).toEqual(['old', 'other', 'v2']);
});

test('deleting by tag, a deletion the store accepts but does not carry out fails its row; the tag is still there', async () => {
  const src = new OciLayoutStore('src', join(tmp(), 'src'));
  const layout = new OciLayoutStore('dst', join(tmp(), 'dst'));
  await putLayoutImage(src, 'app', 'v2');
  const old = await putLayoutImage(layout, 'app', 'old');
  // A registry that answers the DELETE as done (202) and keeps the tag.
  const dst = intercept(layout, { deleteTag: async () => 'tag' as const });
  const run = await runRule(deletingOnly(['old', 'v*']), src, dst, o);
  const row = run.results.find((r) => r.tag === 'old');
  expect(row?.status).toBe('failed');
  expect(row?.error?.message).toBe(
    `deleting ${dst.display}/app:old: ${dst.display} accepted the DELETE, yet right after it still serves old, still pointing at ${old}`,
  );
  expect(await layout.listTags('app')).toContain('old');
});

test('a deletion through a vendor API whose registry still serves the tag right after is deleted, saying so', async () => {
  const src = new OciLayoutStore('src', join(tmp(), 'src'));
  const layout = new OciLayoutStore('dst', join(tmp(), 'dst'));
  await putLayoutImage(src, 'app', 'v2');
  const old = await putLayoutImage(layout, 'app', 'old');
  // Docker Hub, GHCR: the API deleted it; the registry, another service, answers from before.
  const dst = intercept(layout, { deleteTag: async () => 'tag' as const, deletionLags: true });
  const run = await runRule(deletingOnly(['old', 'v*']), src, dst, o);
  const row = run.results.find((r) => r.tag === 'old');
  expect(row?.status).toBe('deleted');
  expect(row?.reason).toBe(
    `deleted through the ${dst.display} API; its registry still served old, still pointing at ${old} right after (the two can lag apart): the next run deletes it again if it is still there`,
  );
});

test('deleting by tag, a tag pushed again right after its deletion is reported deleted, saying so', async () => {
  const src = new OciLayoutStore('src', join(tmp(), 'src'));
  const layout = new OciLayoutStore('dst', join(tmp(), 'dst'));
  await putLayoutImage(src, 'app', 'v2');
  await putLayoutImage(layout, 'app', 'old');
  const other = await putLayoutImage(layout, 'app', 'other');
  const m = (await layout.manifestGet('app', other))!;
  // Another writer pushes old again (another image) between the DELETE and its check.
  const dst = intercept(layout, {
    deleteTag: async (repo: string, tag: string) => {
      const how = await layout.deleteTag(repo, tag);
      await layout.manifestPut(repo, tag, m.bytes, m.mediaType);
      return how;
    },
  });
  const run = await runRule(deletingOnly(['old', 'v*']), src, dst, o);
  const row = run.results.find((r) => r.tag === 'old');
  expect(row?.status).toBe('deleted');
  expect(row?.reason).toBe(`changed since deleted: old was pushed again, now pointing at ${other}`);
});

/** The bytes of a multi-arch index whose one platform (linux/amd64) is the manifest `m` of `digest`. */
function amd64IndexOf(m: { mediaType: string; bytes: Buffer }, digest: Digest): Buffer {
  return Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: MediaType.OciIndex,
      manifests: [
        { mediaType: m.mediaType, digest, size: m.bytes.length, platform: { os: 'linux', architecture: 'amd64' } },
      ],
    }),
  );
}

/** A rule on `app` that deletes what the source lacks among `tags`. */
function deletingOnly(tags: string[]) {
  return testRule({
    filters: { name: ['app'], tag: tags },
    deleteRemote: { enabled: true, max: 50, acknowledgeMatchAll: false },
  });
}

/**
 * `store`, with `change` made once between the plan's tag listing and the deletion re-check's
 * (the second listing); the test fails if there was no second listing.
 */
function changedAfterPlan(store: Store, change: (repo: string) => Promise<void>): Store {
  let listings = 0;
  onTestFinished(() => expect(listings, 'the re-check listed the tags again').toBe(2));
  return intercept(store, {
    listTags: async (repo: string) => {
      if (listings++ === 1) await change(repo);
      return store.listTags(repo);
    },
  });
}
