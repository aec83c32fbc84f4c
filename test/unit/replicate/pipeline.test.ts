import { join } from 'node:path';
import { expect, test } from 'vitest';
import { OciLayoutStore } from '../../../src/providers/oci-layout.js';
import { runRule } from '../../../src/replicate/rule.js';
import { putLayoutImage } from '../../support/layout-image.js';
import { dirPerTest, intercept, testRule } from '../../support/engine.js';

const tmp = dirPerTest('ferry-pipeline-');

const rule = testRule({
  name: 'all',
  deleteRemote: { enabled: true, max: 10, acknowledgeMatchAll: true },
  referrers: true,
});

test('a repository is copied while the rest of the rule is still being listed', async () => {
  const src = new OciLayoutStore('src', join(tmp(), 'src'));
  const dst = new OciLayoutStore('dst', join(tmp(), 'dst'));
  await putLayoutImage(src, 'a', 'a1');
  await putLayoutImage(src, 'a', 'a2');
  await putLayoutImage(src, 'z', 'z1');
  await putLayoutImage(dst, 'a', 'a1'); // `a` held images before: its copies need not wait for a mount source
  await putLayoutImage(dst, 'a', 'gone'); // an extra, deleted only once every group is planned

  // The source answers z's tag list only after a2 has been written: a run that lists the whole
  // rule before its first copy never finishes.
  let written!: () => void;
  const a2Written = new Promise<void>((resolve) => (written = resolve));
  const source = intercept(src, {
    listTags: async (repo: string) => {
      if (repo === 'z') await a2Written;
      return src.listTags(repo);
    },
  });
  const destination = intercept(dst, {
    manifestPut: async (repo: string, ref: string, bytes: Buffer, mediaType: string) => {
      const digest = await dst.manifestPut(repo, ref, bytes, mediaType);
      if (repo === 'a' && ref === 'a2') written();
      return digest;
    },
  });

  const run = await runRule(rule, source, destination, { dryRun: false, concurrency: 2, blobConcurrency: 2 });
  expect(run.results.map((r) => `${r.destination.split('/').pop()}:${r.status}`).sort()).toEqual([
    'a:a1:unchanged',
    'a:a2:copied',
    'a:gone:deleted',
    'z:z1:copied',
  ]);
  // The plan is the one a dry run makes: the same items, in the same order.
  const again = await runRule(rule, src, dst, { dryRun: true, concurrency: 2, blobConcurrency: 2 });
  expect(again.plan.items.map((i) => `${i.destinationRepository}:${i.tag}:${i.action}`)).toEqual([
    'a:a1:unchanged',
    'a:a2:unchanged',
    'z:z1:unchanged',
  ]);
});

test('deletions wait for the rule-wide bound: over delete_remote.max nothing is deleted, whichever group came first', async () => {
  const src = new OciLayoutStore('src', join(tmp(), 'src'));
  const dst = new OciLayoutStore('dst', join(tmp(), 'dst'));
  await putLayoutImage(src, 'a', 'a1');
  await putLayoutImage(src, 'b', 'b1');
  await putLayoutImage(dst, 'a', 'a1');
  await putLayoutImage(dst, 'a', 'old-a');
  await putLayoutImage(dst, 'b', 'old-b');
  const bounded = { ...rule, deleteRemote: { ...rule.deleteRemote, max: 1 } };
  const run = await runRule(bounded, src, dst, { dryRun: false, concurrency: 2, blobConcurrency: 2 });
  expect(run.plan.deletionsRefused).toMatch(/2 deletions refused: more than delete_remote.max \(1\)/);
  expect(run.results.filter((r) => r.status === 'deleted')).toEqual([]);
  expect((await dst.listTags('a')).sort()).toEqual(['a1', 'old-a']);
  expect((await dst.listTags('b')).sort()).toEqual(['b1', 'old-b']);
});

