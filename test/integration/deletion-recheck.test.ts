/**
 * The checks around a planned deletion, against a real distribution 2.8.2 (it deletes by digest)
 * behind the fault proxy: a 404 when the tag is asked again before deleting it is not taken for
 * "already gone" unless the tag list agrees, and a DELETE the registry accepts (202) but does not
 * carry out is not reported deleted. Nothing is deleted on an answer the registry contradicts.
 */
import { afterAll, afterEach, beforeAll, expect, test } from 'vitest';
import type { Digest } from '../../src/oci/digest.js';
import { RegistryStore } from '../../src/providers/registry-store.js';
import { RegistryClient } from '../../src/registry/client.js';
import type { Result } from '../../src/replicate/result.js';
import { runRule } from '../../src/replicate/rule.js';
import { verdict } from '../../src/report/outcome.js';
import { testRule } from '../support/engine.js';
import { type FaultProxy, startFaultProxy } from '../support/fault-proxy.js';
import { MemoryStore } from '../support/memory-store.js';
import { type RunningRegistry, startRegistry } from '../support/registry-process.js';

let reg: RunningRegistry;
let proxy: FaultProxy;
/** The registry itself: seeds and checks. */
let direct: RegistryStore;
/** The registry through the proxy: what the runs see. */
let viaProxy: RegistryStore;

beforeAll(async () => {
  reg = await startRegistry({ mode: 'anonymous', logLevel: 'warn' });
  proxy = await startFaultProxy({ target: reg.url });
  direct = new RegistryStore({ name: 'dst', client: new RegistryClient({ registry: reg.host, baseUrl: reg.url }) });
  viaProxy = new RegistryStore({
    name: 'dst',
    client: new RegistryClient({ registry: proxy.host, baseUrl: proxy.url, retry: { baseDelayMs: 5 } }),
  });
});

afterEach(() => {
  proxy.clearRules();
});

afterAll(async () => {
  await Promise.all([direct?.close(), viaProxy?.close()]);
  await proxy?.stop();
  await reg?.stop();
});

const once = { dryRun: false, concurrency: 1, blobConcurrency: 1 };

/**
 * `repository` at the destination holds v1 (also at the source) and the extras old1 and old2 (two
 * images): a run with delete_remote plans to delete both extras. Returns the source and the
 * digests of the extras.
 */
async function withExtras(repository: string): Promise<{ src: MemoryStore; old1: Digest; old2: Digest }> {
  const before = new MemoryStore('before');
  before.putImage(repository, [Buffer.from(`${repository} v1`)], { tag: 'v1' });
  const old1 = before.putImage(repository, [Buffer.from(`${repository} old1`)], { tag: 'old1' }).digest as Digest;
  const old2 = before.putImage(repository, [Buffer.from(`${repository} old2`)], { tag: 'old2' }).digest as Digest;
  await runRule(testRule(), before, direct, once);
  expect((await direct.listTags(repository)).sort()).toEqual(['old1', 'old2', 'v1']);
  const src = new MemoryStore('src');
  src.putImage(repository, [Buffer.from(`${repository} v1`)], { tag: 'v1' });
  return { src, old1, old2 };
}

const deleting = (repository: string) =>
  testRule({
    filters: { name: [repository] },
    deleteRemote: { enabled: true, max: 10, acknowledgeMatchAll: true },
  });

const rows = (results: Result[]) => Object.fromEntries(results.map((r) => [r.tag, r]));

/** The HEADs of a tag ferry makes before deleting it here: the plan's, the re-check of what holds its digest, the compare-then-delete. */
const HEADS_BEFORE_DELETE = 3;

