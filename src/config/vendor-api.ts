/**
 * Which vendor API a `dockerhub` or `ghcr` registry may talk to without `options.api_url`. ferry
 * sends the registry's credentials to that API (Docker Hub's login, GitHub's packages API), so the
 * vendor's API is the default only for the vendor's own registry host: a `type: ghcr` entry for an
 * internal registry would otherwise send its password to api.github.com. One decision, read by
 * `ferry validate` (semantic.ts) and by opening the registry (providers/index.ts).
 */
import { DOCKER_HUB, normalizeRegistry } from '../oci/ref.js';
import type { RegistryConfig, RegistryType } from './types.js';

/**
 * Per type: the registry host (as `normalizeRegistry` gives it: every Docker Hub alias is docker.io)
 * whose vendor API is the default, and that API: the one table of the vendors' API addresses.
 */
export const VENDOR_APIS: Readonly<Partial<Record<RegistryType, { host: string; api: string }>>> = {
  dockerhub: { host: DOCKER_HUB, api: 'https://hub.docker.com' },
  ghcr: { host: 'ghcr.io', api: 'https://api.github.com' },
};

/**
 * Why this registry cannot be opened without `options.api_url`, as the error opening it says
 * (`registries.<name>: a <type> registry at <host> needs options.api_url: …`), or undefined: it
 * sets api_url, is at its vendor's own host, has no vendor API, has no URL to judge, or has no
 * credentials to send there. `credentials`: whether it has any (validate: a `credentials` block;
 * opening it: what was resolved, a Docker config's login included).
 */
export function vendorApiProblem(reg: RegistryConfig, credentials = reg.credentials !== undefined): string | undefined {
  const vendor = VENDOR_APIS[reg.type];
  if (!vendor || !reg.url || !credentials) return undefined;
  const apiUrl = reg.options?.api_url;
  if (typeof apiUrl === 'string' && apiUrl !== '') return undefined;
  let host: string;
  try {
    host = new URL(reg.url).host;
  } catch {
    return undefined; // not a URL: an error of its own
  }
  const registry = normalizeRegistry(host);
  if (registry === vendor.host) return undefined;
  return `registries.${reg.name}: a ${reg.type} registry at ${registry} needs options.api_url: only ${vendor.host} uses ${vendor.api} by default, and ferry sends this registry's credentials to its API (or use type: registry)`;
}
