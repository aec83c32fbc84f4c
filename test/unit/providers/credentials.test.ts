/**
 * What a user reads when the credentials they configured cannot be used: the reference that
 * failed and why (an empty variable, a Docker config without the file or the host's entry),
 * never "none were found" when they did configure some, and never a secret.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, test, vi } from 'vitest';
import type { RegistryConfig } from '../../../src/config/types.js';
import { resolveCredentials } from '../../../src/providers/credentials.js';
import { applyHint, type HintContext } from '../../../src/providers/hints.js';
import { RegistryError } from '../../../src/registry/errors.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'ferry-creds-'));
});
afterEach(() => {
  vi.unstubAllEnvs();
  rmSync(dir, { recursive: true, force: true });
});

const HOST = '127.0.0.1:6103';
const reg = (name: string, credentials: RegistryConfig['credentials']): RegistryConfig =>
  ({ name, type: 'registry', url: `http://${HOST}`, tls: { verify: true }, credentials }) as RegistryConfig;
const failure = (p: Promise<unknown>) =>
  p.then(
    () => {
      throw new Error('expected a rejection');
    },
    (e: unknown) => e as Error,
  );
/** The hint a 401 from the registry gets when resolveCredentials found nothing (as openStore builds it). */
const hintFor401 = (name: string) => {
  const ctx: HintContext = { provider: 'registry', registryName: name, host: HOST };
  const e = new RegistryError({ kind: 'unauthorized', registry: HOST, operation: 'listing', status: 401 });
  return applyHint(e, ctx).hint;
};
const SECRET = 'c2VjcmV0LXBhc3N3b3JkLVpxOQ==';
const withEntries = () => {
  const path = join(dir, 'config.json');
  writeFileSync(
    path,
    JSON.stringify({
      auths: { 'ghcr.io': { auth: SECRET }, 'https://index.docker.io/v1/': { auth: SECRET } },
      credHelpers: { 'quay.io': 'ferry-none' },
    }),
  );
  return path;
};

describe('environment variables', () => {
  const envReg = reg('dst', { username: { env: 'C_USER' }, password: { env: 'C_PASS' } });

  test('an empty one is "empty", with why a GitHub secret expands to ""', async () => {
    vi.stubEnv('C_USER', 'ferry');
    vi.stubEnv('C_PASS', '');
    const e = await failure(resolveCredentials(envReg, HOST, dir));
    expect(e.message).toBe(
      'registries.dst.credentials.password: environment variable C_PASS is empty (in GitHub Actions a secret that does not exist, or is not passed to this event, expands to an empty string)',
    );
  });

  test('an unset one is still "not set"', async () => {
    vi.stubEnv('C_USER', 'ferry');
    delete process.env.C_PASS;
    const e = await failure(resolveCredentials(envReg, HOST, dir));
    expect(e.message).toBe('registries.dst.credentials.password: environment variable C_PASS is not set');
  });
});

describe('docker_config: <path>', () => {
  test('a file that does not exist is an error naming the reference and the path', async () => {
    const e = await failure(
      resolveCredentials(
        reg('dcfg', {
          username: { dockerConfig: '/nonexistent/config.json' },
          password: { dockerConfig: '/nonexistent/config.json' },
        }),
        HOST,
        dir,
      ),
    );
    expect(e.message).toBe('registries.dcfg.credentials.docker_config: /nonexistent/config.json does not exist');
  });

  test('a file without the host lists the hosts it has (never their secrets)', async () => {
    const path = withEntries();
    const ref = { dockerConfig: path };
    const e = await failure(resolveCredentials(reg('dcfg', { username: ref, password: ref }), HOST, dir));
    expect(e.message).toBe(
      `registries.dcfg.credentials.docker_config: ${path} has no auths or credHelpers entry for ${HOST} (it has: ghcr.io, docker.io, quay.io)`,
    );
    expect(e.message).not.toContain(SECRET);
  });

  test('a per-field reference is named as written', async () => {
    const e = await failure(
      resolveCredentials(reg('dcfg', { token: { dockerConfig: join(dir, 'none.json') } }), HOST, dir),
    );
    expect(e.message).toBe(`registries.dcfg.credentials.token.docker_config: ${join(dir, 'none.json')} does not exist`);
  });

  test('a file with the host still gives its credentials', async () => {
    const path = join(dir, 'config.json');
    writeFileSync(path, JSON.stringify({ auths: { [HOST]: { username: 'u', password: 'p-Zq9-cred' } } }));
    const ref = { dockerConfig: path };
    expect(await resolveCredentials(reg('dcfg', { username: ref, password: ref }), HOST, dir)).toEqual({
      username: 'u',
      password: 'p-Zq9-cred',
    });
  });
});