test('a 404 just before the DELETE, for a tag the registry still lists, is a refused deletion, not "already gone"', async () => {
  const repo = 'recheck/compare';
  const { src, old1 } = await withExtras(repo);
  const head = `/v2/${repo}/manifests/old1`;
  // A lagging replica answers 404 to the compare-then-delete HEAD only.
  const glitch = proxy.addRule({
    method: 'HEAD',
    path: head,
    skip: HEADS_BEFORE_DELETE - 1,
    action: { kind: 'status', status: 404, body: '{"errors":[{"code":"MANIFEST_UNKNOWN"}]}' },
  });
  const out = await runRule(deleting(repo), src, viaProxy, once);

  expect(glitch.count()).toBe(1);
  expect(proxy.countBy('HEAD', head)).toBe(HEADS_BEFORE_DELETE);
  const r = rows(out.results);
  expect(r.old1?.status).toBe('refused');
  expect(r.old1?.reason).toMatch(
    /not deleted: the registry did not find old1 when asked just before deleting it, yet still lists it/,
  );
  expect(r.old1?.error?.message).toContain(`${proxy.host}/${repo}:old1 was not found just before deleting it`);
  expect(r.old1?.error?.hint).toMatch(/^run again: .*lag/);
  expect(r.old2?.status).toBe('deleted');
  // Before: `unchanged` ("already gone"), folded into the unchanged count, a clean success.
  expect(out.results.filter((x) => x.status === 'unchanged').map((x) => x.tag)).toEqual(['v1']);
  expect(verdict({ results: out.results, ruleErrors: out.ruleErrors })).toMatchObject({
    status: 'warned',
    reason: expect.stringContaining('1 deletion refused'),
  });
  expect((await direct.listTags(repo)).sort()).toEqual(['old1', 'v1']);
  expect(await direct.manifestHead(repo, 'old1')).toMatchObject({ digest: old1 });
});

test('a tag another writer deleted since the plan (not found, and no longer listed) is "already gone"', async () => {
  const repo = 'recheck/gone';
  const { src, old1 } = await withExtras(repo);
  const head = `/v2/${repo}/manifests/old1`;
  // Just before the compare-then-delete HEAD, someone else deletes old1.
  const race = proxy.addRule({
    method: 'HEAD',
    path: head,
    skip: HEADS_BEFORE_DELETE - 1,
    action: {
      kind: 'custom',
      handle: (_req, res, forward) => {
        direct.deleteTag(repo, 'old1', old1).then(forward, (e: unknown) => {
          res.statusCode = 500;
          res.end(String(e));
        });
      },
    },
  });
  const out = await runRule(deleting(repo), src, viaProxy, once);

  expect(race.count()).toBe(1);
  const r = rows(out.results);
  expect(r.old1).toMatchObject({
    status: 'unchanged',
    reason: 'changed since planned: already gone (not found, and no longer listed)',
  });
  expect(r.old2?.status).toBe('deleted');
  expect(verdict({ results: out.results, ruleErrors: out.ruleErrors }).status).toBe('succeeded');
  expect(await direct.listTags(repo)).toEqual(['v1']);
});

test('a 404 when what holds the digest is read again refuses every deletion of the repository, with a hint', async () => {
  const repo = 'recheck/holders';
  const { src, old1, old2 } = await withExtras(repo);
  const head = `/v2/${repo}/manifests/old1`;
  // The second HEAD of old1 is the re-check of the tags on the digests to delete (2.8.2 deletes
  // by digest): the registry lists old1, then does not find it.
  const glitch = proxy.addRule({
    method: 'HEAD',
    path: head,
    skip: 1,
    action: { kind: 'status', status: 404, body: '{"errors":[{"code":"MANIFEST_UNKNOWN"}]}' },
  });
  const out = await runRule(deleting(repo), src, viaProxy, once);

  expect(glitch.count()).toBe(1);
  const r = rows(out.results);
  for (const [tag, digest] of [
    ['old1', old1],
    ['old2', old2],
  ] as const) {
    // Before: failed, `internal: … lists old1, which the registry then did not find`, no hint.
    expect(r[tag]?.status, tag).toBe('refused');
    expect(r[tag]?.reason, tag).toBe(
      `not deleted: this registry deletes by digest, and what else holds ${digest} could not be read again just before deleting it`,
    );
    expect(r[tag]?.error?.kind, tag).toBe('listing');
    expect(r[tag]?.error?.message, tag).toContain(
      `${proxy.host}/${repo} lists old1, which the registry then did not find`,
    );
    expect(r[tag]?.error?.hint, tag).toMatch(/^run again: .*lag/);
  }
  expect(proxy.countBy('DELETE', `/v2/${repo}/manifests/`)).toBe(0);
  expect(verdict({ results: out.results, ruleErrors: out.ruleErrors })).toMatchObject({
    status: 'warned',
    reason: expect.stringContaining('2 deletions refused'),
  });
  expect((await direct.listTags(repo)).sort()).toEqual(['old1', 'old2', 'v1']);
});

