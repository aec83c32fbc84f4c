import { expect, test } from 'vitest';
import { rowDigest } from '../../../src/report/escape.js';
import { runRule } from '../../../src/replicate/rule.js';
import { testRule } from '../../support/engine.js';
import { MemoryStore } from '../../support/memory-store.js';

test('a dry run of a platforms: rule says which index the run writes, not only the source index read', async () => {
  const src = new MemoryStore('src');
  const amd64 = src.putImage('team/multi', [Buffer.from('amd64 layer')]);
  const arm64 = src.putImage('team/multi', [Buffer.from('arm64 layer')]);
  const index = src.putIndex(
    'team/multi',
    [
      { ...amd64, platform: { os: 'linux', architecture: 'amd64' } },
      { ...arm64, platform: { os: 'linux', architecture: 'arm64' } },
    ],
    'v1',
  );
  const rule = testRule({ platforms: ['linux/amd64'] });
  const o = { concurrency: 1, blobConcurrency: 1 };
  const plan = await runRule(rule, src, new MemoryStore('dst'), { dryRun: true, ...o });
  const dst = new MemoryStore('dst');
  const run = await runRule(rule, src, dst, { dryRun: false, ...o });
  const written = run.results[0]!.destinationDigest!;
  expect(written).not.toBe(index.digest);
  // Before: a would-copy row showing the source index's digest, and no word of the subset.
  expect(plan.results.map((r) => [r.status, r.reason])).toEqual([
    ['would-copy', `platform subset (linux/amd64): new index ${written}, the source index is ${index.digest}`],
  ]);
  // In the same words as the run's row (before, without the platforms it keeps).
  expect(plan.results[0]!.reason).toBe(run.results[0]!.reason);
  // The summary's digest column: what the run's row will show (before, the source index's).
  expect(plan.results[0]!.targetDigest).toBe(written);
  expect(rowDigest(plan.results[0]!)).toBe(rowDigest(run.results[0]!));
});

test('an index with none of the rule’s platforms is skipped, by design: not a failure, and deletions go on', async () => {
  const src = new MemoryStore('src');
  const arm64 = src.putImage('team/multi', [Buffer.from('arm64 layer')]);
  src.putIndex('team/multi', [{ ...arm64, platform: { os: 'linux', architecture: 'arm64' } }], 'arm-only');
  const amd64 = src.putImage('team/multi', [Buffer.from('amd64 layer')]);
  src.putIndex('team/multi', [{ ...amd64, platform: { os: 'linux', architecture: 'amd64' } }], 'v1');
  const dst = new MemoryStore('dst');
  dst.putImage('team/multi', [Buffer.from('gone from the source')], { tag: 'old' });
  const rule = testRule({
    platforms: ['linux/amd64'],
    deleteRemote: { enabled: true, max: 10, acknowledgeMatchAll: true },
  });
  const o = { concurrency: 1, blobConcurrency: 1 };
  for (const dryRun of [true, false]) {
    const run = await runRule(rule, src, dst, { dryRun, ...o });
    // Before: arm-only was a tag whose manifest "could not be read": the run failed, and old was
    // not deleted, run after run.
    expect(run.ruleErrors).toEqual([]);
    const rows = Object.fromEntries(run.results.map((r) => [r.tag, [r.status, r.reason]]));
    expect(rows['arm-only']).toEqual([
      'skipped',
      'the index has none of the platforms the rule copies (linux/amd64; it has linux/arm64): not copied',
    ]);
    expect(rows.old?.[0]).toBe(dryRun ? 'would-delete' : 'deleted');
    expect(rows.v1?.[0]).toBe(dryRun ? 'would-copy' : 'copied');
  }
});

test('the selection counts an index without the rule’s platforms as left out, and one that leaves out all says so', async () => {
  const src = new MemoryStore('src');
  const arm64 = src.putImage('team/multi', [Buffer.from('arm64 layer')]);
  src.putIndex('team/multi', [{ ...arm64, platform: { os: 'linux', architecture: 'arm64' } }], 'arm-only');
  const amd64 = src.putImage('team/multi', [Buffer.from('amd64 layer')]);
  src.putIndex('team/multi', [{ ...amd64, platform: { os: 'linux', architecture: 'amd64' } }], 'v1');
  const o = { dryRun: true, concurrency: 1, blobConcurrency: 1 };
  const some = await runRule(testRule({ platforms: ['linux/amd64'] }), src, new MemoryStore('dst'), o);
  // Before: "2 of 2 tags" selected, one of which was then skipped.
  expect(some.plan.selection?.tags).toEqual({ listed: 2, selected: 1 });
  expect(some.plan.selection?.dropped.platforms).toBe(1);
  const none = await runRule(testRule({ platforms: ['linux/s390x'] }), src, new MemoryStore('dst'), o);
  // Before: no word of it; every row skipped, and the rule looked as if it worked.
  expect(none.plan.warnings).toContain(
    "the rule selects nothing: of 2 tags, the rule's platforms (none in the index) left out 2",
  );
});