describe('docker_config: true', () => {
  const ref = { dockerConfig: true as const };

  test('no config.json is anonymous, and a 401 says that no docker login happened, where it looked', async () => {
    vi.stubEnv('DOCKER_CONFIG', dir);
    expect(await resolveCredentials(reg('login', { username: ref, password: ref }), HOST, dir)).toBeUndefined();
    const hint = hintFor401('login');
    expect(hint).toBe(
      `${HOST} (registries.login, type registry) needs credentials, and registries.login.credentials.docker_config: true found none: no docker login happened: ${join(dir, 'config.json')} does not exist; log in to ${HOST} with docker/login-action earlier in the same job (docker login ${HOST} on your machine)`,
    );
    expect(hint).not.toContain('none were found: set registries.login.credentials');
  });

  test('a config.json without the host is anonymous, and a 401 lists the hosts it has', async () => {
    const path = withEntries();
    vi.stubEnv('DOCKER_CONFIG', dir);
    expect(await resolveCredentials(reg('login2', { username: ref, password: ref }), HOST, dir)).toBeUndefined();
    const hint = hintFor401('login2');
    expect(hint).toContain(
      `registries.login2.credentials.docker_config: true found none: ${path} has no auths or credHelpers entry for ${HOST} (it has: ghcr.io, docker.io, quay.io)`,
    );
    expect(hint).not.toContain(SECRET);
  });

  test('a registry without credentials keeps the "none were found" hint', async () => {
    vi.stubEnv('DOCKER_CONFIG', dir);
    expect(await resolveCredentials(reg('plain', undefined), HOST, dir)).toBeUndefined();
    expect(hintFor401('plain')).toMatch(/needs credentials and none were found: set registries\.plain\.credentials/);
  });
});

describe('credentials held back on a pull request', () => {
  test('a registry opened anonymously on purpose: its 401 says the secrets were withheld, not that none were set', async () => {
    const { createServer } = await import('node:http');
    const server = createServer((_req, res) => {
      res.writeHead(401, { 'www-authenticate': 'Basic realm="locked"', 'content-type': 'application/json' });
      res.end('{"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]}');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as { port: number }).port;
    try {
      const file = join(dir, 'replication.yaml');
      writeFileSync(
        file,
        `version: 1
registries:
  locked:
    type: registry
    url: http://127.0.0.1:${port}
    credentials: { username: { env: LOCKED_USER }, password: { env: LOCKED_PASS } }
  out: { type: oci-layout, path: ./out }
rules:
  - { name: r, source: locked, destination: out }
`,
      );
      const { loadConfig } = await import('../../../src/config/index.js');
      const { StoreSet } = await import('../../../src/providers/index.js');
      const stores = new StoreSet((await loadConfig(file)).config, { anonymous: new Set(['locked']) });
      const e = (await failure((await stores.open('locked')).listTags('team/app'))) as RegistryError;
      await stores.close();
      expect(e.hint).toMatch(/ferry withheld registries\.locked\.credentials on purpose: this pull request/);
      expect(e.hint).not.toContain('none were found');
    } finally {
      server.close();
    }
  });
});
