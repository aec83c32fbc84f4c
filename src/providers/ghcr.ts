/**
 * GitHub Container Registry: images through ghcr.io's /v2 API (no `_catalog`, no manifest DELETE);
 * repositories listed and versions deleted through the GitHub Packages REST API with GITHUB_TOKEN
 * or a personal access token. A package version is a digest with all its tags, so deletion has
 * digest semantics (deletesByTag false): the engine passes only deletions no kept tag shares.
 * REST: https://docs.github.com/en/rest/packages/packages
 * Pagination: https://docs.github.com/en/rest/using-the-rest-api/using-pagination-in-the-rest-api
 */
import { isDigest } from '../oci/digest.js';
import { RegistryError } from '../registry/errors.js';
import type { TagInfo } from '../rules/filter.js';
import { registerSecret } from '../util/secrets.js';
import { ApiRegistryStore } from './api-store.js';
import { type RegistryStoreOptions, within } from './registry-store.js';
import { VendorApi, type VendorApiOptions } from './vendor-http.js';

/**
 * GHCR refuses a request body over 4 MiB ("416 REQUESTED_RANGE_NOT_SATISFIABLE: the request body is
 * too large and exceeds the maximum permissible limit of 4.00MiB", oras-project/rust-oci-client#35):
 * a blob it will not take whole is sent in chunks of this size (RELIABILITY D3).
 */
export const GHCR_CHUNK_SIZE = 4 * 1024 * 1024;
const PER_PAGE = 100;

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
  /** Deleted through api.github.com's package versions; ghcr.io may serve the tag a while longer. */
  readonly deletionLags = true;
  readonly api: VendorApi;
  readonly #owner?: string;
  #ownerType?: Promise<'orgs' | 'users'>;
  readonly #explicit?: string[];
  readonly #token?: string;

  constructor(o: GhcrStoreOptions) {
    super({ ...o, deletesByTag: false });
    this.#owner = o.owner?.toLowerCase();
    this.#explicit = o.repositories;
    this.#token = o.token;
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

  /** Every page of a GitHub list, from `Link` rel="next". `sized`: the endpoint takes `per_page`. */
  #pages<T>(path: string, query: Record<string, string>, operation: string, repository?: string, sized = true) {
    return this.api.pages<T>({
      path,
      query: { ...query, ...(sized ? { per_page: String(PER_PAGE) } : {}) },
      operation,
      ...(repository ? { repository } : {}),
      next: { style: 'link' },
    });
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

  /** The names among the owner's packages: the owner's own, as the listing returns them. */
  override async listRepositoriesNamed(names: readonly string[]): Promise<string[]> {
    if (this.#explicit) return within(names, this.#explicit);
    const owner = this.#requireOwner();
    return names.filter((n) => n.toLowerCase().startsWith(`${owner}/`));
  }

  /**
   * Tags with the digest of the manifest each points to, from the package versions API, so the
   * engine needs no manifest HEAD per tag at this source. A container package version is one
   * manifest: its `name` is that manifest's digest and `metadata.container.tags` the tags on it
   * (GitHub's description, api.github.com.yaml example `package-version-org`: `name:
   * sha256:b3d3e366…`, `metadata.container.tags: [latest]`; deleteTag finds a version by the same
   * equality). A tag is on the version of the manifest it points at, which is what a manifest HEAD
   * by that tag returns: for a multi-arch tag the index (its platforms' manifests are versions of
   * their own, untagged). No labels: GitHub has none, so label filters read the manifests.
   * Without a token, for a repository outside `owner`, or when the API refuses the package, the
   * registry's tag list stands in (no digests: the engine then HEADs each tag, as before).
   */
  async listTagDetails(repository: string): Promise<TagInfo[]> {
    const names = async () => (await this.listTags(repository)).map((tag): TagInfo => ({ tag }));
    const owner = this.#owner ?? repository.split('/')[0];
    if (!this.#token || !owner || !repository.startsWith(`${owner}/`)) return names();
    let versions: PackageVersion[];
    try {
      const kind = await this.#ownerPath(owner);
      // GitHub documents no query parameters for a user's package versions (only for an organisation's).
      versions = await this.#pages<PackageVersion>(
        `/${kind}/${encodeURIComponent(owner)}/packages/container/${encodeURIComponent(repository.slice(owner.length + 1))}/versions`,
        {},
        'listing package versions of',
        repository,
        kind === 'orgs',
      );
    } catch (e) {
      // A token without read:packages, a package the API does not show this token, or the API's
      // own rate limit (ghcr.io counts apart): the registry's listing still works.
      if (e instanceof RegistryError && ['unauthorized', 'denied', 'not-found', 'rate-limited'].includes(e.kind))
        return names();
      throw e;
    }
    const digestOf = new Map<string, string | undefined>();
    for (const v of versions) {
      const tags = v.metadata?.container?.tags;
      if (!Array.isArray(tags)) continue;
      const digest = isDigest(v.name) ? v.name : undefined;
      for (const tag of tags) {
        if (typeof tag !== 'string') continue;
        // On two versions at once (a tag moving while the pages were read): no digest, so a HEAD decides.
        digestOf.set(tag, digestOf.has(tag) && digestOf.get(tag) !== digest ? undefined : digest);
      }
    }
    return [...digestOf].map(([tag, digest]) => (digest ? { tag, digest } : { tag }));
  }

  /** Deletes the package version holding `digest` (and every tag on it). */
  override async deleteTag(
    repository: string,
    tag: string,
    digest: string,
    o: { alongWith?: ReadonlySet<string> } = {},
  ): Promise<'tag' | 'digest'> {
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
    // Deleting the version deletes every tag it carries: one the plan did not delete (pushed onto
    // this digest since the plan was made) would be lost with it.
    const others = Array.isArray(tags)
      ? tags.filter((t): t is string => typeof t === 'string' && t !== tag && !o.alongWith?.has(t))
      : [];
    if (others.length > 0)
      throw new RegistryError({
        kind: 'invalid',
        registry: this.display,
        repository,
        operation: `deleting tag ${tag} of`,
        detail: `package version ${String(version.id)} (${digest}) also carries ${others.length > 1 ? 'tags' : 'tag'} ${others.slice(0, 5).join(', ')}, which the plan does not delete (pushed since?); deleting the version would delete ${others.length > 1 ? 'them' : 'it'} too, so nothing is deleted`,
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
