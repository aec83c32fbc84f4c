import { describe, expect, test } from 'vitest';
import type { Filters } from '../../../src/config/types.js';
import {
  compileNameFilter,
  compileTagFilter,
  compileTagScope,
  filtersMatchEverything,
  artifactRefusal,
  resourceKind,
  matchLabels,
  newestFirst,
  noneDropped,
  selectTags,
  semverOf,
  type TagInfo,
} from '../../../src/rules/index.js';

const filters = (over: Partial<Filters> = {}): Filters => ({
  name: [],
  tag: [],
  labels: {},
  resource: 'all',
  ...over,
});

const tags = (...names: string[]): TagInfo[] => names.map((tag) => ({ tag }));
const names = (infos: TagInfo[]) => infos.map((t) => t.tag);

describe('name filter', () => {
  test.each<[string[], string, boolean]>([
    [[], 'anything/at/all', true],
    [['backend/**'], 'backend/api', true],
    [['backend/**'], 'backend/team/api', true],
    [['backend/**'], 'backendx/api', false],
    [['backend/**', 'frontend/*'], 'frontend/web', true],
    [['backend/**', 'frontend/*'], 'ops/web', false],
    [['backend/**', '!backend/legacy/**'], 'backend/legacy/api', false],
    [['backend/**', '!backend/legacy/**'], 'backend/api', true],
    [['!**/test-*'], 'library/test-app', false], // only exclusions: everything else passes
    [['!**/test-*'], 'library/app', true],
    [['\\!weird'], '!weird', true], // an escaped ! is a literal
    [['library/*'], 'Library/nginx', false],
  ])('%j on %j → %s', (patterns, repo, expected) => {
    expect(compileNameFilter(patterns)(repo)).toBe(expected);
  });
});

describe('tag filter', () => {
  test.each<[string[], string, boolean]>([
    [[], 'latest', true],
    [[], '', true],
    [['prod-*'], 'prod-1', true],
    [['prod-*'], 'dev-1', false],
    [['prod-*', 'v*'], 'v1.2.3', true],
    [['prod-*', 'v*', '!*-rc*'], 'v1.2.3-rc1', false],
    [['prod-*', 'v*', '!*-rc*'], 'prod-2', true],
    [['!latest'], 'latest', false],
    [['!latest'], 'v1', true],
    // untagged artifacts are tested as the empty tag, like Harbor
    [['*'], '', true],
    [['**'], '', true],
    [['v*'], '', false],
    [['!v*'], '', true],
    [['v[0-9]*'], 'v1', true],
    [['v[0-9]*'], 'vnext', false],
    [['V*'], 'v1', false],
  ])('%j on %j → %s', (patterns, tag, expected) => {
    expect(compileTagFilter(patterns)(tag)).toBe(expected);
  });

  test('a malformed pattern throws when compiled', () => {
    expect(() => compileTagFilter(['v[0-9'])).toThrow(/unclosed/);
  });
});

describe('labels', () => {
  test.each<[Record<string, string>, Record<string, string>, boolean]>([
    [{}, {}, true],
    [{}, { a: '1' }, true],
    [{ vendor: 'acme' }, { vendor: 'acme', x: 'y' }, true],
    [{ vendor: 'acme' }, { vendor: 'Acme' }, false],
    [{ vendor: 'acme', tier: 'prod' }, { vendor: 'acme' }, false],
    [{ toString: '' }, {}, false], // own keys only
    [{ prod: '' }, { prod: '' }, true], // a Harbor label (bare name) as the provider supplies it
  ])('required %j, artifact has %j → %s', (required, have, expected) => {
    expect(matchLabels(required, have)).toBe(expected);
  });
});