test('into an empty destination too, copies start before the whole rule is listed', async () => {
  const src = new OciLayoutStore('src', join(tmp(), 'src'));
  const dst = new OciLayoutStore('dst', join(tmp(), 'dst'));
  await putLayoutImage(src, 'a', 'a1');
  await putLayoutImage(src, 'z', 'z1');
  let written!: () => void;
  const a1Written = new Promise<void>((resolve) => (written = resolve));
  const source = intercept(src, {
    listTags: async (repo: string) => {
      if (repo === 'z') await a1Written;
      return src.listTags(repo);
    },
  });
  let listings = 0;
  const destination = intercept(dst, {
    listTags: (repo: string) => {
      listings++;
      return dst.listTags(repo);
    },
    manifestPut: async (repo: string, ref: string, bytes: Buffer, mediaType: string) => {
      const digest = await dst.manifestPut(repo, ref, bytes, mediaType);
      if (repo === 'a' && ref === 'a1') written();
      return digest;
    },
  });
  const run = await runRule(rule, source, destination, { dryRun: false, concurrency: 2, blobConcurrency: 2 });
  expect(run.results.map((r) => `${r.tag}:${r.status}`).sort()).toEqual(['a1:copied', 'z1:copied']);
  // Finding out that no destination repository held images took no listing of its own.
  expect(listings).toBe(2);
});

test('a no-op lists each destination repository once: looking for a mount source adds nothing', async () => {
  const src = new OciLayoutStore('src', join(tmp(), 'src'));
  const dst = new OciLayoutStore('dst', join(tmp(), 'dst'));
  for (const repo of ['a', 'b', 'c']) {
    await putLayoutImage(src, repo, 'v1');
    await putLayoutImage(dst, repo, 'v1');
  }
  const listed: string[] = [];
  const destination = intercept(dst, {
    listTags: (repo: string) => {
      listed.push(repo);
      return dst.listTags(repo);
    },
  });
  const run = await runRule(rule, src, destination, { dryRun: false, concurrency: 2, blobConcurrency: 2 });
  expect(run.results.map((r) => r.status)).toEqual(['unchanged', 'unchanged', 'unchanged']);
  expect(listed.sort()).toEqual(['a', 'b', 'c']);
});

test('a plan tells how many source repositories are listed as it goes, each once, up to all of them', async () => {
  const src = new OciLayoutStore('src', join(tmp(), 'src'));
  const dst = new OciLayoutStore('dst', join(tmp(), 'dst'));
  for (const repo of ['a', 'b', 'c', 'd']) await putLayoutImage(src, repo, 'v1');
  const listed: string[] = [];
  await runRule(rule, src, dst, {
    dryRun: true,
    concurrency: 1,
    blobConcurrency: 1,
    onProgress: (e) => {
      if (e.kind === 'listed') listed.push(`${e.rule} ${e.repositories}/${e.of}`);
    },
  });
  expect(listed).toEqual(['all 1/4', 'all 2/4', 'all 3/4', 'all 4/4']);
});

test('each result says why the planner decided it, as the plan item does', async () => {
  const src = new OciLayoutStore('src', join(tmp(), 'src'));
  const dst = new OciLayoutStore('dst', join(tmp(), 'dst'));
  await putLayoutImage(src, 'a', 'v1');
  await putLayoutImage(dst, 'a', 'v1');
  await putLayoutImage(dst, 'a', 'old');
  const bounded = { ...rule, deleteRemote: { ...rule.deleteRemote, max: 0 } };
  const run = await runRule(bounded, src, dst, { dryRun: false, concurrency: 2, blobConcurrency: 2 });
  expect(run.results.find((r) => r.tag === 'old')).toMatchObject({ status: 'refused', why: 'over-max' });
});

