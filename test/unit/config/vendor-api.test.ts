import { describe, expect, test } from 'vitest';
import { parseConfig, type RegistryConfig, replicationSchema, vendorApiProblem } from '../../../src/config/index.js';
import { openStore } from '../../../src/providers/index.js';
import { diagnosticsOf } from '../../support/rules-file.js';

const reg = (type: RegistryConfig['type'], url: string | undefined, options?: Record<string, unknown>) =>
  ({
    name: 'hub',
    type,
    tls: { verify: true },
    ...(url ? { url } : {}),
    ...(options ? { options } : {}),
  }) as RegistryConfig;

describe('the vendor API a dockerhub or ghcr registry may default to', () => {
  test.each([
    ['dockerhub', 'https://docker.io'],
    ['dockerhub', 'https://index.docker.io'],
    ['dockerhub', 'https://registry-1.docker.io'],
    ['dockerhub', 'https://hub.docker.com'],
    ['dockerhub', 'https://registry.hub.docker.com'],
    ['ghcr', 'https://ghcr.io'],
    ['ghcr', 'https://ghcr.io:443'],
    ['registry', 'https://registry.internal.example'],
    ['harbor', 'https://harbor.internal.example'],
  ] as const)('a %s registry at %s needs no api_url', (type, url) => {
    expect(vendorApiProblem(reg(type, new URL(url).href), true)).toBeUndefined();
  });

  test.each([
    ['dockerhub', 'https://mirror.example.com', 'mirror.example.com', 'docker.io', 'https://hub.docker.com'],
    ['dockerhub', 'https://docker.io:5000', 'docker.io:5000', 'docker.io', 'https://hub.docker.com'],
    [
      'ghcr',
      'https://registry.internal.example:5000',
      'registry.internal.example:5000',
      'ghcr.io',
      'https://api.github.com',
    ],
    ['ghcr', 'http://ghcr.example.com', 'ghcr.example.com', 'ghcr.io', 'https://api.github.com'],
  ] as const)('a %s registry at %s needs one, and with it opens', (type, url, host, vendor, api) => {
    expect(vendorApiProblem(reg(type, url), true)).toBe(
      `registries.hub: a ${type} registry at ${host} needs options.api_url: only ${vendor} uses ${api} by default, and ferry sends this registry's credentials to its API (or use type: registry)`,
    );
    expect(vendorApiProblem(reg(type, url, { api_url: 'https://api.example.com' }), true)).toBeUndefined();
    // Without credentials nothing would go to the vendor's API but anonymous requests.
    expect(vendorApiProblem(reg(type, url), false)).toBeUndefined();
  });

  test('is the error opening the registry gives, word for word', async () => {
    process.env.FERRY_TEST_VENDOR_PW = 'internal-password';
    const r = {
      ...reg('ghcr', 'https://registry.internal.example:5000', { owner: 'acme' }),
      credentials: { username: { value: 'bob' }, password: { env: 'FERRY_TEST_VENDOR_PW' } },
    } as RegistryConfig;
    await expect(openStore(r, { baseDir: process.cwd() })).rejects.toThrow(new Error(vendorApiProblem(r)));
  });
});

describe('ferry validate says so', () => {
  test('at the url, in the words opening the registry fails with', () => {
    expect(
      diagnosticsOf(`version: 1
registries:
  internal:
    type: ghcr
    url: https://registry.internal.example:5000
    credentials: { username: bob, password: { env: PW } }
  mirror: { type: dockerhub, url: https://mirror.example.com, options: { namespace: acme }, credentials: { docker_config: true } }
  anonymous: { type: dockerhub, url: https://mirror.example.com, options: { namespace: acme } }
  hub: { type: dockerhub, url: https://index.docker.io, options: { namespace: acme } }
  gh: { type: ghcr }
  ok: { type: dockerhub, url: https://mirror.example.com, options: { namespace: acme, api_url: "https://api.example.com" } }
rules: []
`),
    ).toEqual([
      "r.yaml:5:10: registries.internal.url: a ghcr registry at registry.internal.example:5000 needs options.api_url: only ghcr.io uses https://api.github.com by default, and ferry sends this registry's credentials to its API (or use type: registry)",
      "r.yaml:7:35: registries.mirror.url: a dockerhub registry at mirror.example.com needs options.api_url: only docker.io uses https://hub.docker.com by default, and ferry sends this registry's credentials to its API (or use type: registry)",
      'r.yaml:12:8: warning: rules: no rules: nothing will be replicated',
    ]);
  });

  test('an api_url written with an error, or misspelt, is not also missing', () => {
    expect(
      diagnosticsOf(`version: 1
registries:
  a: { type: dockerhub, url: https://mirror.example.com, options: { namespace: acme, api_url: "ftp://x" } }
  b: { type: ghcr, url: https://registry.internal.example, options: { owner: acme, api_ur: "https://api.example.com" } }
rules: []
`),
    ).toEqual([
      "r.yaml:3:95: registries.a.options.api_url: expected the API's URL, scheme and host only, like https://api.example.com",
      'r.yaml:4:84: registries.b.options.api_ur: unknown key "api_ur", did you mean "api_url"?',
      'r.yaml:5:8: warning: rules: no rules: nothing will be replicated',
    ]);
  });

  test('a file with the problem does not load', () => {
    const { config } = parseConfig(
      `version: 1
registries:
  src: { type: registry, url: https://src.example.com }
  mirror: { type: dockerhub, url: https://mirror.example.com, options: { namespace: acme }, credentials: { docker_config: true } }
rules:
  - { name: r, source: src, destination: mirror, destination_namespace: acme }
`,
      'r.yaml',
    );
    expect(config).toBeUndefined();
  });
});

test("the schema's api_url says the vendor APIs are defaults only for the vendors' own hosts", () => {
  const { description } = (replicationSchema.$defs as Record<string, { description: string }>).apiUrl!;
  expect(description).toMatch(/https:\/\/hub\.docker\.com\), only when `url` is Docker Hub/);
  expect(description).toMatch(/https:\/\/api\.github\.com\), only when `url` is https:\/\/ghcr\.io/);
  expect(description).toMatch(/any other host has no default: with credentials it needs api_url/);
});
