import { describe, expect, test } from 'vitest';
import { diagnosticsOf, TWO_REGISTRIES } from '../../support/rules-file.js';

const head = TWO_REGISTRIES;
const run = (rules: string) => diagnosticsOf(`${head}${rules}`);

describe('a pattern YAML reads as something else is one error: quote it', () => {
  test('an unquoted brace glob is read as a map: one error, not "missing regex" and two unknown keys', () => {
    expect(
      run(`  - name: r1
    source: src
    destination: dst
    filters:
      tag: {latest,stable}
`),
    ).toEqual([
      'r.yaml:10:12: rules[0].filters.tag: {latest,stable} was read as a YAML map (a value that starts with "{" is one); quote it: "{latest,stable}"',
    ]);
  });

  test('a brace glob with more after it, and one as a list item', () => {
    expect(
      run(`  - name: r1
    source: src
    destination: dst
    filters:
      name: {v1,v2}/app   # both
      tag: [x, {a,b}]
`),
    ).toEqual([
      'r.yaml:10:13: rules[0].filters.name: {v1,v2}/app was read as a YAML map (a value that starts with "{" is one); quote it: "{v1,v2}/app"',
      'r.yaml:11:16: rules[0].filters.tag[1]: {a,b} was read as a YAML map (a list item that starts with "{" is one); quote it: "{a,b}"',
    ]);
  });

  test('a class inside a flow list: quote each pattern, instead of two YAML syntax errors', () => {
    expect(
      run(`  - name: r1
    source: src
    destination: dst
    filters:
      tag: [v[0-9]*, latest]
`),
    ).toEqual([
      'r.yaml:10:12: rules[0].filters.tag: YAML cannot read [v[0-9]*, latest] as a list of patterns ("[", "{" and "*" inside it are YAML syntax); quote each pattern: ["v[0-9]*", "latest"]',
    ]);
  });

  test.each([
    ['*', 'r.yaml:10:13: rules[0].filters.name: * is read as a YAML alias because it starts with "*"; quote it: "*"'],
    [
      '**',
      'r.yaml:10:13: rules[0].filters.name: ** is read as a YAML alias because it starts with "*"; quote it: "**"',
    ],
  ])('name: %s is an alias to YAML: quote it', (pattern, message) => {
    expect(run(`  - name: r1\n    source: src\n    destination: dst\n    filters:\n      name: ${pattern}\n`)).toEqual([
      message,
    ]);
  });

  test('the pattern put back is not warned about as well: one error at the filter', () => {
    expect(run(`  - { name: r1, source: src, destination: dst, filters: { tag: {a,b}/x } }\n`)).toEqual([
      'r.yaml:6:64: rules[0].filters.tag: {a,b}/x was read as a YAML map (a value that starts with "{" is one); quote it: "{a,b}/x"',
    ]);
    expect(run(`  - { name: r1, source: src, destination: dst, filters: { tag: [x, { latest: }] } }\n`)).toEqual([
      'r.yaml:6:68: rules[0].filters.tag[1]: { latest: } was read as a YAML map (a list item that starts with "{" is one); quote it: "{ latest: }"',
    ]);
  });

  test('the rest of the rule is still checked beside a trap', () => {
    expect(
      run(`  - name: r1
    source: src
    destination: nowhere
    filters:
      tag: {latest,stable}
`),
    ).toEqual([
      expect.stringMatching(/^r\.yaml:8:18: rules\[0\]\.destination: /),
      'r.yaml:10:12: rules[0].filters.tag: {latest,stable} was read as a YAML map (a value that starts with "{" is one); quote it: "{latest,stable}"',
    ]);
  });
});

describe('a regex or exclude map missing its value is not a brace glob', () => {
  test.each([
    [
      '{ regex: }',
      'r.yaml:10:21: rules[0].filters.tag.regex: expected a regular expression (a string), got nothing (an empty value)',
    ],
    [
      '{ regex }',
      'r.yaml:10:14: rules[0].filters.tag.regex: expected a regular expression (a string), got nothing (an empty value)',
    ],
    [
      '[x, { regex: }]',
      'r.yaml:10:25: rules[0].filters.tag[1].regex: expected a regular expression (a string), got nothing (an empty value)',
    ],
  ])('tag: %s says the regex is empty, not "quote it"', (value, message) => {
    expect(run(`  - name: r1\n    source: src\n    destination: dst\n    filters:\n      tag: ${value}\n`)).toEqual([
      message,
    ]);
  });

  test('tag: { exclude } says what the map is missing', () => {
    expect(run(`  - name: r1\n    source: src\n    destination: dst\n    filters:\n      tag: { exclude }\n`)).toEqual([
      'r.yaml:10:12: rules[0].filters.tag: missing required key "regex"',
      'r.yaml:10:14: rules[0].filters.tag.exclude: expected true or false, got nothing (an empty value)',
    ]);
  });
});
