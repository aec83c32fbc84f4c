/** Opens the Store for a configured registry. What differs per registry kind is decided here, not in the engine. */
import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { ARCHIVE_TYPES } from '../config/normalize.js';
import type { Config, RegistryConfig } from '../config/types.js';
import { VENDOR_APIS, vendorApiProblem } from '../config/vendor-api.js';
import { apiHost, normalizeRegistry } from '../oci/ref.js';
import type { RegistryCredentials } from '../registry/auth/docker-config.js';
import { RegistryClient } from '../registry/client.js';
import type { Deadlines } from '../registry/http.js';
import { basicAuthorization } from '../registry/wire.js';
import { AliyunAcrStore, aliyunEndpointWarnings } from './aliyun-acr.js';
import { type ArchiveFormat, openArchive } from './archive-store.js';
import { resolveCredentials } from './credentials.js';
import { DockerHubStore, RateLimitSink } from './dockerhub.js';
import { EcrStore, ecrEndpointWarnings } from './ecr.js';
import { GarStore, garEndpointWarnings } from './gar.js';
import { GHCR_CHUNK_SIZE, GhcrStore } from './ghcr.js';
import { HarborStore } from './harbor.js';
import { credentialSource, type HintContext, withHints } from './hints.js';
import { OciLayoutStore } from './oci-layout.js';
import { QuayStore } from './quay.js';
import { RegistryStore } from './registry-store.js';
import type { Store } from './store.js';

export type { RateLimitInfo, Store } from './store.js';
export { TagMovedError } from './store.js';
export { RateBudgetError } from './dockerhub.js';
export { applyHint, type HintContext, providerHint, tagExistsHint } from './hints.js';

export interface OpenOptions {
  /** Directory relative paths in the config resolve against (the config file's directory). */
  baseDir: string;
  userAgent?: string;
  /** Send no credentials (pull requests whose registry URL changed, forks). */
  anonymous?: boolean;
  retry?: { baseDelayMs?: number; attempts?: number };
  /** Aborts the registry requests in flight (a cancelled run). */
  cancel?: AbortSignal;
  /** Where best-effort steps that failed without failing a copy are told (a run's debug log). */
  debug?: (line: string) => void;
  /** Request deadlines other than DEFAULT_DEADLINES: a rule's bandwidth cap slows its blobs down. */
  deadlines?: Deadlines;
}

function str(options: Record<string, unknown> | undefined, ...keys: string[]): string | undefined {
  for (const k of keys) {
    const v = options?.[k];
    if (typeof v === 'string' && v) return v;
  }
  return undefined;
}

function strList(options: Record<string, unknown> | undefined, key: string): string[] | undefined {
  const v = options?.[key];
  if (Array.isArray(v)) return v.map(String);
  if (typeof v === 'string' && v) return [v];
  return undefined;
}

/**
 * The base URL of a vendor API: `options.api_url` (tests, self-hosted), else the vendor's, which
 * only the vendor's own registry host may default to (vendorApiProblem, as validate says it).
 */
function apiUrl(reg: RegistryConfig, fallback: string, credentials: boolean): string {
  const problem = vendorApiProblem(reg, credentials);
  if (problem) throw new Error(problem);
  const v = str(reg.options, 'api_url');
  if (!v) return fallback;
  const u = new URL(v);
  if (u.protocol !== 'https:' && u.protocol !== 'http:')
    throw new Error(`registries.${reg.name}.options.api_url: expected an http(s) URL, got ${u.protocol}`);
  return `${u.protocol}//${u.host}`;
}

function secretOf(c: RegistryCredentials | undefined): string | undefined {
  if (!c) return undefined;
  return 'password' in c ? c.password : c.identityToken;
}

/** The Authorization header an archive download sends: a token as Bearer, a username and password as Basic. */
async function archiveAuth(reg: RegistryConfig, url: string, baseDir: string): Promise<string | undefined> {
  const c = await resolveCredentials(reg, new URL(url).host, baseDir);
  if (!c) return undefined;
  if ('identityToken' in c) return `Bearer ${c.identityToken}`;
  return basicAuthorization(c.username, c.password);
}

