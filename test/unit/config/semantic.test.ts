import { describe, expect, test } from 'vitest';
import { cronProblem, destinationRepository, formatDiagnostic, parseConfig } from '../../../src/config/index.js';

describe('Harbor destination mapping', () => {
  test.each([
    ['a/b/c/img', undefined, 1, 'a/b/c/img'],
    ['a/b/c/img', 'ns', 0, 'ns/a/b/c/img'],
    ['a/b/c/img', 'ns', 1, 'ns/b/c/img'],
    ['a/b/c/img', 'ns', 2, 'ns/c/img'],
    ['a/b/c/img', 'ns', 3, 'ns/img'],
    ['a/b/c/img', 'ns', -1, 'ns/img'],
    ['img', 'ns', 3, 'ns/img'],
    ['backend/app', 'myorg', 1, 'myorg/app'],
  ] as const)('%s with %s, flattening %i → %s', (src, ns, flat, dest) => {
    expect(destinationRepository(src, ns, flat)).toBe(dest);
  });
});

describe('cron as GitHub Actions runs it', () => {
  test.each(['0 2 * * *', '*/15 * * * *', '0 0 * * MON-FRI', '30 1 1,15 * *'])('accepts %s', (cron) => {
    expect(cronProblem(cron)).toBeUndefined();
  });
  test.each([
    [
      '0 0 2 * * *',
      'expected 5 cron fields (minute hour day-of-month month day-of-week) as GitHub Actions uses, got 6: "0 0 2 * * *"',
    ],
    ['61 * * * *', 'invalid cron "61 * * * *": invalid value for minute: 61'],
    ['0 0 L * *', 'GitHub Actions cron does not support "?", "L", "W" or "#": "0 0 L * *"'],
  ])('rejects %s', (cron, message) => {
    expect(cronProblem(cron)).toEqual({ message, severity: 'error' });
  });
});

const base = `version: 1
registries:
  harbor: { type: harbor, url: https://harbor.example.com }
  cluster1: { type: registry, url: https://cluster1.example.com }
`;

describe('two rules writing the same destination: no false positives', () => {
  const run = (rules: string) => parseConfig(`${base}rules:\n${rules}`, 'r.yaml').diagnostics.map(formatDiagnostic);

  test('different tag filters do not conflict', () => {
    expect(
      run(`  - { name: a, source: harbor, destination: cluster1, destination_namespace: m, filters: { name: x/app, tag: prod-* } }
  - { name: b, source: harbor, destination: cluster1, destination_namespace: m, filters: { name: x/app, tag: test-* } }
`),
    ).toEqual([]);
  });

  test('globs are never judged statically', () => {
    expect(
      run(`  - { name: a, source: harbor, destination: cluster1, destination_namespace: m, filters: { name: "x/**" } }
  - { name: b, source: harbor, destination: cluster1, destination_namespace: m, filters: { name: "x/**" } }
`),
    ).toEqual([]);
  });

  test('a disabled rule writes nothing', () => {
    expect(
      run(`  - { name: a, source: harbor, destination: cluster1, destination_namespace: m, filters: { name: x/app } }
  - { name: b, enabled: false, source: harbor, destination: cluster1, destination_namespace: m, filters: { name: y/app } }
`),
    ).toEqual([]);
  });

  test('flattening that maps two names onto one repository is caught', () => {
    expect(
      run(`  - { name: a, source: harbor, destination: cluster1, destination_namespace: m, filters: { name: x/app } }
  - { name: b, source: harbor, destination: cluster1, destination_namespace: m, filters: { name: y/app } }
`),
    ).toEqual([
      'r.yaml:7:98: rules[1].filters.name: rule "a" (line 6) already writes "m/app" on registry "cluster1" with the same tag filters; the two rules would overwrite each other',
    ]);
  });
});

describe('defaults', () => {
  test('a problem that comes from defaults is reported once, at defaults', () => {
    const lines = parseConfig(
      `${base}defaults:
  bandwidth: 0KiB/s
rules:
  - { name: a, source: harbor, destination: cluster1 }
  - { name: b, source: harbor, destination: cluster1, destination_namespace: b }
`,
      'r.yaml',
    ).diagnostics.map(formatDiagnostic);
    expect(lines).toEqual([
      'r.yaml:6:14: defaults.bandwidth: expected a rate above zero, like 50MiB/s, 10MB/s or 500KiB/s, or -1 for unlimited',
    ]);
  });

  test('rules inherit defaults; their own values win; filters merge key by key', () => {
    const { config } = parseConfig(
      `${base}defaults:
  concurrency: 8
  override: false
  trigger: event
  filters: { resource: all, tag: prod-* }
rules:
  - { name: a, source: harbor, destination: cluster1, destination_namespace: a }
  - { name: b, source: harbor, destination: cluster1, destination_namespace: b, concurrency: 2, filters: { tag: v* } }
`,
      'r.yaml',
    );
    const [a, b] = config!.rules;
    expect([a!.concurrency, a!.override, a!.triggers, a!.filters.resource, a!.filters.tag]).toEqual([
      8,
      false,
      [{ kind: 'event' }],
      'all',
      ['prod-*'],
    ]);
    expect([b!.concurrency, b!.filters.resource, b!.filters.tag]).toEqual([2, 'all', ['v*']]);
  });
});
