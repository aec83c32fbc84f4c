import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../../src/config/index.js';
import {
  type ArtifactEvent,
  artifactsFromDispatch,
  artifactsFromRegistryPackage,
  matchArtifacts,
} from '../../../src/events/index.js';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const EVENTS = join(import.meta.dirname, '../../fixtures/events');
const event = (name: string, digest = `sha256:${'a'.repeat(64)}`) =>
  JSON.parse(readFileSync(join(EVENTS, name), 'utf8').split('DIGEST').join(digest));

const D = `sha256:${'a'.repeat(64)}`;
const deleteConfig = parseConfig(
  `version: 1
registries:
  harbor: { type: registry, url: https://harbor.example.com }
  other: { type: registry, url: https://other.example.com }
  cluster: { type: registry, url: https://cluster.example.com }
  cluster2: { type: registry, url: https://cluster2.example.com }
rules:
  - { name: del, source: harbor, destination: cluster, filters: { name: "team/**" }, trigger: event, delete_remote: { enabled: true } }
  - { name: other-del, source: other, destination: cluster2, filters: { name: "team/**" }, trigger: event, delete_remote: { enabled: true } }
`,
  'replication.yaml',
).config!;

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
    const { artifacts, problems } = artifactsFromDispatch({
      registry: 'harbor.example.com',
      repository: 'team/app',
      tag: 'v1',
      ...patch,
    });
    expect(artifacts).toEqual([]);
    expect(problems.join('\n')).toMatch(problem);
  });

  it.each(['deleted', 'remove', 7])('refuses a plain payload whose action is %s, not push or delete', (action) => {
    // Before: anything but "delete" was read as a push, so a relay's "deleted" copied instead of deleting.
    const { artifacts, problems } = artifactsFromDispatch({
      registry: 'harbor.example.com',
      repository: 'team/app',
      tag: 'v1',
      action,
    });
    expect(artifacts).toEqual([]);
    expect(problems).toEqual([expect.stringMatching(/^action: .* is neither "push" nor "delete"; nothing runs/)]);
  });

  it('reads a plain payload whose action is push, delete (any case) or absent', () => {
    const kinds = [undefined, 'push', 'delete', 'DELETE'].map(
      (action) =>
        artifactsFromDispatch({ registry: 'harbor.example.com', repository: 'team/app', tag: 'v1', action })
          .artifacts[0]?.kind,
    );
    expect(kinds).toEqual(['push', 'push', 'delete', 'delete']);
  });

  it('refuses a Harbor body without a type, or whose resources are not a list', () => {
    const body = event('repository_dispatch-harbor-delete.json').client_payload;
    const { type: _type, ...untyped } = body;
    expect(artifactsFromDispatch(untyped)).toMatchObject({
      artifacts: [],
      problems: [expect.stringMatching(/^type: missing; a Harbor webhook names its event/)],
    });
    const odd = { ...body, event_data: { ...body.event_data, resources: { tag: 'v1' } } };
    expect(artifactsFromDispatch(odd)).toMatchObject({
      artifacts: [],
      problems: [expect.stringMatching(/^event_data\.resources: expected a list/)],
    });
  });

  it('reads a Harbor type whatever its case, as a relay may have changed it', () => {
    const body = event('repository_dispatch-harbor-delete.json').client_payload;
    expect(artifactsFromDispatch({ ...body, type: 'delete_artifact' }).artifacts[0]?.kind).toBe('delete');
  });

  it('says that resources past the first 100 are not read', () => {
    const body = event('repository_dispatch-harbor-push.json').client_payload;
    const one = body.event_data.resources[0];
    const many = { ...body, event_data: { ...body.event_data, resources: Array.from({ length: 150 }, () => one) } };
    const { artifacts, problems } = artifactsFromDispatch(many);
    expect(artifacts).toHaveLength(100);
    expect(problems).toEqual([
      expect.stringMatching(/event_data\.resources: 150 resources; only the first 100 are read/),
    ]);
  });

  // The source registry is one of the four counts a rule matches on (README, events): a payload
  // that names no host must not reach rules of every source registry, least of all a deletion.
  describe('a payload that names no registry host runs nothing', () => {
    const harborDelete = (resource: object) => ({
      type: 'DELETE_ARTIFACT',
      event_data: { resources: [{ tag: 'v3', digest: D, ...resource }], repository: { repo_full_name: 'team/app' } },
    });
    it.each([
      ['without resource_url', {}, /resource_url: missing/],
      ['with a resource_url of null', { resource_url: null }, /resource_url: missing/],
      ['with a resource_url that is not a string', { resource_url: 42 }, /resource_url: no registry host in 42/],
      ['with a resource_url whose host is invalid', { resource_url: 'bad host!/team/app:v3' }, /no registry host in/],
      ['with an empty resource_url', { resource_url: '' }, /no registry host in ""/],
    ])('a Harbor DELETE_ARTIFACT resource %s is refused and deletes nothing', (_name, resource, problem) => {
      const { artifacts, problems } = artifactsFromDispatch(harborDelete(resource));
      expect(artifacts).toEqual([]);
      expect(problems).toHaveLength(1);
      expect(problems[0]).toMatch(/^event_data\.resources\[0\]\.resource_url: /);
      expect(problems[0]).toMatch(problem);
      expect(problems[0]).toMatch(/nothing runs for this artifact/);
      expect(matchArtifacts(deleteConfig, artifacts).matches).toEqual([]);
    });

    it('keeps the other resources of a Harbor payload that name their host', () => {
      const p = harborDelete({ resource_url: 'harbor.example.com/team/app:v3' });
      p.event_data.resources.push({ tag: 'v4', digest: D } as (typeof p.event_data.resources)[0]);
      const { artifacts, problems } = artifactsFromDispatch(p);
      expect(artifacts.map((a) => `${a.registry}/${a.repository}:${a.tag}`)).toEqual([
        'harbor.example.com/team/app:v3',
      ]);
      expect(problems).toEqual([expect.stringMatching(/^event_data\.resources\[1\]\.resource_url: missing/)]);
      expect(matchArtifacts(deleteConfig, artifacts).matches.map((m) => m.rule.name)).toEqual(['del']);
    });

    it.each([
      ['a push', {}],
      ['a deletion', { action: 'delete' }],
    ])('a plain payload without registry, %s, is refused', (_name, extra) => {
      const { artifacts, problems } = artifactsFromDispatch({ repository: 'team/app', tag: 'v3', ...extra });
      expect(artifacts).toEqual([]);
      expect(problems).toEqual([
        'registry: missing; the payload must name the registry host the artifact is in (such as "harbor.example.com"), which a rule\'s source must match; nothing runs',
      ]);
    });

    it('matchArtifacts matches no rule for an artifact without a registry, whatever built it', () => {
      const hostless = { kind: 'delete', repository: 'team/app', tag: 'v3' } as unknown as ArtifactEvent;
      expect(matchArtifacts(deleteConfig, [hostless]).matches).toEqual([]);
    });
  });

  // Harbor's webhook sets `tag` to the artifact's reference: its first tag or, untagged, its digest.
  describe('an untagged Harbor artifact (its digest in `tag`)', () => {
    const harbor = (type: string, tag: unknown, digest: unknown = D) => ({
      type,
      event_data: {
        resources: [{ tag, digest, resource_url: `harbor.example.com/team/app@${D}` }],
        repository: { repo_full_name: 'team/app', namespace: 'team', name: 'app' },
      },
    });
    it('is read as a push of the digest, untagged, not as an invalid tag', () => {
      const { artifacts, problems } = artifactsFromDispatch(harbor('PUSH_ARTIFACT', D));
      expect(problems).toEqual([]);
      expect(artifacts).toEqual([{ kind: 'push', registry: 'harbor.example.com', repository: 'team/app', digest: D }]);
    });
    it('takes the digest from `tag` when Harbor left `digest` out', () => {
      expect(artifactsFromDispatch(harbor('PUSH_ARTIFACT', D, undefined)).artifacts[0]?.digest).toBe(D);
    });
    it('says a deletion of it has no tag to delete: a note, not a problem of the payload', () => {
      const { artifacts, problems, ignored } = artifactsFromDispatch(harbor('DELETE_ARTIFACT', D));
      expect(artifacts).toEqual([
        { kind: 'delete', registry: 'harbor.example.com', repository: 'team/app', digest: D },
      ]);
      expect(problems).toEqual([]);
      expect(ignored).toEqual([
        `event_data.resources[0]: team/app@${D} was deleted without a tag; ferry deletes tags at the destination, so there is nothing to delete`,
      ]);
    });
    it('refuses a `tag` that is a different digest than `digest`', () => {
      const other = `sha256:${'b'.repeat(64)}`;
      const { artifacts, problems } = artifactsFromDispatch(harbor('PUSH_ARTIFACT', other));
      expect(artifacts).toEqual([]);
      expect(problems.join('\n')).toMatch(/tag: the digest "sha256:b+" is not the artifact's digest "sha256:a+"/);
    });
  });

  it('ignores Harbor events that are not pushes or deletions: a note, not a problem of the payload', () => {
    const r = artifactsFromDispatch({ type: 'SCANNING_COMPLETED', event_data: {} });
    expect(r.artifacts).toEqual([]);
    expect(r.problems).toEqual([]);
    expect(r.ignored?.[0]).toMatch(/does not push or delete/);
  });
});

