/**
 * A hosted registry reached only through its /v2 API (Aliyun ACR, ECR, Artifact Registry, Quay):
 * repositories from the explicit list (most have no usable `_catalog`), endpoint warnings, and a
 * destination check before any bytes move — a push probe that opens an upload session and cancels it,
 * so a missing namespace, organisation or repository fails early with a hint instead of mid-copy.
 */
import type { RegistryType } from '../config/types.js';
import type { Digest } from '../oci/digest.js';
import { RegistryError } from '../registry/errors.js';
import type { DestinationCheck } from './store.js';
import { RegistryStore, type RegistryStoreOptions, within } from './registry-store.js';

/** The OCI empty descriptor's digest (`{}`): mounting it from the repository itself probes push access. */
export const EMPTY_JSON_DIGEST = 'sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a' as Digest;

export interface HostedStoreOptions extends RegistryStoreOptions {
  provider: RegistryType;
  /** What must exist before a push: the first path component, or the whole repository (ECR). */
  container: 'namespace' | 'organization' | 'repository';
  /** Use `_catalog` when no repositories are listed (Quay); otherwise the list is required. */
  catalog?: boolean;
  /** Why repositories must be listed, for the error when they are not. */
  listHelp?: string;
  /** Checks a destination path's shape (Artifact Registry: project/repository/image). */
  validate?: (repository: string) => string | undefined;
  warnings?: string[];
}

export class HostedRegistryStore extends RegistryStore {
  readonly provider: RegistryType;
  readonly warnings: readonly string[];
  readonly #o: HostedStoreOptions;
  readonly #checked = new Map<string, Promise<void>>();

  constructor(o: HostedStoreOptions) {
    super(o);
    this.provider = o.provider;
    this.warnings = o.warnings ?? [];
    this.#o = o;
  }

  override async listRepositories(): Promise<string[]> {
    if (this.#o.repositories) return [...this.#o.repositories];
    if (this.#o.catalog) return this.client.catalog();
    throw new RegistryError({
      kind: 'unsupported',
      registry: this.display,
      operation: 'listing repositories',
      detail: `${this.#o.listHelp ?? 'this registry cannot list its repositories'}: list them under registries.${this.name}.repositories`,
      hint: `add repositories: [namespace/name, ...] to registries.${this.name} in replication.yaml`,
    });
  }

  override async listRepositoriesNamed(names: readonly string[]): Promise<string[]> {
    // Without a catalog or a list, the listing's own error says what to add.
    if (!this.#o.repositories && !this.#o.catalog) return this.listRepositories();
    return within(names, this.#o.repositories);
  }

  prepareDestination(repository: string, opts: DestinationCheck = {}): Promise<void> {
    const problem = this.#o.validate?.(repository);
    if (problem)
      return Promise.reject(
        new RegistryError({
          kind: 'invalid',
          registry: this.display,
          repository,
          operation: 'preparing the destination',
          codes: ['NAME_INVALID'],
          detail: problem,
        }),
      );
    // The push probe opens (and cancels) an upload session: a plan, or a run's check while it
    // lists, makes no such request.
    if (opts.dryRun || opts.check) return Promise.resolve();
    const key = this.#o.container === 'repository' ? repository : (repository.split('/')[0] ?? repository);
    let p = this.#checked.get(key);
    if (!p) {
      p = this.#probe(repository, key);
      this.#checked.set(key, p);
      p.catch(() => this.#checked.delete(key));
    }
    return p;
  }

  async #probe(repository: string, key: string): Promise<void> {
    try {
      await this.client.blobMount(repository, EMPTY_JSON_DIGEST, repository);
    } catch (e) {
      if (!(e instanceof RegistryError)) throw e;
      const missing =
        e.kind === 'not-found' || /namespace not found|does not exist|not exist|unknown namespace/i.test(e.message);
      if (!missing) throw e;
      throw new RegistryError({
        kind: 'not-found',
        registry: this.display,
        repository,
        operation: 'preparing the destination',
        method: 'POST',
        ...(e.status ? { status: e.status } : {}),
        codes: e.codes,
        detail: `${this.#o.container} ${key} not found (${e.message})`,
        cause: e,
      });
    }
  }
}
