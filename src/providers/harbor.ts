/**
 * Harbor: images through its /v2 registry API, everything else through the Harbor REST API v2.0 —
 * repositories per project (its `_catalog` needs system-level read), artifacts with their tags and
 * labels (so label filters work), the project check before a push (and opt-in creation), and
 * deleting a single tag. Robot accounts (`robot$name`) log in like users.
 * API reference (swagger): https://github.com/goharbor/harbor/blob/main/api/v2.0/swagger.yaml
 * Nested repository names are URL-encoded twice in paths: a/b → a%252Fb (swagger: repository_name).
 */
import { RegistryError } from '../registry/errors.js';
import { basicAuthorization } from '../registry/wire.js';
import type { TagInfo } from '../rules/filter.js';
import { ApiRegistryStore } from './api-store.js';
import { type RegistryStoreOptions, within } from './registry-store.js';
import type { DestinationCheck } from './store.js';
import { VendorApi, type VendorApiOptions } from './vendor-http.js';

const PAGE_SIZE = 100;

export interface HarborStoreOptions extends Omit<RegistryStoreOptions, 'deletesByTag'> {
  /** The Harbor API, normally on the registry's own origin. */
  api: Omit<VendorApiOptions, 'authorization' | 'provider'>;
  login?: { username: string; password: string };
  /** Projects to list (options.projects); default every project the account can see. */
  projects?: string[];
  /** Create a missing destination project (options.create_project). */
  createProject?: boolean;
  /** Visibility of a created project (options.project_public, default private). */
  projectPublic?: boolean;
}

/** `a/b` → `a%252Fb`: Harbor decodes the path once, then the repository name once more. */
export function harborRepositoryPath(name: string): string {
  return encodeURIComponent(encodeURIComponent(name));
}

/** `project/rest/of/path` → ['project', 'rest/of/path']. */
export function splitProject(repository: string): [string, string] {
  const i = repository.indexOf('/');
  if (i <= 0)
    throw new RegistryError({
      kind: 'invalid',
      registry: 'harbor',
      repository,
      operation: 'mapping',
      detail: 'Harbor repositories are <project>/<name>: set destination_namespace to a project',
    });
  return [repository.slice(0, i), repository.slice(i + 1)];
}

interface HarborArtifact {
  digest?: unknown;
  media_type?: unknown;
  manifest_media_type?: unknown;
  push_time?: unknown;
  tags?: { name?: unknown; push_time?: unknown }[] | null;
  labels?: { name?: unknown }[] | null;
}

export class HarborStore extends ApiRegistryStore {
  readonly api: VendorApi;
  readonly listsLabels = true;
  readonly #explicit?: string[];
  readonly #projects?: string[];
  readonly #createProject: boolean;
  readonly #projectPublic: boolean;
  readonly #checked = new Map<string, Promise<void>>();
  /** Projects a HEAD found: neither a check nor a write asks again this run. */
  readonly #exists = new Set<string>();

  constructor(o: HarborStoreOptions) {
    super({ ...o, deletesByTag: true });
    this.#explicit = o.repositories;
    this.#projects = o.projects;
    this.#createProject = o.createProject ?? false;
    this.#projectPublic = o.projectPublic ?? false;
    const auth = o.login ? basicAuthorization(o.login.username, o.login.password) : undefined;
    this.api = new VendorApi({ ...o.api, provider: 'harbor', authorization: async () => auth });
  }

