/**
 * Deletions a glitch must not cause, with a real distribution 2.8.2 as the destination: it deletes
 * by digest, so deleting one tag takes every tag of that digest with it.
 */
import { afterAll, beforeAll, expect, test } from 'vitest';
import type { Digest } from '../../src/oci/digest.js';
import { RateBudgetError } from '../../src/providers/dockerhub.js';
import { RegistryStore } from '../../src/providers/registry-store.js';
import { RegistryClient } from '../../src/registry/client.js';
import { runRule } from '../../src/replicate/rule.js';
import { intercept, testRule } from '../support/engine.js';
import { MemoryStore } from '../support/memory-store.js';
import { type RunningRegistry, startRegistry } from '../support/registry-process.js';

let reg: RunningRegistry;
let dst: RegistryStore;

beforeAll(async () => {
  reg = await startRegistry({ mode: 'anonymous', logLevel: 'warn' });
  dst = new RegistryStore({ name: 'dst', client: new RegistryClient({ registry: reg.host, baseUrl: reg.url }) });
});

afterAll(async () => {
  await dst?.close();
  await reg?.stop();
});

const once = { concurrency: 1, blobConcurrency: 1 };

test('an update deferred by the pull quota blocks the deletion that would take its old digest with it', async () => {
  // The mirror holds latest and 1.0, one digest.
  const before = new MemoryStore('before');
  const old = before.putImage('team/app', [Buffer.from('old release')], { tag: 'latest' });
  before.tags.get('team/app')!.set('1.0', old.digest as Digest);
  await runRule(testRule(), before, dst, { dryRun: false, ...once });
  expect((await dst.listTags('team/app')).sort()).toEqual(['1.0', 'latest']);

  // At the source latest has moved on to a two-platform index and 1.0 is gone: the plan updates
  // latest, then deletes 1.0.
  const src = new MemoryStore('src');
  const amd64 = src.putImage('team/app', [Buffer.from('new release, amd64')]);
  const arm64 = src.putImage('team/app', [Buffer.from('new release, arm64')]);
  src.putIndex(
    'team/app',
    [
      { ...amd64, platform: { os: 'linux', architecture: 'amd64' } },
      { ...arm64, platform: { os: 'linux', architecture: 'arm64' } },
    ],
    'latest',
  );
  const quotaLeft = { reads: 0 };
  const hub = intercept(src, {
    // Docker Hub's pull quota runs out once the plan has read latest's index: the copy of its
    // platforms is deferred.
    manifestGet: async (repo: string, ref: string) => {
      if (quotaLeft.reads-- <= 0)
        throw new RateBudgetError({
          kind: 'rate-limited',
          registry: 'registry-1.docker.io',
          operation: `pulling ${ref} of`,
          detail: 'the Docker Hub pull quota is down to 0 of 100',
          temporary: true,
        });
      return src.manifestGet(repo, ref);
    },
  });
  const rule = testRule({ deleteRemote: { enabled: true, max: 10, acknowledgeMatchAll: true } });
  quotaLeft.reads = 1;
  const out = await runRule(rule, hub, dst, { dryRun: false, ...once });

  const status = Object.fromEntries(out.results.map((r) => [r.tag, r]));
  expect(status.latest?.status).toBe('deferred');
  expect(status['1.0']?.status).toBe('refused');
  expect(status['1.0']?.reason).toMatch(/deletion refused: team\/app:latest was deferred, not written/);
  // Both tags are still there, at the digest they had.
  expect((await dst.listTags('team/app')).sort()).toEqual(['1.0', 'latest']);
  expect(await dst.manifestHead('team/app', 'latest')).toMatchObject({ digest: old.digest });
});

test('a tag pushed onto the digest being deleted after the plan keeps the deletion from taking it along', async () => {
  // The mirror holds v1 and old; old is gone at the source.
  const before = new MemoryStore('before');
  const v1 = before.putImage('team/race', [Buffer.from('release 1')], { tag: 'v1' });
  const old = before.putImage('team/race', [Buffer.from('old release')], { tag: 'old' });
  await runRule(testRule(), before, dst, { dryRun: false, ...once });

  const src = new MemoryStore('src');
  src.putImage('team/race', [Buffer.from('release 1')], { tag: 'v1' });
  src.putImage('team/race', [Buffer.from('release 2')], { tag: 'v2' });
  const oldManifest = (await dst.manifestGet('team/race', 'old'))!;
  // While the run copies v2 (after its plan), someone pins the old release under a new tag.
  const racing = intercept(dst, {
    manifestPut: async (repo: string, ref: string, bytes: Buffer, mediaType: string, opts?: object) => {
      if (ref === 'v2') await dst.manifestPut('team/race', 'pinned', oldManifest.bytes, oldManifest.mediaType);
      return dst.manifestPut(repo, ref, bytes, mediaType, opts);
    },
  });
  const rule = testRule({ deleteRemote: { enabled: true, max: 10, acknowledgeMatchAll: true } });
  const out = await runRule(rule, src, racing, { dryRun: false, ...once });

  const status = Object.fromEntries(out.results.map((r) => [r.tag, r]));
  expect(status.v2?.status).toBe('copied');
  expect(status.old?.status).toBe('refused');
  expect(status.old?.reason).toMatch(/changed since planned: tag pinned now also points at sha256:[a-f0-9]{64}/);
  expect((await dst.listTags('team/race')).sort()).toEqual(['old', 'pinned', 'v1', 'v2']);
  expect(await dst.manifestHead('team/race', 'pinned')).toMatchObject({ digest: old.digest });
  expect(v1.digest).not.toBe(old.digest);
});

test('two tags of one digest deleted together: the plan’s rows say so as the run’s do', async () => {
  const before = new MemoryStore('before');
  const gone = before.putImage('team/pair', [Buffer.from('retired release')], { tag: 'rc' });
  before.tags.get('team/pair')!.set('final', gone.digest as Digest);
  before.putImage('team/pair', [Buffer.from('current release')], { tag: 'v2' });
  await runRule(testRule(), before, dst, { dryRun: false, ...once });

  const src = new MemoryStore('src');
  src.putImage('team/pair', [Buffer.from('current release')], { tag: 'v2' });
  const rule = testRule({ deleteRemote: { enabled: true, max: 10, acknowledgeMatchAll: true } });
  const rows = (results: { tag: string; status: string; reason?: string }[]) =>
    results.map((r) => `${r.tag} ${r.status.replace('would-delete', 'deleted')} ${r.reason ?? ''}`);
  const plan = await runRule(rule, src, dst, { dryRun: true, ...once });
  const run = await runRule(rule, src, dst, { dryRun: false, ...once });
  // Before: the plan showed two plain deletions, the run one of them "deleted with" the other.
  expect(rows(plan.results)).toEqual(rows(run.results));
  expect(rows(run.results)).toContain('rc deleted deleted with final (same digest; this registry deletes by digest)');
  expect(await dst.listTags('team/pair')).toEqual(['v2']);
});
