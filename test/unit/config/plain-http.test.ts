import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { formatDiagnostic, loadConfig, parseConfig } from '../../../src/config/index.js';
import { diagnosticsOf } from '../../support/rules-file.js';

const file = (registries: string) => `version: 1
registries:
${registries}
  dst: { type: registry, url: https://dst.example.com }
rules:
  - { name: r, source: lan, destination: dst }
`;

const warning = (name: string, host: string) =>
  `registry "${name}" sends its credentials unencrypted: http://${host} is plain HTTP, so anyone on the network between ferry and the registry can read them; use https:// (docker, too, talks plain HTTP only to a registry listed in its insecure-registries)`;

describe('credentials sent over plain http://', () => {
  test.each([
    ['a username and password', 'credentials: { username: bob, password: { env: LAN_PW } }'],
    ['an identity token', 'credentials: { username: bob, token: { file: token.txt } }'],
    ['a Docker config login', 'credentials: { docker_config: true }'],
  ])('%s: a warning at the url, naming the registry', (_, credentials) => {
    expect(diagnosticsOf(file(`  lan: { type: registry, url: "http://registry.lan:5000", ${credentials} }`))).toEqual([
      `r.yaml:3:31: warning: registries.lan.url: ${warning('lan', 'registry.lan:5000')}`,
    ]);
  });

  test('a harbor registry too; the file still loads', () => {
    const { config, diagnostics } = parseConfig(
      file(`  lan:
    type: harbor
    url: http://Harbor.Corp.Example
    credentials:
      username: { env: HARBOR_USER }
      password: { env: HARBOR_PW }`),
      'r.yaml',
    );
    expect(diagnostics.map(formatDiagnostic)).toEqual([
      `r.yaml:5:10: warning: registries.lan.url: ${warning('lan', 'harbor.corp.example')}`,
    ]);
    expect(config?.registries.get('lan')?.url).toBe('http://harbor.corp.example');
  });

  test.each([
    ['https://', 'https://registry.lan:5000'],
    ['localhost', 'http://localhost:5000'],
    ['127.0.0.0/8', 'http://127.0.0.1:5000'],
    ['127.0.0.0/8, anywhere in it', 'http://127.1.2.3'],
    ['::1', 'http://[::1]:5000'],
  ])('no warning over %s', (_, url) => {
    expect(
      diagnosticsOf(
        file(`  lan: { type: registry, url: "${url}", credentials: { username: bob, password: { env: LAN_PW } } }`),
      ),
    ).toEqual([]);
  });

  test('no warning without credentials', () => {
    expect(diagnosticsOf(file(`  lan: { type: registry, url: "http://registry.lan:5000" }`))).toEqual([]);
  });

  test("is one of the loader's warnings", async () => {
    const dir = await mkdtemp(join(tmpdir(), 'ferry-plain-http-'));
    try {
      const path = join(dir, 'replication.yaml');
      await writeFile(
        path,
        file(`  lan: { type: registry, url: "http://10.0.0.5:5000", credentials: { docker_config: true } }`),
      );
      const { config, warnings } = await loadConfig(path);
      expect(config.registries.get('lan')?.url).toBe('http://10.0.0.5:5000');
      expect(warnings.map((w) => `${w.line}:${w.column} ${w.path}: ${w.message}`)).toEqual([
        `3:31 registries.lan.url: ${warning('lan', '10.0.0.5:5000')}`,
      ]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
