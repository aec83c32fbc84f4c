/**
 * Providers end to end: `ferry plan`/`run` through runConfig with the vendor APIs served by
 * loopback fakes (test/support/vendor-apis.ts) and the /v2 parts by a real registry (distribution
 * 2.8.2): registry → Docker Hub-like, Harbor-like → registry, GHCR-like listing. Checked with skopeo.
 * Each fake's `stop()` fails if any exchange left the vendor's published API description.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/index.js';
import { openStore } from '../../src/providers/index.js';
import { RateBudgetError } from '../../src/providers/dockerhub.js';
import { runConfig } from '../../src/replicate/run.js';
import { discoverUnits } from '../../src/replicate/units.js';
import { startFaultProxy } from '../support/fault-proxy.js';
import { createLayout, type FixtureImage, type Layout } from '../support/oci-fixtures.js';
import { type RunningRegistry, startRegistry } from '../support/registry-process.js';
import { dockerRef, listTags, refOptions, seedImage } from '../support/skopeo.js';
import { createTempDir, type TempDir } from '../support/tmp.js';
import {
  ghcrVersionsFrom,
  harborArtifactsFrom,
  startGitHubApi,
  startHarborApi,
  startHubApi,
} from '../support/vendor-apis.js';

let tmp: TempDir;
let reg: RunningRegistry; // anonymous, plain HTTP: plays every vendor's /v2
let layout: Layout;
let v1: FixtureImage;
let v2: FixtureImage;
let old: FixtureImage;
let multi: FixtureImage;
let list: FixtureImage;
let gold: FixtureImage;
let configs = 0;

beforeAll(async () => {
  tmp = await createTempDir('ferry-providers-');
  reg = await startRegistry({ mode: 'anonymous' });
  layout = await createLayout(join(tmp.path, 'layout'));
  v1 = layout.addImage({ tag: 'v1', layers: [1024], seed: 'providers-v1' });
  v2 = layout.addImage({ tag: 'v2', layers: [1024], seed: 'providers-v2' });
  old = layout.addImage({ tag: 'old', layers: [512], seed: 'providers-old' });
  const platforms = [
    { os: 'linux', architecture: 'amd64' },
    { os: 'linux', architecture: 'arm64', variant: 'v8' },
  ];
  multi = layout.addIndex({ tag: 'multi', platforms, layers: [256], seed: 'providers-multi' });
  list = layout.addIndex({ tag: 'list', platforms, layers: [256], seed: 'providers-list', format: 'docker' });
  gold = layout.addImage({ tag: 'gold', layers: [512], seed: 'providers-gold', annotations: { tier: 'gold' } });
  layout.write();
  process.env.FERRY_IT_HUB_PAT = 'dckr_pat_integration';
  process.env.FERRY_IT_GH_TOKEN = 'ghs_integration';
});

afterAll(async () => {
  await reg?.stop();
  await tmp?.remove();
});

async function config(text: string) {
  const file = join(tmp.path, `replication-${++configs}.yaml`);
  await writeFile(file, `version: 1\n${text}`);
  return (await loadConfig(file)).config;
}

const tags = (repo: string) => listTags(dockerRef(reg, repo), refOptions(reg)).then((t) => t.sort());

/** DELETE a manifest by digest on the real registry (what the vendor does behind its API). */
async function deleteManifest(repo: string, digest: string): Promise<boolean> {
  const r = await fetch(`${reg.url}/v2/${repo}/manifests/${digest}`, { method: 'DELETE' });
  return r.status === 202;
}

async function digestOf(repo: string, tag: string): Promise<string | undefined> {
  const r = await fetch(`${reg.url}/v2/${repo}/manifests/${tag}`, {
    method: 'HEAD',
    headers: { accept: 'application/vnd.oci.image.manifest.v1+json' },
  });
  return r.status === 200 ? (r.headers.get('docker-content-digest') ?? undefined) : undefined;
}