describe('artifactsFromRegistryPackage', () => {
  it('takes namespace/name and the container tag from GitHub’s payload', () => {
    const { artifacts } = artifactsFromRegistryPackage(event('registry_package.json'));
    expect(artifacts).toEqual([
      { kind: 'push', registry: 'ghcr.io', repository: 'acme/app', tag: 'v1', digest: `sha256:${'a'.repeat(64)}` },
    ]);
  });

  it('copies on published and updated only: another action is not read as a push', () => {
    for (const action of ['published', 'updated'])
      expect(artifactsFromRegistryPackage({ ...event('registry_package.json'), action }).artifacts).toHaveLength(1);
    // Before: any action was a push, so a deletion GitHub may send one day would copy.
    const deleted = artifactsFromRegistryPackage({ ...event('registry_package.json'), action: 'deleted' });
    expect(deleted).toEqual({
      artifacts: [],
      problems: [],
      ignored: ['registry_package: action "deleted" publishes nothing; nothing to do'],
    });
  });

  it('skips packages that are not containers', () => {
    const p = event('registry_package.json');
    p.registry_package.package_type = 'npm';
    expect(artifactsFromRegistryPackage(p).artifacts).toEqual([]);
  });
});

describe('matchArtifacts', () => {
  const push = (o: Partial<ArtifactEvent>): ArtifactEvent[] => [
    { kind: 'push', registry: 'harbor.example.com', repository: 'team/app', tag: 'v3', ...o },
  ];
  it('matches rules by source host, filters and the event trigger', () => {
    const { matches, untriggered } = matchArtifacts(config, push({ registry: 'harbor.example.com' }));
    expect(matches.map((m) => m.rule.name)).toEqual(['app']);
    expect(untriggered).toEqual(['manual-only']);
  });
  it('treats the default port as the same host', () => {
    expect(
      matchArtifacts(config, push({ registry: 'harbor.example.com:443' })).matches.map((m) => m.rule.name),
    ).toEqual(['app']);
    // Before: any of :80 and :443 was stripped, so an http port matched an https url.
    expect(matchArtifacts(config, push({ registry: 'harbor.example.com:80' })).matches).toEqual([]);
  });
  it('sends GHCR events to ghcr registries only', () => {
    expect(
      matchArtifacts(config, push({ registry: 'ghcr.io', repository: 'acme/app' })).matches.map((m) => m.rule.name),
    ).toEqual(['gh']);
  });
  it("matches a pushed signature tag by the rules' name filters, whatever their tag filters: it belongs to its subject", () => {
    const sig = `sha256-${'b'.repeat(64)}.sig`;
    expect(matchArtifacts(config, push({ tag: sig })).matches.map((m) => m.rule.name)).toEqual(['app', 'rc-only']);
    // Its deletion is not one: a signature is never deleted on its own.
    expect(matchArtifacts(config, push({ tag: sig, kind: 'delete' })).matches).toEqual([]);
  });
  it('matches nothing from an unknown host', () => {
    expect(matchArtifacts(config, push({ registry: 'evil.example.com' })).matches).toEqual([]);
  });
  it('says why an artifact no rule takes was not replicated: its registry, name or tag', () => {
    // Before: "no rule with an event trigger matches this artifact", whichever of the four it was.
    const why = (o: Partial<ArtifactEvent>) => matchArtifacts(config, push(o)).unmatched;
    expect(why({ registry: 'harbor.internal:8443' })).toEqual([
      expect.objectContaining({
        registryUnknown: true,
        why: expect.stringMatching(
          /^harbor\.internal:8443 is the source registry of no enabled rule \(they read from harbor\.example\.com, .*ghcr\.io.*\); a rule's source url must use the host the webhook names/,
        ),
      }),
    ]);
    // The rule that got furthest says it: rc-only takes every name, and its tag filter says no.
    expect(why({ repository: 'elsewhere/app' })).toEqual([
      { artifact: expect.anything(), why: 'the tag filters leave out elsewhere/app:v3 (rules rc-only)' },
    ]);
    const named = parseConfig(
      'version: 1\nregistries:\n  harbor: { type: registry, url: https://harbor.example.com }\n' +
        '  cluster: { type: registry, url: https://cluster.example.com }\nrules:\n' +
        '  - { name: app, source: harbor, destination: cluster, filters: { name: "team/**", tag: "v*" }, trigger: event }\n',
      'replication.yaml',
    ).config!;
    expect(matchArtifacts(named, push({ repository: 'elsewhere/app' })).unmatched).toEqual([
      { artifact: expect.anything(), why: 'no name filter takes elsewhere/app (rules app)' },
    ]);
    expect(matchArtifacts(named, push({ tag: 'nightly' })).unmatched).toEqual([
      { artifact: expect.anything(), why: 'the tag filters leave out team/app:nightly (rules app)' },
    ]);
    expect(why({})).toEqual([]);
  });
});
