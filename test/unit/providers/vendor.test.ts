/**
 * Hosted providers against loopback fakes of their vendor APIs (test/support/vendor-apis.ts):
 * listing with pagination, deletion, auth and the hints users see. The /v2 parts run against the
 * real registry in test/integration/providers.test.ts.
 */
import { createHash } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { RegistryConfig } from '../../../src/config/types.js';
import type { Digest } from '../../../src/oci/digest.js';
import { RateLimitSink, parseQuota } from '../../../src/providers/dockerhub.js';
import { GhcrStore } from '../../../src/providers/ghcr.js';
import { openStore, type Store } from '../../../src/providers/index.js';
import { RegistryClient } from '../../../src/registry/client.js';
import { RegistryError } from '../../../src/registry/errors.js';
import { startGitHubApi, startHarborApi, startHubApi } from '../../support/vendor-apis.js';

const D1 = `sha256:${'1'.repeat(64)}` as Digest;
const D2 = `sha256:${'2'.repeat(64)}` as Digest;
const D3 = `sha256:${'3'.repeat(64)}` as Digest;
/** No registry listens here: these tests touch only the vendor APIs. */
const NO_REGISTRY = 'http://127.0.0.1:9';

const stores: Store[] = [];
afterEach(async () => {
  for (const s of stores.splice(0)) await s.close();
});

async function open(reg: Partial<RegistryConfig> & Pick<RegistryConfig, 'type'>): Promise<Store> {
  const s = await openStore(
    { name: 'target', url: NO_REGISTRY, tls: { verify: true }, ...reg },
    { baseDir: process.cwd(), retry: { attempts: 1 } },
  );
  stores.push(s);
  return s;
}

const failure = (p: Promise<unknown>) =>
  p.then(
    () => {
      throw new Error('expected a failure');
    },
    (e: unknown) => e as RegistryError,
  );

