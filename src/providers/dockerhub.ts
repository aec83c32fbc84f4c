/**
 * Docker Hub: the registry at registry-1.docker.io for images, the Hub API at hub.docker.com for
 * what the registry API cannot do there — listing a namespace's repositories (no `_catalog`) and
 * deleting a tag (registry DELETE answers 405). Reads the pull quota from `ratelimit-*` headers and
 * stops before it runs out, leaving the remaining pulls deferred.
 * Hub API: https://docs.docker.com/reference/api/hub/latest/
 * Pull limits: https://docs.docker.com/docker-hub/usage/pulls/
 */
import type { Dispatcher } from 'undici';
import type { Manifest } from '../registry/client.js';
import { RegistryError } from '../registry/errors.js';
import { registryAgent } from '../registry/http.js';
import { firstHeader } from '../registry/wire.js';
import { registerSecret } from '../util/secrets.js';
import { ApiRegistryStore } from './api-store.js';
import { type RegistryStoreOptions, within } from './registry-store.js';
import type { RateLimitInfo } from './store.js';
import { VendorApi, type VendorApiOptions } from './vendor-http.js';

const PAGE_SIZE = 100;
/** Hub JWTs are valid for about 10 minutes; refresh a little before. */
const JWT_LIFETIME_MS = 8 * 60 * 1000;

/** A pull the quota no longer allows: the engine reports it deferred rather than failed. */
export class RateBudgetError extends RegistryError {
  readonly deferred = true;
}

export interface DockerHubStoreOptions extends Omit<RegistryStoreOptions, 'deletesByTag'> {
  /** The Hub API (hub.docker.com, or a test server). */
  api: Omit<VendorApiOptions, 'authorization' | 'onUnauthorized' | 'provider'>;
  /** Namespace whose repositories are listed (options.namespace, else the username). */
  namespace?: string;
  /** Hub login: a username and a password or personal access token. */
  login?: { username: string; secret: string };
  /** Counted pulls to leave unused (options.rate_limit_reserve). */
  reserve?: number;
  /** Shared with the registry client's dispatcher: receives every response's headers. */
  rateLimitSink?: RateLimitSink;
}

/** Collects `ratelimit-*` headers from registry responses (wired as the client's dispatcher). */
export class RateLimitSink {
  info?: Omit<RateLimitInfo, 'reserve'>;
  /** Bumped on every observation. */
  seq = 0;

  observe(headers: Record<string, string | string[] | undefined>): void {
    const limit = parseQuota(firstHeader(headers['ratelimit-limit']));
    const remaining = parseQuota(firstHeader(headers['ratelimit-remaining']));
    if (!limit || !remaining) return;
    const source = firstHeader(headers['docker-ratelimit-source']);
    const windowSeconds = remaining.window ?? limit.window;
    this.seq++;
    this.info = {
      limit: limit.value,
      remaining: remaining.value,
      ...(windowSeconds !== undefined ? { windowSeconds } : {}),
      ...(source ? { source } : {}),
      observedAt: new Date().toISOString(),
    };
  }

  /**
   * The registry Agent (src/registry/http.ts registryAgent, one set of settings) with its responses
   * passed through `observe`. `origin` is the registry's base URL, the one origin `tls.verify: false`
   * applies to.
   */
  dispatcher(origin: string, tls: { ca?: string | Buffer; verify?: boolean }): Dispatcher {
    const agent = registryAgent(origin, tls);
    return new Proxy(agent, {
      get: (target, prop) => {
        const v = Reflect.get(target, prop);
        if (prop === 'request')
          return async (opts: Dispatcher.RequestOptions) => {
            const r = await target.request(opts);
            this.observe(r.headers);
            return r;
          };
        return typeof v === 'function' ? v.bind(target) : v;
      },
    });
  }
}

/** `100;w=21600` → { value: 100, window: 21600 }. */
export function parseQuota(v: string | undefined): { value: number; window?: number } | undefined {
  if (!v) return undefined;
  const [head, ...params] = v.split(';').map((s) => s.trim());
  const value = Number(head);
  if (!head || !Number.isFinite(value)) return undefined;
  const w = params.find((p) => p.startsWith('w='));
  const window = w ? Number(w.slice(2)) : undefined;
  return { value, ...(window !== undefined && Number.isFinite(window) ? { window } : {}) };
}

/** An item of a namespace's repository list (`results`). */
interface HubRepository {
  name?: unknown;
  namespace?: unknown;
}

/** Docker Hub's official images live under `library/`. */
export function hubRepository(repository: string): string {
  return repository.includes('/') ? repository : `library/${repository}`;
}

export class DockerHubStore extends ApiRegistryStore {
  /** Deleted through hub.docker.com; registry-1.docker.io may serve the tag a while longer. */
  readonly deletionLags = true;
  readonly requireTwoComponents = true;
  readonly api: VendorApi;
  readonly #namespace?: string;
  readonly #login?: { username: string; secret: string };
  readonly #reserve: number;
  readonly #sink: RateLimitSink;
  readonly #explicit?: string[];
  #jwt?: Promise<{ token: string; expiresAt: number }>;
  /** Counted pulls sent since the last observed header. */
  #spent = 0;
  #seenSeq = 0;

