/**
 * Loopback fakes of the vendor REST APIs ferry's providers call, answering as the vendors document:
 * the Docker Hub API, the Harbor API v2.0 and the GitHub Packages API (pagination, auth, error bodies).
 * Each records the requests it saw. Images themselves live in a real registry (registry-process.ts).
 */
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ApiLog {
  method: string;
  /** Raw path as sent (percent-encoding kept). */
  path: string;
  query: URLSearchParams;
  authorization?: string;
  body?: unknown;
  status: number;
}

export interface FakeApi {
  url: string;
  requests: ApiLog[];
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

async function serve(handler: Handler): Promise<FakeApi> {
  const requests: ApiLog[] = [];
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
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
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
//   DELETE /v2/repositories/{namespace}/{repository}/tags/{tag}/ → 204  (Harbor dockerhub adapter)
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
  const api = await serve(async ({ method, path, query, auth, body, base }) => {
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
  const api = await serve(async ({ method, path, query, auth, body, base }) => {
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
            tags: withTag ? a.tags.map((t) => ({ name: t, push_time: '2024-05-01T00:00:00.000Z' })) : null,
            labels: withLabel ? (a.labels ?? []).map((l, i) => ({ id: i + 1, name: l, scope: 'g' })) : null,
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
//   GET /orgs/{org}/packages/container/{package_name}/versions        (name = digest, metadata.container.tags)
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

export interface GitHubApiOptions {
  /** token → login. */
  tokens: Record<string, string>;
  /** owner → kind and packages (name → versions). */
  owners: Record<string, { kind: 'org' | 'user'; packages: Record<string, GhVersionFixture[]> }>;
  maxPerPage?: number;
}

const ghError = (status: number, message: string): Reply => ({
  status,
  body: { message, documentation_url: 'https://docs.github.com/rest/packages/packages', status: String(status) },
});

export async function startGitHubApi(options: GitHubApiOptions): Promise<FakeApi & { options: GitHubApiOptions }> {
  const api = await serve(({ method, path, query, auth, base }) => {
    const token = auth?.replace(/^(Bearer|token) /, '');
    if (!token || !options.tokens[token]) return ghError(401, 'Requires authentication');
    const seg = segments(path);
    const kind = seg[0] === 'orgs' ? 'org' : seg[0] === 'users' ? 'user' : undefined;
    const owner = seg[1] ? options.owners[seg[1]] : undefined;
    if (!kind || !owner || owner.kind !== kind || seg[2] !== 'packages') return ghError(404, 'Not Found');
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
        Object.keys(owner.packages).map((name, i) => ({
          id: i + 1,
          name,
          package_type: 'container',
          visibility: 'private',
          url: `${base}/${seg[0]}/${seg[1]}/packages/container/${encodeURIComponent(name)}`,
        })),
      );
    }
    if (seg[3] === 'container' && seg[5] === 'versions') {
      const versions = owner.packages[seg[4]!];
      if (!versions) return ghError(404, 'Package not found.');
      if (seg.length === 6 && method === 'GET')
        return paged(
          versions.map((v) => ({
            id: v.id,
            name: v.digest,
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