/** The digest a manifest HEAD by tag returns, whatever the manifest's kind. */
async function digestOfAny(repo: string, tag: string): Promise<string | undefined> {
  const r = await fetch(`${reg.url}/v2/${repo}/manifests/${tag}`, {
    method: 'HEAD',
    headers: {
      accept: [
        'application/vnd.oci.image.index.v1+json',
        'application/vnd.docker.distribution.manifest.list.v2+json',
        'application/vnd.oci.image.manifest.v1+json',
        'application/vnd.docker.distribution.manifest.v2+json',
      ].join(', '),
    },
  });
  return r.status === 200 ? (r.headers.get('docker-content-digest') ?? undefined) : undefined;
}

describe('registry → Docker Hub-like', () => {
  it('plans, copies into namespace/name, and deletes through the Hub API', async () => {
    await seedImage(layout.dir, 'v1', reg, 'src/team/web:v1');
    await seedImage(layout.dir, 'v2', reg, 'src/team/web:v2');
    await seedImage(layout.dir, 'old', reg, 'acme/web:old');
    const hub = await startHubApi({
      users: { acme: 'dckr_pat_integration' },
      namespaces: { acme: ['web'] },
      onDeleteTag: async (ns, repo, tag) => {
        const d = await digestOf(`${ns}/${repo}`, tag);
        return d !== undefined && deleteManifest(`${ns}/${repo}`, d);
      },
    });
    try {
      const cfg = await config(`registries:
  src: { type: registry, url: ${reg.url} }
  hub:
    type: dockerhub
    url: ${reg.url}
    credentials: { username: acme, password: { env: FERRY_IT_HUB_PAT } }
    options: { api_url: ${hub.url} }
rules:
  - name: to-hub
    source: src
    destination: hub
    filters: { name: "src/team/**" }
    destination_namespace: acme
    flattening: all
    delete_remote: true
`);
      const plan = await runConfig(cfg, { dryRun: true });
      expect(plan.report.ruleErrors).toEqual([]);
      expect(plan.report.results.map((r) => `${r.status} ${r.tag}`).sort()).toEqual([
        'would-copy v1',
        'would-copy v2',
        'would-delete old',
      ]);
      const run = await runConfig(cfg, { dryRun: false });
      expect(run.report.ruleErrors).toEqual([]);
      expect(run.report.results.map((r) => `${r.status} ${r.destination}`).sort()).toEqual([
        `copied ${reg.host}/acme/web:v1`,
        `copied ${reg.host}/acme/web:v2`,
        `deleted ${reg.host}/acme/web:old`,
      ]);
      expect(await tags('acme/web')).toEqual(['v1', 'v2']);
      expect(hub.requests.map((r) => `${r.method} ${r.path} ${r.status}`)).toContain(
        'DELETE /v2/repositories/acme/web/tags/old/ 204',
      );
      expect(run.requests.hub?.['api DELETE']).toBe(1);
      expect([...hub.undocumented]).toEqual(['DELETE /v2/repositories/{namespace}/{repository}/tags/{tag}/']);
    } finally {
      await hub.stop();
    }
  });

  it('defers pulls once the Hub quota reaches the reserve', async () => {
    await seedImage(layout.dir, 'v1', reg, 'library/quota:v1');
    const proxy = await startFaultProxy({ target: reg.url });
    proxy.addRule({
      path: /\/manifests\//,
      times: Number.POSITIVE_INFINITY,
      action: { kind: 'add-header', headers: { 'ratelimit-limit': '100;w=21600', 'ratelimit-remaining': '5;w=21600' } },
    });
    const store = await openStore(
      { name: 'hub', type: 'dockerhub', url: proxy.url, tls: { verify: true }, options: { rate_limit_reserve: 5 } },
      { baseDir: tmp.path },
    );
    try {
      expect(store.rateLimit?.()).toBeUndefined();
      expect(await store.manifestHead('library/quota', 'v1')).toMatchObject({ digest: v1.digest });
      expect(store.rateLimit?.()).toMatchObject({ limit: 100, remaining: 5, windowSeconds: 21600, reserve: 5 });
      const gets = proxy.countBy('GET', /\/manifests\//);
      const e = await store.manifestGet('library/quota', 'v1').catch((x: unknown) => x);
      expect(e).toBeInstanceOf(RateBudgetError);
      expect((e as RateBudgetError).message).toMatch(/deferred: the Docker Hub pull quota is down to 5 of 100/);
      expect((e as RateBudgetError).hint).toMatch(/100 pulls per 6 h/);
      expect(proxy.countBy('GET', /\/manifests\//)).toBe(gets); // nothing was sent
    } finally {
      await store.close();
      await proxy.stop();
    }
  });
});

describe('Harbor-like → registry', () => {
  it('lists through the Harbor API, copies, and checks the destination project', async () => {
    await seedImage(layout.dir, 'v1', reg, 'proj/app:v1');
    await seedImage(layout.dir, 'v2', reg, 'proj/team/api:v2');
    process.env.FERRY_IT_ROBOT = 'robot-pw';
    const harbor = await startHarborApi({
      users: { robot$ferry: 'robot-pw' },
      projects: { proj: { public: false } },
      repositories: {
        'proj/app': [{ digest: v1.digest, tags: ['v1'], labels: ['production'] }],
        'proj/team/api': [{ digest: v2.digest, tags: ['v2'] }],
      },
    });
    try {
      const cfg = await config(`registries:
  harbor:
    type: harbor
    url: ${reg.url}
    credentials: { username: "robot$ferry", password: { env: FERRY_IT_ROBOT } }
    options: { api_url: ${harbor.url} }
  mirror: { type: registry, url: ${reg.url} }
  harbor-dst:
    type: harbor
    url: ${reg.url}
    credentials: { username: "robot$ferry", password: { env: FERRY_IT_ROBOT } }
    options: { api_url: ${harbor.url} }
rules:
  - { name: from-harbor, source: harbor, destination: mirror, destination_namespace: mirror, flattening: 0 }
  - { name: to-missing-project, source: mirror, destination: harbor-dst, filters: { name: "mirror/proj/app" }, destination_namespace: newproj }
`);
      const run = await runConfig(cfg, { dryRun: false, rules: ['from-harbor'] });
      expect(run.report.ruleErrors).toEqual([]);
      expect(run.report.results.map((r) => `${r.status} ${r.destination}`).sort()).toEqual([
        `copied ${reg.host}/mirror/proj/app:v1`,
        `copied ${reg.host}/mirror/proj/team/api:v2`,
      ]);
      expect(await tags('mirror/proj/team/api')).toEqual(['v2']);
      expect(harbor.requests.some((r) => r.path === '/api/v2.0/projects/proj/repositories')).toBe(true);

      const missing = await runConfig(cfg, { dryRun: true, rules: ['to-missing-project'] });
      expect(missing.report.ruleErrors[0]?.message).toMatch(/project newproj not found/);
      expect(missing.report.ruleErrors[0]?.hint).toMatch(/Harbor project "newproj" does not exist/);
      // The run finds it where the plan did: before, it planned the copies and failed each one at
      // its write, with no rule error (plan-vs-run audit).
      const ran = await runConfig(cfg, { dryRun: false, rules: ['to-missing-project'] });
      expect(ran.report.ruleErrors.map((e) => e.message)).toEqual(missing.report.ruleErrors.map((e) => e.message));
      expect(ran.report.results.map((r) => r.status)).toEqual(missing.report.results.map((r) => r.status));

      const store = await openStore(cfg.registries.get('harbor')!, { baseDir: tmp.path });
      try {
        expect(await store.listTagDetails!('proj/app')).toMatchObject([
          { tag: 'v1', digest: v1.digest, labels: { production: '' } },
        ]);
      } finally {
        await store.close();
      }
    } finally {
      await harbor.stop();
    }
  });
});

describe('listings that carry digests', () => {
  it("Harbor's artifacts give each tag the digest a manifest HEAD by tag returns, an index's for a multi-arch tag", async () => {
    const repo = 'proj/digests';
    await seedImage(layout.dir, 'v1', reg, `${repo}:v1`);
    await seedImage(layout.dir, 'v1', reg, `${repo}:same`);
    await seedImage(layout.dir, 'multi', reg, `${repo}:multi`);
    await seedImage(layout.dir, 'list', reg, `${repo}:list`);
    process.env.FERRY_IT_ROBOT = 'robot-pw';
    const harbor = await startHarborApi({
      users: { robot$ferry: 'robot-pw' },
      projects: { proj: { public: false } },
      repositories: await harborArtifactsFrom(reg.url, [repo]),
    });
    const store = await openStore(
      {
        name: 'harbor',
        type: 'harbor',
        url: reg.url,
        tls: { verify: true },
        credentials: { username: { value: 'robot$ferry' }, password: { env: 'FERRY_IT_ROBOT' } },
        options: { api_url: harbor.url },
      },
      { baseDir: tmp.path },
    );
    try {
      const details = await store.listTagDetails!(repo);
      // The listing alone: no registry request, so the engine needs no HEAD per tag.
      expect(Object.keys(store.requestCounts()).filter((k) => !k.startsWith('api '))).toEqual([]);
      expect(details.map((d) => d.tag).sort()).toEqual(['list', 'multi', 'same', 'v1']);
      for (const d of details) {
        const head = await store.manifestHead(repo, d.tag);
        expect({ tag: d.tag, digest: d.digest, mediaType: d.mediaType }).toEqual({
          tag: d.tag,
          digest: head?.digest,
          mediaType: head?.mediaType,
        });
      }
      const byTag = new Map(details.map((d) => [d.tag, d]));
      expect(byTag.get('v1')?.digest).toBe(v1.digest);
      expect(byTag.get('same')?.digest).toBe(v1.digest);
      // The index (or Docker manifest list), never one of its platforms' manifests.
      expect(byTag.get('multi')).toMatchObject({
        digest: multi.digest,
        mediaType: 'application/vnd.oci.image.index.v1+json',
      });
      expect(byTag.get('list')).toMatchObject({
        digest: list.digest,
        mediaType: 'application/vnd.docker.distribution.manifest.list.v2+json',
      });
      expect(multi.children?.map((c) => c.digest)).not.toContain(byTag.get('multi')?.digest);
    } finally {
      await store.close();
      await harbor.stop();
    }
  });
});

describe('a no-op from a source whose listing carries digests', () => {
  /** Registry requests (no `api ` ones) a store sent, by method. */
  const registryRequests = (counts: Record<string, number> | undefined) =>
    Object.fromEntries(Object.entries(counts ?? {}).filter(([k]) => !k.startsWith('api ')));
  const apiRequests = (counts: Record<string, number> | undefined) =>
    Object.values(Object.fromEntries(Object.entries(counts ?? {}).filter(([k]) => k.startsWith('api ')))).reduce(
      (a, b) => a + b,
      0,
    );

  it('GHCR: the package versions give every tag its digest, so the source gets no manifest HEAD', async () => {
    const repo = 'octo-noop/app';
    for (const [image, tag] of [
      ['v1', 'v1'],
      ['v1', 'same'],
      ['v2', 'v2'],
      ['multi', 'multi'],
      ['list', 'list'],
    ] as const)
      await seedImage(layout.dir, image, reg, `${repo}:${tag}`);
    const gh = await startGitHubApi({
      tokens: { ghs_integration: 'octocat' },
      owners: { 'octo-noop': { kind: 'org', packages: { app: (await ghcrVersionsFrom(reg.url, [repo]))[repo]! } } },
    });
    try {
      const cfg = await config(`registries:
  ghcr:
    type: ghcr
    url: ${reg.url}
    credentials: { username: octocat, password: { env: FERRY_IT_GH_TOKEN } }
    options: { api_url: ${gh.url}, owner: octo-noop }
  mirror: { type: registry, url: ${reg.url} }
rules:
  - { name: from-ghcr, source: ghcr, destination: mirror, destination_namespace: ghnoop, flattening: 0 }
`);
      const cold = await runConfig(cfg, { dryRun: false });
      expect(cold.report.ruleErrors).toEqual([]);
      expect(cold.report.results.map((r) => `${r.status} ${r.tag}`).sort()).toEqual([
        'copied list',
        'copied multi',
        'copied same',
        'copied v1',
        'copied v2',
      ]);
      // Copied right with the listing's digests: the mirror's tags point at the source's manifests.
      for (const [tag, image] of [
        ['v1', v1],
        ['same', v1],
        ['v2', v2],
        ['multi', multi],
        ['list', list],
      ] as const)
        expect({ tag, digest: await digestOfAny(`ghnoop/${repo}`, tag) }).toEqual({ tag, digest: image.digest });
      expect(registryRequests(cold.requests.ghcr).HEAD).toBeUndefined();

      const noop = await runConfig(cfg, { dryRun: false });
      expect(noop.report.ruleErrors).toEqual([]);
      expect(noop.report.results.map((r) => r.status)).toEqual(Array(5).fill('unchanged'));
      // The source: no manifest HEAD (nor GET) per tag; only the API's listing pages.
      expect(registryRequests(noop.requests.ghcr)).toEqual({});
      // Owner lookup, package list, versions list: 3 API requests for 5 tags.
      expect(apiRequests(noop.requests.ghcr)).toBe(3);
      // The destination still has its floor: one tag list and one HEAD per tag.
      expect(noop.requests.mirror?.HEAD).toBe(5);
    } finally {
      await gh.stop();
    }
  });

  it('GHCR: a label filter is still decided from the manifests, the listing having no labels', async () => {
    const repo = 'octo-labels/app';
    await seedImage(layout.dir, 'gold', reg, `${repo}:gold`);
    await seedImage(layout.dir, 'v1', reg, `${repo}:plain`);
    const gh = await startGitHubApi({
      tokens: { ghs_integration: 'octocat' },
      owners: {
        'octo-labels': { kind: 'org', packages: { app: (await ghcrVersionsFrom(reg.url, [repo]))[repo]! } },
      },
    });
    try {
      const cfg = await config(`registries:
  ghcr:
    type: ghcr
    url: ${reg.url}
    credentials: { username: octocat, password: { env: FERRY_IT_GH_TOKEN } }
    options: { api_url: ${gh.url}, owner: octo-labels }
  mirror: { type: registry, url: ${reg.url} }
rules:
  - name: gold-only
    source: ghcr
    destination: mirror
    destination_namespace: ghlabels
    flattening: 0
    filters: { labels: { tier: gold } }
`);
      const run = await runConfig(cfg, { dryRun: false });
      expect(run.report.ruleErrors).toEqual([]);
      expect(run.report.results.map((r) => `${r.status} ${r.tag}`).sort()).toEqual(['copied gold', 'skipped plain']);
      // Left out for what its manifest's annotations lack, read from the manifest.
      expect(run.report.results.find((r) => r.tag === 'plain')?.reason).toMatch(/tier/);
      expect(await tags(`ghlabels/${repo}`)).toEqual(['gold']);
      expect(gold.digest).toBe(await digestOfAny(`ghlabels/${repo}`, 'gold'));
    } finally {
      await gh.stop();
    }
  });

  it('GHCR without a token lists tags from the registry, without digests (the engine HEADs each)', async () => {
    const repo = 'octo-anon/app';
    await seedImage(layout.dir, 'v1', reg, `${repo}:v1`);
    await seedImage(layout.dir, 'v2', reg, `${repo}:v2`);
    const store = await openStore(
      { name: 'ghcr', type: 'ghcr', url: reg.url, tls: { verify: true }, options: { owner: 'octo-anon' } },
      { baseDir: tmp.path },
    );
    try {
      expect((await store.listTagDetails!(repo)).sort((a, b) => a.tag.localeCompare(b.tag))).toEqual([
        { tag: 'v1' },
        { tag: 'v2' },
      ]);
      expect(apiRequests(store.requestCounts())).toBe(0);
    } finally {
      await store.close();
    }
  });

  it('Docker Hub: its tag listing documents no digest of the tagged manifest, so the source keeps one HEAD per tag', async () => {
    const repo = 'acme/hubnoop';
    await seedImage(layout.dir, 'v1', reg, `${repo}:v1`);
    await seedImage(layout.dir, 'multi', reg, `${repo}:multi`);
    const hub = await startHubApi({ users: { acme: 'dckr_pat_integration' }, namespaces: { acme: ['hubnoop'] } });
    try {
      const cfg = await config(`registries:
  hub:
    type: dockerhub
    url: ${reg.url}
    credentials: { username: acme, password: { env: FERRY_IT_HUB_PAT } }
    options: { api_url: ${hub.url}, namespace: acme }
  mirror: { type: registry, url: ${reg.url} }
rules:
  - { name: from-hub, source: hub, destination: mirror, destination_namespace: hubnoop, flattening: 0 }
`);
      const cold = await runConfig(cfg, { dryRun: false });
      expect(cold.report.ruleErrors).toEqual([]);
      const noop = await runConfig(cfg, { dryRun: false });
      expect(noop.report.results.map((r) => r.status)).toEqual(['unchanged', 'unchanged']);
      expect(registryRequests(noop.requests.hub).HEAD).toBe(2);
    } finally {
      await hub.stop();
    }
  });
});

describe('GHCR-like', () => {
  it('lists packages through the GitHub API and copies them', async () => {
    await seedImage(layout.dir, 'v1', reg, 'octo-org/web:v1');
    await seedImage(layout.dir, 'old', reg, 'octo-org/tools/cli:old');
    const gh = await startGitHubApi({
      tokens: { ghs_integration: 'octocat' },
      owners: {
        'octo-org': {
          kind: 'org',
          packages: {
            web: [{ id: 1, digest: v1.digest, tags: ['v1'] }],
            'tools/cli': [{ id: 2, digest: old.digest, tags: ['old'] }],
          },
        },
      },
      maxPerPage: 1,
    });
    try {
      const cfg = await config(`registries:
  ghcr:
    type: ghcr
    url: ${reg.url}
    credentials: { username: octocat, password: { env: FERRY_IT_GH_TOKEN } }
    options: { api_url: ${gh.url}, owner: octo-org }
  mirror: { type: registry, url: ${reg.url} }
rules:
  - { name: from-ghcr, source: ghcr, destination: mirror, destination_namespace: gh, flattening: 0 }
`);
      const plan = await runConfig(cfg, { dryRun: true });
      expect(plan.report.ruleErrors).toEqual([]);
      expect(plan.report.results.map((r) => `${r.status} ${r.destination}`).sort()).toEqual([
        `would-copy ${reg.host}/gh/octo-org/tools/cli:old`,
        `would-copy ${reg.host}/gh/octo-org/web:v1`,
      ]);
      const run = await runConfig(cfg, { dryRun: false });
      expect(run.report.totals.failed).toBe(0);
      expect(await tags('gh/octo-org/tools/cli')).toEqual(['old']);
      expect(gh.requests.filter((r) => r.path === '/orgs/octo-org/packages').length).toBeGreaterThanOrEqual(2);
    } finally {
      await gh.stop();
    }
  });
});

describe('a push event asks the source for the repositories it names, not for its whole listing', () => {
  it('Harbor: no project or repository listing, and `projects:` still scopes what an event may copy', async () => {
    await seedImage(layout.dir, 'v1', reg, 'evt/app:v1');
    await seedImage(layout.dir, 'v2', reg, 'elsewhere/app:v2');
    const harbor = await startHarborApi({
      users: { robot$ferry: 'robot-pw' },
      projects: { evt: { public: false }, elsewhere: { public: false } },
      repositories: {
        'evt/app': [{ digest: v1.digest, tags: ['v1'] }],
        'elsewhere/app': [{ digest: v2.digest, tags: ['v2'] }],
      },
    });
    process.env.FERRY_IT_ROBOT = 'robot-pw';
    try {
      const cfg = await config(`registries:
  harbor:
    type: harbor
    url: ${reg.url}
    credentials: { username: "robot$ferry", password: { env: FERRY_IT_ROBOT } }
    options: { api_url: ${harbor.url}, projects: [evt] }
  mirror: { type: registry, url: ${reg.url} }
rules:
  - { name: same-path, source: harbor, destination: mirror, filters: { name: "*/app" }, destination_namespace: copy, flattening: 0 }
  - { name: merged, source: harbor, destination: mirror, filters: { name: "*/app" }, destination_namespace: flat, flattening: 1 }
`);
      const pushed = await runConfig(cfg, {
        dryRun: false,
        rules: ['same-path'],
        named: new Map([['same-path', new Set(['evt/app'])]]),
        tags: ['v1'],
      });
      expect(pushed.report.ruleErrors).toEqual([]);
      expect(pushed.report.results.map((r) => `${r.status} ${r.destination}`)).toEqual([
        `copied ${reg.host}/copy/evt/app:v1`,
      ]);
      // One listing, of the pushed repository's artifacts: before, every project and its repositories too.
      expect(harbor.requests.map((r) => r.path)).toEqual(['/api/v2.0/projects/evt/repositories/app/artifacts']);

      // A project outside `projects:` is not listed, so an event does not copy from it either.
      harbor.requests.length = 0;
      const outside = await runConfig(cfg, {
        dryRun: false,
        rules: ['same-path'],
        named: new Map([['same-path', new Set(['elsewhere/app'])]]),
        tags: ['v2'],
      });
      expect(outside.report.results).toEqual([]);
      expect(outside.report.warnings?.map((w) => w.message)).toEqual([
        expect.stringMatching(/the event names tag v2 in a repository the source does not list: nothing copied/),
      ]);
      expect(harbor.requests).toEqual([]);
      expect(await tags('copy/elsewhere/app').catch(() => [])).toEqual([]);

      // A rule that maps several projects onto one repository needs them all to plan it: listed.
      harbor.requests.length = 0;
      const merged = await runConfig(cfg, {
        dryRun: true,
        rules: ['merged'],
        named: new Map([['merged', new Set(['evt/app'])]]),
        tags: ['v1'],
      });
      expect(merged.report.results.map((r) => `${r.status} ${r.destination}`)).toEqual([
        `would-copy ${reg.host}/flat/app:v1`,
      ]);
      expect(harbor.requests.map((r) => r.path)).toContain('/api/v2.0/projects/evt/repositories');
    } finally {
      await harbor.stop();
    }
  });

  it('GHCR: no package listing, and only the owner’s packages', async () => {
    await seedImage(layout.dir, 'v1', reg, 'evt-org/web:v1');
    await seedImage(layout.dir, 'v2', reg, 'stranger/web:v2');
    const gh = await startGitHubApi({
      tokens: { ghs_integration: 'octocat' },
      owners: {
        'evt-org': { kind: 'org', packages: { web: [{ id: 7, digest: v1.digest, tags: ['v1'] }] } },
        stranger: { kind: 'org', packages: { web: [{ id: 8, digest: v2.digest, tags: ['v2'] }] } },
      },
    });
    try {
      const cfg = await config(`registries:
  ghcr:
    type: ghcr
    url: ${reg.url}
    credentials: { username: octocat, password: { env: FERRY_IT_GH_TOKEN } }
    options: { api_url: ${gh.url}, owner: evt-org }
  mirror: { type: registry, url: ${reg.url} }
rules:
  - { name: from-ghcr, source: ghcr, destination: mirror, destination_namespace: ghevt, flattening: 0 }
`);
      const run = await runConfig(cfg, {
        dryRun: false,
        named: new Map([['from-ghcr', new Set(['evt-org/web', 'stranger/web'])]]),
        tags: ['v1', 'v2'],
      });
      expect(run.report.ruleErrors).toEqual([]);
      expect(run.report.results.map((r) => `${r.status} ${r.destination}`)).toEqual([
        `copied ${reg.host}/ghevt/evt-org/web:v1`,
      ]);
      // The owner's kind is looked up with one package (per_page=1): the packages are not listed.
      expect(
        gh.requests.filter((r) => r.path === '/orgs/evt-org/packages').map((r) => r.query.get('per_page')),
      ).toEqual(['1']);
      expect(gh.requests.some((r) => r.path.includes('stranger'))).toBe(false);
    } finally {
      await gh.stop();
    }
  });

  it('Docker Hub: no repository listing, and only the namespace’s repositories', async () => {
    await seedImage(layout.dir, 'v1', reg, 'evtns/app:v1');
    await seedImage(layout.dir, 'v2', reg, 'otherns/app:v2');
    const hub = await startHubApi({
      users: { acme: 'dckr_pat_integration' },
      namespaces: { evtns: ['app'], otherns: ['app'] },
    });
    try {
      const cfg = await config(`registries:
  hub:
    type: dockerhub
    url: ${reg.url}
    credentials: { username: acme, password: { env: FERRY_IT_HUB_PAT } }
    options: { api_url: ${hub.url}, namespace: evtns }
  mirror: { type: registry, url: ${reg.url} }
rules:
  - { name: from-hub, source: hub, destination: mirror, destination_namespace: hubevt, flattening: 0 }
`);
      const run = await runConfig(cfg, {
        dryRun: false,
        named: new Map([['from-hub', new Set(['evtns/app', 'otherns/app'])]]),
        tags: ['v1', 'v2'],
      });
      expect(run.report.ruleErrors).toEqual([]);
      expect(run.report.results.map((r) => `${r.status} ${r.destination}`)).toEqual([
        `copied ${reg.host}/hubevt/evtns/app:v1`,
      ]);
      expect(hub.requests.filter((r) => r.path.includes('/repositories'))).toEqual([]);
    } finally {
      await hub.stop();
    }
  });

  it('a plain registry: no catalog request', async () => {
    await seedImage(layout.dir, 'v1', reg, 'plain-evt/app:v1');
    const cfg = await config(`registries:
  plain: { type: registry, url: ${reg.url} }
rules:
  - { name: plain, source: plain, destination: plain, filters: { name: "plain-evt/**" }, destination_namespace: plain-copy, flattening: 0 }
`);
    const before = (await readFile(reg.logFile, 'utf8')).length;
    const run = await runConfig(cfg, {
      dryRun: false,
      named: new Map([['plain', new Set(['plain-evt/app'])]]),
      tags: ['v1'],
    });
    expect(run.report.results.map((r) => `${r.status} ${r.destination}`)).toEqual([
      `copied ${reg.host}/plain-copy/plain-evt/app:v1`,
    ]);
    expect((await readFile(reg.logFile, 'utf8')).slice(before)).not.toMatch(/_catalog/);
    // A sharded workflow's matrix job deals the event's units as its shard jobs' runs list them.
    const { units, errors } = await discoverUnits(cfg, { named: new Map([['plain', new Set(['plain-evt/app'])]]) });
    expect(errors).toEqual([]);
    expect(units.map((u) => [u.rule, u.destination, u.repositories])).toEqual([
      ['plain', 'plain-copy/plain-evt/app', ['plain-evt/app']],
    ]);
    expect((await readFile(reg.logFile, 'utf8')).slice(before)).not.toMatch(/_catalog/);
  });
});
