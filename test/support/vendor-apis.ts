/**
 * Loopback fakes of the vendor REST APIs ferry's providers call, answering as the vendors document:
 * the Docker Hub API, the Harbor API v2.0 and the GitHub Packages API (pagination, auth, error bodies).
 * Each records the requests it saw and checks every exchange against the vendor's published API
 * description (test/fixtures/vendor-api/): `stop()` fails when a request or an answer is not in it.
 * Images themselves live in a real registry (registry-process.ts).
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Ajv, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';

// ajv-formats is CommonJS: its plugin is the module itself or its `default`.
const addFormats = ((addFormatsModule as unknown as { default?: typeof addFormatsModule }).default ??
  addFormatsModule) as unknown as (ajv: Ajv) => Ajv;

export interface ApiLog {
  method: string;
  /** Raw path as sent (percent-encoding kept). */
  path: string;
  query: URLSearchParams;
  authorization?: string;
  body?: unknown;
  status: number;
  /** The description's operation it matched, `METHOD /template`. */
  operation?: string;
  responseBody?: unknown;
}

export interface FakeApi {
  url: string;
  requests: ApiLog[];
  /** Requests and answers that the vendor's API description does not allow, one line each. */
  violations: string[];
  /** Operations used that the description does not have but ferry relies on (with evidence). */
  undocumented: Set<string>;
  /** Closes the server; rejects when any exchange broke the description. */
  stop(): Promise<void>;
}

type Reply = { status: number; headers?: Record<string, string>; body?: unknown };
type Handler = (req: {
  method: string;
  path: string;
  query: URLSearchParams;
  auth?: string;
  body: unknown;
  base: string;
}) => Reply | Promise<Reply>;

async function serve(vendor: Vendor, handler: Handler): Promise<FakeApi> {
  const description = vendorDescription(vendor);
  const requests: ApiLog[] = [];
  const violations: string[] = [];
  const undocumented = new Set<string>();
  /** Paths with query that answers handed out as `Link` or `next`. */
  const issued = new Set<string>();
  let base = '';
  const server = http.createServer(async (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const text = Buffer.concat(chunks).toString('utf8');
    let body: unknown;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {
      body = text;
    }
    const u = new URL(req.url ?? '/', base);
    const rawPath = (req.url ?? '/').split('?')[0] ?? '/';
    const log: ApiLog = {
      method: req.method ?? 'GET',
      path: rawPath,
      query: u.searchParams,
      ...(req.headers.authorization ? { authorization: req.headers.authorization } : {}),
      body,
      status: 0,
    };
    requests.push(log);
    let reply: Reply;
    try {
      reply = await handler({
        method: log.method,
        path: rawPath,
        query: u.searchParams,
        ...(req.headers.authorization ? { auth: req.headers.authorization } : {}),
        body,
        base,
      });
    } catch (e) {
      reply = { status: 500, body: { message: String(e) } };
    }
    log.status = reply.status;
    log.responseBody = reply.body;
    let checked: CheckResult;
    try {
      checked = description.check({
        method: log.method,
        path: rawPath,
        query: u.searchParams,
        body,
        status: reply.status,
        responseBody: reply.body,
        serverIssued: issued.has(req.url ?? ''),
      });
    } catch (e) {
      // Still answer: a request left hanging would hide the reason behind a timeout.
      checked = { undocumented: false, violations: [`checking against the description failed: ${String(e)}`] };
    }
    if (checked.operation) log.operation = checked.operation;
    if (checked.undocumented && checked.operation) undocumented.add(checked.operation);
    violations.push(...checked.violations.map((v) => `${log.method} ${req.url}: ${v}`));
    for (const link of linksIn(reply)) {
      const l = new URL(link, base);
      issued.add(`${l.pathname}${l.search}`);
    }
    const payload = reply.body === undefined ? '' : JSON.stringify(reply.body);
    res.writeHead(reply.status, {
      ...(payload ? { 'content-type': 'application/json' } : {}),
      'content-length': String(Buffer.byteLength(payload)),
      ...reply.headers,
    });
    res.end(log.method === 'HEAD' ? undefined : payload);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url: base,
    requests,
    violations,
    undocumented,
    stop: async () => {
      await new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      });
      if (violations.length)
        throw new Error(`the ${vendor} fake and the vendor's API description disagree:\n  ${violations.join('\n  ')}`);
    },
  };
}

/** URLs an answer hands out for the next request: `Link` targets and a Docker Hub page's `next`/`previous`. */
function linksIn(reply: Reply): string[] {
  const out = [...(reply.headers?.link ?? '').matchAll(/<([^>]*)>/g)].map((m) => m[1]!);
  const b = reply.body as { next?: unknown; previous?: unknown } | undefined;
  for (const v of [b?.next, b?.previous]) if (typeof v === 'string' && v) out.push(v);
  return out;
}

/** Path segments, each percent-decoded once (as a router does). */
function segments(path: string): string[] {
  return path.split('/').slice(1).map(decodeURIComponent);
}

