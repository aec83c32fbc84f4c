import { describe, expect, test } from 'vitest';
import type { Config, RegistryConfig, Rule } from '../../../src/config/types.js';
import { buildReport } from '../../../src/report/json.js';
import { garbageCollectionNote, repositoryUrls, repositoryWebUrl } from '../../../src/report/links.js';
import type { Result } from '../../../src/replicate/result.js';

const reg = (name: string, type: RegistryConfig['type'], url?: string): RegistryConfig =>
  ({ name, type, ...(url ? { url } : {}), tls: {} }) as RegistryConfig;

describe('repositoryWebUrl', () => {
  test.each([
    [reg('hub', 'dockerhub'), 'docker.io/acme/api', 'https://hub.docker.com/r/acme/api/tags'],
    [reg('hub', 'dockerhub'), 'docker.io/library/nginx', 'https://hub.docker.com/_/nginx'],
    [reg('gh', 'ghcr', 'https://ghcr.io'), 'ghcr.io/acme/tools/cli', 'https://ghcr.io/acme/tools/cli'],
    [reg('q', 'quay', 'https://quay.io'), 'quay.io/acme/api', 'https://quay.io/repository/acme/api?tab=tags'],
    [
      reg('h', 'harbor', 'https://harbor.example.com/'),
      'harbor.example.com/p/api',
      'https://harbor.example.com/harbor/projects',
    ],
    [
      reg('e', 'ecr', 'https://123456789012.dkr.ecr.eu-west-1.amazonaws.com'),
      '123456789012.dkr.ecr.eu-west-1.amazonaws.com/team/api',
      'https://eu-west-1.console.aws.amazon.com/ecr/repositories/private/123456789012/team/api?region=eu-west-1',
    ],
    [
      reg('g', 'gar', 'https://europe-docker.pkg.dev'),
      'europe-docker.pkg.dev/proj/repo/img',
      'https://console.cloud.google.com/artifacts/docker/proj/europe/repo/img',
    ],
  ])('%o %s → %s', (r, repo, url) => expect(repositoryWebUrl(r, repo)).toBe(url));

  test('no page for a plain registry, an OCI layout or an http:// Harbor', () => {
    expect(repositoryWebUrl(reg('r', 'registry', 'https://r.example.com'), 'r.example.com/a')).toBeUndefined();
    expect(repositoryWebUrl(reg('o', 'oci-layout'), 'oci:mirror/a')).toBeUndefined();
    expect(repositoryWebUrl(reg('h', 'harbor', 'http://10.0.0.1'), '10.0.0.1/p/a')).toBeUndefined();
  });
});

describe('garbageCollectionNote', () => {
  const config = {
    registries: new Map([
      ['src', reg('src', 'registry', 'https://a')],
      ['plain', reg('plain', 'registry', 'https://b')],
      ['harbor', reg('harbor', 'harbor', 'https://c')],
    ]),
    rules: [
      { name: 'to-plain', source: 'src', destination: 'plain' },
      { name: 'to-harbor', source: 'src', destination: 'harbor' },
    ] as Rule[],
  } as unknown as Config;
  const result = (rule: string, status: Result['status']): Result => ({
    rule,
    destination: 'x/a:1',
    tag: '1',
    status,
    bytes: 0,
    blobs: { copied: 0, mounted: 0, present: 0 },
    durationMs: 0,
    retries: 0,
  });
  const report = (results: Result[]) =>
    buildReport({
      command: 'run',
      dryRun: false,
      startedAt: new Date(),
      finishedAt: new Date(),
      results,
      ruleErrors: [],
      version: '0',
    });

  test('once per run, naming the registries and the command', () => {
    const note = garbageCollectionNote(
      report([result('to-plain', 'deleted'), result('to-plain', 'deleted'), result('to-harbor', 'deleted')]),
      config,
    )!;
    expect(note.match(/garbage-collect/g)).toHaveLength(1);
    expect(note).toContain('plain deletes by digest');
    expect(note).toContain('`registry garbage-collect /etc/docker/registry/config.yml`');
    expect(note).toContain('Harbor (harbor) frees the space at its next garbage collection');
  });

  test('nothing when nothing was deleted, or only in a dry run', () => {
    expect(garbageCollectionNote(report([result('to-plain', 'copied')]), config)).toBeUndefined();
    expect(garbageCollectionNote(report([result('to-plain', 'would-delete')]), config)).toBeUndefined();
  });

  test('repositoryUrls finds the rule destination registry', () => {
    const c = {
      ...config,
      registries: new Map([['hub', reg('hub', 'dockerhub')]]),
      rules: [{ name: 'r', destination: 'hub' }],
    } as unknown as Config;
    expect(repositoryUrls(c)('docker.io/acme/api', 'r')).toBe('https://hub.docker.com/r/acme/api/tags');
    expect(repositoryUrls(c)('docker.io/acme/api', 'unknown')).toBeUndefined();
  });
});
