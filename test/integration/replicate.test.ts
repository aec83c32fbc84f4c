/**
 * Replication against real registries (distribution 2.8.2), checked independently with skopeo:
 * images sharing a base layer, a 3-platform index, an artifact with a referrer, a no-op second
 * run, override off/on, delete_remote with a shared-digest trap and a cap, injected faults, and
 * a dry run. Source: anonymous HTTP registry; destination: token-auth TLS registry.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { request as httpsRequest } from 'node:https';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/index.js';
import { type RunOutcome, runConfig } from '../../src/replicate/run.js';
import type { Result } from '../../src/replicate/result.js';
import { startFaultProxy, type FaultProxy } from '../support/fault-proxy.js';
import {
  createLayout,
  type FixtureImage,
  type Layout,
  MediaType,
  seededBytes,
  sha256Digest,
} from '../support/oci-fixtures.js';
import { countRequests, type RunningRegistry, startRegistry } from '../support/registry-process.js';
import {
  dockerRef,
  inspectDigest,
  inspectRaw,
  listTags,
  refOptions,
  SkopeoError,
  seedImage,
} from '../support/skopeo.js';
import { createTempDir, type TempDir } from '../support/tmp.js';

const THING_CONFIG = 'application/vnd.example.thing.config.v1+json';
const SBOM = 'application/vnd.example.sbom.v1+json';
const PW_ENV = 'FERRY_TEST_PW';

let tmp: TempDir;
let src: RunningRegistry; // anonymous, plain HTTP
let dst: RunningRegistry; // token auth over TLS
let proxy: FaultProxy; // in front of `src`
let layout: Layout;
let configs = 0;

beforeAll(async () => {
  tmp = await createTempDir('ferry-replicate-');
  [src, dst] = await Promise.all([startRegistry({ mode: 'anonymous' }), startRegistry({ mode: 'token' })]);
  proxy = await startFaultProxy({ target: src.url });
  process.env[PW_ENV] = dst.users.ferry;
  layout = await createLayout(join(tmp.path, 'layout'));
});

afterAll(async () => {
  delete process.env[PW_ENV];
  await proxy?.stop();
  await Promise.all([src?.stop(), dst?.stop()]);
  await tmp?.remove();
});

// ---------------------------------------------------------------------------------------------
// helpers

/** Writes replication.yaml for `rules` (YAML text) and loads it. `src` is direct, `flaky` goes through the fault proxy. */
async function config(rules: string) {
  const file = join(tmp.path, `replication-${++configs}.yaml`);
  const text = `version: 1
registries:
  src:
    type: registry
    url: ${src.url}
  flaky:
    type: registry
    url: ${proxy.url}
  dst:
    type: registry
    url: ${dst.url}
    tls: { ca: ${dst.caFile} }
    credentials: { username: ferry, password: { env: ${PW_ENV} } }
rules:
${rules}`;
  await writeFile(file, text);
  return (await loadConfig(file)).config;
}

async function run(rules: string, dryRun = false): Promise<RunOutcome> {
  const out = await runConfig(await config(rules), { dryRun });
  expect(out.report.ruleErrors, 'rule errors').toEqual([]);
  return out;
}

/** `repo:tag` → destination result of a run. */
function resultFor(out: RunOutcome, destRepoTag: string): Result {
  const r = out.report.results.find((x) => x.destination.endsWith(`/${destRepoTag}`));
  if (!r)
    throw new Error(
      `no result for ${destRepoTag}: ${out.report.results.map((x) => `${x.destination} ${x.status}`).join('; ')}`,
    );
  return r;
}

function statuses(out: RunOutcome): Record<string, string> {
  return Object.fromEntries(
    out.report.results.map((r) => [r.destination.slice(r.destination.indexOf('/') + 1), r.status]),
  );
}

const digestAt = (reg: RunningRegistry, repoTag: string) => inspectDigest(dockerRef(reg, repoTag), refOptions(reg));