describe('resource type: one decision for listings and manifests', () => {
  const index = 'application/vnd.oci.image.index.v1+json';
  test.each<[string | undefined, string | undefined, string | undefined, 'image' | 'artifact' | undefined]>([
    [
      'application/vnd.docker.container.image.v1+json',
      'application/vnd.docker.distribution.manifest.v2+json',
      undefined,
      'image',
    ],
    ['application/vnd.oci.image.config.v1+json', 'application/vnd.oci.image.manifest.v1+json', undefined, 'image'],
    // An index without its first child's config: the listing cannot tell.
    [undefined, index, undefined, undefined],
    [undefined, 'application/vnd.docker.distribution.manifest.list.v2+json', undefined, undefined],
    // Harbor gives an index's own type as its media_type.
    [index, index, undefined, undefined],
    // An index judged by its first child's config (what the gatherer passes).
    ['application/vnd.cncf.helm.config.v1+json', index, undefined, 'artifact'],
    ['application/vnd.oci.image.config.v1+json', index, undefined, 'image'],
    [undefined, 'application/vnd.docker.distribution.manifest.v1+prettyjws', undefined, 'image'],
    ['application/vnd.cncf.helm.config.v1+json', 'application/vnd.oci.image.manifest.v1+json', undefined, 'artifact'],
    ['application/vnd.dev.cosign.artifact.sig.v1+json', undefined, undefined, 'artifact'],
    ['application/vnd.oci.empty.v1+json', 'application/vnd.oci.image.manifest.v1+json', undefined, 'artifact'],
    // An image config with an OCI 1.1 artifactType is an artifact.
    [
      'application/vnd.oci.image.config.v1+json',
      'application/vnd.oci.image.manifest.v1+json',
      'application/spdx+json',
      'artifact',
    ],
    [undefined, 'application/vnd.oci.image.manifest.v1+json', undefined, undefined],
    [undefined, undefined, undefined, undefined],
  ])('config %s, manifest %s, artifactType %s → %s', (configMediaType, mediaType, artifactType, expected) => {
    const facts = {
      ...(configMediaType ? { configMediaType } : {}),
      ...(mediaType ? { mediaType } : {}),
      ...(artifactType ? { artifactType } : {}),
    };
    expect(resourceKind(facts)).toBe(expected);
    // The listing's decision (selectTags) and the manifest's (artifactRefusal) never disagree.
    for (const resource of ['image', 'artifact'] as const) {
      const f = filters({ resource });
      const listed = selectTags([{ tag: 't', ...facts }], f).length === 1;
      const read = artifactRefusal(f, { mediaType: mediaType ?? '', ...facts, annotations: {} }, false) === undefined;
      if (expected !== undefined) expect(listed).toBe(read);
      else expect(listed).toBe(true); // left to the manifest
    }
  });

  test('an index of Helm charts listed by Harbor is left to the manifest, not dropped as an image', () => {
    const charts: TagInfo = { tag: 'charts', mediaType: index, configMediaType: index };
    expect(names(selectTags([charts], filters({ resource: 'artifact' })))).toEqual(['charts']);
  });
});

describe('semver', () => {
  test.each<[string, string | null]>([
    ['v1.2.3', '1.2.3'],
    ['1.2.3', '1.2.3'],
    ['1.2.3-rc.1', '1.2.3-rc.1'],
    ['1.2', null],
    ['latest', null],
    ['v1', null],
  ])('semverOf(%j) → %j', (tag, expected) => {
    expect(semverOf(tag)).toBe(expected);
  });

  test.each<[string, string[], string[]]>([
    ['>=1.2.0 <2.0.0', ['v1.1.9', 'v1.2.0', '1.9.9', 'v2.0.0', 'latest', '1.2'], ['v1.2.0', '1.9.9']],
    ['^1.0.0', ['1.0.0', '1.5.0-rc.1', '1.5.0'], ['1.0.0', '1.5.0']], // prereleases excluded by default
    ['>=1.5.0-rc.0 <2', ['1.5.0-rc.1', '1.5.0', '1.6.0-rc.1'], ['1.5.0-rc.1', '1.5.0']], // the range names 1.5.0 prereleases
    ['*', ['latest', 'v3.0.0'], ['v3.0.0']], // with a range set, non-semver tags are excluded
  ])('range %j keeps %j → %j', (range, input, expected) => {
    expect(names(selectTags(tags(...input), filters({ semver: range })))).toEqual(expected);
  });

  test('an invalid range is an error naming it', () => {
    expect(() => selectTags(tags('1.0.0'), filters({ semver: '>>>1' }))).toThrow(/">>>1"/);
  });
});

