/**
 * GitHub Container Registry: images through ghcr.io's /v2 API (no `_catalog`, no manifest DELETE);
 * repositories listed and versions deleted through the GitHub Packages REST API with GITHUB_TOKEN
 * or a personal access token. A package version is a digest with all its tags, so deletion has
 * digest semantics (deletesByTag false): the engine passes only deletions no kept tag shares.
 * REST: https://docs.github.com/en/rest/packages/packages
 * Pagination: https://docs.github.com/en/rest/using-the-rest-api/using-pagination-in-the-rest-api
 */
import { RegistryError } from '../registry/errors.js';
import { nextLinkUrl } from '../registry/wire.js';
import { registerSecret } from '../util/secrets.js';
import { ApiRegistryStore } from './api-store.js';
import type { RegistryStoreOptions } from './registry-store.js';
import { VendorApi, type VendorApiOptions } from './vendor-http.js';

export const GITHUB_API_URL = 'https://api.github.com';
const PER_PAGE = 100;
const MAX_PAGES = 10_000;

export interface GhcrStoreOptions extends Omit<RegistryStoreOptions, 'deletesByTag'> {
  api: Omit<VendorApiOptions, 'authorization' | 'provider' | 'headers'>;
  /** GITHUB_TOKEN or a PAT (the registry password). */
  token?: string;
  /** User or organisation owning the packages (options.owner / options.organization). */
  owner?: string;
  /** Whether `owner` is an organisation or a user; default: try the organisation, then the user. */
  ownerType?: 'org' | 'user';
}

interface PackageVersion {
  id?: unknown;
  name?: unknown;
  metadata?: { container?: { tags?: unknown } };
}

export class GhcrStore extends ApiRegistryStore {
  readonly api: VendorApi;
  readonly #owner?: string;
  #ownerType?: Promise<'orgs' | 'users'>;
  readonly #explicit?: string[];

  constructor(o: GhcrStoreOptions) {
    super({ ...o, deletesByTag: false });
    this.#owner = o.owner?.toLowerCase();
    this.#explicit = o.repositories;
    if (o.ownerType) this.#ownerType = Promise.resolve(o.ownerType === 'org' ? 'orgs' : 'users');
    registerSecret(o.token);
    const token = o.token;
    this.api = new VendorApi({
      ...o.api,
      provider: 'ghcr',
      headers: { accept: 'application/vnd.github+json', 'x-github-api-version': '2022-11-28' },
      authorization: async () => (token ? `Bearer ${token}` : undefined),
    });
  }

  /** `sized`: the endpoint takes `per_page`; pages always come from `Link`. */
  async #pages<T>(
    path: string,
    query: Record<string, string>,
    operation: string,
    repository?: string,
    sized = true,
  ): Promise<T[]> {
    const out: T[] = [];
    let next: string | undefined = path;
    let q: Record<string, string> | undefined = { ...query, ...(sized ? { per_page: String(PER_PAGE) } : {}) };
    for (let page = 0; next && page < MAX_PAGES; page++) {
      const r = await this.api.request({
        method: 'GET',
        path: next,
        ...(q ? { query: q } : {}),
        operation,
        ...(repository ? { repository } : {}),
      });
      if (Array.isArray(r.body)) out.push(...(r.body as T[]));
      next = nextLinkUrl(r.headers.link, r.url)?.toString();
      q = undefined;
    }
    return out;
  }

  /** `/orgs/{owner}` or `/users/{owner}`: the organisation first, the user when GitHub knows no such organisation. */
  #ownerPath(owner: string): Promise<'orgs' | 'users'> {
    this.#ownerType ??= (async () => {
      const r = await this.api.request({
        method: 'GET',
        path: `/orgs/${encodeURIComponent(owner)}/packages`,
        query: { package_type: 'container', per_page: '1' },
        expect: [200, 404],
        operation: `looking up owner ${owner} on`,
      });
      return r.status === 200 ? 'orgs' : 'users';
    })();
    return this.#ownerType;
  }

  #requireOwner(repository?: string): string {
    const owner = this.#owner ?? repository?.split('/')[0];
    if (!owner)
      throw new RegistryError({
        kind: 'invalid',
        registry: this.display,
        operation: 'listing repositories',
        detail:
          'GHCR has no catalog: set options.owner to the user or organisation owning the packages, or list repositories explicitly',
      });
    return owner;
  }

  /** GET /orgs/{org}/packages?package_type=container (or /users/{user}/packages), following Link. */
  override async listRepositories(): Promise<string[]> {
    if (this.#explicit) return [...this.#explicit];
    const owner = this.#requireOwner();
    const kind = await this.#ownerPath(owner);
    const packages = await this.#pages<{ name?: unknown }>(
      `/${kind}/${encodeURIComponent(owner)}/packages`,
      { package_type: 'container' },
      `listing container packages of ${owner} on`,
    );
    return packages
      .map((p) => p.name)
      .filter((n): n is string => typeof n === 'string')
      .map((n) => `${owner}/${n}`.toLowerCase());
  }

  /** Deletes the package version holding `digest` (and every tag on it). */
  override async deleteTag(repository: string, tag: string, digest: string): Promise<'tag' | 'digest'> {
    const owner = this.#requireOwner(repository);
    if (!repository.startsWith(`${owner}/`))
      throw new RegistryError({
        kind: 'invalid',
        registry: this.display,
        repository,
        operation: 'deleting',
        detail: `the repository is not owned by ${owner}`,
      });
    const pkg = encodeURIComponent(repository.slice(owner.length + 1));
    const kind = await this.#ownerPath(owner);
    const base = `/${kind}/${encodeURIComponent(owner)}/packages/container/${pkg}/versions`;
    // GitHub documents no query parameters for a user's package versions (only for an organisation's).
    const versions = await this.#pages<PackageVersion>(
      base,
      {},
      'listing package versions of',
      repository,
      kind === 'orgs',
    );
    const version = versions.find((v) => v.name === digest);
    if (!version || (typeof version.id !== 'number' && typeof version.id !== 'string'))
      throw new RegistryError({
        kind: 'not-found',
        registry: this.display,
        repository,
        operation: `deleting tag ${tag} of`,
        detail: `no package version with digest ${digest}`,
      });
    const tags = version.metadata?.container?.tags;
    if (Array.isArray(tags) && !tags.includes(tag))
      throw new RegistryError({
        kind: 'invalid',
        registry: this.display,
        repository,
        operation: `deleting tag ${tag} of`,
        detail: `package version ${String(version.id)} (${digest}) no longer carries tag ${tag}; not deleted`,
      });
    await this.api.request({
      method: 'DELETE',
      path: `${base}/${encodeURIComponent(String(version.id))}`,
      expect: [204],
      operation: `deleting package version ${String(version.id)} (tag ${tag}) of`,
      repository,
    });
    return 'digest';
  }
}