describe('dockerhub', () => {
  process.env.FERRY_TEST_HUB_PAT = 'dckr_pat_abcdef123456';
  const creds = { username: { value: 'acme' }, password: { env: 'FERRY_TEST_HUB_PAT' } };

  it('lists a namespace through the Hub API, following `next` across pages', async () => {
    const hub = await startHubApi({ users: {}, namespaces: { acme: ['a', 'b', 'c', 'd', 'e'] }, maxPageSize: 2 });
    try {
      const s = await open({ type: 'dockerhub', options: { api_url: hub.url, namespace: 'acme' } });
      expect(await s.listRepositories()).toEqual(['acme/a', 'acme/b', 'acme/c', 'acme/d', 'acme/e']);
      expect(hub.requests.map((r) => r.query.get('page') ?? '1')).toEqual(['1', '2', '3']);
      expect(s.requireTwoComponents).toBe(true);
      expect(s.deletesByTag).toBe(true);
    } finally {
      await hub.stop();
    }
  });

  it('uses the username as namespace and says what to set without either', async () => {
    const hub = await startHubApi({ users: { acme: 'dckr_pat_abcdef123456' }, namespaces: { acme: ['web'] } });
    try {
      const s = await open({ type: 'dockerhub', credentials: creds, options: { api_url: hub.url } });
      expect(await s.listRepositories()).toEqual(['acme/web']);
      const anon = await open({ type: 'dockerhub', options: { api_url: hub.url } });
      expect((await failure(anon.listRepositories())).message).toMatch(/set options\.namespace/);
      // Official images: a single-component name in the explicit list means library/<name>.
      const listed = await open({
        type: 'dockerhub',
        repositories: ['nginx', 'acme/web'],
        options: { api_url: hub.url },
      });
      expect(await listed.listRepositories()).toEqual(['library/nginx', 'acme/web']);
    } finally {
      await hub.stop();
    }
  });

  it('deletes a tag through the Hub API with one JWT from /v2/auth/token', async () => {
    const deleted: string[] = [];
    const hub = await startHubApi({
      users: { acme: 'dckr_pat_abcdef123456' },
      namespaces: { acme: ['web'] },
      onDeleteTag: (ns, repo, tag) => (tag === 'gone' ? false : (deleted.push(`${ns}/${repo}:${tag}`), true)),
    });
    try {
      const s = await open({ type: 'dockerhub', credentials: creds, options: { api_url: hub.url } });
      expect(await s.deleteTag('acme/web', 'v1', D1)).toBe('tag');
      expect(await s.deleteTag('acme/web', 'v2', D2)).toBe('tag');
      // Already gone since the plan: nothing left to do.
      expect(await s.deleteTag('acme/web', 'gone', D2)).toBe('tag');
      expect(deleted).toEqual(['acme/web:v1', 'acme/web:v2']);
      const logins = hub.requests.filter((r) => r.path === '/v2/auth/token');
      expect(logins).toHaveLength(1);
      expect(logins[0]!.body).toEqual({ identifier: 'acme', secret: 'dckr_pat_abcdef123456' });
      const deletes = hub.requests.filter((r) => r.method === 'DELETE');
      expect(deletes.map((r) => r.path)).toContain('/v2/repositories/acme/web/tags/v1/');
      expect(deletes.every((r) => r.authorization === `Bearer ${hub.tokens.get('acme')}`)).toBe(true);
      // Docker Hub's description has no tag deletion: the one undocumented call, with evidence in the fixture.
      expect([...hub.undocumented]).toEqual(['DELETE /v2/repositories/{namespace}/{repository}/tags/{tag}/']);
    } finally {
      await hub.stop();
    }
  });

  it('falls back to /v2/users/login on Hubs without /v2/auth/token', async () => {
    const hub = await startHubApi({
      users: { acme: 'dckr_pat_abcdef123456' },
      namespaces: { acme: ['web'] },
      legacyLoginOnly: true,
    });
    try {
      const s = await open({ type: 'dockerhub', credentials: creds, options: { api_url: hub.url } });
      expect(await s.deleteTag('acme/web', 'v1', D1)).toBe('tag');
      expect(hub.requests.map((r) => `${r.method} ${r.path} ${r.status}`)).toEqual([
        'POST /v2/auth/token 404',
        'POST /v2/users/login 200',
        'DELETE /v2/repositories/acme/web/tags/v1/ 204',
      ]);
    } finally {
      await hub.stop();
    }
  });

  it('names the credential reference, never its value, when the Hub refuses it', async () => {
    const hub = await startHubApi({ users: { acme: 'another-token' }, namespaces: { acme: ['web'] } });
    try {
      const s = await open({ type: 'dockerhub', credentials: creds, options: { api_url: hub.url } });
      const e = await failure(s.deleteTag('acme/web', 'v1', D1));
      expect(e).toBeInstanceOf(RegistryError);
      expect(e.kind).toBe('unauthorized');
      expect(e.message).toMatch(/Incorrect authentication credentials/);
      expect(e.hint).toMatch(/environment variable FERRY_TEST_HUB_PAT/);
      expect(e.hint).toMatch(/for user "acme"/);
      expect(e.hint).toMatch(/personal access token/);
      expect(`${e.message} ${e.hint}`).not.toContain('dckr_pat_abcdef123456');
    } finally {
      await hub.stop();
    }
  });

  it('reports a 429 with the time the limit resets', async () => {
    const reset = Math.floor(Date.UTC(2030, 0, 1, 12, 0, 0) / 1000);
    const hub = await startHubApi({ users: {}, namespaces: {}, rateLimitedUntil: reset });
    try {
      const s = await open({ type: 'dockerhub', options: { api_url: hub.url, namespace: 'acme' } });
      const e = await failure(s.listRepositories());
      expect(e.kind).toBe('rate-limited');
      expect(e.hint).toContain('2030-01-01T12:00:00.000Z');
    } finally {
      await hub.stop();
    }
  });

  it('parses ratelimit headers and defers counted pulls once the reserve is reached', async () => {
    expect(parseQuota('100;w=21600')).toEqual({ value: 100, window: 21600 });
    expect(parseQuota('76')).toEqual({ value: 76 });
    expect(parseQuota('x;w=1')).toBeUndefined();
    const sink = new RateLimitSink();
    sink.observe({
      'ratelimit-limit': '100;w=21600',
      'ratelimit-remaining': '3;w=21600',
      'docker-ratelimit-source': '203.0.113.7',
    });
    expect(sink.info).toMatchObject({ limit: 100, remaining: 3, windowSeconds: 21600, source: '203.0.113.7' });
  });
});