/** skopeo cannot find the manifest. */
async function expectAbsent(reg: RunningRegistry, repoTag: string) {
  const err = await inspectRaw(dockerRef(reg, repoTag), refOptions(reg)).catch((e: unknown) => e);
  expect(err, `${repoTag} should be absent`).toBeInstanceOf(SkopeoError);
  expect((err as SkopeoError).stderr).toMatch(/manifest unknown|not found/i);
}

/** An image whose layers are given as seeds, so images can share a base layer; its own one-tag layout. */
function layeredImage(tag: string, seeds: string[]): { dir: string; digest: string; layers: string[] } {
  const name = seeds.join('-'); // same seeds, same image: same digest under any tag
  const dir = join(tmp.path, 'images', `${name}-${tag}`);
  mkdirSync(join(dir, 'blobs', 'sha256'), { recursive: true });
  writeFileSync(join(dir, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));
  const put = (mediaType: string, data: Buffer) => {
    const digest = sha256Digest(data);
    writeFileSync(join(dir, 'blobs', 'sha256', digest.slice(7)), data);
    return { mediaType, digest, size: data.length };
  };
  const layers = seeds.map((s) => put(MediaType.ociLayerGzip, seededBytes(s, 24 * 1024)));
  const cfg = put(
    MediaType.ociConfig,
    Buffer.from(
      JSON.stringify({
        os: 'linux',
        architecture: 'amd64',
        rootfs: { type: 'layers', diff_ids: layers.map((l) => l.digest) },
        config: { Labels: { name } },
      }),
    ),
  );
  const manifest = put(
    MediaType.ociManifest,
    Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: MediaType.ociManifest, config: cfg, layers })),
  );
  writeFileSync(
    join(dir, 'index.json'),
    JSON.stringify({
      schemaVersion: 2,
      manifests: [{ ...manifest, annotations: { 'org.opencontainers.image.ref.name': tag } }],
    }),
  );
  return { dir, digest: manifest.digest, layers: layers.map((l) => l.digest) };
}

/** Pushes a layered image to `reg` as `repo:tag` with skopeo. */
async function seedLayered(reg: RunningRegistry, repo: string, tag: string, seeds: string[]) {
  const img = layeredImage(tag, seeds);
  await seedImage(img.dir, tag, reg, `${repo}:${tag}`);
  return img;
}

/** Raw pushes to the anonymous source (what skopeo cannot do: a manifest by digest, a referrers fallback tag). */
async function pushBlob(repo: string, data: Buffer) {
  const start = await fetch(`${src.url}/v2/${repo}/blobs/uploads/`, { method: 'POST' });
  expect(start.status).toBe(202);
  const loc = new URL(start.headers.get('location')!, src.url);
  loc.searchParams.set('digest', sha256Digest(data));
  const put = await fetch(loc, {
    method: 'PUT',
    body: new Uint8Array(data),
    headers: { 'content-type': 'application/octet-stream' },
  });
  expect(put.status).toBe(201);
}
async function pushManifest(repo: string, ref: string, bytes: Buffer, mediaType: string) {
  const r = await fetch(`${src.url}/v2/${repo}/manifests/${ref}`, {
    method: 'PUT',
    body: new Uint8Array(bytes),
    headers: { 'content-type': mediaType },
  });
  expect(r.status, await r.text()).toBe(201);
}

/** Pushes `referrer` (from the layout) by digest and the `sha256-<hex>` fallback index listing it. */
async function seedReferrer(repo: string, referrer: FixtureImage) {
  const doc = JSON.parse(referrer.raw.toString('utf8')) as {
    config: { digest: string };
    layers: { digest: string }[];
    subject: { digest: string };
  };
  for (const d of [doc.config.digest, ...doc.layers.map((l) => l.digest)])
    await pushBlob(repo, readFileSync(join(layout.dir, 'blobs', 'sha256', d.slice(7))));
  await pushManifest(repo, referrer.digest, referrer.raw, referrer.mediaType);
  const fallback = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: MediaType.ociIndex,
      manifests: [{ mediaType: referrer.mediaType, digest: referrer.digest, size: referrer.size, artifactType: SBOM }],
    }),
  );
  const tag = doc.subject.digest.replace(':', '-');
  await pushManifest(repo, tag, fallback, MediaType.ociIndex);
  return { tag, digest: sha256Digest(fallback) };
}