test('sharded, the rule still deletes at most delete_remote.max: each shard may delete its share', async () => {
  const src = new OciLayoutStore('src', join(tmp(), 'src'));
  const dst = new OciLayoutStore('dst', join(tmp(), 'dst'));
  for (const repo of ['a', 'b']) {
    await putLayoutImage(src, repo, 'keep');
    await putLayoutImage(dst, repo, 'keep');
    for (const old of ['old1', 'old2', 'old3']) await putLayoutImage(dst, repo, old);
  }
  // Six extras, max 4: the whole rule's plan refuses them all.
  const bounded = { ...rule, deleteRemote: { ...rule.deleteRemote, max: 4 } };
  const whole = await runRule(bounded, src, dst, { dryRun: true, concurrency: 1, blobConcurrency: 1 });
  expect(whole.plan.deletionsRefused).toMatch(/6 deletions refused: more than delete_remote.max \(4\)/);

  // Two shards, one repository each: three extras apiece, over the share of 2.
  let deleted = 0;
  for (const [k, repo] of ['a', 'b'].entries()) {
    const shard = await runRule(bounded, src, dst, {
      dryRun: false,
      concurrency: 1,
      blobConcurrency: 1,
      select: (r) => r === repo,
      shard: { index: k + 1, total: 2 },
    });
    expect(shard.plan.deletionsRefused).toMatch(
      new RegExp(
        `3 deletions refused: more than shard ${k + 1}'s share of delete_remote.max \\(4 split over 2 shards: 2\\)`,
      ),
    );
    deleted += shard.results.filter((r) => r.status === 'deleted').length;
  }
  expect(deleted).toBe(0);
  for (const repo of ['a', 'b']) expect((await dst.listTags(repo)).sort()).toEqual(['keep', 'old1', 'old2', 'old3']);
});

test('a source that cannot be listed is a rule error; deletions are said to be refused only where they were wanted', async () => {
  const src = intercept(new OciLayoutStore('src', join(tmp(), 'src')), {
    listRepositories: async () => {
      throw new Error('connection refused');
    },
  });
  const dst = new OciLayoutStore('dst', join(tmp(), 'dst'));
  const copying = await runRule(testRule(), src, dst, { dryRun: true, concurrency: 1, blobConcurrency: 1 });
  expect(copying.ruleErrors.map((e) => e.message)).toEqual([expect.stringMatching(/connection refused/)]);
  expect(copying.plan.deletionsRefused).toBeUndefined();
  const deleting = await runRule(rule, src, dst, { dryRun: true, concurrency: 1, blobConcurrency: 1 });
  expect(deleting.plan.deletionsRefused).toBe('the source could not be listed');
});

test('a registry error that fails a listing is told once, not behind a second "listing … of" prefix', async () => {
  const { RegistryError } = await import('../../../src/registry/errors.js');
  const src = intercept(new OciLayoutStore('src', join(tmp(), 'src')), {
    listRepositories: async () => {
      throw new RegistryError({
        kind: 'server',
        registry: 'reg.example',
        operation: 'listing repositories',
        status: 500,
      });
    },
  });
  const dst = new OciLayoutStore('dst', join(tmp(), 'dst'));
  const out = await runRule(testRule(), src, dst, { dryRun: true, concurrency: 1, blobConcurrency: 1 });
  expect(out.ruleErrors).toHaveLength(1);
  expect(out.ruleErrors[0]!.message).toMatch(/^listing repositories reg\.example: .*\(HTTP 500\)$/);
  expect(out.ruleErrors[0]!.hint).toBeDefined();
});

test('a copy that fails at its manifest still reports the blobs it wrote before', async () => {
  const src = new OciLayoutStore('src', join(tmp(), 'src'));
  const layout = new OciLayoutStore('dst', join(tmp(), 'dst'));
  await putLayoutImage(src, 'a', 'v1');
  const dst = intercept(layout, {
    manifestPut: async () => {
      throw new Error('the destination refused the manifest');
    },
  });
  const out = await runRule(testRule(), src, dst, { dryRun: false, concurrency: 1, blobConcurrency: 1 });
  const failed = out.results.find((r) => r.tag === 'v1');
  expect(failed?.status).toBe('failed');
  expect(failed?.blobs.copied).toBeGreaterThan(0);
  expect(failed?.bytes).toBeGreaterThan(0);
});

