/**
 * Image references, parsed and normalised like Docker does.
 * Grammar: https://github.com/distribution/reference/blob/main/regexp.go
 */
import { type Digest, isDigest } from './digest.js';

const domainComponent = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])';
const domainName = `${domainComponent}(?:\\.${domainComponent})*`;
const ipv6 = '\\[(?:[a-fA-F0-9:]+)\\]';
// distribution's grammar takes any number of digits; a port has at most five.
const port = ':[0-9]{1,5}';
const DOMAIN_RE = new RegExp(`^(?:${domainName}|${ipv6})(?:${port})?$`);
const PATH_COMPONENT = '[a-z0-9]+(?:(?:[._]|__|[-]+)[a-z0-9]+)*';
const REPOSITORY_RE = new RegExp(`^${PATH_COMPONENT}(?:/${PATH_COMPONENT})*$`);
const TAG_RE = /^[\w][\w.-]{0,127}$/;
const MAX_NAME = 255;

/** The names Docker Hub goes by; all mean one registry. */
export const DOCKER_HUB = 'docker.io';
export const DOCKER_HUB_API = 'registry-1.docker.io';
const HUB_ALIASES = new Set([
  'docker.io',
  'index.docker.io',
  'registry-1.docker.io',
  'hub.docker.com',
  'registry.hub.docker.com',
]);

export class InvalidReferenceError extends Error {
  override name = 'InvalidReferenceError';
}

export interface Reference {
  /** Registry as users name it (`docker.io` for Hub), with port. */
  registry: string;
  /** Repository path without the registry, e.g. `library/nginx`. */
  repository: string;
  tag?: string;
  digest?: Digest;
}

/**
 * A registry host as a reference names it: a DNS name or `[IPv6]`, with an optional port
 * (`localhost:5000`, `[::1]:5000`, `ghcr.io`). No scheme, path or credentials.
 */
export function isRegistryHost(s: unknown): s is string {
  return typeof s === 'string' && DOMAIN_RE.test(s);
}

export function isTag(s: unknown): s is string {
  return typeof s === 'string' && TAG_RE.test(s);
}

export function isRepository(s: unknown): s is string {
  return typeof s === 'string' && s.length <= MAX_NAME && REPOSITORY_RE.test(s);
}

/** Validates a repository path; throws with what is wrong and what is expected. */
export function parseRepository(s: unknown, where = 'repository'): string {
  if (!isRepository(s)) {
    const shown = typeof s === 'string' ? JSON.stringify(s.slice(0, 300)) : typeof s;
    throw new InvalidReferenceError(
      `${where}: invalid repository name ${shown}: expected lowercase path components [a-z0-9] separated by '/', '.', '_', '__' or '-' (at most ${MAX_NAME} characters)`,
    );
  }
  return s;
}

export function parseTag(s: unknown, where = 'tag'): string {
  if (!isTag(s)) {
    const shown = typeof s === 'string' ? JSON.stringify(s.slice(0, 200)) : typeof s;
    throw new InvalidReferenceError(`${where}: invalid tag ${shown}: expected [A-Za-z0-9_][A-Za-z0-9_.-]{0,127}`);
  }
  return s;
}

/** `hub.docker.com`, `index.docker.io`, … → `docker.io`; lowercases nothing else. */
export function normalizeRegistry(host: string): string {
  const h = host.toLowerCase();
  return HUB_ALIASES.has(h) ? DOCKER_HUB : host;
}

/** The host:port to send API requests to (`registry-1.docker.io` for Hub). */
export function apiHost(registry: string): string {
  return normalizeRegistry(registry) === DOCKER_HUB ? DOCKER_HUB_API : registry;
}

/** Docker Hub's official images live under `library/`. */
export function normalizeRepository(registry: string, repository: string): string {
  if (normalizeRegistry(registry) === DOCKER_HUB && !repository.includes('/')) return `library/${repository}`;
  return repository;
}

/** Parses `[registry/]repo[:tag][@digest]` like `docker pull` does. */
export function parseReference(input: string): Reference {
  const bad = (why: string): never => {
    throw new InvalidReferenceError(`invalid reference ${JSON.stringify(input.slice(0, 300))}: ${why}`);
  };
  if (!input || input.trim() !== input) bad('empty or surrounded by whitespace');
  let rest = input;
  let digest: Digest | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) {
    const d = rest.slice(at + 1);
    if (!isDigest(d)) bad('digest must be sha256:<64 lowercase hex> or sha512:<128 lowercase hex>');
    digest = d as Digest;
    rest = rest.slice(0, at);
  }
  let tag: string | undefined;
  const lastSlash = rest.lastIndexOf('/');
  const colon = rest.lastIndexOf(':');
  if (colon > lastSlash) {
    tag = rest.slice(colon + 1);
    if (!isTag(tag)) bad('tag must match [A-Za-z0-9_][A-Za-z0-9_.-]{0,127}');
    rest = rest.slice(0, colon);
  }
  let registry = DOCKER_HUB;
  const slash = rest.indexOf('/');
  if (slash >= 0) {
    const first = rest.slice(0, slash);
    if (first.includes('.') || first.includes(':') || first === 'localhost' || first !== first.toLowerCase()) {
      if (!isRegistryHost(first)) bad(`registry ${JSON.stringify(first)} is not a valid host[:port]`);
      registry = normalizeRegistry(first);
      rest = rest.slice(slash + 1);
    }
  }
  if (!isRepository(rest)) bad('repository must be lowercase path components [a-z0-9] separated by /, ., _, __ or -');
  const repository = normalizeRepository(registry, rest);
  if (registry.length + 1 + repository.length > MAX_NAME) bad(`name longer than ${MAX_NAME} characters`);
  return { registry, repository, ...(tag !== undefined ? { tag } : {}), ...(digest ? { digest } : {}) };
}

/** `registry/repository[:tag][@digest]`. */
export function formatReference(ref: Reference): string {
  return `${ref.registry}/${ref.repository}${ref.tag !== undefined ? `:${ref.tag}` : ''}${ref.digest ? `@${ref.digest}` : ''}`;
}
