import { describe, expect, test } from 'vitest';
import { formatDiagnostic, parseConfig } from '../../../src/config/index.js';

const withPassword = (password: string) => `version: 1
registries:
  harbor:
    type: harbor
    url: https://harbor.example.com
    credentials:
      username: admin
      password: ${password}
rules: []
`;

describe('literal secrets', () => {
  test.each(['Harbor12345', '"s3cr3t value"', 'dckr_pat_AbCdEf012345'])('never echo the secret: %s', (secret) => {
    const { diagnostics } = parseConfig(withPassword(secret), 'replication.yaml');
    const text = diagnostics.map(formatDiagnostic).join('\n');
    expect(text).toContain('replication.yaml:8:17: registries.harbor.credentials.password: a literal secret');
    expect(text).toContain('{ env: NAME }');
    expect(text).not.toContain(secret.replace(/"/g, ''));
  });

  test('a password in the URL is rejected without repeating it', () => {
    const text = `version: 1
registries:
  harbor: { type: harbor, url: "https://admin:Harbor12345@harbor.example.com" }
rules: []
`;
    const lines = parseConfig(text, 'r.yaml').diagnostics.map(formatDiagnostic);
    expect(lines[0]).toBe(
      'r.yaml:3:32: registries.harbor.url: credentials are not allowed in the URL; use credentials: { username: ..., password: { env: NAME } }',
    );
    expect(lines.join('\n')).not.toContain('Harbor12345');
  });

  test('references are accepted in every form', () => {
    const text = `version: 1
registries:
  a: { type: registry, url: https://a.example.com, credentials: { username: { env: A_USER }, password: { env: A_PASS } } }
  b: { type: registry, url: https://b.example.com, credentials: { username: bot, password: { file: /run/secrets/b } } }
  c: { type: registry, url: https://c.example.com, credentials: { username: bot, token: { docker_config: /etc/docker/config.json } } }
  d: { type: registry, url: https://d.example.com, credentials: { docker_config: true } }
rules: []
`;
    const { config, diagnostics } = parseConfig(text, 'conf/replication.yaml');
    expect(diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    const creds = [...config!.registries.values()].map((r) => r.credentials);
    expect(creds).toEqual([
      { username: { env: 'A_USER' }, password: { env: 'A_PASS' } },
      { username: { value: 'bot' }, password: { file: '/run/secrets/b' } },
      { username: { value: 'bot' }, token: { dockerConfig: '/etc/docker/config.json' } },
      { username: { dockerConfig: true }, password: { dockerConfig: true } },
    ]);
  });
});

describe('two settings of which a run uses one are named, with the one used', () => {
  const run = (registry: string) =>
    parseConfig(`version: 1\nregistries:\n  r: ${registry}\nrules: []\n`, 'r.yaml')
      .diagnostics.filter((d) => d.path.startsWith('registries'))
      .map(formatDiagnostic);

  test('docker_config beside a username and password', () => {
    expect(
      run(
        '{ type: registry, url: https://r.example.com, credentials: { docker_config: true, username: bob, password: { env: P } } }',
      ),
    ).toEqual([
      'r.yaml:3:82: warning: registries.r.credentials.docker_config: docker_config, username and password are all set: the username and password are used and docker_config is ignored; keep one of them',
    ]);
  });

  test('docker_config beside a token alone: the Docker config wins', () => {
    expect(
      run('{ type: registry, url: https://r.example.com, credentials: { docker_config: true, token: { env: T } } }'),
    ).toEqual([
      "r.yaml:3:82: warning: registries.r.credentials.docker_config: docker_config and token are both set: the Docker config's login is used and token is ignored; keep one of them",
    ]);
  });

  test('a token and a password', () => {
    expect(
      run(
        '{ type: registry, url: https://r.example.com, credentials: { username: bob, token: { env: T }, password: { env: P } } }',
      ),
    ).toEqual([
      'r.yaml:3:111: warning: registries.r.credentials.password: token and password are both set: the token is used and the password is ignored; remove one',
    ]);
  });

  test('tls verify: false and a ca', () => {
    expect(run('{ type: registry, url: https://r.example.com, tls: { verify: false, ca: ca.pem } }')).toEqual([
      "r.yaml:3:78: warning: registries.r.tls.ca: verify: false and ca are both set: the registry's own certificate is not checked, so the CA is used only for the other hosts it sends ferry to (its token service, blob storage); remove verify: false to check the registry against the CA too",
    ]);
  });
});
