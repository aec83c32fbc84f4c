/** Resolves credential references from replication.yaml (env, file, Docker config) to values, masking them. */
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { RegistryConfig, SecretRef } from '../config/types.js';
import { credentialsFromDockerConfig, type RegistryCredentials } from '../registry/auth/docker-config.js';
import { registerSecret } from '../util/secrets.js';

export class CredentialError extends Error {
  override name = 'CredentialError';
}

async function readRef(ref: SecretRef | { value: string }, what: string): Promise<string | undefined> {
  if ('value' in ref) return ref.value;
  if ('env' in ref) {
    const v = process.env[ref.env];
    if (v === undefined || v === '') throw new CredentialError(`${what}: environment variable ${ref.env} is not set`);
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
 * Credentials for a registry: the references in its `credentials`, else the Docker config.json
 * entry for its host (what docker/login-action wrote), else anonymous (undefined).
 */
export async function resolveCredentials(
  reg: RegistryConfig,
  host: string,
  _baseDir: string,
): Promise<RegistryCredentials | undefined> {
  const c = reg.credentials;
  const dockerConfig = [c?.username, c?.password, c?.token].find(
    (r): r is { dockerConfig: true | string } => !!r && 'dockerConfig' in r,
  );
  if (!c || dockerConfig || (!c.password && !c.token)) {
    const path =
      dockerConfig && typeof dockerConfig.dockerConfig === 'string' ? resolve(dockerConfig.dockerConfig) : undefined;
    return credentialsFromDockerConfig(host, path);
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