// ---------------------------------------------------------------------------------------------
// Docker Hub API — https://docs.docker.com/reference/api/hub/latest/
//   POST /v2/auth/token {identifier, secret} → 200 {access_token}        (AuthCreateAccessToken)
//   POST /v2/users/login {username, password} → 200 {token}   (PostUsersLogin, deprecated)
//   GET  /v2/namespaces/{namespace}/repositories?page=&page_size= → {count, next, previous, results}
//   DELETE /v2/repositories/{namespace}/{repository}/tags/{tag}/ → 204  (not in the description: see
//     test/fixtures/vendor-api/dockerhub/undocumented.json for the evidence)
// Errors are JSON {"message": …} (401 on bad credentials, 404 unknown namespace/tag, 403 not allowed).
// ---------------------------------------------------------------------------------------------

export interface HubApiOptions {
  /** username → password or personal access token. */
  users: Record<string, string>;
  /** namespace → repository names (without the namespace). */
  namespaces: Record<string, string[]>;
  /** Only the legacy /v2/users/login route exists (404 on /v2/auth/token). */
  legacyLoginOnly?: boolean;
  /** Largest page the server hands out (the Hub caps page_size at 100). */
  maxPageSize?: number;
  /** Deletes a tag for real; false when the tag does not exist. */
  onDeleteTag?: (namespace: string, repository: string, tag: string) => Promise<boolean> | boolean;
  /** Answer every request with 429 and this reset time (epoch seconds). */
  rateLimitedUntil?: number;
}

export interface FakeHubApi extends FakeApi {
  /** Tokens handed out, by user. */
  tokens: Map<string, string>;
  options: HubApiOptions;
}

export async function startHubApi(options: HubApiOptions): Promise<FakeHubApi> {
  const tokens = new Map<string, string>();
  let issued = 0;
  const userOf = (auth?: string) => {
    const t = auth?.startsWith('Bearer ') ? auth.slice(7) : undefined;
    for (const [u, tok] of tokens) if (tok === t) return u;
    return undefined;
  };
  const api = await serve('dockerhub', async ({ method, path, query, auth, body, base }) => {
    if (options.rateLimitedUntil)
      return {
        status: 429,
        headers: { 'x-ratelimit-reset': String(options.rateLimitedUntil), 'x-ratelimit-remaining': '0' },
        body: { message: 'Too Many Requests' },
      };
    const seg = segments(path);
    if (method === 'POST' && path === '/v2/auth/token') {
      if (options.legacyLoginOnly) return { status: 404, body: { message: 'page not found' } };
      const { identifier, secret } = (body ?? {}) as { identifier?: string; secret?: string };
      if (!identifier || options.users[identifier] !== secret)
        return { status: 401, body: { message: 'Incorrect authentication credentials', errinfo: {} } };
      const token = `hub-jwt-${identifier}-${++issued}`;
      tokens.set(identifier, token);
      return { status: 200, body: { access_token: token } };
    }
    if (method === 'POST' && path === '/v2/users/login') {
      const { username, password } = (body ?? {}) as { username?: string; password?: string };
      if (!username || options.users[username] !== password)
        return { status: 401, body: { detail: 'Incorrect authentication credentials' } };
      const token = `hub-jwt-${username}-${++issued}`;
      tokens.set(username, token);
      return { status: 200, body: { token } };
    }
    if (
      method === 'GET' &&
      seg[0] === 'v2' &&
      seg[1] === 'namespaces' &&
      seg[3] === 'repositories' &&
      seg.length === 4
    ) {
      const ns = seg[2]!;
      const repos = options.namespaces[ns];
      if (!repos) return { status: 404, body: { message: `namespace ${ns} not found` } };
      const size = Math.min(Number(query.get('page_size') ?? 10), options.maxPageSize ?? 100);
      const page = Number(query.get('page') ?? 1);
      const slice = repos.slice((page - 1) * size, page * size);
      const more = page * size < repos.length;
      return {
        status: 200,
        body: {
          count: repos.length,
          next: more ? `${base}/v2/namespaces/${ns}/repositories?page=${page + 1}&page_size=${size}` : null,
          previous: page > 1 ? `${base}/v2/namespaces/${ns}/repositories?page=${page - 1}&page_size=${size}` : null,
          results: slice.map((name) => ({ name, namespace: ns, repository_type: 'image', is_private: false })),
        },
      };
    }
    if (method === 'DELETE' && seg[0] === 'v2' && seg[1] === 'repositories' && seg[4] === 'tags' && seg.length === 7) {
      const [ns, repo, tag] = [seg[2]!, seg[3]!, seg[5]!];
      const user = userOf(auth);
      if (!user) return { status: 401, body: { detail: 'Authentication credentials were not provided.' } };
      if (user !== ns) return { status: 403, body: { detail: 'You do not have permission to perform this action.' } };
      const ok = (await options.onDeleteTag?.(ns, repo, tag)) ?? true;
      return ok ? { status: 204 } : { status: 404, body: { message: 'tag not found' } };
    }
    return { status: 404, body: { message: 'page not found' } };
  });
  return { ...api, tokens, options };
}