  /** Every page of a Harbor list: `page`/`page_size`, the next page from `Link`, else until X-Total-Count. */
  #pages<T>(path: string, query: Record<string, string>, operation: string, repository?: string): Promise<T[]> {
    return this.api.pages<T>({
      path,
      query: { ...query, page: '1', page_size: String(PAGE_SIZE) },
      operation,
      ...(repository ? { repository } : {}),
      next: { style: 'link-or-count', param: 'page', total: 'x-total-count', size: 'page_size' },
    });
  }

  override async listRepositories(): Promise<string[]> {
    if (this.#explicit) return [...this.#explicit];
    const projects =
      this.#projects ??
      (await this.#pages<{ name?: unknown }>('/api/v2.0/projects', {}, 'listing projects of'))
        .map((p) => p.name)
        .filter((n): n is string => typeof n === 'string');
    const out: string[] = [];
    for (const p of projects) {
      const repos = await this.#pages<{ name?: unknown }>(
        `/api/v2.0/projects/${encodeURIComponent(p)}/repositories`,
        {},
        `listing repositories of project ${p} on`,
      );
      for (const r of repos) if (typeof r.name === 'string') out.push(r.name);
    }
    return out;
  }

  /** The names in the projects the listing reads (`projects:`, or every project the account sees). */
  override async listRepositoriesNamed(names: readonly string[]): Promise<string[]> {
    if (this.#explicit) return within(names, this.#explicit);
    const projects = this.#projects;
    return names.filter((n) => !projects || projects.includes(splitProject(n)[0]));
  }

  /**
   * Tags with digest, labels (`{ label: "" }`), media types and push time, from the artifacts API.
   * A tag belongs to one artifact, whose `digest` is the manifest the tag points at: for a multi-arch
   * tag the index's (its platforms' manifests are the index's `references`, carrying no tags).
   */
  async listTagDetails(repository: string): Promise<TagInfo[]> {
    const [project, name] = splitProject(repository);
    let artifacts: HarborArtifact[];
    try {
      artifacts = await this.#pages<HarborArtifact>(
        `/api/v2.0/projects/${encodeURIComponent(project)}/repositories/${harborRepositoryPath(name)}/artifacts`,
        { with_tag: 'true', with_label: 'true' },
        'listing artifacts of',
        repository,
      );
    } catch (e) {
      if (e instanceof RegistryError && e.status === 404) return [];
      throw e;
    }
    const out: TagInfo[] = [];
    for (const a of artifacts) {
      const labels: Record<string, string> = {};
      for (const l of a.labels ?? []) if (typeof l.name === 'string') labels[l.name] = '';
      for (const t of a.tags ?? []) {
        if (typeof t.name !== 'string') continue;
        const created = typeof t.push_time === 'string' ? t.push_time : a.push_time;
        out.push({
          tag: t.name,
          ...(typeof a.digest === 'string' ? { digest: a.digest } : {}),
          labels,
          ...(typeof a.manifest_media_type === 'string' ? { mediaType: a.manifest_media_type } : {}),
          ...(typeof a.media_type === 'string' ? { configMediaType: a.media_type } : {}),
          ...(typeof created === 'string' ? { created } : {}),
        });
      }
    }
    return out;
  }

  /** The destination project must exist before any push (goharbor/harbor#20544): check, or create when allowed. */
  prepareDestination(repository: string, opts: DestinationCheck = {}): Promise<void> {
    const [project] = splitProject(repository);
    // Found once (by a run's check while it lists, say): its write needs no second HEAD.
    if (this.#exists.has(project)) return Promise.resolve();
    const readOnly = opts.dryRun === true || opts.check === true;
    const key = readOnly ? `dry:${project}` : project;
    let p = this.#checked.get(key);
    if (!p) {
      p = this.#ensureProject(project, repository, readOnly);
      this.#checked.set(key, p);
      p.catch(() => this.#checked.delete(key));
    }
    return p;
  }

  async #ensureProject(project: string, repository: string, dryRun: boolean): Promise<void> {
    const head = await this.api.request({
      method: 'HEAD',
      path: '/api/v2.0/projects',
      query: { project_name: project },
      expect: [200, 404],
      operation: `checking project ${project} on`,
      repository,
    });
    if (head.status === 200) {
      this.#exists.add(project);
      return;
    }
    // A plan never writes: a project that a run would create is fine.
    if (dryRun && this.#createProject) return;
    if (!this.#createProject)
      throw new RegistryError({
        kind: 'not-found',
        registry: this.display,
        repository,
        operation: 'preparing the destination',
        status: 404,
        codes: ['NOT_FOUND'],
        detail: `project ${project} not found`,
      });
    await this.api.request({
      method: 'POST',
      path: '/api/v2.0/projects',
      json: { project_name: project, metadata: { public: String(this.#projectPublic) } },
      // 409: created meanwhile by someone else.
      expect: [201, 409],
      operation: `creating project ${project} on`,
      repository,
    });
  }

  /** DELETE …/artifacts/{digest}/tags/{tag}: removes the tag only, never the artifact or its other tags. */
  override async deleteTag(repository: string, tag: string, digest: string): Promise<'tag' | 'digest'> {
    const [project, name] = splitProject(repository);
    await this.api.request({
      method: 'DELETE',
      path: `/api/v2.0/projects/${encodeURIComponent(project)}/repositories/${harborRepositoryPath(name)}/artifacts/${encodeURIComponent(digest)}/tags/${encodeURIComponent(tag)}`,
      expect: [200],
      operation: `deleting tag ${tag} of`,
      repository,
    });
    return 'tag';
  }
}
