/**
 * RELIABILITY E2: a Docker schema1 tag at the source is skipped with a reason a person can act
 * on; it neither fails the run nor keeps the rule from deleting what the source lost.
 */
import { expect, test } from 'vitest';
import { runRule } from '../../../src/replicate/rule.js';
import { intercept, testRule } from '../../support/engine.js';
import { MemoryStore } from '../../support/memory-store.js';

test('a schema1 tag is skipped, and the extra at the destination is still deleted', async () => {
  const src = new MemoryStore('src');
  const dst = new MemoryStore('dst');
  src.putImage('app', [Buffer.from('layer one')], { tag: 'v2' });
  // As `docker push` wrote them before 2017.
  const legacy = { schemaVersion: 1, name: 'app', tag: 'v1', architecture: 'amd64', fsLayers: [], history: [] };
  src.putManifest('app', legacy, 'v1');
  dst.putImage('app', [Buffer.from('old layer')], { tag: 'gone' });

  const rule = testRule({ deleteRemote: { enabled: true, max: 10, acknowledgeMatchAll: true } });
  const run = await runRule(rule, src, dst, { dryRun: false, concurrency: 2, blobConcurrency: 2, resolveDelays: [] });
  const rows = Object.fromEntries(run.results.map((r) => [r.tag, r]));
  expect(rows.v2?.status).toBe('copied');
  expect(rows.v1?.status).toBe('skipped');
  expect(rows.v1?.reason).toMatch(
    /^a Docker schema1 manifest, deprecated since 2017 and not copied: push the image again/,
  );
  expect(rows.gone?.status).toBe('deleted');
});

test('a schema1 tag a listing with digests names (Harbor) is skipped before any read, and deletions go on', async () => {
  const src = new MemoryStore('src');
  const dst = new MemoryStore('dst');
  const v2 = src.putImage('app', [Buffer.from('layer one')], { tag: 'v2' });
  const v1 = src.putManifest(
    'app',
    { schemaVersion: 1, name: 'app', tag: 'v1', architecture: 'amd64', fsLayers: [], history: [] },
    'v1',
  );
  dst.putImage('app', [Buffer.from('old layer')], { tag: 'gone' });
  // Harbor's artifacts API: each tag with its digest and its manifest's media type.
  const harbor = intercept(src, {
    listTagDetails: async () => [
      { tag: 'v1', digest: v1.digest, mediaType: 'application/vnd.docker.distribution.manifest.v1+prettyjws' },
      { tag: 'v2', digest: v2.digest, mediaType: v2.mediaType },
    ],
  });
  const rule = testRule({ deleteRemote: { enabled: true, max: 10, acknowledgeMatchAll: true } });
  const run = await runRule(rule, harbor, dst, {
    dryRun: false,
    concurrency: 2,
    blobConcurrency: 2,
    resolveDelays: [],
  });
  const rows = Object.fromEntries(run.results.map((r) => [r.tag, r.status]));
  expect(rows).toEqual({ v1: 'skipped', v2: 'copied', gone: 'deleted' });
});
