/**
 * Credentials from a Docker config.json, the file `docker login` and docker/login-action write.
 * Looked up per registry host; Docker Hub's many names share one entry.
 * Modelled on the documented format: https://docs.docker.com/reference/cli/docker/login/#credential-stores
 */
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { registerSecret } from '../../util/secrets.js';

export interface BasicCredentials {
  username: string;
  password: string;
}
/** An OAuth2 refresh token (`identitytoken`), exchanged at the token endpoint. */
export interface TokenCredentials {
  identityToken: string;
  username?: string;
}
export type RegistryCredentials = BasicCredentials | TokenCredentials;

interface DockerConfigFile {
  auths?: Record<string, { auth?: string; username?: string; password?: string; identitytoken?: string }>;
  credHelpers?: Record<string, string>;
  credsStore?: string;
}

const HUB_KEYS = [
  'https://index.docker.io/v1/',
  'index.docker.io',
  'docker.io',
  'registry-1.docker.io',
  'registry.hub.docker.com',
];

/** `https://host:port/v1/` → `host:port`. */
function keyHost(key: string): string {
  return key
    .replace(/^[a-z]+:\/\//i, '')
    .replace(/\/.*$/, '')
    .toLowerCase();
}

function aliases(host: string): string[] {
  const h = host.toLowerCase();
  return HUB_KEYS.map(keyHost).includes(h) || h === 'hub.docker.com' ? HUB_KEYS.map(keyHost) : [h];
}

export function dockerConfigPath(explicit?: string): string {
  if (explicit) return explicit.endsWith('.json') ? explicit : join(explicit, 'config.json');
  return join(process.env.DOCKER_CONFIG ?? join(homedir(), '.docker'), 'config.json');
}

/**
 * Why a Docker config gave no credentials for a host, in words a user can act on. Names only
 * host keys, never an entry's content.
 */
export interface DockerConfigMiss {
  /** The file consulted. */
  path: string;
  /** False when the file does not exist (no `docker login` wrote it). */
  exists: boolean;
  /** The registry hosts the file has entries for (auths and credHelpers), Docker Hub as docker.io. */
  hosts: string[];
  /** E.g. `the credential helper docker-credential-pass has none for ghcr.io`, or an entry without a secret. */
  detail?: string;
}

export type DockerConfigLookup =
  { credentials: RegistryCredentials } | { credentials?: undefined; miss: DockerConfigMiss };

/** Reads credentials for `host` from a Docker config; undefined when none. */
export async function credentialsFromDockerConfig(
  host: string,
  configPath?: string,
): Promise<RegistryCredentials | undefined> {
  return (await lookupDockerConfig(host, configPath)).credentials;
}

/** Reads credentials for `host` from a Docker config, or says why there are none. */
export async function lookupDockerConfig(host: string, configPath?: string): Promise<DockerConfigLookup> {
  const path = dockerConfigPath(configPath);
  let file: DockerConfigFile;
  try {
    file = JSON.parse(await readFile(path, 'utf8')) as DockerConfigFile;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { miss: { path, exists: false, hosts: [] } };
    throw new Error(`reading Docker config ${path}: ${(e as Error).message}`, { cause: e });
  }
  const miss = (detail?: string): DockerConfigLookup => ({
    miss: { path, exists: true, hosts: configuredHosts(file), ...(detail ? { detail } : {}) },
  });
  const names = aliases(host);
  for (const [key, helper] of Object.entries(file.credHelpers ?? {})) {
    if (!names.includes(keyHost(key))) continue;
    const c = await credentialHelper(helper, key);
    return c ? { credentials: c } : miss(`its credential helper docker-credential-${helper} has none for ${key}`);
  }
  for (const [key, entry] of Object.entries(file.auths ?? {})) {
    if (!names.includes(keyHost(key))) continue;
    if (entry.identitytoken) {
      registerSecret(entry.identitytoken);
      return {
        credentials: { identityToken: entry.identitytoken, ...(entry.username ? { username: entry.username } : {}) },
      };
    }
    if (entry.auth) {
      registerSecret(entry.auth);
      const decoded = Buffer.from(entry.auth, 'base64').toString('utf8');
      const i = decoded.indexOf(':');
      if (i < 0) throw new Error(`Docker config entry for ${key}: "auth" is not base64 of user:password`);
      registerSecret(decoded.slice(i + 1));
      return { credentials: { username: decoded.slice(0, i), password: decoded.slice(i + 1) } };
    }
    if (entry.username && entry.password) {
      registerSecret(entry.password);
      return { credentials: { username: entry.username, password: entry.password } };
    }
  }
  if (file.credsStore) {
    const key = names.includes('index.docker.io') ? 'https://index.docker.io/v1/' : host;
    const c = await credentialHelper(file.credsStore, key).catch(() => undefined);
    return c ? { credentials: c } : miss(`its credsStore docker-credential-${file.credsStore} has none either`);
  }
  // An auths entry for the host that holds no secret (docker logout leaves `{}` behind on some versions).
  if (Object.keys(file.auths ?? {}).some((k) => names.includes(keyHost(k))))
    return miss(`its entry for ${host} holds no auth, identitytoken or username and password`);
  return miss();
}

/** The hosts a Docker config has entries for, Docker Hub's many keys shown once as docker.io. */
function configuredHosts(file: DockerConfigFile): string[] {
  const hub = HUB_KEYS.map(keyHost);
  const hosts = [...Object.keys(file.auths ?? {}), ...Object.keys(file.credHelpers ?? {})].map((k) =>
    hub.includes(keyHost(k)) ? 'docker.io' : keyHost(k),
  );
  return [...new Set(hosts)];
}

/** Runs `docker-credential-<name> get` with the server URL on stdin. */
function credentialHelper(name: string, serverUrl: string): Promise<RegistryCredentials | undefined> {
  if (!/^[A-Za-z0-9_.-]+$/.test(name))
    return Promise.reject(new Error(`invalid credential helper name ${JSON.stringify(name)}`));
  return new Promise((resolve, reject) => {
    const child = execFile(`docker-credential-${name}`, ['get'], { timeout: 30_000 }, (err, stdout) => {
      if (err) {
        if (/credentials not found/i.test(stdout)) return resolve(undefined);
        return reject(new Error(`credential helper docker-credential-${name} failed: ${err.message.split('\n')[0]}`));
      }
      try {
        const out = JSON.parse(stdout) as { Username?: string; Secret?: string };
        if (!out.Secret) return resolve(undefined);
        registerSecret(out.Secret);
        if (out.Username === '<token>') return resolve({ identityToken: out.Secret });
        resolve({ username: out.Username ?? '', password: out.Secret });
      } catch {
        reject(new Error(`credential helper docker-credential-${name} printed invalid JSON`));
      }
    });
    child.stdin?.end(serverUrl);
  });
}
