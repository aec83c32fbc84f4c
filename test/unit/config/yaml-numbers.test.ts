import { describe, expect, test } from 'vitest';
import { formatDiagnostic, parseConfig, replicationSchema } from '../../../src/config/index.js';
import { MAX_BANDWIDTH, MAX_BLOB_SIZE_LIMIT } from '../../../src/config/bandwidth.js';
import { LISTING_MAX_ENTRIES } from '../../../src/registry/client.js';
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

  test('a max_blob_size too large to count is too large, not too small', () => {
    expect(run(`    max_blob_size: 999999999999999999999999\n`)).toEqual([
      'r.yaml:9:20: rules[0].max_blob_size: too large: expected a size from 1 byte to 1TiB (1099511627776 bytes), like 100GiB (the default is 16GiB)',
    ]);
  });

  test('latest: 1e400 is infinity to YAML', () => {
    expect(run(`    filters: { latest: 1e400 }\n`)).toEqual([
      'r.yaml:9:24: rules[0].filters.latest: expected a whole number of tags from 1 to 1000000 (the most ferry reads from one tag list), got a number too large to hold (YAML reads it as infinity)',
    ]);
  });
});

describe('every number has a maximum, and the error says the allowed range', () => {
  test('huge numbers, with or without a unit, are errors, not silently rounded', () => {
    expect(
      diagnosticsOf(`version: 1
registries:
  src: { type: registry, url: https://src.example.com }
  dst: { type: registry, url: https://dst.example.com }
  hub: { type: dockerhub, options: { namespace: acme, rate_limit_reserve: 99999999999999999999 } }
rules:
  - name: r1
    source: src
    destination: dst
    delete_remote: { enabled: true, max: 99999999999999999999 }
    filters: { latest: 1000001 }
    max_blob_size: 2TiB
  - name: r2
    source: src
    destination: dst
    destination_namespace: x
    max_blob_size: "99999999999999999999"
    bandwidth: 99999999999999999999GiB/s
`),
    ).toEqual([
      "r.yaml:5:75: registries.hub.options.rate_limit_reserve: expected a whole number of pulls to leave unused from 0 to 10000 (a reserve at or above Docker Hub's quota defers every pull)",
      'r.yaml:10:42: rules[0].delete_remote.max: expected a whole number from 1 to 1000000',
      'r.yaml:11:24: rules[0].filters.latest: expected a whole number of tags from 1 to 1000000 (the most ferry reads from one tag list)',
      'r.yaml:12:20: rules[0].max_blob_size: too large: expected a size from 1 byte to 1TiB (1099511627776 bytes), like 100GiB (the default is 16GiB)',
      'r.yaml:17:20: rules[1].max_blob_size: too large: expected a size from 1 byte to 1TiB (1099511627776 bytes), like 100GiB (the default is 16GiB)',
      'r.yaml:18:16: rules[1].bandwidth: too high: expected a rate from 1B/s to 1TiB/s (far above any network link), like 50MiB/s, or -1 for unlimited',
    ]);
  });

  test('a value below the minimum gets the same range as one above the maximum', () => {
    expect(
      diagnosticsOf(`version: 1
registries:
  src: { type: registry, url: https://src.example.com }
  dst: { type: registry, url: https://dst.example.com }
  hub: { type: dockerhub, options: { namespace: acme, rate_limit_reserve: -1 } }
rules:
  - name: r1
    source: src
    destination: dst
    delete_remote: { enabled: true, max: 0 }
    filters: { latest: 0 }
    max_blob_size: 0
    concurrency: 0
  - name: r2
    source: src
    destination: dst
    destination_namespace: x
    max_blob_size: 0MB
    bandwidth: 0KiB/s
`),
    ).toEqual([
      "r.yaml:5:75: registries.hub.options.rate_limit_reserve: expected a whole number of pulls to leave unused from 0 to 10000 (a reserve at or above Docker Hub's quota defers every pull)",
      'r.yaml:10:42: rules[0].delete_remote.max: expected a whole number from 1 to 1000000',
      'r.yaml:11:24: rules[0].filters.latest: expected a whole number of tags from 1 to 1000000 (the most ferry reads from one tag list)',
      'r.yaml:12:20: rules[0].max_blob_size: expected a size from 1 byte to 1TiB (1099511627776 bytes), like 10GiB or 500MB, or a number of bytes',
      'r.yaml:13:18: rules[0].concurrency: expected a whole number from 1 to 64',
      'r.yaml:18:20: rules[1].max_blob_size: expected a size from 1 byte to 1TiB (1099511627776 bytes), like 10GiB or 500MB, or a number of bytes',
      'r.yaml:19:16: rules[1].bandwidth: expected a rate from 1B/s to 1TiB/s, like 50MiB/s, 10MB/s or 500KiB/s, or -1 for unlimited',
    ]);
  });

  test('every bounded number says its whole range, whether too low, too high or not a whole number', () => {
    const messages: string[] = [];
    const walk = (node: unknown, parent: Record<string, unknown> | undefined, at: string): void => {
      if (node === null || typeof node !== 'object') return;
      const n = node as Record<string, unknown>;
      if (typeof n.minimum === 'number' && typeof n.maximum === 'number') {
        // The x-error of the number, or of the value it is a branch of (`then` of `if: { type: integer }`).
        const says = (keyword: string): string | undefined => {
          for (const x of [n['x-error'], parent?.['x-error']]) {
            if (typeof x === 'string') return x;
            const m = (x as Record<string, unknown> | undefined)?.[keyword];
            if (typeof m === 'string') return m;
          }
          return undefined;
        };
        for (const keyword of n.type !== undefined ? ['type', 'minimum', 'maximum'] : ['minimum', 'maximum']) {
          const message = says(keyword) ?? '(none)';
          if (!message.includes(`from ${n.minimum} `) || !message.includes(`${n.maximum}`))
            messages.push(`${at} ${keyword}: ${message}`);
        }
      }
      for (const [k, v] of Object.entries(n)) if (!['examples', 'default'].includes(k)) walk(v, n, `${at}/${k}`);
    };
    walk(replicationSchema, undefined, '#');
    expect(messages).toEqual([]);
  });

  test('the largest values load; a size or rate that rounds to 0 bytes is not one', () => {
    const { config } = parseConfig(
      `version: 1
registries:
  src: { type: registry, url: https://src.example.com }
  hub: { type: dockerhub, options: { namespace: acme, rate_limit_reserve: 10000 } }
rules:
  - name: r1
    source: src
    destination: hub
    destination_namespace: acme
    delete_remote: { max: 1000000 }
    filters: { latest: 1000000 }
    max_blob_size: 1TiB
    bandwidth: 1TiB/s
`,
      'r.yaml',
    );
    expect(config?.rules[0]).toMatchObject({
      deleteRemote: { max: 1_000_000 },
      filters: { latest: 1_000_000 },
      maxBlobSize: MAX_BLOB_SIZE_LIMIT,
      bandwidth: MAX_BANDWIDTH,
    });
    expect(run(`    max_blob_size: 0.4B\n    bandwidth: 0.4B/s\n`)).toEqual([
      'r.yaml:9:20: rules[0].max_blob_size: expected a size from 1 byte to 1TiB (1099511627776 bytes), like 10GiB or 500MB, or a number of bytes',
      'r.yaml:10:16: rules[0].bandwidth: expected a rate from 1B/s to 1TiB/s, like 50MiB/s, 10MB/s or 500KiB/s, or -1 for unlimited',
    ]);
  });

  test('every number the schema takes has a maximum, below what a number holds exactly', () => {
    const found: string[] = [];
    const walk = (node: unknown, at: string): void => {
      if (node === null || typeof node !== 'object') return;
      const n = node as Record<string, unknown>;
      const types = ([] as unknown[]).concat(n.type ?? []);
      if ((types.includes('integer') || types.includes('number')) && n.const === undefined && n.enum === undefined) {
        // A number's own bounds may sit in the branch the number takes (`if: { type: integer }`).
        const then = n.if && (n.if as { type?: unknown }).type === 'integer' ? (n.then as Record<string, unknown>) : n;
        found.push(`${at}: ${typeof then.maximum === 'number' ? then.maximum : then.const}`);
      }
      // `if: { type: integer }` is a test of the value, not a value of its own.
      for (const [k, v] of Object.entries(n)) if (!['examples', 'default', 'if'].includes(k)) walk(v, `${at}/${k}`);
    };
    walk(replicationSchema, '#');
    expect(found).toEqual([
      // A label value YAML read as a number is compared as text; one it did not read back as written is an error.
      '#/$defs/filters/properties/labels/additionalProperties: undefined',
      `#/$defs/filters/properties/latest: ${LISTING_MAX_ENTRIES}`,
      '#/$defs/flattening: 3',
      '#/$defs/deleteRemote/then/properties/max: 1000000',
      '#/$defs/bandwidth: -1',
      `#/$defs/maxBlobSize: ${MAX_BLOB_SIZE_LIMIT}`,
      '#/$defs/concurrency: 64',
      '#/$defs/dockerhubOptions/properties/rate_limit_reserve: 10000',
    ]);
    expect(MAX_BLOB_SIZE_LIMIT).toBeLessThan(Number.MAX_SAFE_INTEGER);
  });
});