describe('keep latest N', () => {
  test('semver tags: by version descending, not lexically', () => {
    const out = selectTags(tags('v1.9.0', 'v1.10.0', 'v1.2.0', '1.10.1'), filters({ latest: 2 }));
    expect(names(out)).toEqual(['v1.10.0', '1.10.1']); // input order kept
    expect(names(newestFirst(tags('v1.9.0', 'v1.10.0', 'v1.2.0', '1.10.1')))).toEqual([
      '1.10.1',
      'v1.10.0',
      'v1.9.0',
      'v1.2.0',
    ]);
  });

  test('non-semver tags with creation times: newest created first', () => {
    const input: TagInfo[] = [
      { tag: 'b', created: '2024-01-02T00:00:00Z' },
      { tag: 'a', created: '2024-03-01T00:00:00Z' },
      { tag: 'c', created: '2024-01-01T00:00:00Z' },
    ];
    expect(names(selectTags(input, filters({ latest: 2 })))).toEqual(['b', 'a']);
  });

  test('no semver and no times: lexical descending', () => {
    expect(names(newestFirst(tags('2024-05-30', 'latest', '2024-06-01')))).toEqual([
      'latest',
      '2024-06-01',
      '2024-05-30',
    ]);
  });

  test('a tag that is no version among versions, without times, does not reorder the versions', () => {
    // Before: one `edge` or `latest` put every tag in code-unit order, v1.9.0 above v1.10.0 and
    // v1.11.0, and delete_remote deleted the newest releases from the mirror.
    const versions = ['v1.8.0', 'v1.9.0', 'v1.10.0', 'v1.11.0'];
    const newest3 = ['v1.9.0', 'v1.10.0', 'v1.11.0'];
    expect(names(selectTags(tags(...versions), filters({ latest: 3 })))).toEqual(newest3);
    expect(names(selectTags(tags(...versions, 'latest'), filters({ latest: 3 })))).toEqual(newest3);
    expect(names(selectTags(tags('edge', ...versions), filters({ latest: 5 })))).toEqual(['edge', ...versions]);
    // The others come after the versions, newest by tag first.
    expect(
      names(selectTags(tags('v1.0.0', 'nightly-2024-05-30', 'nightly-2024-06-01'), filters({ latest: 2 }))),
    ).toEqual(['v1.0.0', 'nightly-2024-06-01']);
  });

  test('a signature tag takes no place among the newest N, changes no order, and is left to its subject', () => {
    const sig = `sha256-${'a'.repeat(64)}.sig`;
    const dropped = noneDropped();
    const out = selectTags(
      tags('v1.8.0', 'v1.9.0', 'v1.10.0', 'v1.11.0', sig),
      filters({ latest: 3, resource: 'all' }),
      dropped,
    );
    // Not copied as a tag of its own: the signatures of the images kept travel with them.
    expect(names(out)).toEqual(['v1.9.0', 'v1.10.0', 'v1.11.0']);
    expect(dropped.latest).toBe(2);
  });

  test('applies after the other filters', () => {
    const out = selectTags(
      tags('v1.0.0', 'v2.0.0', 'v3.0.0-rc.1', 'v3.0.0', 'v4.0.0'),
      filters({ tag: ['v*', '!*-rc*'], semver: '<4', latest: 2 }),
    );
    expect(names(out)).toEqual(['v2.0.0', 'v3.0.0']);
  });

  test('latest 0 keeps nothing; more than available keeps all', () => {
    expect(selectTags(tags('a', 'b'), filters({ latest: 0 }))).toEqual([]);
    expect(names(selectTags(tags('a', 'b'), filters({ latest: 5 })))).toEqual(['a', 'b']);
  });
});

describe('selectTags: tag, labels, resource', () => {
  const image = 'application/vnd.oci.image.config.v1+json';
  const helm = 'application/vnd.cncf.helm.config.v1+json';
  const input: TagInfo[] = [
    { tag: 'prod-1', labels: { vendor: 'acme' }, configMediaType: image },
    { tag: 'prod-2', labels: { vendor: 'other' }, configMediaType: image },
    { tag: 'prod-chart', labels: { vendor: 'acme' }, configMediaType: helm },
    { tag: 'dev-1', labels: { vendor: 'acme' }, configMediaType: image },
    { tag: 'prod-unknown' }, // provider supplied neither labels nor media types
    { tag: '', configMediaType: image, labels: { vendor: 'acme' } }, // untagged
  ];

  test.each<[Partial<Filters>, string[]]>([
    [{}, ['prod-1', 'prod-2', 'prod-chart', 'dev-1', 'prod-unknown', '']],
    [{ tag: ['prod-*'] }, ['prod-1', 'prod-2', 'prod-chart', 'prod-unknown']],
    [{ tag: ['prod-*'], labels: { vendor: 'acme' } }, ['prod-1', 'prod-chart', 'prod-unknown']],
    [{ tag: ['prod-*'], resource: 'image' }, ['prod-1', 'prod-2', 'prod-unknown']],
    [{ tag: ['prod-*'], resource: 'artifact' }, ['prod-chart', 'prod-unknown']],
    [{ tag: ['*'], resource: 'image', labels: { vendor: 'acme' } }, ['prod-1', 'dev-1', 'prod-unknown', '']],
  ])('filters %j → %j', (over, expected) => {
    expect(names(selectTags(input, filters(over)))).toEqual(expected);
  });
});

describe('tag scope (what delete_remote may touch)', () => {
  test.each<[Partial<Filters>, string, boolean]>([
    [{}, 'anything', true],
    [{ tag: ['prod-*'] }, 'prod-9', true],
    [{ tag: ['prod-*'] }, 'dev-9', false],
    [{ semver: '^1' }, 'latest', false],
    [{ semver: '^1' }, 'v1.4.0', true],
    [{ latest: 1 }, 'old', true], // latest-N is not part of the scope
  ])('filters %j, destination tag %j → %s', (over, tag, expected) => {
    expect(compileTagScope(filters(over))(tag)).toBe(expected);
  });
});

describe('filtersMatchEverything', () => {
  test.each<[Partial<Filters>, boolean]>([
    [{}, true],
    [{ name: ['**'], tag: ['*'] }, true],
    [{ name: ['**', 'x/*'], tag: ['**'] }, true],
    [{ resource: 'image' }, true],
    [{ name: ['backend/**'] }, false],
    [{ name: ['*'] }, false], // * does not cross /
    [{ name: ['**', '!legacy/**'] }, false],
    [{ tag: ['v*'] }, false],
    [{ tag: ['*', '!latest'] }, false],
    [{ labels: { a: 'b' } }, false],
    [{ semver: '>=1' }, false],
    [{ latest: 3 }, false],
  ])('%j → %s', (over, expected) => {
    expect(filtersMatchEverything(filters(over))).toBe(expected);
  });
});
