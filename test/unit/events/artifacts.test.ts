import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../../src/config/index.js';
import { artifactsFromDispatch, artifactsFromRegistryPackage, matchArtifacts } from '../../../src/events/index.js';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const EVENTS = join(import.meta.dirname, '../../fixtures/events');
const event = (name: string, digest = `sha256:${'a'.repeat(64)}`) =>
  JSON.parse(readFileSync(join(EVENTS, name), 'utf8').split('DIGEST').join(digest));

const config = parseConfig(
  `version: 1
registries:
  harbor: { type: registry, url: https://harbor.example.com }
  other: { type: registry, url: https://other.example.com }
  ghcr: { type: ghcr, options: { owner: acme } }
  cluster: { type: registry, url: https://cluster.example.com }
rules:
  - { name: app, source: harbor, destination: cluster, filters: { name: "team/**", tag: ["v*"] }, trigger: event }
  - { name: manual-only, source: harbor, destination: cluster, filters: { name: "team/**" } }
  - { name: other-host, source: other, destination: cluster, trigger: event }
  - { name: rc-only, source: harbor, destination: cluster, filters: { tag: ["*-rc*"] }, trigger: event }
  - { name: gh, source: ghcr, destination: cluster, destination_namespace: gh, trigger: event }
`,
  'replication.yaml',
).config!;

describe('artifactsFromDispatch', () => {
  it('reads a Harbor PUSH_ARTIFACT webhook as Harbor sends it', () => {
    const { artifacts, problems } = artifactsFromDispatch(event('repository_dispatch-harbor-push.json').client_payload);
    expect(problems).toEqual([]);
    expect(artifacts).toEqual([
      {
        kind: 'push',
        registry: 'harbor.example.com',
        repository: 'team/app',
        tag: 'v3',
        digest: `sha256:${'a'.repeat(64)}`,
      },
    ]);
  });

  it('reads DELETE_ARTIFACT as a deletion', () => {
    expect(
      artifactsFromDispatch(event('repository_dispatch-harbor-delete.json').client_payload).artifacts[0]?.kind,
    ).toBe('delete');
  });

  it.each(['localhost:5000', '[::1]:5000', '127.0.0.1:5000', 'harbor.example.com'])(
    'takes the registry %s, as a reference would name it',
    (registry) => {
      const { artifacts, problems } = artifactsFromDispatch({ registry, repository: 'team/app', tag: 'v1' });
      expect(problems).toEqual([]);
      expect(artifacts[0]?.registry).toBe(registry);
    },
  );

  it.each([
    ['a tag with a newline and a workflow command', { tag: 'v1\n::error::x' }, /invalid tag/],
    ['a digest that walks a path', { digest: 'sha256:../../etc/passwd' }, /invalid digest/],
    ['an upper-case repository', { repository: 'Team/App' }, /invalid repository/],
    ['a registry with a path', { registry: 'evil.example.com/x' }, /invalid host/],
    ['a registry with a six-digit port', { registry: 'harbor.example.com:123456' }, /invalid host/],
    ['a registry with a scheme', { registry: 'https://harbor.example.com' }, /invalid host/],
    ['neither tag nor digest', { tag: undefined }, /neither a tag nor a digest/],
  ])('refuses %s', (_name, patch, problem) => {
    const { artifacts, problems } = artifactsFromDispatch({ repository: 'team/app', tag: 'v1', ...patch });
    expect(artifacts).toEqual([]);
    expect(problems.join('\n')).toMatch(problem);
  });

  it('ignores Harbor events that are not pushes or deletions', () => {
    const r = artifactsFromDispatch({ type: 'SCANNING_COMPLETED', event_data: {} });
    expect(r.artifacts).toEqual([]);
    expect(r.problems[0]).toMatch(/does not push or delete/);
  });
});

describe('artifactsFromRegistryPackage', () => {
  it('takes namespace/name and the container tag from GitHub’s payload', () => {
    const { artifacts } = artifactsFromRegistryPackage(event('registry_package.json'));
    expect(artifacts).toEqual([
      { kind: 'push', registry: 'ghcr.io', repository: 'acme/app', tag: 'v1', digest: `sha256:${'a'.repeat(64)}` },
    ]);
  });

  it('skips packages that are not containers', () => {
    const p = event('registry_package.json');
    p.registry_package.package_type = 'npm';
    expect(artifactsFromRegistryPackage(p).artifacts).toEqual([]);
  });
});

describe('matchArtifacts', () => {
  const push = (o: object) => [{ kind: 'push' as const, repository: 'team/app', tag: 'v3', ...o }];
  it('matches rules by source host, filters and the event trigger', () => {
    const { matches, untriggered } = matchArtifacts(config, push({ registry: 'harbor.example.com' }));
    expect(matches.map((m) => m.rule.name)).toEqual(['app']);
    expect(untriggered).toEqual(['manual-only']);
  });
  it('treats the default port as the same host', () => {
    expect(
      matchArtifacts(config, push({ registry: 'harbor.example.com:443' })).matches.map((m) => m.rule.name),
    ).toEqual(['app']);
  });
  it('sends GHCR events to ghcr registries only', () => {
    expect(
      matchArtifacts(config, push({ registry: 'ghcr.io', repository: 'acme/app' })).matches.map((m) => m.rule.name),
    ).toEqual(['gh']);
  });
  it('matches nothing from an unknown host', () => {
    expect(matchArtifacts(config, push({ registry: 'evil.example.com' })).matches).toEqual([]);
  });
});
