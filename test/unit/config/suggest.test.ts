import { describe, expect, test } from 'vitest';
import { formatDiagnostic, parseConfig, suggest } from '../../../src/config/index.js';

describe('did you mean: two swapped letters are one typo', () => {
  test('tsl: suggests tls, not url', () => {
    expect(
      parseConfig(
        `version: 1
registries:
  a: { type: registry, url: https://a.example.com, tsl: { verify: false } }
rules: []
`,
        'r.yaml',
      ).diagnostics.map(formatDiagnostic),
    ).toEqual([
      'r.yaml:3:52: registries.a.tsl: unknown key "tsl", did you mean "tls"?',
      'r.yaml:4:8: warning: rules: no rules: nothing will be replicated',
    ]);
  });

  test.each([
    ['fitlers', 'filters'],
    ['destiantion', 'destination'],
    ['trigegr', 'trigger'],
  ])('%s → %s', (typo, meant) => {
    expect(suggest(typo, ['name', 'source', 'destination', 'filters', 'trigger', 'tls', 'url'])).toBe(meant);
  });

  test('between equally close words, the one with the same first letter', () => {
    // "tage" is one edit from both; a typo keeps the first letter far more often than not.
    expect(suggest('tage', ['stage', 'tag'])).toBe('tag');
    expect(suggest('tage', ['tag', 'stage'])).toBe('tag');
  });
});

describe("Harbor's names for a rule's settings", () => {
  const diagnostics = (extra: string) =>
    parseConfig(
      `version: 1
registries:
  src: { type: registry, url: https://src.example.com }
  hub: { type: dockerhub }
rules:
  - { name: r, source: src, destination: hub, filters: { name: "team/**" }, ${extra} }
`,
      'r.yaml',
    ).diagnostics.map(formatDiagnostic);

  test.each([
    // Before: no suggestion, and the Docker Hub error asked for the namespace the line sets.
    ['dest_namespace: myorg', 'destination_namespace'],
    // Before: "did you mean name", which the rule already has.
    ['namespace: myorg', 'destination_namespace'],
    ['dest_namespace_replace_count: 1, destination_namespace: myorg', 'flattening'],
  ])('%s → %s, one error', (extra, meant) => {
    const found = diagnostics(extra);
    expect(found).toHaveLength(1);
    expect(found[0]).toMatch(new RegExp(`unknown key "\\w+", did you mean "${meant}"\\?$`));
  });

  test.each([
    ['speed: 1024', 'bandwidth'],
    ['replicate_deletion: true', 'delete_remote'],
  ])('%s → %s', (extra, meant) => {
    expect(diagnostics(`destination_namespace: myorg, ${extra}`)).toEqual([
      expect.stringContaining(`did you mean "${meant}"?`),
    ]);
  });
});

describe('top-level x- keys hold values to reuse, as in docker compose', () => {
  test('an x- key is ignored, and the rules merging it load; other unknown keys still get a "did you mean"', () => {
    const text = `version: 1
x-common: &common
  source: src
  destination: dst
x-release-tags: &tags [v*, "!*-rc*"]
registries:
  src: { type: registry, url: https://src.example.com }
  dst: { type: registry, url: https://dst.example.com }
rules:
  - <<: *common
    name: r1
    filters: { name: a/**, tag: *tags }
  - <<: *common
    name: r2
    destination_namespace: m
`;
    const { config, diagnostics } = parseConfig(text, 'r.yaml');
    expect(diagnostics).toEqual([]);
    expect(config?.rules.map((r) => [r.name, r.source, r.destination, r.filters.tag])).toEqual([
      ['r1', 'src', 'dst', ['v*', '!*-rc*']],
      ['r2', 'src', 'dst', []],
    ]);
    expect(parseConfig(`${text}regsitries: {}\nX-common: 1\n`, 'r.yaml').diagnostics.map(formatDiagnostic)).toEqual([
      'r.yaml:16:1: regsitries: unknown key "regsitries", did you mean "registries"?',
      'r.yaml:17:1: X-common: unknown key "X-common"; a top-level key ferry ignores starts with "x-", in lower case: write x-common',
    ]);
  });
});