test('each deletion tells the store which other tags of its digest the plan deletes too', async () => {
  const src = new OciLayoutStore('src', join(tmp(), 'src'));
  const layout = new OciLayoutStore('dst', join(tmp(), 'dst'));
  await putLayoutImage(src, 'a', 'keep');
  await putLayoutImage(layout, 'a', 'keep');
  const old = await putLayoutImage(layout, 'a', 'old');
  await layout.manifestPut(
    'a',
    'old-alias',
    (await layout.manifestGet('a', old))!.bytes,
    (await layout.manifestGet('a', old))!.mediaType,
  );
  const asked: { tag: string; along: string[] }[] = [];
  const dst = intercept(layout, {
    deleteTag: async (repo: string, tag: string, digest: string, o?: { alongWith?: ReadonlySet<string> }) => {
      asked.push({ tag, along: [...(o?.alongWith ?? [])].sort() });
      return layout.deleteTag(repo, tag);
    },
  });
  const out = await runRule(rule, src, dst, { dryRun: false, concurrency: 1, blobConcurrency: 1 });
  expect(
    out.results
      .filter((r) => r.status === 'deleted')
      .map((r) => r.tag)
      .sort(),
  ).toEqual(['old', 'old-alias']);
  expect(asked).toEqual([
    { tag: 'old', along: ['old', 'old-alias'] },
    { tag: 'old-alias', along: ['old', 'old-alias'] },
  ]);
});

test('a copy that fails on one blob reports the other blobs it was still writing, once they have landed', async () => {
  const src = new OciLayoutStore('src', join(tmp(), 'src'));
  const layout = new OciLayoutStore('dst', join(tmp(), 'dst'));
  await putLayoutImage(src, 'a', 'v1'); // a config of 47 bytes, a layer of 13
  let failed!: () => void;
  const layerFailed = new Promise<void>((resolve) => (failed = resolve));
  const source = intercept(src, {
    blobGet: async (...args: Parameters<OciLayoutStore['blobGet']>) => {
      if (args[1].size !== 13) return src.blobGet(...args);
      failed();
      throw new Error('the source lost the layer');
    },
  });
  // The config is still being written when the layer fails: it lands at the destination, untagged.
  const dst = intercept(layout, {
    blobPut: async (...args: Parameters<OciLayoutStore['blobPut']>) => {
      if (args[1].size === 47) await layerFailed;
      return layout.blobPut(...args);
    },
  });
  const out = await runRule(testRule(), source, dst, { dryRun: false, concurrency: 1, blobConcurrency: 2 });
  const row = out.results.find((r) => r.tag === 'v1');
  expect(row?.status).toBe('failed');
  expect(row?.blobs.copied).toBe(1);
  expect(
    await layout.blobHead('a', JSON.parse((await src.manifestGet('a', 'v1'))!.bytes.toString()).config.digest),
  ).toBe(true);
});

test('a rule the stop cut short says so itself, so an event run that propagates deletions fails too', async () => {
  const src = new OciLayoutStore('src', join(tmp(), 'src'));
  const dst = new OciLayoutStore('dst', join(tmp(), 'dst'));
  await putLayoutImage(src, 'a', 'v1');
  await putLayoutImage(dst, 'a', 'v1');
  await putLayoutImage(dst, 'a', 'gone'); // deleted at the source: an extra to delete
  const stop = new AbortController();
  // Stopped once the destination is listed: the deletion is planned, and never started.
  const destination = intercept(dst, {
    listTags: async (repo: string) => {
      const tags = await dst.listTags(repo);
      stop.abort('the run was cancelled (SIGTERM)');
      return tags;
    },
  });
  const run = await runRule(rule, src, destination, {
    dryRun: false,
    concurrency: 1,
    blobConcurrency: 1,
    signal: stop.signal,
  });
  expect(run.results.find((r) => r.tag === 'gone')).toMatchObject({ status: 'deferred', why: 'run-stopped' });
  expect(run.ruleErrors).toContainEqual(
    expect.objectContaining({
      rule: 'all',
      message: expect.stringMatching(
        /^stopped early: the run was cancelled \(SIGTERM\); 1 of 2 tags left for the next run/,
      ),
    }),
  );
  expect(await dst.manifestHead('a', 'gone')).toBeDefined();
});

