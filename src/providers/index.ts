/** Opens the Store for a configured registry. What differs per registry kind is decided here, not in the engine. */
import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import type { RegistryConfig } from '../config/types.js';
import { apiHost, normalizeRegistry } from '../oci/ref.js';
import { RegistryClient } from '../registry/client.js';
import { resolveCredentials } from './credentials.js';
import { OciLayoutStore } from './oci-layout.js';
import { RegistryStore } from './registry-store.js';
import type { Store } from './store.js';

export type { Store } from './store.js';

export interface OpenOptions {
  /** Directory relative paths in the config resolve against (the config file's directory). */
  baseDir: string;
  userAgent?: string;
  /** Send no credentials (pull requests whose registry URL changed, forks). */
  anonymous?: boolean;
  retry?: { baseDelayMs?: number; attempts?: number };
}

export async function openStore(reg: RegistryConfig, o: OpenOptions): Promise<Store> {
  if (reg.type === 'oci-layout') {
    if (!reg.path) throw new Error(`registries.${reg.name}: an oci-layout registry needs a path`);
    // The loader already resolved `path` against the config file's directory.
    return new OciLayoutStore(reg.name, resolve(reg.path));
  }
  if (!reg.url) throw new Error(`registries.${reg.name}: url is required`);
  const url = new URL(reg.url);
  const registry = normalizeRegistry(url.host);
  const host = apiHost(registry);
  const baseUrl = `${url.protocol}//${host}`;
  const credentials = o.anonymous ? undefined : await resolveCredentials(reg, host, o.baseDir);
  // The loader resolved relative paths against the rules file's directory already.
  const ca = reg.tls.caFile ? await readFile(resolve(reg.tls.caFile)) : undefined;
  const client = new RegistryClient({
    registry,
    baseUrl,
    ...(credentials ? { credentials } : {}),
    tls: { verify: reg.tls.verify, ...(ca ? { ca } : {}) },
    ...(o.retry ? { retry: o.retry } : {}),
    userAgent: o.userAgent ?? 'ferry',
  });
  const store = new RegistryStore({
    name: reg.name,
    client,
    ...(reg.repositories ? { repositories: reg.repositories } : {}),
  });
  if (reg.type === 'dockerhub') Object.defineProperty(store, 'requireTwoComponents', { value: true });
  return store;
}

export function configDir(file: string): string {
  return dirname(resolve(file));
}