let sentinel = 0;
/**
 * Waits until the registry has logged every request made so far: sends one more, uniquely named
 * request and waits for its access-log line (the registry writes a line after each response).
 */
async function settleLog(reg: RunningRegistry): Promise<void> {
  const name = `sentinel${++sentinel}x`;
  const url = `${reg.url}/v2/${name}/tags/list`;
  if (reg.mode === 'anonymous') await (await fetch(url)).arrayBuffer();
  else {
    const ca = await readFile(reg.caFile!, 'utf8');
    await new Promise<void>((resolve, reject) => {
      httpsRequest(url, { ca }, (res) => res.resume().on('end', resolve))
        .on('error', reject)
        .end();
    });
  }
  const pattern = new RegExp(`/v2/${name}/`);
  for (let i = 0; i < 400 && (await countRequests(reg, pattern)) === 0; i++) await new Promise((r) => setImmediate(r));
  expect(await countRequests(reg, pattern)).toBe(1);
}

const METHODS = ['GET', 'HEAD', 'PUT', 'POST', 'PATCH', 'DELETE'] as const;
type Counts = Record<(typeof METHODS)[number], number>;

/** Counts of requests by method in a registry's access log. */
async function methodCounts(reg: RunningRegistry): Promise<Counts> {
  await settleLog(reg);
  const out = {} as Counts;
  for (const m of METHODS) out[m] = await countRequests(reg, new RegExp(`"${m} /v2/`));
  return out;
}
const diff = (a: Counts, b: Counts) => Object.fromEntries(METHODS.map((k) => [k, b[k] - a[k]])) as Counts;

// ---------------------------------------------------------------------------------------------

