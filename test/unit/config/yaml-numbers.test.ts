import { describe, expect, test } from 'vitest';
import { formatDiagnostic, parseConfig } from '../../../src/config/index.js';
import { diagnosticsOf, TWO_REGISTRIES } from '../../support/rules-file.js';

const run = (rule: string) =>
  diagnosticsOf(`${TWO_REGISTRIES}  - name: r1
    source: src
    destination: dst
${rule}`);

describe('a number YAML read where a string is meant: what it read, as written, and to quote it', () => {
  test('tags 1.10 and 2.0 are the numbers 1.1 and 2', () => {
    expect(run(`    filters:\n      tag: [1.10, 2.0]\n`)).toEqual([
      'r.yaml:10:13: rules[0].filters.tag[0]: YAML read 1.10 as the number 1.1; quote it: "1.10"',
      'r.yaml:10:19: rules[0].filters.tag[1]: YAML read 2.0 as the number 2; quote it: "2.0"',
    ]);
  });

  test('a name filter, and a namespace that YAML kept as written', () => {
    expect(run(`    destination_namespace: 2024\n    filters:\n      name: 1.10\n`)).toEqual([
      'r.yaml:9:28: rules[0].destination_namespace: YAML read 2024 as a number; quote it: "2024"',
      'r.yaml:11:13: rules[0].filters.name: YAML read 1.10 as the number 1.1; quote it: "1.10"',
    ]);
  });

  test('where quoting would not help, the expectation stays (a cron is never one number)', () => {
    expect(run(`    trigger: { schedule: 5 }\n`)).toEqual([
      'r.yaml:9:26: rules[0].trigger.schedule: expected a cron string in quotes, like "0 2 * * *", got a whole number',
    ]);
  });
});

describe('label values are compared as text', () => {
  test('a value YAML read as a different number is an error, not a silent "1.1"', () => {
    expect(
      run(`    filters:\n      labels: { org.opencontainers.image.version: 1.10, build: 010, major: 2, ok: true }\n`),
    ).toEqual([
      'r.yaml:10:51: rules[0].filters.labels["org.opencontainers.image.version"]: YAML read 1.10 as the number 1.1, and a label value is compared as text; quote it: "1.10"',
      'r.yaml:10:64: rules[0].filters.labels.build: YAML read 010 as the number 10, and a label value is compared as text; quote it: "010"',
    ]);
  });

  test('one YAML reads back as written still loads, as text', () => {
    const { config } = parseConfig(
      `version: 1
registries:
  src: { type: registry, url: https://src.example.com }
  dst: { type: registry, url: https://dst.example.com }
rules:
  - { name: r1, source: src, destination: dst, filters: { labels: { major: 2, ok: true } } }
`,
      'r.yaml',
    );
    expect(config?.rules[0]?.filters.labels).toEqual({ major: '2', ok: 'true' });
  });
});

describe('a number in quotes, and numbers too large', () => {
  test('version: "1" and concurrency: "4" say to drop the quotes', () => {
    expect(
      parseConfig(
        `version: "1"
registries:
  src: { type: registry, url: https://src.example.com }
  dst: { type: registry, url: https://dst.example.com }
rules:
  - { name: r1, source: src, destination: dst, concurrency: "4" }
`,
        'r.yaml',
      ).diagnostics.map(formatDiagnostic),
    ).toEqual([
      'r.yaml:1:10: version: "1" is a string here, in quotes; write 1 without the quotes',
      'r.yaml:6:61: rules[0].concurrency: "4" is a string here, in quotes; write 4 without the quotes',
    ]);
  });

  test('a max_blob_size too large to count is not "expected a size above zero"', () => {
    expect(run(`    max_blob_size: 999999999999999999999999\n`)).toEqual([
      'r.yaml:9:20: rules[0].max_blob_size: too large: at most 9007199254740991 bytes (8 PiB) can be counted exactly; write a size like 100GiB (the default is 16GiB)',
    ]);
  });

  test('latest: 1e400 is infinity to YAML', () => {
    expect(run(`    filters: { latest: 1e400 }\n`)).toEqual([
      'r.yaml:9:24: rules[0].filters.latest: expected a whole number of tags, 1 or more, got a number too large to hold (YAML reads it as infinity)',
    ]);
  });
});
