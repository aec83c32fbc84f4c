/**
 * `latest: N` with delete_remote on a source that reports no creation times (a plain registry,
 * GHCR, Docker Hub): a tag appearing that is no version must not change which releases are the
 * newest, or the mirror's newest releases are deleted.
 */
import { join } from 'node:path';
import { expect, test } from 'vitest';
import { referrersTag } from '../../../src/oci/referrers.js';
import { OciLayoutStore } from '../../../src/providers/oci-layout.js';
import { runRule } from '../../../src/replicate/rule.js';
import { dirPerTest, testRule } from '../../support/engine.js';
import { putLayoutImage } from '../../support/layout-image.js';

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
