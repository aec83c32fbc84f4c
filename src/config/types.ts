/**
 * The normalised, validated form of replication.yaml that the rest of ferry consumes.
 * The loader (src/config/load.ts) turns YAML into this after schema and semantic checks,
 * with defaults applied. Keys here are camelCase; the file's keys are snake_case.
 */

export type RegistryType =
  | 'registry'
  | 'harbor'
  | 'dockerhub'
  | 'ghcr'
  | 'aliyun-acr'
  | 'ecr'
  | 'gar'
  | 'quay'
  | 'oci-layout'
  /** A tar or tar.gz of an OCI image layout (skopeo's and containerd's oci-archive). */
  | 'oci-archive'
  /** What `docker save` writes. */
  | 'docker-archive';

/** Where a secret comes from. A literal secret is never accepted in the file. */
export type SecretRef =
  | { env: string }
  | { file: string }
  /** Look the registry up in a Docker config.json (DOCKER_CONFIG or ~/.docker, or the given path). */
  | { dockerConfig: true | string };

export interface Credentials {
  username?: SecretRef | { value: string }; // a username may be literal (it is not secret)
  password?: SecretRef;
  /** Identity/refresh token (Docker config `identitytoken`). */
  token?: SecretRef;
}

export interface TlsOptions {
  /** false only for an insecure registry the user explicitly marked. Default true. */
  verify: boolean;
  /** PEM CA bundle file trusted in addition to the system roots. */
  caFile?: string;
}

export interface RegistryConfig {
  name: string;
  type: RegistryType;
  /** Base URL (https://host[:port] or http://host[:port] only when explicitly http). Absent for oci-layout. */
  url?: string;
  /**
   * Directory for oci-layout, or the file of an oci-archive/docker-archive, already resolved
   * against the config file's directory by the loader.
   */
  path?: string;
  /** oci-archive/docker-archive: the archive file's SHA-256 (64 hex); required with an https:// url. */
  sha256?: string;
  /** oci-archive/docker-archive: the repository of entries named by a bare tag (skopeo's `oci-archive:file:tag`). */
  repository?: string;
  /** Credential references; when absent, Docker config.json then anonymous. */
  credentials?: Credentials;
  tls: TlsOptions;
  /** Explicit repository list (providers without a catalog: ACR, GHCR without API, ...). */
  repositories?: string[];
  /** Provider-specific extra settings (organisation for ghcr, namespace for dockerhub listing, ...). */
  options?: Record<string, unknown>;
  /** 1-based line of the registry's key in the file, for annotations. */
  line?: number;
}

/** A tag filter pattern list: `prod-*`, `v*`, `!*-rc*`. Empty = all tags. */
export interface Filters {
  /** doublestar globs on the full repository path; any match. Empty = all. */
  name: string[];
  /** tag globs; any positive match and no `!` match. Empty = all. */
  tag: string[];
  /** Labels / OCI annotations the artifact must carry (all of them). */
  labels: Record<string, string>;
  /** image (default in Harbor: images only) | artifact | all */
  resource: 'image' | 'artifact' | 'all';
  /** semver range on tags (tags that are not semver are excluded when set). */
  semver?: string;
  /** keep only the newest N tags after the other filters (see newestFirst in rules/filter.ts). */
  latest?: number;
}

export type Trigger = { kind: 'manual' } | { kind: 'event' } | { kind: 'schedule'; cron: string };

export interface DeleteRemote {
  enabled: boolean;
  /** Maximum number of deletions a single run may make for this rule. */
  max: number;
  /** Acknowledge deleting under a rule whose filters match everything. */
  acknowledgeMatchAll: boolean;
}

export interface Rule {
  name: string;
  enabled: boolean;
  description?: string;
  /** Registry name (key in `registries`). */
  source: string;
  destination: string;
  filters: Filters;
  /** Destination namespace; absent = keep the source path. */
  destinationNamespace?: string;
  /** Harbor flattening: -1 = all, 0 = none, 1 (default), 2, 3. */
  flattening: number;
  override: boolean;
  deleteRemote: DeleteRemote;
  triggers: Trigger[];
  /** Bytes per second, or undefined for unlimited. */
  bandwidth?: number;
  /** Largest blob a manifest may declare for the rule to copy it, in bytes (default 16 GiB). */
  maxBlobSize: number;
  concurrency: number;
  /** Optional platform subset like linux/amd64. Empty = all platforms. */
  platforms: string[];
  /**
   * Copy referrers (signatures, SBOMs) with their subject. Default true. `always` also asks the
   * source's referrers for tags already at the destination, so ones attached later are copied.
   */
  referrers: boolean | 'always';
  /** 1-based line of the rule in the file. */
  line?: number;
}

export interface Config {
  /** Path of the file this came from. */
  file: string;
  version: 1;
  registries: Map<string, RegistryConfig>;
  rules: Rule[];
}