describe('registry → registry', () => {
  const MIRROR = `  - name: mirror-app
    source: src
    destination: dst
    filters: { name: "app/**", tag: ["v*", "1.*"], resource: all }
    destination_namespace: mirror
    concurrency: 1
`;
  const TAGS = [
    ['app/web:v1', 'mirror/web:v1'],
    ['app/web:v2', 'mirror/web:v2'],
    ['app/api:v1', 'mirror/api:v1'],
    ['app/multi:1.0', 'mirror/multi:1.0'],
    ['app/thing:v1', 'mirror/thing:v1'],
  ] as const;
  let base: string;
  let multi: FixtureImage;
  let referrer: FixtureImage;
  let fallback: { tag: string; digest: string };

  beforeAll(async () => {
    const web1 = await seedLayered(src, 'app/web', 'v1', ['base', 'web-1']);
    await seedLayered(src, 'app/web', 'v2', ['base', 'web-2']);
    await seedLayered(src, 'app/api', 'v1', ['base', 'api-1']);
    base = web1.layers[0]!;
    multi = layout.addIndex({
      tag: 'multi',
      platforms: [
        { os: 'linux', architecture: 'amd64' },
        { os: 'linux', architecture: 'arm64', variant: 'v8' },
        { os: 'linux', architecture: 's390x' },
      ],
      layers: [4096],
    });
    await seedImage(layout.dir, 'multi', src, 'app/multi:1.0');
    const thing = layout.addArtifact({
      tag: 'thing',
      configMediaType: THING_CONFIG,
      artifactType: THING_CONFIG,
      layers: [2048],
    });
    await seedImage(layout.dir, 'thing', src, 'app/thing:v1');
    referrer = layout.addReferrer({ subject: thing, artifactType: SBOM });
    fallback = await seedReferrer('app/thing', referrer);
  });

  it('copies images, a 3-platform index and an artifact with its referrer, digests equal on both sides', async () => {
    const out = await run(MIRROR);
    expect(out.report.ruleErrors).toEqual([]);
    expect(out.report.totals.failed, JSON.stringify(out.report.results, null, 1)).toBe(0);
    // The referrers fallback tag is a row of its own: a signature added later is planned the same way.
    expect(statuses(out)).toEqual(
      Object.fromEntries([...TAGS.map(([, to]) => [to, 'copied']), [`mirror/thing:${fallback.tag}`, 'copied']]),
    );
    for (const [from, to] of TAGS) {
      const want = await digestAt(src, from);
      expect(await digestAt(dst, to), to).toBe(want);
      expect(resultFor(out, to).destinationDigest).toBe(want);
    }
    // every platform manifest of the index is at the destination by digest
    for (const child of multi.children!) expect(await digestAt(dst, `mirror/multi@${child.digest}`)).toBe(child.digest);
    // the referrer, and the tag-schema fallback index that finds it (2.8.2 has no referrers API)
    expect(await digestAt(dst, `mirror/thing@${referrer.digest}`)).toBe(referrer.digest);
    expect(await digestAt(dst, `mirror/thing:${fallback.tag}`)).toBe(fallback.digest);
    // nothing else got tagged (no stray or partial tags)
    expect((await listTags(dockerRef(dst, 'mirror/web'), refOptions(dst))).sort()).toEqual(['v1', 'v2']);
    expect((await listTags(dockerRef(dst, 'mirror/thing'), refOptions(dst))).sort()).toEqual(
      [fallback.tag, 'v1'].sort(),
    );
    // the shared base layer crossed the wire once, and was mounted into the other repository
    const hex = base.slice(7);
    await settleLog(dst);
    expect(
      await countRequests(dst, new RegExp(`"PUT /v2/mirror/[a-z]+/blobs/uploads/[^ ]*digest=sha256%3A${hex}`)),
    ).toBe(1);
    expect(
      await countRequests(
        dst,
        new RegExp(`"POST /v2/mirror/[a-z]+/blobs/uploads/\\?[^ ]*mount=sha256%3A${hex}[^ ]* HTTP/[0-9.]+" 201`),
      ),
    ).toBe(1);
    const shared = TAGS.slice(0, 3).map(([, to]) => resultFor(out, to).blobs);
    expect(shared.reduce((n, b) => n + b.mounted + b.present, 0)).toBeGreaterThanOrEqual(2);
  });

  it('second run: everything unchanged, no writes, about one HEAD per tag per side', async () => {
    const [s0, d0] = await Promise.all([methodCounts(src), methodCounts(dst)]);
    const out = await run(MIRROR);
    const [s1, d1] = await Promise.all([methodCounts(src), methodCounts(dst)]);
    expect(Object.values(statuses(out))).toEqual([...TAGS, fallback].map(() => 'unchanged'));
    expect(out.report.results.every((r) => r.bytes === 0)).toBe(true);
    const ds = diff(s0, s1);
    const dd = diff(d0, d1);
    // the sentinel GETs of settleLog are one per methodCounts call
    console.info(
      `no-op run, ${TAGS.length} tags: source ${JSON.stringify(ds)}; destination ${JSON.stringify(dd)}; ferry counted ${JSON.stringify(out.requests)}`,
    );
    for (const d of [ds, dd]) {
      expect(d.PUT + d.POST + d.PATCH + d.DELETE).toBe(0);
      // one per tag, the referrers fallback tag included
      expect(d.HEAD).toBeGreaterThanOrEqual(TAGS.length + 1);
      expect(d.HEAD).toBeLessThanOrEqual(TAGS.length + 3);
    }
  });

  it('referrers: always on a registry without the referrers API (2.8): same plan, referrers asked at most once per tag', async () => {
    const referrersAsked = () => countRequests(src, /"GET \/v2\/app\/[a-z]+\/referrers\//);
    const [s0, d0] = await Promise.all([methodCounts(src), methodCounts(dst)]);
    const before = await referrersAsked();
    const out = await run(`${MIRROR}    referrers: always\n`);
    const [s1, d1] = await Promise.all([methodCounts(src), methodCounts(dst)]);
    expect(out.report.ruleErrors).toEqual([]);
    expect(out.report.warnings ?? []).toEqual([]);
    expect(Object.values(statuses(out))).toEqual([...TAGS, fallback].map(() => 'unchanged'));
    const ds = diff(s0, s1);
    const dd = diff(d0, d1);
    expect(dd.PUT + dd.POST + dd.PATCH + dd.DELETE).toBe(0);
    // The registry answers 404 to /referrers/: ferry learns it has no API; the tag whose fallback
    // tag is listed is left to the fallback path, so at most one GET per other tag.
    const asked = (await referrersAsked()) - before;
    expect(asked).toBeGreaterThanOrEqual(1);
    expect(asked).toBeLessThanOrEqual(TAGS.length - 1);
    expect(ds.HEAD).toBeLessThanOrEqual(TAGS.length + 3);
  });
});

describe('override', () => {
  const rule = (override: boolean) => `  - name: ovr
    source: src
    destination: dst
    filters: { name: "ovr/**" }
    destination_namespace: ovr-mirror
    override: ${override}
`;

  it('keeps a changed destination tag with override off, replaces it with override on', async () => {
    await seedLayered(src, 'ovr/app', 'v1', ['ovr-1']);
    await seedLayered(src, 'ovr/app', 'stable', ['ovr-s']);
    expect(Object.values(statuses(await run(rule(false))))).toEqual(['copied', 'copied']);
    const before = await digestAt(dst, 'ovr-mirror/app:v1');

    await seedLayered(src, 'ovr/app', 'v1', ['ovr-1-rebuilt']); // same tag, new image
    const changed = await digestAt(src, 'ovr/app:v1');
    expect(changed).not.toBe(before);

    const off = await run(rule(false));
    expect(resultFor(off, 'ovr-mirror/app:v1')).toMatchObject({
      status: 'kept',
      sourceDigest: changed,
      destinationDigest: before,
    });
    expect(resultFor(off, 'ovr-mirror/app:stable').status).toBe('unchanged');
    expect(await digestAt(dst, 'ovr-mirror/app:v1')).toBe(before);

    const on = await run(rule(true));
    expect(resultFor(on, 'ovr-mirror/app:v1')).toMatchObject({ status: 'updated', destinationDigest: changed });
    expect(await digestAt(dst, 'ovr-mirror/app:v1')).toBe(changed);
    expect(on.report.totals.updated).toBe(1);
  });
});

describe('delete_remote', () => {
  it('deletes a unique extra tag, but never one sharing its digest with a tag outside the rule', async () => {
    await seedLayered(src, 'del/app', 'v1', ['del-1']);
    await seedLayered(dst, 'trap/app', 'v-old', ['del-shared']);
    await seedLayered(dst, 'trap/app', 'keep-me', ['del-shared']); // same image: same digest as v-old
    await seedLayered(dst, 'trap/app', 'v-gone', ['del-unique']);
    const shared = await digestAt(dst, 'trap/app:keep-me');
    expect(await digestAt(dst, 'trap/app:v-old')).toBe(shared);

    const out = await run(`  - name: del
    source: src
    destination: dst
    filters: { name: "del/**", tag: ["v*"] }
    destination_namespace: trap
    delete_remote: { enabled: true, max: 5 }
`);
    expect(resultFor(out, 'trap/app:v1').status).toBe('copied');
    const old = resultFor(out, 'trap/app:v-old');
    expect(old.status).toBe('refused');
    expect(old.reason).toMatch(/keep-me/);
    expect(resultFor(out, 'trap/app:v-gone').status).toBe('deleted');
    expect(out.report.results.map((r) => r.tag)).not.toContain('keep-me');

    expect(await digestAt(dst, 'trap/app:keep-me')).toBe(shared);
    expect(await digestAt(dst, 'trap/app:v-old')).toBe(shared);
    await expectAbsent(dst, 'trap/app:v-gone');
    expect((await listTags(dockerRef(dst, 'trap/app'), refOptions(dst))).sort()).toEqual(['keep-me', 'v-old', 'v1']);
  });

  it('deletes nothing when the deletions exceed delete_remote.max, and says so', async () => {
    await seedLayered(src, 'cap/app', 'v1', ['cap-1']);
    await seedLayered(dst, 'capped/app', 'v-x', ['cap-x']);
    await seedLayered(dst, 'capped/app', 'v-y', ['cap-y']);
    const d0 = await methodCounts(dst);
    const out = await runConfig(
      await config(`  - name: cap
    source: src
    destination: dst
    filters: { name: "cap/**", tag: ["v*"] }
    destination_namespace: capped
    delete_remote: { enabled: true, max: 1 }
`),
      { dryRun: false },
    );
    // The refused tags are listed by name, each with the reason.
    expect(statuses(out)).toEqual({
      'capped/app:v1': 'copied',
      'capped/app:v-x': 'refused',
      'capped/app:v-y': 'refused',
    });
    expect(resultFor(out, 'capped/app:v-x').reason).toMatch(/over delete_remote\.max \(1\)/);
    expect(out.report.ruleErrors).toEqual([
      { rule: 'cap', message: expect.stringMatching(/2 deletions refused.*delete_remote\.max \(1\)/) },
    ]);
    expect(out.plan.rules[0]?.deletionsRefused).toMatch(/none is made/);
    expect(diff(d0, await methodCounts(dst)).DELETE).toBe(0);
    for (const t of ['v-x', 'v-y']) expect(await digestAt(dst, `capped/app:${t}`)).toMatch(/^sha256:/);
  });
});

describe('injected faults (fault proxy in front of the source)', () => {
  // The destination here is the source registry itself under another name, over plain HTTP/1.1:
  // against an HTTP/2 (TLS) destination, undici 8 blocks the event loop when the upload body
  // stream errors (see the report; src/registry/http.ts should create its Agent with allowH2: false).
  it('a corrupted layer fails only its tag, nothing partial is tagged, and no deletion follows', async () => {
    const bad = await seedLayered(src, 'flaky/app', 'v1', ['flaky-base', 'flaky-bad']);
    await seedLayered(src, 'flaky/app', 'v2', ['flaky-base', 'flaky-2']);
    await seedLayered(src, 'flaky/app', 'v3', ['flaky-3']);
    await seedLayered(src, 'faulty/app', 'v-extra', ['flaky-extra']); // would be deleted if all went well
    const flip = proxy.addRule({
      method: 'GET',
      path: `/v2/flaky/app/blobs/${bad.layers[1]}`,
      times: Number.POSITIVE_INFINITY,
      action: { kind: 'flip-byte', offset: 1000 },
    });

    const out = await run(`  - name: flaky
    source: flaky
    destination: src
    filters: { name: "flaky/**", tag: ["v*"] }
    destination_namespace: faulty
    delete_remote: { enabled: true, max: 5 }
`);
    proxy.clearRules();
    await flip.fired;
    expect(flip.count()).toBeGreaterThanOrEqual(1);

    const failed = resultFor(out, 'faulty/app:v1');
    expect(failed.status).toBe('failed');
    expect(failed.error?.kind).toMatch(/^(digest-mismatch|network)$/);
    expect(failed.error?.message).toContain(bad.layers[1]);
    expect(failed.error?.hint).toBeTruthy();
    expect(out.report.totals.failed).toBe(1);
    for (const t of ['v2', 'v3']) {
      expect(resultFor(out, `faulty/app:${t}`).status).toBe('copied');
      expect(await digestAt(src, `faulty/app:${t}`)).toBe(await digestAt(src, `flaky/app:${t}`));
    }
    await expectAbsent(src, 'faulty/app:v1');
    await expectAbsent(src, `faulty/app@${bad.digest}`);
    // the upload session of the bad blob was cancelled
    await settleLog(src);
    expect(await countRequests(src, /"DELETE \/v2\/faulty\/app\/blobs\/uploads\//)).toBeGreaterThanOrEqual(1);
    // something failed: the extra tag is not deleted
    const extra = resultFor(out, 'faulty/app:v-extra');
    expect(extra.status).toBe('refused');
    expect(extra.reason).toMatch(/failed/);
    expect(await digestAt(src, 'faulty/app:v-extra')).toMatch(/^sha256:/);

    // without the fault, a rerun copies the missing tag and then deletes the extra
    const again = await run(`  - name: flaky
    source: flaky
    destination: src
    filters: { name: "flaky/**", tag: ["v*"] }
    destination_namespace: faulty
    delete_remote: { enabled: true, max: 5 }
`);
    expect(statuses(again)).toMatchObject({
      'faulty/app:v1': 'copied',
      'faulty/app:v2': 'unchanged',
      'faulty/app:v-extra': 'deleted',
    });
    expect(await digestAt(src, 'faulty/app:v1')).toBe(bad.digest);
  });

  it('a transient 503 on a blob upload is retried and the tag is copied', async () => {
    await seedLayered(src, 'retry/app', 'v1', ['retry-1']);
    // The proxy fronts the anonymous registry: use it as the destination for this rule.
    const fault = proxy.addRule({
      method: 'PUT',
      path: /^\/v2\/retried\/app\/blobs\/uploads\//,
      action: { kind: 'status', status: 503 },
    });
    const out = await run(`  - name: retry
    source: src
    destination: flaky
    filters: { name: "retry/**" }
    destination_namespace: retried
`);
    await fault.fired;
    proxy.clearRules();
    const r = resultFor(out, 'retried/app:v1');
    expect(r.status, JSON.stringify(r.error)).toBe('copied');
    expect(r.retries).toBeGreaterThanOrEqual(1);
    expect(out.report.results.reduce((n, x) => n + x.retries, 0)).toBeGreaterThanOrEqual(1);
    expect(await digestAt(src, 'retried/app:v1')).toBe(await digestAt(src, 'retry/app:v1'));
  });

  it('a transient 503 on a source blob download is retried and the tag is copied', async () => {
    const img = await seedLayered(src, 'retry2/app', 'v1', ['retry2-1']);
    const fault = proxy.addRule({
      method: 'GET',
      path: `/v2/retry2/app/blobs/${img.layers[0]}`,
      action: { kind: 'status', status: 503 },
    });
    const out = await run(`  - name: retry2
    source: flaky
    destination: dst
    filters: { name: "retry2/**" }
    destination_namespace: retried2
`);
    await fault.fired;
    proxy.clearRules();
    expect(resultFor(out, 'retried2/app:v1').status).toBe('copied');
    expect(proxy.countBy('GET', `/v2/retry2/app/blobs/${img.layers[0]}`)).toBe(2);
    // The retried download shows in the result (the report's retry count covers downloads too).
    expect(resultFor(out, 'retried2/app:v1').retries).toBeGreaterThanOrEqual(1);
    expect(await digestAt(dst, 'retried2/app:v1')).toBe(img.digest);
  });
});

describe('dry run', () => {
  it('writes nothing and reports would-copy, would-update and would-delete', async () => {
    await seedLayered(src, 'dry/app', 'v1', ['dry-1']);
    await seedLayered(src, 'dry/app', 'v2', ['dry-2']);
    await seedLayered(dst, 'dryrun/app', 'v2', ['dry-2-old']);
    await seedLayered(dst, 'dryrun/app', 'v9', ['dry-9']);
    const v2Before = await digestAt(dst, 'dryrun/app:v2');
    const d0 = await methodCounts(dst);
    const out = await run(
      `  - name: dry
    source: src
    destination: dst
    filters: { name: "dry/**", tag: ["v*"] }
    destination_namespace: dryrun
    override: true
    delete_remote: { enabled: true, max: 5 }
`,
      true,
    );
    const d1 = await methodCounts(dst);
    expect(statuses(out)).toEqual({
      'dryrun/app:v1': 'would-copy',
      'dryrun/app:v2': 'would-update',
      'dryrun/app:v9': 'would-delete',
    });
    const d = diff(d0, d1);
    expect(d.PUT + d.POST + d.PATCH + d.DELETE).toBe(0);
    await expectAbsent(dst, 'dryrun/app:v1');
    expect(await digestAt(dst, 'dryrun/app:v2')).toBe(v2Before);
    expect(await digestAt(dst, 'dryrun/app:v9')).toMatch(/^sha256:/);
    expect(out.report.dryRun).toBe(true);
  });
});

describe('a source tag that goes missing mid-run is never a reason to delete (issue 15 item 1)', () => {
  // `flaky` (the fault proxy in front of `src`) is the source; the destination is `src` itself.
  const RULE = `  - name: glitch
    source: flaky
    destination: src
    filters: { name: "glitch/**", tag: ["v*"] }
    destination_namespace: glitched
    delete_remote: { enabled: true, max: 5 }
`;

  beforeAll(async () => {
    await seedLayered(src, 'glitch/app', 'v1', ['glitch-1']);
    await seedLayered(src, 'glitch/app', 'v2', ['glitch-2']);
    const first = await run(RULE);
    expect(statuses(first)).toEqual({ 'glitched/app:v1': 'copied', 'glitched/app:v2': 'copied' });
  });

  it('a HEAD that answers 404 once for a listed tag is asked again: the tag stays, nothing is deleted', async () => {
    const glitch = proxy.addRule({
      method: 'HEAD',
      path: '/v2/glitch/app/manifests/v2',
      action: { kind: 'status', status: 404, body: '' },
    });
    const out = await run(RULE);
    proxy.clearRules();
    expect(glitch.count()).toBe(1);
    expect(statuses(out)).toEqual({ 'glitched/app:v1': 'unchanged', 'glitched/app:v2': 'unchanged' });
    expect(await digestAt(src, 'glitched/app:v2')).toMatch(/^sha256:/);
  });

  it('a listed tag that keeps answering 404 is reported, and its destination copy is left in place', async () => {
    proxy.addRule({
      method: 'HEAD',
      path: '/v2/glitch/app/manifests/v2',
      times: Number.POSITIVE_INFINITY,
      action: { kind: 'status', status: 404, body: '' },
    });
    const out = await runConfig(await config(RULE), { dryRun: false });
    proxy.clearRules();
    const v2 = resultFor(out, 'glitched/app:v2');
    expect(v2.status).toBe('failed');
    expect(v2.error?.message).toMatch(/glitch\/app lists the tag, but its manifest could not be read.*asked 3 times/);
    // What to do about it, as every failed row says (before: no hint).
    expect(v2.error?.hint).toMatch(/^the tag was deleted or pushed again at the source while ferry ran.*: run again/);
    expect(await digestAt(src, 'glitched/app:v2')).toMatch(/^sha256:/);
    expect(out.plan.rules[0]?.items.find((i) => i.tag === 'v2')?.action).toBe('listing-failed');
  });
});

describe('blobs shared across runs are mounted, not uploaded (issue 14 item 3)', () => {
  it('a base layer the destination already holds in another repository is mounted into a new one', async () => {
    for (const name of ['one', 'two', 'three', 'four'])
      await seedLayered(src, `shared/${name}`, 'v1', ['shared-base', `shared-${name}`]);
    const base = layeredImage('v1', ['shared-base', 'shared-one']).layers[0]!;
    const rule = (names: string) => `  - name: shared
    source: src
    destination: dst
    filters: { name: ${names}, tag: ["v1"] }
    destination_namespace: crossrun
`;
    const first = await run(rule('["shared/one", "shared/two"]'));
    expect(Object.values(statuses(first))).toEqual(['copied', 'copied']);
    await settleLog(dst);
    const uploadsOfBase = () =>
      countRequests(dst, new RegExp(`"PUT /v2/crossrun/[a-z]+/blobs/uploads/[^ ]*digest=sha256%3A${base.slice(7)}`));
    const before = await uploadsOfBase();

    // A later run adds two repositories: nothing of this run has written the base layer yet.
    const second = await run(rule('"shared/**"'));
    expect(statuses(second)).toEqual({
      'crossrun/one:v1': 'unchanged',
      'crossrun/two:v1': 'unchanged',
      'crossrun/three:v1': 'copied',
      'crossrun/four:v1': 'copied',
    });
    await settleLog(dst);
    expect(await uploadsOfBase()).toBe(before);
    const mounted = ['three', 'four'].map((n) => resultFor(second, `crossrun/${n}:v1`).blobs.mounted);
    expect(mounted.reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(2);
    expect(await digestAt(dst, 'crossrun/three:v1')).toBe(await digestAt(src, 'shared/three:v1'));
  });
});