test('a rule whose run was stopped before it started says so, instead of returning nothing', async () => {
  const src = new OciLayoutStore('src', join(tmp(), 'src'));
  const dst = new OciLayoutStore('dst', join(tmp(), 'dst'));
  await putLayoutImage(src, 'a', 'v1');
  const stop = new AbortController();
  stop.abort('the run reached its timeout of 1s');
  const run = await runRule(rule, src, dst, { dryRun: false, concurrency: 1, blobConcurrency: 1, signal: stop.signal });
  expect(run.ruleErrors).toEqual([
    expect.objectContaining({ rule: 'all', message: 'not started: the run reached its timeout of 1s' }),
  ]);
});

test('a stop during the listing fails the rule, instead of reading as repositories without tags', async () => {
  const src = new OciLayoutStore('src', join(tmp(), 'src'));
  const dst = new OciLayoutStore('dst', join(tmp(), 'dst'));
  await putLayoutImage(src, 'a', 'v1');
  await putLayoutImage(src, 'b', 'v1');
  const stop = new AbortController();
  const source = intercept(src, {
    listRepositories: async () => {
      const repos = await src.listRepositories();
      stop.abort('the run reached its timeout of 2s');
      return repos;
    },
  });
  const run = await runRule(rule, source, dst, {
    dryRun: false,
    concurrency: 1,
    blobConcurrency: 1,
    signal: stop.signal,
  });
  expect(run.ruleErrors).toEqual([
    expect.objectContaining({
      rule: 'all',
      message: 'stopped early: the run reached its timeout of 2s; repositories not listed, so not planned',
    }),
  ]);
  expect(run.plan.warnings.filter((w) => /selects nothing/.test(w))).toEqual([]);
});

test('shards that list the source at different moments still delete at most delete_remote.max together', async () => {
  // The audit's case: max 4; a's four extras fall to shard 1, b's two to shard 2. Shard 1 ran while
  // b had no source repository (it saw the rule in one shard only, and took the whole max); b was
  // pushed before shard 2 ran (which saw the rule in two shards: a share of 2). Together: 6 deleted.
  const src = new OciLayoutStore('src', join(tmp(), 'src'));
  const dst = new OciLayoutStore('dst', join(tmp(), 'dst'));
  await putLayoutImage(src, 'a', 'keep');
  await putLayoutImage(dst, 'a', 'keep');
  for (const old of ['x1', 'x2', 'x3', 'x4']) await putLayoutImage(dst, 'a', old);
  await putLayoutImage(dst, 'b', 'w1');
  for (const old of ['y1', 'y2']) await putLayoutImage(dst, 'b', old);
  const bounded = { ...rule, deleteRemote: { ...rule.deleteRemote, max: 4 } };
  const once = { dryRun: false, concurrency: 1, blobConcurrency: 1 };
  const first = await runRule(bounded, src, dst, { ...once, select: (r) => r === 'a', shard: { index: 1, total: 2 } });
  await putLayoutImage(src, 'b', 'w1');
  const second = await runRule(bounded, src, dst, { ...once, select: (r) => r === 'b', shard: { index: 2, total: 2 } });
  const deleted = [...first.results, ...second.results].filter((r) => r.status === 'deleted');
  // Each share depends on the shard spec alone (2 and 2), not on what the shard listed.
  expect(deleted.map((r) => r.tag).sort()).toEqual(['y1', 'y2']);
  expect(first.plan.deletionsRefused).toMatch(
    /4 deletions refused: more than shard 1's share of delete_remote.max \(4 split over 2 shards: 2\)/,
  );
});