// ---------------------------------------------------------------------------------------------
// Harbor API v2.0 — https://github.com/goharbor/harbor/blob/main/api/v2.0/swagger.yaml
//   GET  /api/v2.0/projects?page=&page_size=               → [Project], X-Total-Count, Link
//   HEAD /api/v2.0/projects?project_name=                  → 200 | 404
//   POST /api/v2.0/projects {project_name, metadata}       → 201 | 409 CONFLICT
//   GET  /api/v2.0/projects/{p}/repositories               → [Repository{name: "p/r"}]
//   GET  /api/v2.0/projects/{p}/repositories/{r}/artifacts?with_tag=true&with_label=true
//   DELETE /api/v2.0/projects/{p}/repositories/{r}/artifacts/{ref}/tags/{tag} → 200
// {r} is the repository name without the project, URL-encoded twice (a/b → a%252Fb): the router
// decodes once, so a singly-encoded name splits the path and the route is not found.
// Errors: {"errors":[{"code":"UNAUTHORIZED|FORBIDDEN|NOT_FOUND|CONFLICT","message":…}]}. Basic auth;
// robot accounts are `robot$name`. Anonymous callers see public projects only.
// ---------------------------------------------------------------------------------------------

export interface HarborArtifactFixture {
  digest: string;
  media_type?: string;
  manifest_media_type?: string;
  tags: string[];
  labels?: string[];
  /** An index's manifests, as Harbor lists them under the index (the children are not listed themselves). */
  references?: { child_digest: string; platform?: { os?: string; architecture?: string; variant?: string } }[];
}

const MANIFEST_ACCEPT = [
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.docker.distribution.manifest.v2+json',
].join(', ');

/**
 * The artifacts Harbor records for repositories of an anonymous registry, as it does on push: one
 * per manifest a tag points to, its digest computed from the manifest's bytes, the tags on it, and
 * for an index its children as references.
 */
