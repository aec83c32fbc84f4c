/**
 * Memory flat in the number of repositories (issue 14 item 1): the gatherer lists a bounded number
 * of repositories at a time, so a registry of thousands does not have every listing and every
 * queued HEAD in memory together, and the registry sees a bounded number of listings at once.
 */
import { expect, test } from 'vitest';
import { runRule } from '../../../src/replicate/rule.js';
import { MemoryStore } from '../../support/memory-store.js';
import { testRule } from '../../support/engine.js';

const rule = testRule({ name: 'many', concurrency: 4 });

/** A store whose listings take a moment, counting how many are under way at once. */
class SlowListings extends MemoryStore {
  now = 0;
  most = 0;
  override async listTags(repository: string) {
    this.most = Math.max(this.most, ++this.now);
    await new Promise((r) => setTimeout(r, 2));
    this.now--;
    return super.listTags(repository);
  }
}

test('a rule over 300 repositories lists at most 16 at a time on each side, and plans them all', async () => {
  const src = new SlowListings('src');
  const dst = new SlowListings('dst');
  for (let r = 0; r < 300; r++) src.putImage(`team/app-${r}`, [Buffer.from(`layer ${r}`)], { tag: 'v1' });
  const run = await runRule(rule, src, dst, { dryRun: true, concurrency: 4, blobConcurrency: 4 });
  expect(run.plan.items.length).toBe(300);
  expect(run.plan.items.every((i) => i.action === 'copy')).toBe(true);
  expect(src.most).toBeLessThanOrEqual(16);
  expect(dst.most).toBeLessThanOrEqual(16);
});
