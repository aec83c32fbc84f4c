import { describe, expect, test } from 'vitest';
import { diagnosticsOf, TWO_REGISTRIES } from '../../support/rules-file.js';

const run = diagnosticsOf;
const head = TWO_REGISTRIES;

describe('YAML problems in different rules are reported in one run', () => {
  test('a syntax error, an alias to nothing and a schema error, each in its own rule', () => {
    expect(
      run(`${head}  - name: r1
    source: src
    destination: dst
    filters: { name: * }
  - name: r2
    source: src
    destination: dst
    destination_namespace: *ns
  - name: r3
    source: src
    destination: dst
    concurency: 3
`),
    ).toEqual([
      'r.yaml:9:22: rules[0].filters.name: * is read as a YAML alias because it starts with "*"; quote it: "*"',
      'r.yaml:13:28: rules[1].destination_namespace: no anchor &ns is defined before line 13; mark the value to reuse with &ns, or quote *ns if it is meant as text',
      'r.yaml:17:5: rules[2].concurency: unknown key "concurency", did you mean "concurrency"?',
    ]);
  });

  test('a rule YAML could not read says nothing more, and causes nothing in the others', () => {
    // r2 would be an overwrite of r1 and a duplicate name, if r1 could be read.
    expect(
      run(`${head}  - { name: r1, source: src, destination: dst, destination_namespace: *ns }
  - { name: r1, source: src, destination: dst, concurrency: 0 }
`),
    ).toEqual([
      'r.yaml:6:71: rules[0].destination_namespace: no anchor &ns is defined before line 6; mark the value to reuse with &ns, or quote *ns if it is meant as text',
      'r.yaml:7:61: rules[1].concurrency: expected a whole number from 1 to 64',
    ]);
  });
});

describe('aliases without an anchor', () => {
  test('a merge of an undefined anchor: a clean path, and no "quote it"', () => {
    expect(
      run(`${head}  - <<: *common
    name: r1
`),
    ).toEqual([
      'r.yaml:6:9: rules[0].<<: no anchor &common is defined before line 6; mark the value to reuse with &common, or quote *common if it is meant as text',
    ]);
  });

  test('an alias before its anchor says where the anchor is', () => {
    expect(
      run(`${head}  - { name: r1, source: src, destination: dst, filters: *f }
  - { name: r2, source: src, destination: dst, destination_namespace: x, filters: &f { name: "a/**" } }
`),
    ).toEqual([
      'r.yaml:6:57: rules[0].filters: the anchor &f is defined at line 7, after its alias: YAML needs the anchor first; move it above line 6',
    ]);
  });
});

describe('an unclosed quote or bracket is told where it opens, and the rest is still checked', () => {
  test('a quote left open: its line, not the end of the file, and the next rules are checked', () => {
    expect(
      run(`${head}  - name: "r1
    source: src
    destination: dst
  - name: r2
    source: src
    destination: dst
    concurency: 3
`),
    ).toEqual([
      'r.yaml:6:11: rules[0].name: this " is not closed on its line, so YAML reads the lines after it, up to line 12, as part of the string; add the closing "',
      'r.yaml:12:5: rules[1].concurency: unknown key "concurency", did you mean "concurrency"?',
    ]);
  });

  test('a list left open on its line', () => {
    expect(
      run(`${head}  - name: r1
    source: src
    destination: dst
    filters:
      tag: [v*, latest
  - name: r2
    source: src
    destination: src
`),
    ).toEqual([
      'r.yaml:10:12: rules[0].filters.tag: this [ is not closed on its line, so YAML reads the lines after it, up to line 11, as part of the list; add the closing ]',
      'r.yaml:13:18: rules[1].destination: source and destination are the same registry ("src") and no destination_namespace is set: the rule would replicate onto itself',
    ]);
  });

  test('a quote left open inside a one-line flow map: one error, at the quote, not a } left open too', () => {
    expect(
      run(`version: 1
registries:
  src: { type: registry, url: https://src.example.com }
  dst: { type: registry, url: "https://dst.example.com }
rules:
  - name: r1
    source: src
    destination: nowhere
`),
    ).toEqual([
      'r.yaml:4:31: registries.dst.url: this " is not closed on its line, so YAML reads the lines after it, up to line 8, as part of the string; add the closing "',
      'r.yaml:8:18: rules[0].destination: unknown registry "nowhere"; registries defined: src, dst',
    ]);
  });

  test('a quote left open inside a flow list in a flow map, with a comment after them', () => {
    expect(
      run(`${head}  - { name: r1, source: src, destination: dst, filters: { tag: [x, 'y] } }   # tags
  - name: r2
    source: src
    destination: src
`),
    ).toEqual([
      "r.yaml:6:68: rules[0].filters.tag[1]: this ' is not closed on its line, so YAML reads the lines after it, up to line 9, as part of the string; add the closing '",
      'r.yaml:9:18: rules[1].destination: source and destination are the same registry ("src") and no destination_namespace is set: the rule would replicate onto itself',
    ]);
  });
});