export async function harborArtifactsFrom(
  registryUrl: string,
  repositories: string[],
): Promise<Record<string, HarborArtifactFixture[]>> {
  const out: Record<string, HarborArtifactFixture[]> = {};
  for (const repo of repositories) {
    const list = (await (await fetch(`${registryUrl}/v2/${repo}/tags/list`)).json()) as { tags?: string[] | null };
    const byDigest = new Map<string, HarborArtifactFixture>();
    for (const tag of list.tags ?? []) {
      const r = await fetch(`${registryUrl}/v2/${repo}/manifests/${tag}`, { headers: { accept: MANIFEST_ACCEPT } });
      if (r.status !== 200) throw new Error(`GET ${repo}:${tag}: HTTP ${r.status}`);
      const bytes = Buffer.from(await r.arrayBuffer());
      const digest = `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
      const m = JSON.parse(bytes.toString('utf8')) as {
        mediaType?: string;
        config?: { mediaType?: string };
        manifests?: { digest: string; platform?: { os?: string; architecture?: string; variant?: string } }[];
      };
      const mediaType = m.mediaType ?? r.headers.get('content-type') ?? '';
      const known = byDigest.get(digest);
      if (known) {
        known.tags.push(tag);
        continue;
      }
      byDigest.set(digest, {
        digest,
        manifest_media_type: mediaType,
        // Harbor's artifact media type: the config's for an image, the manifest's own for an index.
        media_type: m.config?.mediaType ?? mediaType,
        tags: [tag],
        ...(m.manifests
          ? {
              references: m.manifests.map((c) => ({
                child_digest: c.digest,
                ...(c.platform ? { platform: c.platform } : {}),
              })),
            }
          : {}),
      });
    }
    out[repo] = [...byDigest.values()];
  }
  return out;
}

export interface HarborApiOptions {
  users: Record<string, string>;
  /** project → public? */
  projects: Record<string, { public: boolean }>;
  /** full repository name (project/...) → artifacts. */
  repositories: Record<string, HarborArtifactFixture[]>;
  /** Users allowed to create projects. */
  creators?: string[];
  maxPageSize?: number;
  onDeleteTag?: (repository: string, reference: string, tag: string) => Promise<void> | void;
}

const harborError = (status: number, code: string, message: string): Reply => ({
  status,
  body: { errors: [{ code, message }] },
});

export async function startHarborApi(options: HarborApiOptions): Promise<FakeApi & { options: HarborApiOptions }> {
  const api = await serve('harbor', async ({ method, path, query, auth, body, base }) => {
    let user: string | undefined;
    if (auth) {
      const m = /^Basic (.+)$/.exec(auth);
      const [u, ...p] = m ? Buffer.from(m[1]!, 'base64').toString('utf8').split(':') : [];
      if (!u || options.users[u] !== p.join(':')) return harborError(401, 'UNAUTHORIZED', 'unauthorized');
      user = u;
    }
    const visible = (p: string) => options.projects[p] && (user !== undefined || options.projects[p].public);
    const page = (items: unknown[], pathOnly: string): Reply => {
      const size = Math.min(Number(query.get('page_size') ?? 10), options.maxPageSize ?? 100);
      const n = Number(query.get('page') ?? 1);
      const last = Math.max(1, Math.ceil(items.length / size));
      const links: string[] = [];
      const q = (k: number) => {
        const qq = new URLSearchParams(query);
        qq.set('page', String(k));
        qq.set('page_size', String(size));
        return `${pathOnly}?${qq}`;
      };
      if (n > 1) links.push(`<${q(n - 1)}>; rel="prev"`);
      if (n < last) links.push(`<${q(n + 1)}>; rel="next"`);
      return {
        status: 200,
        headers: { 'x-total-count': String(items.length), ...(links.length ? { link: links.join(', ') } : {}) },
        body: items.slice((n - 1) * size, n * size),
      };
    };
    void base;
    const seg = segments(path);
    if (seg[0] !== 'api' || seg[1] !== 'v2.0') return harborError(404, 'NOT_FOUND', 'not found');
    const rest = seg.slice(2);
    if (rest[0] === 'projects' && rest.length === 1) {
      if (method === 'HEAD') {
        const name = query.get('project_name') ?? '';
        return { status: options.projects[name] ? 200 : 404 };
      }
      if (method === 'GET')
        return page(
          Object.keys(options.projects)
            .filter(visible)
            .map((name, i) => ({
              project_id: i + 1,
              name,
              metadata: { public: String(options.projects[name]!.public) },
            })),
          path,
        );
      if (method === 'POST') {
        if (!user) return harborError(401, 'UNAUTHORIZED', 'unauthorized');
        if (!(options.creators ?? Object.keys(options.users)).includes(user))
          return harborError(403, 'FORBIDDEN', 'forbidden');
        const b = (body ?? {}) as { project_name?: string; metadata?: { public?: string } };
        if (!b.project_name) return harborError(400, 'BAD_REQUEST', 'project_name is required');
        if (options.projects[b.project_name])
          return harborError(409, 'CONFLICT', `The project named ${b.project_name} already exists`);
        options.projects[b.project_name] = { public: b.metadata?.public === 'true' };
        return { status: 201, headers: { location: `/api/v2.0/projects/${b.project_name}` } };
      }
    }
    if (rest[0] === 'projects' && rest[2] === 'repositories') {
      const project = rest[1]!;
      if (!visible(project)) return harborError(404, 'NOT_FOUND', `project ${project} not found`);
      if (rest.length === 3 && method === 'GET')
        return page(
          Object.keys(options.repositories)
            .filter((r) => r.startsWith(`${project}/`))
            .map((name, i) => ({ id: i + 1, name, artifact_count: options.repositories[name]!.length })),
          path,
        );
      // The repository name, decoded a second time; an undecoded '/' has split the path already.
      const name = rest[3];
      if (!name) return harborError(404, 'NOT_FOUND', 'not found');
      const full = `${project}/${decodeURIComponent(name)}`;
      const artifacts = options.repositories[full];
      if (rest.length === 5 && rest[4] === 'artifacts' && method === 'GET') {
        if (!artifacts) return harborError(404, 'NOT_FOUND', `repository ${full} not found`);
        const withTag = query.get('with_tag') !== 'false';
        const withLabel = query.get('with_label') === 'true';
        return page(
          artifacts.map((a) => ({
            digest: a.digest,
            media_type: a.media_type ?? 'application/vnd.oci.image.config.v1+json',
            manifest_media_type: a.manifest_media_type ?? 'application/vnd.oci.image.manifest.v1+json',
            type: 'IMAGE',
            push_time: '2024-05-01T00:00:00.000Z',
            ...(a.references ? { references: a.references } : {}),
            // Left out when not asked for: the description types both as arrays, never null.
            ...(withTag ? { tags: a.tags.map((t) => ({ name: t, push_time: '2024-05-01T00:00:00.000Z' })) } : {}),
            ...(withLabel ? { labels: (a.labels ?? []).map((l, i) => ({ id: i + 1, name: l, scope: 'g' })) } : {}),
          })),
          path,
        );
      }
      if (rest.length === 8 && rest[4] === 'artifacts' && rest[6] === 'tags' && method === 'DELETE') {
        if (!user) return harborError(401, 'UNAUTHORIZED', 'unauthorized');
        const [ref, tag] = [rest[5]!, rest[7]!];
        const a = artifacts?.find((x) => x.digest === ref || x.tags.includes(ref));
        if (!a || !a.tags.includes(tag)) return harborError(404, 'NOT_FOUND', `tag ${tag} not found`);
        await options.onDeleteTag?.(full, ref, tag);
        a.tags = a.tags.filter((t) => t !== tag);
        return { status: 200 };
      }
    }
    return harborError(404, 'NOT_FOUND', 'not found');
  });
  return { ...api, options };
}

// ---------------------------------------------------------------------------------------------
// GitHub Packages API — https://docs.github.com/en/rest/packages/packages
//   GET /orgs/{org}/packages?package_type=container&per_page=&page=   (and /users/{username}/packages)
//   GET /orgs/{org}/packages/container/{package_name}/versions        (name = digest, metadata.container.tags;
//     an index's platform manifests are untagged versions of their own)
//   DELETE /orgs/{org}/packages/container/{package_name}/versions/{id} → 204
// package_name is URL-encoded (a/b → a%2Fb). Pagination by Link (rel="next", rel="last"):
// https://docs.github.com/en/rest/using-the-rest-api/using-pagination-in-the-rest-api
// Errors: {"message": "...", "documentation_url": "..."}; 401 "Requires authentication".
// ---------------------------------------------------------------------------------------------

export interface GhVersionFixture {
  id: number;
  digest: string;
  tags: string[];
}

/**
 * The package versions GitHub records for repositories of an anonymous registry, as it does on
 * push: one version per manifest, named by its digest (computed from the manifest's bytes), with
 * the tags on it; an index's platform manifests are versions of their own, without tags.
 */
export async function ghcrVersionsFrom(
  registryUrl: string,
  repositories: string[],
): Promise<Record<string, GhVersionFixture[]>> {
  const out: Record<string, GhVersionFixture[]> = {};
  let id = 1000;
  for (const repo of repositories) {
    const list = (await (await fetch(`${registryUrl}/v2/${repo}/tags/list`)).json()) as { tags?: string[] | null };
    const byDigest = new Map<string, GhVersionFixture>();
    for (const tag of list.tags ?? []) {
      const r = await fetch(`${registryUrl}/v2/${repo}/manifests/${tag}`, { headers: { accept: MANIFEST_ACCEPT } });
      if (r.status !== 200) throw new Error(`GET ${repo}:${tag}: HTTP ${r.status}`);
      const bytes = Buffer.from(await r.arrayBuffer());
      const digest = `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
      const known = byDigest.get(digest);
      if (known) {
        known.tags.push(tag);
        continue;
      }
      byDigest.set(digest, { id: ++id, digest, tags: [tag] });
      const m = JSON.parse(bytes.toString('utf8')) as { manifests?: { digest: string }[] };
      for (const c of m.manifests ?? [])
        if (!byDigest.has(c.digest)) byDigest.set(c.digest, { id: ++id, digest: c.digest, tags: [] });
    }
    out[repo] = [...byDigest.values()];
  }
  return out;
}