test('a DELETE answered 202 that deletes nothing fails its row, naming registry, repository and tag', async () => {
  const repo = 'recheck/noop';
  const { src, old1, old2 } = await withExtras(repo);
  // A registry that accepts deletions and does not carry them out.
  const noop = proxy.addRule({
    method: 'DELETE',
    path: '/manifests/',
    times: Infinity,
    action: { kind: 'status', status: 202 },
  });
  const out = await runRule(deleting(repo), src, viaProxy, once);

  expect(noop.count()).toBe(2);
  const r = rows(out.results);
  for (const [tag, digest] of [
    ['old1', old1],
    ['old2', old2],
  ] as const) {
    // Before: deleted.
    expect(r[tag]?.status, tag).toBe('failed');
    expect(r[tag]?.error?.kind, tag).toBe('not-deleted');
    expect(r[tag]?.error?.message, tag).toBe(
      `deleting ${proxy.host}/${repo}:${tag}: ${proxy.host} accepted the DELETE, yet right after it still serves its manifest ${digest}`,
    );
    expect(r[tag]?.error?.hint?.startsWith(`${proxy.host} answers a DELETE as done`), tag).toBe(true);
    expect(r[tag]?.error?.hint, tag).toMatch(
      /check that deletion is enabled there .* asynchronously; the next run deletes old. again/,
    );
  }
  expect(verdict({ results: out.results, ruleErrors: out.ruleErrors }).status).toBe('failed');
  expect((await direct.listTags(repo)).sort()).toEqual(['old1', 'old2', 'v1']);
});

test('a deletion that happened is checked with one HEAD of the deleted digest, and reported deleted', async () => {
  const repo = 'recheck/real';
  const { src, old1, old2 } = await withExtras(repo);
  const from = proxy.requests.length;
  const out = await runRule(deleting(repo), src, viaProxy, once);

  const r = rows(out.results);
  expect([r.old1?.status, r.old2?.status]).toEqual(['deleted', 'deleted']);
  expect(verdict({ results: out.results, ruleErrors: out.ruleErrors }).status).toBe('succeeded');
  expect(await direct.listTags(repo)).toEqual(['v1']);
  // Each DELETE (by digest: 2.8.2) is followed by one HEAD of that digest, which finds it gone.
  const after = proxy.requests
    .slice(from)
    .filter((q) => q.method === 'DELETE' || (q.method === 'HEAD' && q.path.includes('/manifests/sha256:')))
    .map((q) => `${q.method} ${q.path.slice(q.path.lastIndexOf('/') + 1)} ${q.status}`);
  expect(after).toEqual([`DELETE ${old1} 202`, `HEAD ${old1} 404`, `DELETE ${old2} 202`, `HEAD ${old2} 404`]);
});

test('a deletion whose check cannot be made is not reported deleted', async () => {
  const repo = 'recheck/unchecked';
  const { src } = await withExtras(repo);
  // The registry deletes, then fails every HEAD by digest: the checks after the DELETEs.
  const down = proxy.addRule({
    method: 'HEAD',
    path: `/v2/${repo}/manifests/sha256:`,
    times: Infinity,
    action: { kind: 'status', status: 500 },
  });
  const out = await runRule(deleting(repo), src, viaProxy, once);

  expect(down.count()).toBeGreaterThan(0);
  const r = rows(out.results);
  for (const tag of ['old1', 'old2']) {
    expect(r[tag]?.status, tag).toBe('failed');
    expect(r[tag]?.reason, tag).toBe('the registry accepted the deletion, but checking that the tag is gone failed');
    expect(r[tag]?.error?.status, tag).toBe(500);
  }
  expect(proxy.countBy('DELETE', `/v2/${repo}/manifests/`)).toBe(2);
});
