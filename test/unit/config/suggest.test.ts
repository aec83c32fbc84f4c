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