describe('YAML problems at the top level and in defaults leave only their own part out', () => {
  test('a top-level key, a default and a rule: every problem in one run', () => {
    expect(
      run(`$schema: "https://example.com/replication.schema.json
version: 1
defaults:
  trigger: !daily
  concurrency: 8
registries:
  src: { type: registry, url: https://src.example.com }
  dst: { type: registry, url: https://dst.example.com }
rules:
  - { name: r1, source: src, destination: dst, concurency: 3 }
  - { name: r2, source: src, destination: nowhere }
`),
    ).toEqual([
      'r.yaml:1:10: $schema: this " is not closed on its line, so YAML reads the lines after it, up to line 11, as part of the string; add the closing "',
      'r.yaml:4:12: defaults.trigger: !daily is read as a YAML tag because it starts with "!"; quote it: "!daily"',
      'r.yaml:10:48: rules[0].concurency: unknown key "concurency", did you mean "concurrency"?',
      'r.yaml:11:43: rules[1].destination: unknown registry "nowhere"; registries defined: src, dst',
    ]);
  });

  test('version: an alias to nothing, and the rules are still checked', () => {
    expect(
      run(`version: *v
registries:
  src: { type: registry, url: https://src.example.com }
rules:
  - { name: r1, source: src, destination: src }
`),
    ).toEqual([
      'r.yaml:1:10: version: no anchor &v is defined before line 1; mark the value to reuse with &v, or quote *v if it is meant as text',
      'r.yaml:5:43: rules[0].destination: source and destination are the same registry ("src") and no destination_namespace is set: the rule would replicate onto itself',
    ]);
  });

  test('a default YAML could not read causes nothing in the rules that take it; the other defaults still apply', () => {
    // Without the namespace from defaults, r1 would be "Docker Hub accepts only namespace/name".
    expect(
      run(`version: 1
defaults:
  destination_namespace: *ns
  trigger: [event
registries:
  src: { type: registry, url: https://src.example.com }
  hub: { type: dockerhub }
rules:
  - { name: r1, source: src, destination: hub }
  - { name: r2, source: src, destination: hub, destination_namespace: a/b }
`),
    ).toEqual([
      'r.yaml:3:26: defaults.destination_namespace: no anchor &ns is defined before line 3; mark the value to reuse with &ns, or quote *ns if it is meant as text',
      'r.yaml:4:12: defaults.trigger: this [ is not closed; add the closing ]',
      'r.yaml:10:71: rules[1].destination_namespace: Docker Hub has a single namespace level: use your user or organisation name, without "/"',
    ]);
  });

  test('a schema error in one default leaves the others applied', () => {
    expect(
      run(`version: 1
defaults:
  concurrency: 0
  destination_namespace: acme
registries:
  src: { type: registry, url: https://src.example.com }
  hub: { type: dockerhub }
rules:
  - { name: r1, source: src, destination: hub }
`),
    ).toEqual(['r.yaml:3:16: defaults.concurrency: expected a whole number from 1 to 64']);
  });

  test('where the file cannot be read for sure, the YAML problem is the only one', () => {
    // `oops` on a line of its own is read with the next line as one key: "oops dst", "oops rules".
    for (const [at, before, after] of [
      ['4:3', '  oops\n', ''],
      ['6:1', '', 'oops\n'],
    ]) {
      expect(
        run(`version: 1
registries:
  src: { type: registry, url: https://src.example.com }
${before}  dst: { type: registry, url: https://dst.example.com }
  hub: { type: dockerhub }
${after}rules:
  - { name: r1, source: src, destination: dst, concurency: 3 }
`),
      ).toEqual([`r.yaml:${at}: YAML syntax error: Implicit keys need to be on a single line`]);
    }
  });
});