export async function openStore(reg: RegistryConfig, o: OpenOptions): Promise<Store> {
  if (reg.type === 'oci-layout') {
    if (!reg.path) throw new Error(`registries.${reg.name}: an oci-layout registry needs a path`);
    // The loader already resolved `path` against the config file's directory.
    return new OciLayoutStore(reg.name, resolve(reg.path));
  }
  if (ARCHIVE_TYPES.has(reg.type)) {
    // The loader already resolved `path`; `url` is the archive's own https:// URL, kept whole.
    return openArchive({
      name: reg.name,
      // ARCHIVE_TYPES holds exactly the archive formats; a Set does not narrow the type.
      format: reg.type as ArchiveFormat,
      ...(reg.path ? { path: resolve(reg.path) } : {}),
      ...(reg.url ? { url: reg.url } : {}),
      ...(reg.sha256 ? { sha256: reg.sha256 } : {}),
      ...(reg.repository ? { repository: reg.repository } : {}),
      ...(reg.url && reg.credentials && !o.anonymous ? { auth: await archiveAuth(reg, reg.url, o.baseDir) } : {}),
    });
  }
  if (!reg.url) throw new Error(`registries.${reg.name}: url is required`);
  const url = new URL(reg.url);
  const registry = normalizeRegistry(url.host);
  const host = apiHost(registry);
  const baseUrl = `${url.protocol}//${host}`;
  const credentials = o.anonymous ? undefined : await resolveCredentials(reg, host, o.baseDir);
  // The loader already resolved the CA file against the rules file's directory.
  const ca = reg.tls.caFile ? await readFile(resolve(reg.tls.caFile)) : undefined;
  const tls = { verify: reg.tls.verify, ...(ca ? { ca } : {}) };
  const sink = reg.type === 'dockerhub' ? new RateLimitSink() : undefined;
  const client = new RegistryClient({
    registry,
    baseUrl,
    ...(credentials ? { credentials } : {}),
    tls,
    ...(o.retry ? { retry: o.retry } : {}),
    userAgent: o.userAgent ?? 'ferry',
    ...(sink ? { dispatcher: sink.dispatcher(baseUrl, tls) } : {}),
    ...(o.cancel ? { cancel: o.cancel } : {}),
    ...(o.debug ? { debug: o.debug } : {}),
    ...(o.deadlines ? { deadlines: o.deadlines } : {}),
    ...(reg.type === 'ghcr' || registry === 'ghcr.io' ? { chunkSize: GHCR_CHUNK_SIZE } : {}),
  });
  const base = {
    name: reg.name,
    client,
    ...(reg.repositories ? { repositories: reg.repositories } : {}),
  };
  const ctx: HintContext = {
    provider: reg.type,
    registryName: reg.name,
    host: registry,
    ...(credentials ? { credentialSource: credentialSource(reg, registry, true) } : {}),
    ...(credentials?.username ? { username: credentials.username } : {}),
    // Only a pull request opens a registry anonymously: its hint says the secrets were held back.
    ...(credentialsWithheld(reg, o.anonymous) ? { credentialsWithheld: true } : {}),
    ...(reg.tls.caFile ? { caFile: reg.tls.caFile } : {}),
  };
  const api = (fallback: string) => {
    const apiBase = apiUrl(reg, fallback, credentials !== undefined);
    // The registry's TLS settings apply to an API on the registry's own host only.
    const sameHost = new URL(apiBase).host === url.host;
    return {
      name: new URL(apiBase).host,
      baseUrl: apiBase,
      tls: sameHost ? tls : { verify: true },
      userAgent: o.userAgent ?? 'ferry',
      ...(o.retry ? { retry: o.retry } : {}),
    };
  };
  const username = credentials?.username;
  const secret = secretOf(credentials);
  let store: Store;
  switch (reg.type) {
    case 'dockerhub': {
      const reserve = Number(reg.options?.rate_limit_reserve ?? 0);
      const namespace = str(reg.options, 'namespace', 'organization');
      store = new DockerHubStore({
        ...base,
        api: api(VENDOR_APIS.dockerhub!.api),
        ...(namespace ? { namespace } : {}),
        ...(username && credentials && 'password' in credentials
          ? { login: { username, secret: credentials.password } }
          : {}),
        reserve: Number.isFinite(reserve) ? reserve : 0,
        ...(sink ? { rateLimitSink: sink } : {}),
      });
      break;
    }
    case 'harbor': {
      const projects = strList(reg.options, 'projects');
      store = new HarborStore({
        ...base,
        api: api(`${url.protocol}//${url.host}`),
        ...(username && credentials && 'password' in credentials
          ? { login: { username, password: credentials.password } }
          : {}),
        ...(projects ? { projects } : {}),
        createProject: reg.options?.create_project === true,
        projectPublic: reg.options?.project_public === true,
      });
      break;
    }
    case 'ghcr': {
      const owner = str(reg.options, 'owner', 'organization', 'org', 'user');
      const ownerType = str(reg.options, 'owner_type');
      store = new GhcrStore({
        ...base,
        api: api(VENDOR_APIS.ghcr!.api),
        ...(secret ? { token: secret } : {}),
        ...(owner ? { owner } : {}),
        ...(ownerType === 'org' || ownerType === 'user' ? { ownerType } : {}),
      });
      break;
    }
    case 'aliyun-acr':
      store = new AliyunAcrStore({ ...base, warnings: aliyunEndpointWarnings(url.host, reg.name) });
      break;
    case 'ecr':
      store = new EcrStore({ ...base, warnings: ecrEndpointWarnings(url.host, reg.name) });
      break;
    case 'gar':
      store = new GarStore({ ...base, warnings: garEndpointWarnings(url.host, reg.name) });
      break;
    case 'quay':
      store = new QuayStore(base);
      break;
    default:
      store = new RegistryStore(base);
  }
  return withHints(store, ctx);
}

