/** Archive registries in replication.yaml (issue 13 item 4), and how an archive's image names map to repositories. */
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { loadConfig } from '../../../src/config/index.js';
import { splitName } from '../../../src/providers/archive-layout.js';

const fixtures = join(import.meta.dirname, '../../fixtures/config');

describe('archive registries in the rules file', () => {
  test('path (resolved beside the file), url kept whole with its sha256, repository for bare tags', async () => {
    const file = join(fixtures, 'good/003-air-gap-archives.yaml');
    const { config, warnings } = await loadConfig(file);
    expect(warnings).toEqual([]);
    expect(config.registries.get('export')).toMatchObject({
      type: 'oci-archive',
      path: join(fixtures, 'good/out/images.tar.gz'),
    });
    expect(config.registries.get('export')?.url).toBeUndefined();
    expect(config.registries.get('saved')).toMatchObject({
      type: 'docker-archive',
      path: join(fixtures, 'good/incoming/save.tar'),
      repository: 'tools/legacy',
    });
    expect(config.registries.get('published')).toMatchObject({
      type: 'oci-archive',
      url: 'https://downloads.example.com/releases/images-1.4.tar?X-Amz-Signature=abc',
      sha256: '0f343b0931126a20f133d67c2b018a3b5e5b3a1b5e5b3a1b5e5b3a1b5e5b3a1b',
    });
  });
});

describe('image names in an archive', () => {
  test.each([
    ['acme/app:v1', undefined, { repository: 'acme/app', tag: 'v1' }],
    ['registry.example.com:5000/acme/app:v1', undefined, { repository: 'acme/app', tag: 'v1' }],
    ['docker.io/library/alpine:3.20', undefined, { repository: 'library/alpine', tag: '3.20' }],
    ['localhost/app:1', undefined, { repository: 'app', tag: '1' }],
    ['alpine:latest', undefined, { repository: 'alpine', tag: 'latest' }],
    ['v1', 'tools', { repository: 'tools', tag: 'v1' }],
    ['v1', undefined, undefined],
    ['acme/app', 'tools', undefined],
    ['acme/app@sha256:' + 'a'.repeat(64), undefined, undefined],
    ['Acme/App:v1', undefined, undefined],
  ])('%s (default repository %s)', (name, fallback, expected) => {
    expect(splitName(name, fallback)).toEqual(expected);
  });
});