export interface GitHubApiOptions {
  /** token → login. */
  tokens: Record<string, string>;
  /** owner → kind and packages (name → versions). */
  owners: Record<string, { kind: 'org' | 'user'; packages: Record<string, GhVersionFixture[]> }>;
  maxPerPage?: number;
}

const GH_TIME = '2024-05-01T00:00:00Z';

const ghError = (status: number, message: string): Reply => ({
  status,
  body: { message, documentation_url: 'https://docs.github.com/rest/packages/packages', status: String(status) },
});

export async function startGitHubApi(options: GitHubApiOptions): Promise<FakeApi & { options: GitHubApiOptions }> {
  const api = await serve('github', ({ method, path, query, auth, base }) => {
    const token = auth?.replace(/^(Bearer|token) /, '');
    if (!token || !options.tokens[token]) return ghError(401, 'Requires authentication');
    const seg = segments(path);
    const kind = seg[0] === 'orgs' ? 'org' : seg[0] === 'users' ? 'user' : undefined;
    const owner = seg[1] ? options.owners[seg[1]] : undefined;
    if (!kind || !owner || owner.kind !== kind || seg[2] !== 'packages') return ghError(404, 'Not Found');
    const htmlBase = `https://github.com/${seg[0]}/${seg[1]}/packages`;
    const paged = (items: unknown[]): Reply => {
      const per = Math.min(Number(query.get('per_page') ?? 30), options.maxPerPage ?? 100);
      const n = Number(query.get('page') ?? 1);
      const last = Math.max(1, Math.ceil(items.length / per));
      const link = (k: number, rel: string) => {
        const q = new URLSearchParams(query);
        q.set('page', String(k));
        return `<${base}${path}?${q}>; rel="${rel}"`;
      };
      const links = [
        ...(n < last ? [link(n + 1, 'next'), link(last, 'last')] : []),
        ...(n > 1 ? [link(1, 'first'), link(n - 1, 'prev')] : []),
      ];
      return {
        status: 200,
        headers: links.length ? { link: links.join(', ') } : {},
        body: items.slice((n - 1) * per, n * per),
      };
    };
    if (seg.length === 3 && method === 'GET') {
      if (query.get('package_type') !== 'container' && query.get('package_type') !== null) return paged([]);
      if (query.get('package_type') === null) return ghError(400, 'package_type is required');
      return paged(
        Object.entries(owner.packages).map(([name, versions], i) => ({
          id: i + 1,
          name,
          package_type: 'container',
          visibility: 'private',
          url: `${base}/${seg[0]}/${seg[1]}/packages/container/${encodeURIComponent(name)}`,
          html_url: `${htmlBase}/container/package/${encodeURIComponent(name)}`,
          version_count: versions.length,
          created_at: GH_TIME,
          updated_at: GH_TIME,
        })),
      );
    }
    if (seg[3] === 'container' && seg[5] === 'versions') {
      const name = seg[4]!;
      const versions = owner.packages[name];
      if (!versions) return ghError(404, 'Package not found.');
      if (seg.length === 6 && method === 'GET')
        return paged(
          versions.map((v) => ({
            id: v.id,
            name: v.digest,
            url: `${base}/${seg[0]}/${seg[1]}/packages/container/${encodeURIComponent(name)}/versions/${v.id}`,
            package_html_url: `${htmlBase}/container/package/${encodeURIComponent(name)}`,
            created_at: GH_TIME,
            updated_at: GH_TIME,
            metadata: { package_type: 'container', container: { tags: v.tags } },
          })),
        );
      if (seg.length === 7 && method === 'DELETE') {
        const i = versions.findIndex((v) => String(v.id) === seg[6]);
        if (i < 0) return ghError(404, 'Not Found');
        versions.splice(i, 1);
        return { status: 204 };
      }
    }
    return ghError(404, 'Not Found');
  });
  return { ...api, options };
}