export function configDir(file: string): string {
  return dirname(resolve(file));
}

/** A registry with credentials opened anonymously: they are held back on purpose. */
function credentialsWithheld(reg: RegistryConfig | undefined, anonymous: boolean | undefined): boolean {
  return anonymous === true && reg?.credentials !== undefined;
}

export interface StoreSetOptions {
  /** Registries opened without credentials (a pull request's plan). */
  anonymous?: ReadonlySet<string>;
  cancel?: AbortSignal;
  debug?: (line: string) => void;
  /** Request deadlines by registry name, where they are not DEFAULT_DEADLINES. */
  deadlines?: ReadonlyMap<string, Deadlines>;
}

/** Opens each configured registry at most once for a run, and closes them all at the end. */
export class StoreSet {
  readonly #stores = new Map<string, Promise<Store>>();
  readonly #config: Config;
  readonly #o: StoreSetOptions;

  constructor(config: Config, o: StoreSetOptions = {}) {
    this.#config = config;
    this.#o = o;
  }

  /** Whether `name` is opened without the credentials the rules file gives it (a pull request's plan). */
  withholdsCredentials(name: string): boolean {
    return credentialsWithheld(this.#config.registries.get(name), this.#o.anonymous?.has(name) ?? false);
  }

  open(name: string): Promise<Store> {
    let s = this.#stores.get(name);
    if (!s) {
      const reg = this.#config.registries.get(name);
      if (!reg) return Promise.reject(new Error(`registry ${name} is not defined`));
      s = openStore(reg, {
        baseDir: configDir(this.#config.file),
        anonymous: this.#o.anonymous?.has(name) ?? false,
        ...(this.#o.cancel ? { cancel: this.#o.cancel } : {}),
        ...(this.#o.debug ? { debug: this.#o.debug } : {}),
        ...(this.#o.deadlines?.has(name) ? { deadlines: this.#o.deadlines.get(name)! } : {}),
      });
      this.#stores.set(name, s);
    }
    return s;
  }

  /** What failed while closing, by registry name: a destination archive that could not be written. */
  readonly closeErrors: { registry: string; message: string }[] = [];

  /** Closes every store; returns the requests each made, by method. Failures are kept in closeErrors. */
  async close(): Promise<Record<string, Record<string, number>>> {
    const requests: Record<string, Record<string, number>> = {};
    for (const [name, s] of this.#stores) {
      const store = await s.catch(() => undefined);
      if (!store) continue;
      requests[name] = store.requestCounts();
      await store
        .close()
        .catch((e: unknown) => this.closeErrors.push({ registry: name, message: (e as Error).message }));
    }
    return requests;
  }
}
