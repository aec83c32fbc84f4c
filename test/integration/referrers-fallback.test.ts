/**
 * RELIABILITY E3: a signature copied from a source with a referrers API into distribution 2.8.2
 * (no referrers API, no OCI-Subject) is added to the destination's `sha256-<hex>` fallback index.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import type { Digest } from '../../src/oci/digest.js';
import { MediaType } from '../../src/oci/media-types.js';
import { OciLayoutStore } from '../../src/providers/oci-layout.js';
import { RegistryStore } from '../../src/providers/registry-store.js';
import { referrersTag } from '../../src/oci/referrers.js';
import { RegistryClient } from '../../src/registry/client.js';
import { runRule } from '../../src/replicate/rule.js';
import { dirPerTest, testRule } from '../support/engine.js';
import { startFaultProxy } from '../support/fault-proxy.js';
import { putLayoutImage, putLayoutSignature, SIGNATURE, withReferrersApi } from '../support/layout-image.js';
import { type RunningRegistry, startRegistry } from '../support/registry-process.js';
import { dockerRef, inspectRaw, refOptions } from '../support/skopeo.js';

const tmp = dirPerTest('ferry-e3-');
let reg: RunningRegistry;
beforeAll(async () => {
  reg = await startRegistry({ mode: 'anonymous', logLevel: 'error' });
});
afterAll(async () => {
  await reg?.stop();
});

const newClient = () => new RegistryClient({ registry: reg.host, baseUrl: reg.url, retry: { baseDelayMs: 10 } });

test('a source with the referrers API -> distribution 2.8.2: the fallback index lists the signatures', async () => {
  const layout = new OciLayoutStore('src', join(tmp(), 'src'));
  const v1 = (await putLayoutImage(layout, 'team/app', 'v1')) as Digest;
  const sigs = [
    await putLayoutSignature(layout, 'team/app', v1, { n: '1' }),
    await putLayoutSignature(layout, 'team/app', v1, { n: '2' }),
  ];
  const src = withReferrersApi(layout, new Map([[v1, sigs]])).store;
  const rule = testRule({ destinationNamespace: 'mirror', flattening: 1, referrers: true });

  const client = newClient();
  const r = await runRule(rule, src, new RegistryStore({ name: 'dst', client }), {
    dryRun: false,
    concurrency: 2,
    blobConcurrency: 2,
  });
  await client.close();
  expect(r.results.map((x) => x.status)).toEqual(['copied']);

  const check = newClient();
  const tag = referrersTag(v1);
  expect(await check.tags('mirror/app')).toEqual(expect.arrayContaining(['v1', tag]));
  const fallback = await check.manifestGet('mirror/app', tag);
  expect(fallback?.mediaType).toBe(MediaType.OciIndex);
  expect(new Set(fallback?.parsed.manifests.map((d) => d.digest))).toEqual(new Set(sigs.map((s) => s.digest)));
  expect(fallback?.parsed.manifests.every((d) => d.artifactType === SIGNATURE)).toBe(true);
  const found = await check.referrers('mirror/app', v1);
  expect(new Set(found.map((d) => d.digest))).toEqual(new Set(sigs.map((s) => s.digest)));
  await check.close();

  const raw = JSON.parse((await inspectRaw(dockerRef(reg, `mirror/app:${tag}`), refOptions(reg, null))).toString()) as {
    manifests: { digest: string }[];
  };
  expect(new Set(raw.manifests.map((d) => d.digest))).toEqual(new Set(sigs.map((s) => s.digest)));

  // A second run has nothing to write.
  const again = newClient();
  const r2 = await runRule(rule, src, new RegistryStore({ name: 'dst', client: again }), {
    dryRun: false,
    concurrency: 2,
    blobConcurrency: 2,
  });
  expect(r2.results.map((x) => x.status)).not.toContain('failed');
  expect(again.transport.counts().PUT ?? 0).toBe(0);
  await again.close();
});

test('referrers: always -> distribution 2.8.2: a signature added after the copy joins the fallback index', async () => {
  const layout = new OciLayoutStore('src', join(tmp(), 'src'));
  const v1 = (await putLayoutImage(layout, 'team/late', 'v1')) as Digest;
  const first = await putLayoutSignature(layout, 'team/late', v1, { n: '1' });
  const referrers = new Map([[v1, [first]]]);
  const src = withReferrersApi(layout, referrers).store;
  const rule = testRule({ destinationNamespace: 'mirror', flattening: 1, referrers: 'always' });
  const run = async () => {
    const client = newClient();
    const r = await runRule(rule, src, new RegistryStore({ name: 'dst', client }), {
      dryRun: false,
      concurrency: 2,
      blobConcurrency: 2,
    });
    await client.close();
    return r.results.map((x) => x.status);
  };
  expect(await run()).toEqual(['copied']);

  // cosign signs v1 again after it was mirrored.
  const late = await putLayoutSignature(layout, 'team/late', v1, { n: '2' });
  referrers.set(v1, [first, late]);
  expect(await run()).toEqual(['unchanged', 'copied']);

  const check = newClient();
  const found = await check.referrers('mirror/late', v1);
  expect(new Set(found.map((d) => d.digest))).toEqual(new Set([first.digest, late.digest]));
  await check.close();
});

test('a fallback index the registry lists but once fails to serve is left as it is: the signature already in it stays listed', async () => {
  const layout = new OciLayoutStore('src', join(tmp(), 'src'));
  const v1 = (await putLayoutImage(layout, 'team/glitch', 'v1')) as Digest;
  const first = await putLayoutSignature(layout, 'team/glitch', v1, { n: '1' });
  const referrers = new Map([[v1, [first]]]);
  const src = withReferrersApi(layout, referrers).store;
  const rule = testRule({ destinationNamespace: 'mirror', flattening: 1, referrers: 'always' });
  const proxy = await startFaultProxy({ target: reg.url });
  const run = async (url: string) => {
    const client = new RegistryClient({ registry: reg.host, baseUrl: url, retry: { baseDelayMs: 10 } });
    const r = await runRule(rule, src, new RegistryStore({ name: 'dst', client }), {
      dryRun: false,
      concurrency: 2,
      blobConcurrency: 2,
    });
    await client.close();
    return r.results;
  };
  const indexed = async () => {
    const check = newClient();
    const found = await check.referrers('mirror/glitch', v1);
    await check.close();
    return new Set(found.map((d) => d.digest));
  };
  try {
    expect((await run(reg.url)).map((x) => x.status)).toEqual(['copied']);
    expect(await indexed()).toEqual(new Set([first.digest]));

    // cosign signs v1 again; the next run's read of the index, after it wrote the new signature,
    // meets a replica that has not caught up: 404 for a tag the registry lists.
    const late = await putLayoutSignature(layout, 'team/glitch', v1, { n: '2' });
    referrers.set(v1, [first, late]);
    const tag = referrersTag(v1);
    const glitch = proxy.addRule({
      method: 'GET',
      path: `/v2/mirror/glitch/manifests/${tag}`,
      times: Infinity,
      action: {
        kind: 'custom',
        handle: (_req, res, forward) => {
          if (!proxy.requests.some((r) => r.method === 'PUT' && r.path.endsWith(`/manifests/${late.digest}`)))
            return forward();
          res.writeHead(404, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ errors: [{ code: 'MANIFEST_UNKNOWN', message: 'manifest unknown' }] }));
        },
      },
    });
    const second = await run(proxy.url);
    expect(second.map((x) => x.status)).toEqual(['unchanged', 'failed']);
    expect(second[1]?.error?.message).toMatch(new RegExp(`tag ${tag} was listed, but reading it found nothing`));
    expect(second[1]?.error?.hint).toMatch(/left it as it is .* run again/);
    expect(glitch.count()).toBeGreaterThan(0);
    expect(await indexed()).toEqual(new Set([first.digest]));

    // The replica has caught up: the next run adds the late signature beside the first.
    expect((await run(reg.url)).map((x) => x.status)).toEqual(['unchanged', 'copied']);
    expect(await indexed()).toEqual(new Set([first.digest, late.digest]));
  } finally {
    await proxy.stop();
  }
});

test('two tags of one signed image: each signature is written once, and a destination refusing the referrers endpoint (406) still gets them', async () => {
  const layout = new OciLayoutStore('src', join(tmp(), 'src'));
  const v1 = (await putLayoutImage(layout, 'team/twice', 'v1')) as Digest;
  await layout.manifestPut(
    'team/twice',
    'latest',
    (await layout.manifestGet('team/twice', 'v1'))!.bytes,
    MediaType.OciManifest,
  );
  const sigs = [
    await putLayoutSignature(layout, 'team/twice', v1, { n: '1' }),
    await putLayoutSignature(layout, 'team/twice', v1, { n: '2' }),
  ];
  const src = withReferrersApi(layout, new Map([[v1, sigs]])).store;
  const rule = testRule({ destinationNamespace: 'mirror', flattening: 1, referrers: true });
  const proxy = await startFaultProxy({ target: reg.url });
  // Artifactory answers the referrers endpoint it does not route with 406.
  proxy.addRule({ path: '/referrers/', times: Infinity, action: { kind: 'status', status: 406 } });
  try {
    const client = new RegistryClient({ registry: reg.host, baseUrl: proxy.url, retry: { baseDelayMs: 10 } });
    const r = await runRule(rule, src, new RegistryStore({ name: 'dst', client }), {
      dryRun: false,
      concurrency: 1,
      blobConcurrency: 2,
    });
    await client.close();
    expect(r.results.map((x) => `${x.status} ${x.tag}`).sort()).toEqual(['copied latest', 'copied v1']);
    for (const s of sigs) expect(proxy.countBy('PUT', `/manifests/${s.digest}`)).toBe(1);
    const check = newClient();
    const found = await check.referrers('mirror/twice', v1);
    await check.close();
    expect(new Set(found.map((d) => d.digest))).toEqual(new Set(sigs.map((s) => s.digest)));
  } finally {
    await proxy.stop();
  }
});

test("a source's fallback index the plan could not read is not written by its subject's copy: the destination's stays", async () => {
  const layout = new OciLayoutStore('src', join(tmp(), 'src'));
  const v1 = (await putLayoutImage(layout, 'team/unread', 'v1')) as Digest;
  const first = await putLayoutSignature(layout, 'team/unread', v1, { n: '1' });
  const referrers = new Map([[v1, [first]]]);
  const api = withReferrersApi(layout, referrers).store;
  const once = { dryRun: false, concurrency: 1, blobConcurrency: 1 };
  const store = (client: RegistryClient, name = 'reg') => new RegistryStore({ name, client });
  const direct = newClient();
  // The source: team/unread:v1 signed, its fallback index [first] (distribution has no referrers API).
  await runRule(testRule({ referrers: true }), api, store(direct), once);
  const mirror = testRule({
    destinationNamespace: 'mirror',
    flattening: 1,
    referrers: true,
    filters: { name: ['team/unread'] },
  });
  expect((await runRule(mirror, store(direct), store(direct), once)).results.map((x) => x.status)).toContain('copied');
  // A signature added at the mirror only: its fallback index now lists [first, late].
  const late = await putLayoutSignature(layout, 'team/unread', v1, { n: '2' });
  referrers.set(v1, [first, late]);
  await runRule({ ...mirror, referrers: 'always' }, api, store(direct), once);
  const listed = async () => new Set((await direct.referrers('mirror/unread', v1)).map((d) => d.digest));
  expect(await listed()).toEqual(new Set([first.digest, late.digest]));
  // Someone moves the mirror's v1: the next run updates it, which copies its referrers too.
  const other = new OciLayoutStore('other', join(tmp(), 'other'));
  await putLayoutImage(other, 'mirror/unread', 'moved');
  await runRule(testRule(), other, store(direct), once);
  await direct.manifestPut(
    'mirror/unread',
    'v1',
    (await direct.manifestGet('mirror/unread', 'moved'))!.bytes,
    MediaType.OciManifest,
  );
  // The plan's read of the source's fallback tag fails; the copy's read a moment later would not.
  const proxy = await startFaultProxy({ target: reg.url });
  const tag = referrersTag(v1);
  const glitch = proxy.addRule({
    method: 'HEAD',
    path: `/v2/team/unread/manifests/${tag}`,
    action: { kind: 'status', status: 500 },
  });
  try {
    const flaky = new RegistryClient({ registry: reg.host, baseUrl: proxy.url, retry: { attempts: 1 } });
    const r = await runRule(mirror, store(flaky, 'src'), store(direct), once);
    await flaky.close();
    expect(glitch.count()).toBe(1);
    const byTag = new Map(r.results.map((x) => [x.tag, x.status]));
    expect(byTag.get('v1')).toBe('updated');
    // Its row says it was not copied, and so it was not: before, v1's copy wrote the source's
    // [first] over the mirror's index, and the late signature was no longer listed.
    expect(byTag.get(tag)).toBe('failed');
    expect(await listed()).toEqual(new Set([first.digest, late.digest]));
  } finally {
    await proxy.stop();
    await direct.close();
  }
});
