/** Resolves credential references from replication.yaml (env, file, Docker config) to values, masking them. */
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { RegistryConfig, SecretRef } from '../config/types.js';
import { type DockerConfigMiss, lookupDockerConfig, type RegistryCredentials } from '../registry/auth/docker-config.js';
import { registerSecret } from '../util/secrets.js';

export class CredentialError extends Error {
  override name = 'CredentialError';
}

async function readRef(ref: SecretRef | { value: string }, what: string): Promise<string | undefined> {
  if ('value' in ref) return ref.value;
  if ('env' in ref) {
    const v = process.env[ref.env];
    if (v === undefined) throw new CredentialError(`${what}: environment variable ${ref.env} is not set`);
    // `${{ secrets.X }}` of a secret that does not exist (or that this event does not get) is "",
    // not unset: "not set" sent people looking at the workflow's env: block instead of the secret.
    if (v === '')
      throw new CredentialError(
        `${what}: environment variable ${ref.env} is empty (in GitHub Actions a secret that does not exist, or is not passed to this event, expands to an empty string)`,
      );
    return v;
  }
  if ('file' in ref) {
    try {
      return (await readFile(resolve(ref.file), 'utf8')).trim();
    } catch (e) {
      throw new CredentialError(
        `${what}: cannot read ${ref.file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`,
      );
    }
  }
  return undefined;
}

/**
 * Why `docker_config: true` gave a registry no credentials, by registry name: the Docker config
 * lookup happens here, the 401 that needs the reason comes later and its hint (hints.ts) sees
 * only the registry's name. Set or cleared on every resolution of that registry.
 */
const dockerConfigMisses = new Map<string, string>();

/** Why `docker_config: true` gave registry `name` no credentials (`no docker login happened: … does not exist`). */
export function dockerConfigMissReason(name: string): string | undefined {
  return dockerConfigMisses.get(name);
}

/** What a Docker config lacks for `host`: only host keys are named, never an entry's content. */
function missText(m: DockerConfigMiss, host: string): string {
  if (!m.exists) return `${m.path} does not exist`;
  const has = m.hosts.length ? `it has: ${m.hosts.join(', ')}` : 'it has none';
  return m.detail
    ? `${m.path} has no credentials for ${host} (${m.detail}; ${has})`
    : `${m.path} has no auths or credHelpers entry for ${host} (${has})`;
}

/**
 * Credentials for a registry: the references in its `credentials`, else the Docker config.json
 * entry for its host (what docker/login-action wrote), else anonymous (undefined).
 * `docker_config: <path>` names a file that must hold the registry's credentials: a missing file or
 * entry is an error, as an unset environment variable is. `docker_config: true` means "what a
 * docker login in this job wrote, if any": none is anonymous, and the reason is kept for the hint.
 */
export async function resolveCredentials(
  reg: RegistryConfig,
  host: string,
  _baseDir: string,
): Promise<RegistryCredentials | undefined> {
  dockerConfigMisses.delete(reg.name);
  const c = reg.credentials;
  const dockerConfig = [c?.username, c?.password, c?.token].find(
    (r): r is { dockerConfig: true | string } => !!r && 'dockerConfig' in r,
  );
  if (!c || dockerConfig || (!c.password && !c.token)) {
    const path =
      dockerConfig && typeof dockerConfig.dockerConfig === 'string' ? resolve(dockerConfig.dockerConfig) : undefined;
    const found = await lookupDockerConfig(host, path);
    if (found.credentials) return found.credentials;
    if (path !== undefined) {
      // `credentials: { docker_config: p }` sets username and password to it; a per-field one is named as written.
      const at = (['username', 'password', 'token'] as const).filter((k) => {
        const r = c?.[k];
        return !!r && 'dockerConfig' in r && r.dockerConfig === dockerConfig?.dockerConfig;
      });
      const field = at.includes('username') && at.includes('password') ? 'docker_config' : `${at[0]}.docker_config`;
      throw new CredentialError(`registries.${reg.name}.credentials.${field}: ${missText(found.miss, host)}`);
    }
    if (dockerConfig)
      dockerConfigMisses.set(
        reg.name,
        found.miss.exists ? missText(found.miss, host) : `no docker login happened: ${found.miss.path} does not exist`,
      );
    return undefined;
  }
  const username = c.username ? await readRef(c.username, `registries.${reg.name}.credentials.username`) : undefined;
  if (c.token) {
    const token = await readRef(c.token, `registries.${reg.name}.credentials.token`);
    registerSecret(token);
    return token ? { identityToken: token, ...(username ? { username } : {}) } : undefined;
  }
  const password = c.password ? await readRef(c.password, `registries.${reg.name}.credentials.password`) : undefined;
  registerSecret(password);
  if (!password) return undefined;
  if (!username) throw new CredentialError(`registries.${reg.name}.credentials: a password needs a username`);
  return { username, password };
}