  constructor(o: DockerHubStoreOptions) {
    super({ ...o, deletesByTag: true });
    this.#namespace = o.namespace ?? o.login?.username;
    this.#login = o.login;
    this.#reserve = Math.max(0, o.reserve ?? 0);
    this.#sink = o.rateLimitSink ?? new RateLimitSink();
    this.#explicit = o.repositories?.map(hubRepository);
    this.api = new VendorApi({
      ...o.api,
      provider: 'dockerhub',
      authorization: async () => (this.#login ? `Bearer ${await this.#token()}` : undefined),
      onUnauthorized: () => {
        this.#jwt = undefined;
      },
    });
  }

  /** POST /v2/auth/token {identifier, secret} (personal access tokens, passwords); older Hubs: /v2/users/login. */
  #token(): Promise<string> {
    const now = Date.now();
    const cached = this.#jwt;
    if (cached) return cached.then((t) => (t.expiresAt > now ? t.token : this.#refresh()));
    return this.#refresh();
  }

  #refresh(): Promise<string> {
    const login = this.#login!;
    const p = (async () => {
      const r = await this.api.request({
        method: 'POST',
        path: '/v2/auth/token',
        json: { identifier: login.username, secret: login.secret },
        expect: [200, 201, 404, 405],
        operation: 'logging in to the Docker Hub API',
        auth: false,
      });
      let token = (r.body as { access_token?: unknown } | undefined)?.access_token;
      if (r.status === 404 || r.status === 405) {
        const legacy = await this.api.request({
          method: 'POST',
          path: '/v2/users/login',
          json: { username: login.username, password: login.secret },
          operation: 'logging in to the Docker Hub API',
          auth: false,
        });
        token = (legacy.body as { token?: unknown } | undefined)?.token;
      }
      if (typeof token !== 'string' || !token)
        throw new RegistryError({
          kind: 'invalid',
          registry: this.api.name,
          operation: 'logging in to the Docker Hub API',
          detail: 'the login answer has no token',
        });
      registerSecret(token);
      return { token, expiresAt: Date.now() + JWT_LIFETIME_MS };
    })();
    this.#jwt = p;
    p.catch(() => {
      if (this.#jwt === p) this.#jwt = undefined;
    });
    return p.then((t) => t.token);
  }

  /** GET /v2/namespaces/{namespace}/repositories?page_size=100, following `next`. */
  override async listRepositories(): Promise<string[]> {
    if (this.#explicit) return [...this.#explicit];
    const ns = this.#requireNamespace();
    const repos = await this.api.pages<HubRepository>({
      path: `/v2/namespaces/${encodeURIComponent(ns)}/repositories`,
      query: { page_size: String(PAGE_SIZE) },
      operation: `listing repositories of namespace ${ns} on`,
      items: 'results',
      next: { style: 'body', field: 'next' },
    });
    const out: string[] = [];
    for (const repo of repos)
      if (typeof repo.name === 'string')
        out.push(`${typeof repo.namespace === 'string' ? repo.namespace : ns}/${repo.name}`.toLowerCase());
    return out;
  }

  /** The names in the namespace the listing reads. */
  override async listRepositoriesNamed(names: readonly string[]): Promise<string[]> {
    if (this.#explicit) return within(names, this.#explicit);
    const ns = this.#requireNamespace().toLowerCase();
    return names.filter((n) => n.toLowerCase().startsWith(`${ns}/`));
  }

  #requireNamespace(): string {
    if (!this.#namespace)
      throw new RegistryError({
        kind: 'invalid',
        registry: this.display,
        operation: 'listing repositories',
        detail:
          'Docker Hub has no catalog: set options.namespace (or credentials, whose username is used) or list repositories explicitly',
      });
    return this.#namespace;
  }

  /**
   * No listTagDetails: the Hub API description (docker/docs content/reference/api/hub/latest.yaml,
   * schema `tag`) gives no digest of the tagged manifest or index, only `images.digest` per
   * platform, so the engine HEADs each tag here.
   */
  override listTags(repository: string) {
    return super.listTags(hubRepository(repository));
  }

  /** Deletes one tag through the Hub API (the registry answers 405 to manifest DELETE). */
  override async deleteTag(repository: string, tag: string): Promise<'tag' | 'digest'> {
    const [ns, ...rest] = hubRepository(repository).split('/');
    await this.api.request({
      method: 'DELETE',
      path: `/v2/repositories/${encodeURIComponent(ns!)}/${encodeURIComponent(rest.join('/'))}/tags/${encodeURIComponent(tag)}/`,
      // 404: the tag went away since the plan looked.
      expect: [200, 202, 204, 404],
      operation: `deleting tag ${tag} of`,
      repository,
    });
    return 'tag';
  }

  /** Manifest GETs count as pulls: refuse one the quota (minus the reserve) no longer allows. */
  override async manifestGet(repository: string, reference: string): Promise<Manifest | undefined> {
    const info = this.rateLimit();
    if (info && info.remaining <= info.reserve) {
      throw new RateBudgetError({
        kind: 'rate-limited',
        registry: this.display,
        repository,
        operation: `pulling ${reference} of`,
        detail: `deferred: the Docker Hub pull quota is down to ${info.remaining} of ${info.limit}${info.reserve ? ` (reserve ${info.reserve})` : ''}`,
        hint: `deferred to a later run: Docker Hub allows ${info.limit} pulls per ${formatWindow(info.windowSeconds)}${info.source ? ` for ${info.source}` : ''}; the quota refills over that window. Authenticate for a higher limit, or lower options.rate_limit_reserve.`,
        temporary: true,
      });
    }
    this.#spent++;
    return super.manifestGet(repository, reference);
  }

  /** The quota from the last registry answer, less the pulls sent since. */
  rateLimit(): RateLimitInfo | undefined {
    const seen = this.#sink.info;
    if (!seen) return undefined;
    if (this.#sink.seq !== this.#seenSeq) {
      this.#seenSeq = this.#sink.seq;
      this.#spent = 0;
    }
    return { ...seen, remaining: Math.max(0, seen.remaining - this.#spent), reserve: this.#reserve };
  }
}

function formatWindow(seconds: number | undefined): string {
  if (!seconds) return 'window';
  return seconds % 3600 === 0 ? `${seconds / 3600} h` : `${seconds} s`;
}
