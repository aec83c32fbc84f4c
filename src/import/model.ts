/**
 * What every importer produces before it is written as YAML: registries and rules in the rules
 * file's own (snake_case) shape, with a comment per field where the source tool's setting could not
 * be carried over the same way, and the warnings to print. Plus the helpers the importers share:
 * names the rules file accepts, credential references named after a registry, and registry types
 * guessed from a host.
 */
import type { RegistryType } from '../config/types.js';

/** `{ env: NAME }`, `{ file: path }` or `{ docker_config: true }`: never the secret itself. */
export type SecretRefOut = { env: string } | { file: string } | { docker_config: true };

export interface CredentialsOut {
  username?: SecretRefOut;
  password?: SecretRefOut;
  docker_config?: true;
}

export interface RegistryOut {
  type: RegistryType;
  url?: string;
  credentials?: CredentialsOut;
  tls?: { verify?: false };
  repositories?: string[];
  options?: Record<string, unknown>;
}

export interface FiltersOut {
  name?: string[];
  tag?: string[];
  labels?: Record<string, string>;
  resource?: 'image' | 'artifact' | 'all';
  semver?: string;
  latest?: number;
}

export type TriggerOut = 'manual' | 'event' | { schedule: string };

export interface RuleOut {
  name: string;
  description?: string;
  enabled?: false;
  source: string;
  destination: string;
  filters?: FiltersOut;
  destination_namespace?: string;
  flattening?: number | 'all';
  override?: boolean;
  delete_remote?: boolean | { enabled: boolean; max?: number };
  trigger?: TriggerOut[];
  bandwidth?: string;
  concurrency?: number;
  platforms?: string[];
  referrers?: boolean;
}

/** A comment on one key of an entry: `['filters', 'tag']`, `['trigger']`, `[]` for the entry itself. */
export interface FieldComment {
  path: string[];
  text: string;
}

export interface Entry<T> {
  name: string;
  value: T;
  comments: FieldComment[];
}

export interface ImportWarning {
  /** Where in the input: `file:line`, or `harbor policy "name" (id 3)`. */
  where: string;
  /** The input's field, as the source tool names it. */
  field?: string;
  message: string;
}

export interface ImportResult {
  /** Comment lines at the top of the file (without `#`). */
  header: string[];
  registries: Entry<RegistryOut>[];
  rules: Entry<RuleOut>[];
  warnings: ImportWarning[];
}

/** The input cannot be read as the tool's format: names the file, line and field. Exit 1. */
export class ImportError extends Error {
  override name = 'ImportError';
  constructor(
    readonly file: string,
    readonly line: number | undefined,
    readonly field: string | undefined,
    readonly detail: string,
  ) {
    super(`${file}${line !== undefined ? `:${line}` : ''}: ${field ? `${field}: ` : ''}${detail}`);
  }
}

export function formatWarning(w: ImportWarning): string {
  return `${w.where}: ${w.field ? `${w.field}: ` : ''}warning: ${w.message}`;
}

/**
 * Collects one entry's comments and the matching warnings, so that each thing ferry cannot express
 * the same way is said twice: at its line in the file, and once on stderr.
 */
export class Notes {
  readonly comments: FieldComment[] = [];
  constructor(
    private readonly warnings: ImportWarning[],
    private readonly where: string,
  ) {}

  /** A comment only: an explanation of how the setting was carried over. */
  note(path: string[], text: string): void {
    this.comments.push({ path, text });
  }

  /** A comment and a warning: the setting is not carried over, or only approximately. */
  warn(path: string[], text: string, field?: string): void {
    this.comments.push({ path, text });
    this.warnings.push({ where: this.where, ...(field ? { field } : {}), message: text });
  }
}

/** A name the rules file accepts for a registry or rule: letters, digits, `.`, `_`, `-`. */
export function safeName(raw: string, fallback: string): string {
  const s = raw
    .normalize('NFKD')
    .replace(/[^A-Za-z0-9._-]+/g, '-')
    .replace(/-{2,}/g, '-')
    .replace(/^[^A-Za-z0-9]+/, '')
    .replace(/[-.]+$/, '');
  return s || fallback;
}

/** `name`, then `name-2`, `name-3`… so that every entry keeps its own name. */
export function uniqueName(base: string, taken: Set<string>): string {
  let name = base;
  for (let i = 2; taken.has(name); i++) name = `${base}-${i}`;
  taken.add(name);
  return name;
}

/** `dockerhub-public` → `DOCKERHUB_PUBLIC`: the prefix of the registry's credential variables. */
export function envPrefix(registryName: string): string {
  const s = registryName
    .toUpperCase()
    .replace(/[^A-Z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '');
  return /^[0-9]/.test(s) || s === '' ? `R_${s}` : s;
}

/** Username and password as environment references named after the registry. */
export function envCredentials(registryName: string): CredentialsOut {
  const p = envPrefix(registryName);
  return { username: { env: `${p}_USERNAME` }, password: { env: `${p}_PASSWORD` } };
}

const HUB_HOSTS = new Set([
  'docker.io',
  'index.docker.io',
  'registry-1.docker.io',
  'hub.docker.com',
  'registry.hub.docker.com',
]);

/** ferry's registry type and URL for a registry named by host (as image references name it). */
export function registryForHost(host: string, insecure = false): { type: RegistryType; url?: string; name: string } {
  const h = host.toLowerCase();
  if (HUB_HOSTS.has(h)) return { type: 'dockerhub', name: 'dockerhub' };
  const scheme = insecure ? 'http' : 'https';
  const url = `${scheme}://${h}`;
  const name = safeName(h.replace(/:/g, '-'), 'registry');
  if (h === 'ghcr.io') return { type: 'ghcr', name: 'ghcr' };
  if (h === 'quay.io') return { type: 'quay', name: 'quay' };
  if (/\.aliyuncs\.com(:\d+)?$/.test(h)) return { type: 'aliyun-acr', url, name };
  if (/\.dkr\.ecr\.[a-z0-9-]+\.amazonaws\.com(\.cn)?(:\d+)?$/.test(h)) return { type: 'ecr', url, name };
  if (/(^|\.)gcr\.io$|-docker\.pkg\.dev$/.test(h)) return { type: 'gar', url, name };
  return { type: 'registry', url, name };
}

/** Credentials for a type whose login action writes the Docker config (ECR, GAR), else env references. */
export function credentialsFor(type: RegistryType, registryName: string): CredentialsOut {
  return type === 'ecr' || type === 'gar' ? { docker_config: true } : envCredentials(registryName);
}

/** A literal tag or name as a glob that matches only itself (ferry's globs treat `*?[]{}!\` specially). */
export function literalGlob(s: string): string {
  return s.replace(/[*?[\]{}\\]/g, '\\$&').replace(/^!/, '\\!');
}

/**
 * A dregsy regex in ferry's explicit regex form. ferry tests `regex:` patterns unanchored, so the
 * anchors are written out, and only where the expression lacks one, exactly as dregsy adds them
 * (so `a|b` is `^a|b$`, as there).
 */
export function anchoredRegex(expr: string): string {
  let e = expr;
  if (!e.startsWith('^')) e = `^${e}`;
  if (!e.endsWith('$')) e = `${e}$`;
  return `regex:${e}`;
}
