import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, test, vi } from 'vitest';
import { credentialsFromDockerConfig, dockerConfigPath } from '../../../src/registry/auth/docker-config.js';
import { redact } from '../../../src/util/secrets.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'ferry-dockercfg-'));
});
afterEach(() => {
  vi.unstubAllEnvs();
  rmSync(dir, { recursive: true, force: true });
});

const b64 = (s: string) => Buffer.from(s).toString('base64');
function writeConfig(doc: unknown): string {
  const path = join(dir, 'config.json');
  writeFileSync(path, typeof doc === 'string' ? doc : JSON.stringify(doc));
  return path;
}
let n = 0;
/** A distinct secret per test, so redaction checks are not satisfied by an earlier test's registration. */
const unique = (label: string) => `${label}-${process.pid}-${++n}-Zq9`;

describe('credentialsFromDockerConfig', () => {
  test('decodes a base64 auth entry into username and password', async () => {
    const password = unique('pw');
    const path = writeConfig({ auths: { 'ghcr.io': { auth: b64(`octo:${password}`) } } });
    expect(await credentialsFromDockerConfig('ghcr.io', path)).toEqual({ username: 'octo', password });
  });

  test('a password containing colons keeps everything after the first colon', async () => {
    const password = `a:b:${unique('c')}`;
    const path = writeConfig({ auths: { 'ghcr.io': { auth: b64(`u:${password}`) } } });
    expect(await credentialsFromDockerConfig('ghcr.io', path)).toEqual({ username: 'u', password });
  });

  test('an identitytoken entry becomes token credentials', async () => {
    const token = unique('refresh');
    const path = writeConfig({
      auths: {
        'myreg.azurecr.io': { auth: b64('00000000-0000-0000-0000-000000000000:'), identitytoken: token },
      },
    });
    const c = await credentialsFromDockerConfig('myreg.azurecr.io', path);
    expect(c).toMatchObject({ identityToken: token });
    expect(redact(`tok=${token}`)).toBe('tok=***');
  });

  test('separate username and password fields are read', async () => {
    const password = unique('pw');
    const path = writeConfig({ auths: { 'quay.io': { username: 'robot', password } } });
    expect(await credentialsFromDockerConfig('quay.io', path)).toEqual({ username: 'robot', password });
  });

  test.each([['registry-1.docker.io'], ['docker.io'], ['index.docker.io'], ['hub.docker.com']])(
    'the legacy Hub key https://index.docker.io/v1/ is found for %s',
    async (host) => {
      const password = unique('hub');
      const path = writeConfig({
        auths: { 'https://index.docker.io/v1/': { auth: b64(`hubuser:${password}`) } },
      });
      expect(await credentialsFromDockerConfig(host, path)).toEqual({ username: 'hubuser', password });
    },
  );

  test('a Hub entry is not handed to another registry', async () => {
    const path = writeConfig({
      auths: { 'https://index.docker.io/v1/': { auth: b64(`hubuser:${unique('x')}`) } },
    });
    expect(await credentialsFromDockerConfig('ghcr.io', path)).toBeUndefined();
  });

  test.each([
    ['host:port key', 'localhost:5000', 'localhost:5000', true],
    ['key with scheme and path', 'https://reg.example:8443/v2/', 'reg.example:8443', true],
    ['upper-case key', 'GHCR.IO', 'ghcr.io', true],
    ['same host, no port', 'localhost:5000', 'localhost', false],
    ['same host, other port', 'localhost:5000', 'localhost:5001', false],
    ['suffix of another host', 'evil-ghcr.io', 'ghcr.io', false],
  ])('%s: key %s for host %s → found=%s', async (_name, key, host, found) => {
    const password = unique('p');
    const path = writeConfig({ auths: { [key]: { auth: b64(`u:${password}`) } } });
    const c = await credentialsFromDockerConfig(host, path);
    expect(c).toEqual(found ? { username: 'u', password } : undefined);
  });

  test('a missing file means no credentials', async () => {
    expect(await credentialsFromDockerConfig('ghcr.io', join(dir, 'nope', 'config.json'))).toBeUndefined();
  });

  test('a registry without an entry gets no credentials', async () => {
    const path = writeConfig({ auths: {} });
    expect(await credentialsFromDockerConfig('ghcr.io', path)).toBeUndefined();
  });

  test('an auth value that is not base64 of user:password is a clear error that does not echo it', async () => {
    const secret = unique('nocolon');
    const path = writeConfig({ auths: { 'ghcr.io': { auth: b64(secret) } } });
    const err = await credentialsFromDockerConfig('ghcr.io', path).then(
      () => undefined,
      (e: Error) => e,
    );
    expect(err).toBeInstanceOf(Error);
    expect(err!.message).toContain('ghcr.io');
    expect(err!.message).toContain('user:password');
    expect(err!.message).not.toContain(secret);
    expect(err!.message).not.toContain(b64(secret));
  });

  test('a file that is not JSON is an error naming the file', async () => {
    const path = writeConfig('{ "auths": ');
    await expect(credentialsFromDockerConfig('ghcr.io', path)).rejects.toThrow(path);
  });

  test('the decoded password and the base64 blob are registered as secrets', async () => {
    const password = unique('s3cret');
    const blob = b64(`octo:${password}`);
    const path = writeConfig({ auths: { 'ghcr.io': { auth: blob } } });
    expect(redact(`password=${password}`)).toContain(password);
    await credentialsFromDockerConfig('ghcr.io', path);
    expect(redact(`password=${password} header=Basic ${blob}`)).toBe('password=*** header=Basic ***');
  });

  test('a password given as a separate field is registered as a secret', async () => {
    const password = unique('field');
    const path = writeConfig({ auths: { 'quay.io': { username: 'robot', password } } });
    await credentialsFromDockerConfig('quay.io', path);
    expect(redact(password)).toBe('***');
  });

  test('a credential-helper name that could escape the docker-credential- prefix is refused', async () => {
    const path = writeConfig({ credHelpers: { 'ghcr.io': '../../bin/sh' } });
    await expect(credentialsFromDockerConfig('ghcr.io', path)).rejects.toThrow('invalid credential helper name');
  });

  test('a credential helper is asked with the server URL on stdin; its secret is registered', async () => {
    const secret = unique('helper');
    const seen = join(dir, 'stdin.txt');
    const helper = join(dir, 'docker-credential-ferrytest');
    writeFileSync(
      helper,
      `#!/bin/sh\n[ "$1" = get ] || exit 2\ncat > '${seen}'\nprintf '{"ServerURL":"x","Username":"helperuser","Secret":"${secret}"}'\n`,
    );
    chmodSync(helper, 0o755);
    vi.stubEnv('PATH', `${dir}:${process.env.PATH ?? ''}`);
    const path = writeConfig({
      credHelpers: { 'ghcr.io': 'ferrytest' },
      auths: { 'ghcr.io': { auth: b64('other:pw-other') } },
    });
    expect(await credentialsFromDockerConfig('ghcr.io', path)).toEqual({
      username: 'helperuser',
      password: secret,
    });
    expect(readFileSync(seen, 'utf8')).toBe('ghcr.io');
    expect(redact(secret)).toBe('***');
  });
});

describe('dockerConfigPath', () => {
  test('DOCKER_CONFIG names the directory holding config.json', async () => {
    vi.stubEnv('DOCKER_CONFIG', dir);
    expect(dockerConfigPath()).toBe(join(dir, 'config.json'));
    const password = unique('env');
    writeConfig({ auths: { 'ghcr.io': { auth: b64(`envuser:${password}`) } } });
    expect(await credentialsFromDockerConfig('ghcr.io')).toEqual({ username: 'envuser', password });
  });

  test('an explicit directory or .json file path wins', () => {
    vi.stubEnv('DOCKER_CONFIG', '/somewhere/else');
    expect(dockerConfigPath(dir)).toBe(join(dir, 'config.json'));
    expect(dockerConfigPath(join(dir, 'other.json'))).toBe(join(dir, 'other.json'));
  });
});