describe('harbor', () => {
  const artifacts = {
    'library/app': [
      { digest: D1, tags: ['v1', 'latest'], labels: ['production'] },
      { digest: D2, tags: ['v2'], labels: [] },
    ],
    'library/team/api': [{ digest: D2, tags: ['v1'], labels: ['qa'] }],
    'private/db': [{ digest: D1, tags: ['v9'] }],
    'empty/x': [],
  };
  process.env.FERRY_TEST_ROBOT_SECRET = 'robot-secret-value';
  const robot = { username: { value: 'robot$ferry' }, password: { env: 'FERRY_TEST_ROBOT_SECRET' } };
  let api: Awaited<ReturnType<typeof startHarborApi>>;
  beforeAll(async () => {
    api = await startHarborApi({
      users: { robot$ferry: 'robot-secret-value', guest: 'guest-pw' },
      creators: ['robot$ferry'],
      projects: { library: { public: true }, private: { public: false }, empty: { public: true } },
      repositories: structuredClone(artifacts),
      maxPageSize: 1,
    });
  });
  afterAll(() => api.stop());
  const harbor = (extra: Partial<RegistryConfig> = {}) =>
    open({ type: 'harbor', url: api.url, credentials: robot, ...extra });

  it('lists repositories of every visible project, paging by Link', async () => {
    const s = await harbor();
    expect((await s.listRepositories()).sort()).toEqual(['empty/x', 'library/app', 'library/team/api', 'private/db']);
    const anon = await open({ type: 'harbor', url: api.url });
    expect((await anon.listRepositories()).sort()).toEqual(['empty/x', 'library/app', 'library/team/api']);
    const only = await harbor({ options: { projects: ['private'] } });
    expect(await only.listRepositories()).toEqual(['private/db']);
    expect(api.requests.some((r) => r.authorization?.startsWith('Basic ') && r.path === '/api/v2.0/projects')).toBe(
      true,
    );
  });

  it('lists tags with labels, encoding nested repository names twice', async () => {
    const s = await harbor();
    const details = await s.listTagDetails!('library/app');
    expect(details.map((d) => [d.tag, d.digest, d.labels])).toEqual([
      ['v1', D1, { production: '' }],
      ['latest', D1, { production: '' }],
      ['v2', D2, {}],
    ]);
    expect(await s.listTagDetails!('library/team/api')).toMatchObject([{ tag: 'v1', labels: { qa: '' } }]);
    expect(api.requests.some((r) => r.path === '/api/v2.0/projects/library/repositories/team%252Fapi/artifacts')).toBe(
      true,
    );
  });

  it('fails before any push when the project is missing, and creates it when allowed', async () => {
    const s = await harbor();
    const e = await failure(s.prepareDestination!('newproj/app'));
    expect(e.kind).toBe('not-found');
    expect(e.message).toMatch(/project newproj not found/);
    expect(e.hint).toMatch(/Harbor project "newproj" does not exist.*options\.create_project: true/);
    const creating = await harbor({ options: { create_project: true } });
    await creating.prepareDestination!('newproj/app');
    expect(api.options.projects.newproj).toEqual({ public: false });
    const post = api.requests.find((r) => r.method === 'POST');
    expect(post?.body).toEqual({ project_name: 'newproj', metadata: { public: 'false' } });
    await creating.prepareDestination!('newproj/other'); // checked once per project
    expect(api.requests.filter((r) => r.method === 'HEAD' && r.query.get('project_name') === 'newproj')).toHaveLength(
      2,
    );
  });

  it("a run's read-only check of a project that exists spares its write a second HEAD", async () => {
    const s = await harbor();
    await s.prepareDestination!('library/app', { check: true });
    await s.prepareDestination!('library/app');
    expect(api.requests.filter((r) => r.method === 'HEAD' && r.query.get('project_name') === 'library')).toHaveLength(
      1,
    );
  });

  it('deletes one tag, leaving the artifact and its other tags', async () => {
    const s = await harbor();
    expect(s.deletesByTag).toBe(true);
    expect(await s.deleteTag('library/app', 'latest', D1)).toBe('tag');
    expect((await s.listTagDetails!('library/app')).map((t) => t.tag)).toEqual(['v1', 'v2']);
    expect(
      api.requests.some(
        (r) =>
          r.method === 'DELETE' &&
          r.path === `/api/v2.0/projects/library/repositories/app/artifacts/${encodeURIComponent(D1)}/tags/latest`,
      ),
    ).toBe(true);
  });

  it('says which credential Harbor refused, and how robot accounts log in', async () => {
    process.env.FERRY_TEST_ROBOT_WRONG = 'not-the-secret';
    const s = await open({
      type: 'harbor',
      url: api.url,
      credentials: { username: { value: 'robot$ferry' }, password: { env: 'FERRY_TEST_ROBOT_WRONG' } },
    });
    const e = await failure(s.listRepositories());
    expect(e.kind).toBe('unauthorized');
    expect(e.hint).toMatch(/registries\.target.*environment variable FERRY_TEST_ROBOT_WRONG/);
    expect(e.hint).toMatch(/robot\$<name>/);
    expect(e.hint).not.toContain('not-the-secret');
  });
});