// ---------------------------------------------------------------------------------------------
// The vendors' published API descriptions (trimmed to what ferry uses, test/fixtures/vendor-api/):
// every exchange with a fake is checked against them, so neither a fake nor a provider can drift
// from what the vendor documents. Schemas are made strict (no property the description lacks), so
// a fake cannot hand a provider a field the real API would not send.
// ---------------------------------------------------------------------------------------------

type Json = Record<string, unknown>;
export type Vendor = 'dockerhub' | 'harbor' | 'github';

const FIXTURES = new URL('../fixtures/vendor-api/', import.meta.url);
const readJson = (path: string): Json => JSON.parse(readFileSync(new URL(path, FIXTURES), 'utf8')) as Json;

const isObj = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** JSON-pointer `#/a/b` into `doc`. */
function pointer(doc: Json, ref: string): unknown {
  let v: unknown = doc;
  for (const key of ref.replace(/^#\//, '').split('/')) {
    v = isObj(v) ? v[key.replace(/~1/g, '/').replace(/~0/g, '~')] : undefined;
  }
  if (v === undefined) throw new Error(`unresolved $ref ${ref}`);
  return v;
}

/** Follows `$ref`s (keeping sibling keys, as OpenAPI 3.1 and Docker Hub's description use them). */
function deref(doc: Json, node: unknown): Json {
  let n = node;
  const seen = new Set<string>();
  while (isObj(n) && typeof n.$ref === 'string') {
    if (seen.has(n.$ref)) throw new Error(`$ref cycle at ${n.$ref}`);
    seen.add(n.$ref);
    const { $ref, ...siblings } = n;
    n = { ...(pointer(doc, $ref) as Json), ...siblings };
  }
  return isObj(n) ? n : {};
}

const SCHEMA_KEYWORDS = [
  'type',
  'enum',
  'format',
  'minimum',
  'maximum',
  'minLength',
  'maxLength',
  'pattern',
  'minItems',
  'maxItems',
  'required',
] as const;

/**
 * An OpenAPI 3.0 / Swagger 2.0 schema as JSON Schema: `$ref`s inlined, `nullable`/`x-nullable`
 * as a null type, `allOf` of objects merged, documentation keys dropped, and objects closed
 * (`additionalProperties: false` where the description leaves it open) so an undocumented field fails.
 * A schema marked `x-ferry-trimmed` was not copied from the vendor: nothing may match it.
 */
function toJsonSchema(doc: Json, node: unknown, depth = 0): Json | boolean {
  if (typeof node === 'boolean') return node;
  if (depth > 40) throw new Error('schema nesting too deep (a $ref cycle?)');
  const s = deref(doc, node);
  if ('x-ferry-trimmed' in s) return false;
  let out: Json = {};
  for (const k of SCHEMA_KEYWORDS) if (s[k] !== undefined) out[k] = s[k];
  if (isObj(s.properties))
    out.properties = Object.fromEntries(
      Object.entries(s.properties).map(([k, v]) => [k, toJsonSchema(doc, v, depth + 1)]),
    );
  if (s.items !== undefined && (s.type === 'array' || s.type === undefined))
    out.items = toJsonSchema(doc, s.items, depth + 1);
  if (s.additionalProperties !== undefined)
    out.additionalProperties =
      typeof s.additionalProperties === 'boolean'
        ? s.additionalProperties
        : toJsonSchema(doc, s.additionalProperties, depth + 1);
  for (const k of ['anyOf', 'oneOf'] as const)
    if (Array.isArray(s[k])) out[k] = (s[k] as unknown[]).map((x) => toJsonSchema(doc, x, depth + 1));
  if (Array.isArray(s.allOf)) {
    const parts = (s.allOf as unknown[]).map((x) => toJsonSchema(doc, x, depth + 1));
    if (parts.every((p) => isObj(p) && (p.type === 'object' || isObj(p.properties)) && !p.anyOf && !p.oneOf)) {
      // Merged, so that closing each part does not reject the other parts' properties.
      const merged: Json = { type: 'object', properties: {}, required: [] };
      for (const p of parts as Json[]) {
        Object.assign(merged.properties as Json, p.properties);
        (merged.required as string[]).push(...((p.required as string[] | undefined) ?? []));
      }
      out = {
        ...merged,
        ...out,
        properties: { ...(merged.properties as Json), ...(out.properties as Json | undefined) },
      };
    } else out.allOf = parts;
  }
  if (isObj(out.properties) && out.additionalProperties === undefined) {
    out.type ??= 'object';
    out.additionalProperties = false;
  }
  if (s.nullable === true || s['x-nullable'] === true) {
    if (typeof out.type === 'string') out.type = [out.type, 'null'];
    else if (out.type === undefined) out = { anyOf: [out, { type: 'null' }] };
    if (Array.isArray(out.enum) && !out.enum.includes(null)) out.enum = [...(out.enum as unknown[]), null];
  }
  return out;
}

interface Param {
  name: string;
  in: string;
  required: boolean;
  schema: Json | boolean;
}

interface Operation {
  key: string;
  method: string;
  template: string;
  regex: RegExp;
  pathParams: string[];
  params: Param[];
  requestBody?: { schema: Json | boolean; required: boolean };
  responses: Record<string, { schema?: Json | boolean }>;
  undocumented: boolean;
}

export interface Exchange {
  method: string;
  /** Raw path (percent-encoding kept), without the query. */
  path: string;
  query: URLSearchParams;
  body: unknown;
  status: number;
  responseBody: unknown;
  /** The request URL is one the server handed out (a `Link` or `next`): its query is the server's own. */
  serverIssued: boolean;
}

export interface CheckResult {
  /** `METHOD /template` of the matched operation. */
  operation?: string;
  undocumented: boolean;
  violations: string[];
}

const METHODS = ['get', 'head', 'post', 'put', 'patch', 'delete'];

export class VendorDescription {
  readonly operations: Operation[] = [];
  readonly #ajv = new Ajv({ strict: false, allErrors: true, logger: false });
  readonly #validators = new Map<Json | boolean, ValidateFunction>();
  readonly #errorSchema: Json | boolean;
  readonly #successSchemas: (Json | boolean)[] = [];

  constructor(
    readonly vendor: Vendor,
    sources: { doc: Json; basePath: string; undocumented?: boolean }[],
    error: { doc: Json; ref: string },
  ) {
    addFormats(this.#ajv);
    for (const { doc, basePath, undocumented } of sources) {
      for (const [template, item] of Object.entries(doc.paths as Json)) {
        const pathItem = item as Json;
        for (const method of METHODS) {
          const op = pathItem[method];
          if (!isObj(op)) continue;
          const params = [...((pathItem.parameters as unknown[]) ?? []), ...((op.parameters as unknown[]) ?? [])].map(
            (p) => {
              const d = deref(doc, p);
              // Swagger 2.0 puts the schema keywords on the parameter itself (`required` there is not JSON Schema's).
              const schema = toJsonSchema(doc, d.schema ?? { ...d, required: undefined });
              return { name: String(d.name), in: String(d.in), required: d.required === true, schema, raw: d };
            },
          );
          const body = params.find((p) => p.in === 'body');
          const rb = isObj(op.requestBody) ? deref(doc, op.requestBody) : undefined;
          const rbSchema = rb ? (deref(doc, rb.content) as Json)['application/json'] : undefined;
          const requestBody = rbSchema
            ? { schema: toJsonSchema(doc, (rbSchema as Json).schema), required: rb?.required === true }
            : body
              ? { schema: toJsonSchema(doc, body.raw.schema), required: body.required }
              : undefined;
          const responses: Record<string, { schema?: Json | boolean }> = {};
          for (const [status, r] of Object.entries(op.responses as Json)) {
            const res = deref(doc, r);
            const raw = isObj(res.content) ? (res.content['application/json'] as Json | undefined)?.schema : res.schema;
            responses[status] = raw === undefined ? {} : { schema: toJsonSchema(doc, raw) };
            if (/^2/.test(status) && raw !== undefined && !undocumented)
              this.#successSchemas.push(responses[status].schema!);
          }
          const full = `${basePath}${template}`;
          const pathParams: string[] = [];
          const source = full
            .split(/(\{[^}]+\})/)
            .map((part) => {
              const m = /^\{([^}]+)\}$/.exec(part);
              if (!m) return part.replace(/[.*+?^$()|[\]\\]/g, '\\$&');
              pathParams.push(m[1]!);
              // One raw segment: an encoded '/' (%2F, %252F) stays inside it.
              return '([^/]+)';
            })
            .join('');
          this.operations.push({
            key: `${method.toUpperCase()} ${template}`,
            method: method.toUpperCase(),
            template,
            regex: new RegExp(`^${source}$`),
            pathParams,
            params: params.map(({ raw: _raw, ...p }) => p),
            ...(requestBody ? { requestBody } : {}),
            responses,
            undocumented: undocumented === true,
          });
        }
      }
    }
    this.#errorSchema = toJsonSchema(error.doc, { $ref: error.ref });
  }

  #validate(schema: Json | boolean, value: unknown): string[] {
    let v = this.#validators.get(schema);
    if (!v) {
      v = this.#ajv.compile(schema);
      this.#validators.set(schema, v);
    }
    if (v(value)) return [];
    return (v.errors ?? []).map(
      (e) =>
        `${e.instancePath || '(root)'} ${e.message ?? 'is invalid'}${
          e.keyword === 'additionalProperties' ? ` (${String((e.params as Json).additionalProperty)})` : ''
        }`,
    );
  }

  /** Checks one request and the answer to it. */
  check(x: Exchange): CheckResult {
    const candidates = this.operations.filter((o) => o.regex.test(x.path));
    // A literal segment beats a template one (/v2/auth/token is not a {namespace}).
    candidates.sort(
      (a, b) => b.template.replace(/\{[^}]+\}/g, '').length - a.template.replace(/\{[^}]+\}/g, '').length,
    );
    const op = candidates.find((o) => o.method === x.method);
    if (!op)
      return {
        undocumented: false,
        violations: [
          candidates.length
            ? `${x.method} is not documented for ${candidates[0]!.template} (only ${candidates.map((c) => c.method).join(', ')})`
            : `no operation in the ${this.vendor} API description matches ${x.method} ${x.path}`,
        ],
      };
    const out: string[] = [];
    const values = op.regex.exec(x.path)!.slice(1);
    op.pathParams.forEach((name, i) => {
      const p = op.params.find((q) => q.in === 'path' && q.name === name);
      if (!p) return out.push(`path parameter {${name}} is not declared`);
      const v = coerce(p.schema, decodeURIComponent(values[i]!));
      out.push(...this.#validate(p.schema, v).map((m) => `{${name}} ${m.replace(/^\(root\) /, '')}`));
    });
    const declared = new Map(op.params.filter((p) => p.in === 'query').map((p) => [p.name, p]));
    for (const [name, value] of x.query) {
      const p = declared.get(name);
      if (!p) {
        if (!x.serverIssued) out.push(`query parameter ${name} is not documented`);
        continue;
      }
      out.push(
        ...this.#validate(p.schema, coerce(p.schema, value)).map((m) => `?${name} ${m.replace(/^\(root\) /, '')}`),
      );
    }
    for (const p of declared.values())
      if (p.required && !x.query.has(p.name)) out.push(`required query parameter ${p.name} is missing`);
    if (x.body !== undefined) {
      if (!op.requestBody) out.push('the request has a body; the description documents none');
      else out.push(...this.#validate(op.requestBody.schema, x.body).map((m) => `request body ${m}`));
    } else if (op.requestBody?.required) out.push('the request body is required');

    const documented = op.responses[String(x.status)] ?? op.responses.default;
    const schema = documented?.schema;
    if (schema !== undefined && x.method !== 'HEAD') {
      if (x.responseBody === undefined) out.push(`${x.status}: the description documents a body; the fake sent none`);
      else out.push(...this.#validate(schema, x.responseBody).map((m) => `${x.status} response ${m}`));
    } else if (x.responseBody !== undefined) {
      // Vendors answer errors in one documented shape on any endpoint (404, 401, 429…).
      if (x.status >= 400)
        out.push(...this.#validate(this.#errorSchema, x.responseBody).map((m) => `${x.status} error ${m}`));
      else out.push(`${x.status}: the fake sent a body; the description documents none`);
    } else if (!documented && x.status < 400) out.push(`status ${x.status} is not documented`);
    return { operation: op.key, undocumented: op.undocumented, violations: out };
  }

  /**
   * Whether some documented success body has this field: `[].tags[].name` is `name` in the
   * items of `tags` in the items of a top-level array.
   */
  hasField(path: string): boolean {
    const steps = path.match(/\[\]|[^.[\]]+/g) ?? [];
    const reach = (s: Json | boolean, i: number): boolean => {
      if (i === steps.length) return s !== false;
      if (!isObj(s)) return false;
      const alts = [...((s.anyOf as Json[]) ?? []), ...((s.oneOf as Json[]) ?? []), ...((s.allOf as Json[]) ?? [])];
      if (alts.some((a) => reach(a, i))) return true;
      const step = steps[i]!;
      if (step === '[]') return s.items !== undefined && reach(s.items as Json, i + 1);
      const next = isObj(s.properties) ? s.properties[step] : undefined;
      return next !== undefined && reach(next as Json, i + 1);
    };
    return this.#successSchemas.some((s) => reach(s, 0));
  }
}

/** A query or path value as the type its schema declares. */
function coerce(schema: Json | boolean, value: string): unknown {
  const type = isObj(schema) ? (Array.isArray(schema.type) ? schema.type[0] : schema.type) : undefined;
  if ((type === 'integer' || type === 'number') && /^-?\d+(\.\d+)?$/.test(value)) return Number(value);
  if (type === 'boolean' && (value === 'true' || value === 'false')) return value === 'true';
  return value;
}

const descriptions = new Map<Vendor, VendorDescription>();

/** The trimmed published description of a vendor's API (plus, for Docker Hub, ferry's evidenced undocumented calls). */
export function vendorDescription(vendor: Vendor): VendorDescription {
  let d = descriptions.get(vendor);
  if (!d) {
    if (vendor === 'harbor') {
      const doc = readJson('harbor/swagger.subset.json');
      d = new VendorDescription(vendor, [{ doc, basePath: String(doc.basePath) }], {
        doc,
        ref: '#/definitions/Errors',
      });
    } else if (vendor === 'github') {
      const doc = readJson('github/api.github.com.subset.json');
      d = new VendorDescription(vendor, [{ doc, basePath: '' }], { doc, ref: '#/components/schemas/basic-error' });
    } else {
      const doc = readJson('dockerhub/latest.subset.json');
      // The undocumented operations borrow the description's components (parameters, error shapes).
      const extra = { ...doc, paths: readJson('dockerhub/undocumented.json').paths };
      d = new VendorDescription(
        vendor,
        [
          { doc, basePath: '' },
          { doc: extra, basePath: '', undocumented: true },
        ],
        { doc, ref: '#/components/schemas/error' },
      );
    }
    descriptions.set(vendor, d);
  }
  return d;
}
