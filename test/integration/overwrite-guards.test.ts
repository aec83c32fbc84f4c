/**
 * Writes a glitch must not cause, with a real distribution 2.8.2 as the destination behind the fault
 * proxy: with override off, a destination tag is never written over, even when a read of it fails.
 */
import { afterAll, beforeAll, expect, test } from 'vitest';
import { RegistryStore } from '../../src/providers/registry-store.js';
import { RegistryClient } from '../../src/registry/client.js';
import { runRule } from '../../src/replicate/rule.js';
import { testRule } from '../support/engine.js';
import { type FaultProxy, startFaultProxy } from '../support/fault-proxy.js';
import { MemoryStore } from '../support/memory-store.js';
import { type RunningRegistry, startRegistry } from '../support/registry-process.js';

let reg: RunningRegistry;
let px: FaultProxy;
/** The destination as ferry sees it (through the proxy), and as it is (direct). */
let dst: RegistryStore;
let direct: RegistryStore;

beforeAll(async () => {
  reg = await startRegistry({ mode: 'anonymous', logLevel: 'warn' });
  px = await startFaultProxy({ target: reg.url });
  dst = new RegistryStore({ name: 'dst', client: new RegistryClient({ registry: px.host, baseUrl: px.url }) });
  direct = new RegistryStore({ name: 'direct', client: new RegistryClient({ registry: reg.host, baseUrl: reg.url }) });
});

afterAll(async () => {
  await Promise.all([dst?.close(), direct?.close()]);
  await px?.stop();
  await reg?.stop();
});

const once = { concurrency: 1, blobConcurrency: 1 };

/** `repo:v1` at the destination holds an image of its own owner's, not the source's. */
async function theirs(repo: string) {
  const owner = new MemoryStore('owner');
  const image = owner.putImage(repo, [Buffer.from(`their own ${repo}`)], { tag: 'v1' });
  await runRule(testRule(), owner, direct, { dryRun: false, ...once });
  expect((await direct.manifestHead(repo, 'v1'))?.digest).toBe(image.digest);
  return image.digest;
}

test('override off: a listed destination tag whose read answers 404 is not written over', async () => {
  const mine = await theirs('team/lagging');
  const src = new MemoryStore('src');
  src.putImage('team/lagging', [Buffer.from('the source release')], { tag: 'v1' });
  // The tag list names v1; its HEAD reaches a replica that does not have it yet.
  const lag = px.addRule({
    method: 'HEAD',
    path: '/v2/team/lagging/manifests/v1',
    action: { kind: 'status', status: 404 },
  });
  try {
    const run = await runRule(testRule({ override: false }), src, dst, { dryRun: false, ...once });
    expect(lag.count()).toBe(1);
    // Before, the plan said copy (the tag looked absent) and the run wrote it: 'copied'.
    expect(run.results.map((r) => [r.tag, r.status])).toEqual([['v1', 'failed']]);
    expect(run.results[0]!.reason).toMatch(/lists the tag, but reading it found nothing .* override is off/);
    // What to do is the row's hint, as for every failed row (the summary's hint column).
    expect(run.results[0]!.error?.hint).toMatch(/^run again; if it persists the tag is dangling/);
    expect((await direct.manifestHead('team/lagging', 'v1'))?.digest).toBe(mine);
  } finally {
    px.clearRules();
  }
});

test('override on: a listed destination tag whose read answers 404 is written, as the rule asks', async () => {
  await theirs('team/dangling');
  const src = new MemoryStore('src');
  const release = src.putImage('team/dangling', [Buffer.from('the source release')], { tag: 'v1' });
  px.addRule({ method: 'HEAD', path: '/v2/team/dangling/manifests/v1', action: { kind: 'status', status: 404 } });
  try {
    // A dangling tag (listed, its manifest gone) is mended by a rule that overwrites anyway.
    const run = await runRule(testRule({ override: true }), src, dst, { dryRun: false, ...once });
    expect(run.results.map((r) => [r.tag, r.status])).toEqual([['v1', 'copied']]);
    expect((await direct.manifestHead('team/dangling', 'v1'))?.digest).toBe(release.digest);
  } finally {
    px.clearRules();
  }
});

test('override off: a tag pushed while the copy moves its blobs is kept, and the copy says so', async () => {
  const src = new MemoryStore('src');
  src.putImage('team/race', [Buffer.from('the source release')], { tag: 'v1' });
  // The plan finds v1 absent. While the copy's first blob upload opens, the owner pushes their v1.
  let pushed: string | undefined;
  px.addRule({
    method: 'POST',
    path: '/v2/team/race/blobs/uploads/',
    action: {
      kind: 'custom',
      handle: (_req, _res, forward) => {
        void theirs('team/race').then((digest) => {
          pushed = digest;
          forward();
        });
      },
    },
  });
  try {
    const run = await runRule(testRule({ override: false }), src, dst, { dryRun: false, ...once });
    expect(pushed).toBeDefined();
    // Before, the copy wrote its tag over the owner's and reported 'copied'.
    expect(run.results.map((r) => [r.tag, r.status, r.destinationDigest])).toEqual([['v1', 'kept', pushed]]);
    expect(run.results[0]!.reason).toMatch(
      /^changed since planned: the tag appeared at the destination, pointing at sha256:[0-9a-f]{64}; override is off, so it is kept$/,
    );
    expect((await direct.manifestHead('team/race', 'v1'))?.digest).toBe(pushed);
  } finally {
    px.clearRules();
  }
});

test('override off: the same platform subset written first by another run is no one else’s image: copied', async () => {
  const src = new MemoryStore('src');
  const amd64 = src.putImage('team/subset', [Buffer.from('amd64 release')]);
  const arm64 = src.putImage('team/subset', [Buffer.from('arm64 release')]);
  src.putIndex(
    'team/subset',
    [
      { ...amd64, platform: { os: 'linux', architecture: 'amd64' } },
      { ...arm64, platform: { os: 'linux', architecture: 'arm64' } },
    ],
    'v1',
  );
  const rule = testRule({ override: false, platforms: ['linux/amd64'] });
  // Another run of the rule (a shard, an event) writes the same subset while this one moves blobs.
  let other: string | undefined;
  px.addRule({
    method: 'POST',
    path: '/v2/team/subset/blobs/uploads/',
    action: {
      kind: 'custom',
      handle: (_req, _res, forward) => {
        void runRule(rule, src, direct, { dryRun: false, ...once }).then((r) => {
          other = r.results[0]?.destinationDigest;
          forward();
        });
      },
    },
  });
  try {
    const run = await runRule(rule, src, dst, { dryRun: false, ...once });
    expect(other).toBeDefined();
    // Before, the subset's digest was compared with the source index's: 'kept', "appeared".
    expect(run.results.map((r) => [r.tag, r.status, r.destinationDigest])).toEqual([['v1', 'copied', other]]);
  } finally {
    px.clearRules();
  }
});