describe('ghcr', () => {
  let gh: Awaited<ReturnType<typeof startGitHubApi>>;
  process.env.FERRY_TEST_GITHUB_TOKEN = 'ghs_testtoken123';
  const token = { username: { value: 'octocat' }, password: { env: 'FERRY_TEST_GITHUB_TOKEN' } };
  beforeAll(async () => {
    gh = await startGitHubApi({
      tokens: { ghs_testtoken123: 'octocat' },
      owners: {
        acme: {
          kind: 'org',
          packages: {
            web: [
              { id: 11, digest: D1, tags: ['v1', 'latest'] },
              { id: 12, digest: D2, tags: ['old'] },
            ],
            'tools/cli': [{ id: 21, digest: D1, tags: ['v3'] }],
            api: [],
          },
        },
        'octo-org': {
          kind: 'org',
          packages: {
            app: [
              { id: 41, digest: D3, tags: ['v2', 'stable'] },
              // A platform manifest of an index: a version of its own, without tags.
              { id: 42, digest: D1, tags: [] },
              { id: 43, digest: 'nightly-build', tags: ['odd'] },
              // A tag seen on two versions (it moved while the pages were read).
              { id: 44, digest: D2, tags: ['moving', 'v1'] },
              { id: 45, digest: D1, tags: ['moving'] },
            ],
          },
        },
        hubot: {
          kind: 'user',
          packages: {
            tools: [
              { id: 51, digest: D1, tags: ['a'] },
              { id: 52, digest: D2, tags: ['b'] },
              { id: 53, digest: D3, tags: ['c'] },
            ],
          },
        },
        monalisa: {
          kind: 'user',
          packages: { site: [{ id: 61, digest: D3, tags: ['v2', 'stable'] }] },
        },
        octocat: {
          kind: 'user',
          packages: {
            dotfiles: [
              { id: 31, digest: D1, tags: ['v1'] },
              { id: 32, digest: D2, tags: ['v2'] },
              { id: 33, digest: D3, tags: ['v3'] },
            ],
          },
        },
      },
      maxPerPage: 2,
    });
  });
  afterAll(() => gh.stop());
  const ghcr = (options: Record<string, unknown>) =>
    open({ type: 'ghcr', credentials: token, options: { api_url: gh.url, ...options } });

  it("lists an organisation's container packages through Link pages, and a user's", async () => {
    const s = await ghcr({ owner: 'acme' });
    expect(await s.listRepositories()).toEqual(['acme/web', 'acme/tools/cli', 'acme/api']);
    const pages = gh.requests.filter((r) => r.path === '/orgs/acme/packages');
    expect(pages.map((r) => r.query.get('package_type'))).toEqual(['container', 'container', 'container']);
    expect(pages.every((r) => r.authorization === 'Bearer ghs_testtoken123')).toBe(true);
    const user = await ghcr({ owner: 'octocat' });
    expect(await user.listRepositories()).toEqual(['octocat/dotfiles']);
    const none = await ghcr({});
    expect((await failure(none.listRepositories())).message).toMatch(/set options\.owner/);
  });

  it('deletes the package version holding the digest', async () => {
    const s = await ghcr({ owner: 'acme' });
    expect(s.deletesByTag).toBe(false);
    expect(await s.deleteTag('acme/web', 'old', D2)).toBe('digest');
    expect(gh.options.owners.acme!.packages.web!.map((v) => v.id)).toEqual([11]);
    expect(gh.requests.at(-1)).toMatchObject({
      method: 'DELETE',
      path: '/orgs/acme/packages/container/web/versions/12',
      status: 204,
    });
    // The version no longer carries the tag: nothing is deleted.
    const e = await failure(s.deleteTag('acme/web', 'old', D1));
    expect(e.message).toMatch(/no longer carries tag old; not deleted/);
    expect(gh.options.owners.acme!.packages.web).toHaveLength(1);
    expect(await s.deleteTag('acme/tools/cli', 'v3', D1)).toBe('digest');
    expect(gh.requests.some((r) => r.path === '/orgs/acme/packages/container/tools%2Fcli/versions')).toBe(true);
  });

  it('refuses to delete a package version that also carries a tag the plan does not delete', async () => {
    const s = await ghcr({ owner: 'monalisa' });
    const deletes = () => gh.requests.filter((r) => r.method === 'DELETE').length;
    const before = deletes();
    // Version 61 carries v2 and stable; the plan deletes only v2.
    const e = await failure(s.deleteTag('monalisa/site', 'v2', D3));
    expect(e.message).toMatch(/also carries tag stable, which the plan does not delete.*nothing is deleted/);
    expect(gh.options.owners.monalisa!.packages.site!.map((v) => v.id)).toEqual([61]);
    expect(deletes()).toBe(before);
    // Both planned: the version goes, and with it both tags.
    expect(await s.deleteTag('monalisa/site', 'v2', D3, { alongWith: new Set(['v2', 'stable']) })).toBe('digest');
    expect(gh.options.owners.monalisa!.packages.site).toEqual([]);
  });

  it("deletes a user's package version found on a later page", async () => {
    const s = await ghcr({ owner: 'octocat' });
    expect(await s.deleteTag('octocat/dotfiles', 'v3', D3)).toBe('digest');
    expect(gh.options.owners.octocat!.packages.dotfiles!.map((v) => v.id)).toEqual([31, 32]);
    const lists = gh.requests.filter((r) => r.path === '/users/octocat/packages/container/dotfiles/versions');
    expect(lists.map((r) => r.query.get('page') ?? '1')).toEqual(['1', '2']);
    expect(gh.requests.at(-1)).toMatchObject({
      method: 'DELETE',
      path: '/users/octocat/packages/container/dotfiles/versions/33',
      operation: 'DELETE /users/{username}/packages/{package_type}/{package_name}/versions/{package_version_id}',
      status: 204,
    });
  });

  it('lists tags with the digest of the package version carrying them, through Link pages', async () => {
    const s = await ghcr({ owner: 'octo-org' });
    const details = await s.listTagDetails!('octo-org/app');
    expect([...details].sort((a, b) => a.tag.localeCompare(b.tag))).toEqual([
      // Two versions claim it: no digest, so the engine asks the registry.
      { tag: 'moving' },
      // A version name that is not a digest gives no digest.
      { tag: 'odd' },
      { tag: 'stable', digest: D3 },
      { tag: 'v1', digest: D2 },
      { tag: 'v2', digest: D3 },
    ]);
    // GitHub has no labels: label filters are decided from the manifests.
    expect(s.listsLabels).toBeUndefined();
    const lists = gh.requests.filter((r) => r.path === '/orgs/octo-org/packages/container/app/versions');
    expect(lists.map((r) => `${r.query.get('per_page')} ${r.query.get('page') ?? '1'}`)).toEqual([
      '100 1',
      '100 2',
      '100 3',
    ]);
    expect(lists.every((r) => r.status === 200 && r.authorization === 'Bearer ghs_testtoken123')).toBe(true);
  });

  it("lists a user's package versions through Link alone (no per_page documented)", async () => {
    const s = await ghcr({ owner: 'hubot' });
    expect(await s.listTagDetails!('hubot/tools')).toEqual([
      { tag: 'a', digest: D1 },
      { tag: 'b', digest: D2 },
      { tag: 'c', digest: D3 },
    ]);
    const lists = gh.requests.filter((r) => r.path === '/users/hubot/packages/container/tools/versions');
    expect(lists.map((r) => [r.query.get('per_page'), r.query.get('page') ?? '1'])).toEqual([
      [null, '1'],
      [null, '2'],
    ]);
  });

  /** A GitHub-like versions list whose `Link` rel="next" is made by `next` from the page number. */
  async function pagingApi(next: (page: number) => number) {
    const seen: string[] = [];
    const server = createServer((req, res) => {
      seen.push(req.url ?? '');
      const u = new URL(req.url ?? '/', 'http://x');
      const page = Number(u.searchParams.get('page') ?? 1);
      const self = `http://127.0.0.1:${(server.address() as AddressInfo).port}${u.pathname}`;
      res.writeHead(200, {
        'content-type': 'application/json',
        link: `<${self}?per_page=100&page=${next(page)}>; rel="next"`,
      });
      res.end(JSON.stringify([{ id: page, name: D1, metadata: { container: { tags: [`t${page}`] } } }]));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    return {
      url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
      seen,
      stop: () => new Promise((r) => server.close(r)),
    };
  }

  it('fails a versions listing whose Link leads back to a page already read', async () => {
    const api = await pagingApi((page) => (page < 3 ? page + 1 : 2));
    try {
      const s = await ghcr({ owner: 'acme', owner_type: 'org', api_url: api.url });
      const e = await failure(s.listTagDetails!('acme/app'));
      expect(e.kind).toBe('invalid');
      expect(e.message).toMatch(/pagination repeats page .*page=2/);
      expect(api.seen).toHaveLength(3);
    } finally {
      await api.stop();
    }
  });

  it('fails a versions listing past its page or entry bound instead of returning part of it', async () => {
    const api = await pagingApi((page) => page + 1);
    const store = (limits: { pages?: number; entries?: number }) => {
      const s = new GhcrStore({
        name: 'target',
        client: new RegistryClient({ registry: '127.0.0.1:9', baseUrl: NO_REGISTRY }),
        api: { name: 'api.github.test', baseUrl: api.url, retry: { attempts: 1 }, listingLimits: limits },
        token: 'ghs_testtoken123',
        owner: 'acme',
        ownerType: 'org',
      });
      stores.push(s);
      return s;
    };
    try {
      const pages = await failure(store({ pages: 3 }).listTagDetails('acme/app'));
      expect(pages.kind).toBe('too-large');
      expect(pages.message).toMatch(/longer than 3 pages/);
      expect(api.seen).toHaveLength(3);
      const entries = await failure(store({ entries: 4 }).listTagDetails('acme/app'));
      expect(entries.message).toMatch(/longer than 4 entries/);
      expect(api.seen).toHaveLength(3 + 5);
    } finally {
      await api.stop();
    }
  });

  it('explains a refused token with the permissions a workflow needs', async () => {
    process.env.FERRY_TEST_GITHUB_BAD = 'ghs_revoked';
    const s = await open({
      type: 'ghcr',
      credentials: { username: { value: 'octocat' }, password: { env: 'FERRY_TEST_GITHUB_BAD' } },
      options: { api_url: gh.url, owner: 'acme' },
    });
    const e = await failure(s.listRepositories());
    expect(e.kind).toBe('unauthorized');
    expect(e.message).toMatch(/Requires authentication/);
    expect(e.hint).toMatch(/FERRY_TEST_GITHUB_BAD/);
    expect(e.hint).toMatch(/packages: read/);
  });
});

describe('aliyun-acr, ecr, gar, quay', () => {
  /** An ACR-like /v2 that answers pushes to a missing namespace as seed 002 shows. */
  async function acrLike() {
    const server = createServer((req, res) => {
      const send = (status: number, body?: unknown) => {
        res.writeHead(status, {
          'content-type': 'application/json',
          'docker-distribution-api-version': 'registry/2.0',
        });
        res.end(body === undefined ? '' : JSON.stringify(body));
      };
      if (req.url === '/v2/') return send(200, {});
      if (req.method === 'POST' && req.url?.startsWith('/v2/lgy-images/'))
        return send(404, { errors: [{ code: 'NAME_UNKNOWN', message: 'namespace not found: lgy-images' }] });
      if (req.method === 'POST') {
        res.writeHead(202, { location: '/v2/uploads/1' });
        return res.end();
      }
      if (req.method === 'DELETE') return send(204);
      return send(404, { errors: [{ code: 'NAME_UNKNOWN', message: 'repository name not known to registry' }] });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    return {
      url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
      stop: () => new Promise((r) => server.close(r)),
    };
  }

  it('turns "namespace not found" into an error that says to create the namespace', async () => {
    const acr = await acrLike();
    try {
      const s = await open({ type: 'aliyun-acr', url: acr.url });
      const e = await failure(s.prepareDestination!('lgy-images/nms4cloud-gateway'));
      expect(e.kind).toBe('not-found');
      expect(e.message).toMatch(/namespace not found: lgy-images/);
      expect(e.hint).toMatch(/namespace "lgy-images" does not exist: create it in the console/);
      await s.prepareDestination!('production/gateway');
      const listErr = await failure(s.listRepositories());
      expect(listErr.message).toMatch(/list them under registries\.target\.repositories/);
    } finally {
      await acr.stop();
    }
  });

  it('warns about VPC and internal endpoints', async () => {
    const vpc = await open({ type: 'aliyun-acr', url: 'https://registry-vpc.cn-hangzhou.aliyuncs.com' });
    expect(vpc.warnings?.[0]).toMatch(/VPC\/internal endpoint.*GitHub-hosted runners cannot reach it/);
    const ent = await open({ type: 'aliyun-acr', url: 'https://acme-registry-vpc.cn-hangzhou.cr.aliyuncs.com' });
    expect(ent.warnings).toHaveLength(1);
    const pub = await open({ type: 'aliyun-acr', url: 'https://crpi-abc.cn-hangzhou.personal.cr.aliyuncs.com' });
    expect(pub.warnings).toEqual([]);
    const ecr = await open({ type: 'ecr', url: 'https://123456789012.dkr.ecr.eu-west-1.amazonaws.com' });
    expect(ecr.warnings).toEqual([]);
    const gar = await open({ type: 'gar', url: 'https://europe-docker.pkg.dev' });
    expect(gar.warnings).toEqual([]);
  });

  it('checks Artifact Registry paths are project/repository/image', async () => {
    const gar = await open({ type: 'gar', url: 'https://europe-docker.pkg.dev' });
    const e = await failure(gar.prepareDestination!('my-project/app'));
    expect(e.message).toMatch(/<project>\/<repository>\/<image>, got "my-project\/app"/);
    expect(e.hint).toMatch(/must exist/);
  });

  it('says an ECR repository must exist', async () => {
    const acr = await acrLike();
    try {
      const s = await open({ type: 'ecr', url: acr.url, repositories: ['lgy-images/app'] });
      const e = await failure(s.prepareDestination!('lgy-images/app'));
      expect(e.hint).toMatch(/aws ecr create-repository --repository-name lgy-images\/app/);
      expect(await s.listRepositories()).toEqual(['lgy-images/app']);
    } finally {
      await acr.stop();
    }
  });
});

describe('the vendor API a registry defaults to', () => {
  process.env.FERRY_TEST_INTERNAL_PW = 'internal-registry-password';
  const creds = { username: { value: 'bob' }, password: { env: 'FERRY_TEST_INTERNAL_PW' } };

  it.each([
    ['dockerhub', 'https://hub.docker.com'],
    ['ghcr', 'https://api.github.com'],
  ] as const)(
    'a %s registry on another host needs options.api_url: its credentials are not sent to %s',
    async (type, vendorApi) => {
      const e = await failure(
        open({ type, url: 'https://registry.internal.example:5000', credentials: creds, options: { owner: 'acme' } }),
      );
      expect(e.message).toBe(
        `registries.target: a ${type} registry at registry.internal.example:5000 needs options.api_url: only ${type === 'ghcr' ? 'ghcr.io' : 'docker.io'} uses ${vendorApi} by default, and ferry sends this registry's credentials to its API (or use type: registry)`,
      );
    },
  );

  it.each([
    ['dockerhub', 'https://index.docker.io'],
    ['ghcr', 'https://ghcr.io'],
  ] as const)('a %s registry at the vendor’s own host (%s) opens with the vendor’s API', async (type, url) => {
    const s = await open({ type, url, credentials: creds, options: { owner: 'acme' } });
    expect(s.name).toBe('target');
  });
});

describe('ghcr uploads', () => {
  it('a blob GHCR will not take in one request goes in chunks of at most 4 MiB (its per-request limit)', async () => {
    const LIMIT = 4 * 1024 * 1024;
    const blob = Buffer.alloc(9 * 1024 * 1024, 3);
    const digest = `sha256:${createHash('sha256').update(blob).digest('hex')}` as Digest;
    let received = 0;
    const bodies: number[] = [];
    const tooLarge = (res: import('node:http').ServerResponse) =>
      res
        .writeHead(416, { 'content-type': 'application/json' })
        .end(
          '{"errors":[{"code":"REQUESTED_RANGE_NOT_SATISFIABLE","message":"the request body is too large and exceeds the maximum permissible limit of 4.00MiB"}]}',
        );
    // GHCR as far as an upload goes: any request body over 4 MiB is refused with its 416.
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = Buffer.concat(chunks);
        const url = new URL(req.url ?? '/', 'http://x');
        if (req.method === 'GET' && url.pathname === '/v2/') return res.writeHead(200).end('{}');
        if (req.method === 'POST') return res.writeHead(202, { location: '/upload/1', range: '0-0' }).end();
        if (body.length > LIMIT) return tooLarge(res);
        bodies.push(body.length);
        if (req.method === 'PATCH') {
          received += body.length;
          return res.writeHead(202, { location: '/upload/1', range: `0-${received - 1}` }).end();
        }
        if (req.method === 'PUT' && received === blob.length)
          return res.writeHead(201, { 'docker-content-digest': digest }).end();
        return res.writeHead(400).end();
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const s = await open({
        type: 'ghcr',
        url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
        options: { owner: 'acme' },
      });
      const r = await s.blobPut('acme/app', { digest, size: blob.length }, async () =>
        (await import('node:stream')).Readable.from([blob]),
      );
      expect(r.via).toBe('uploaded');
      expect(Math.max(...bodies)).toBeLessThanOrEqual(LIMIT);
      expect(received).toBe(blob.length);
    } finally {
      server.close();
    }
  });
});
