import { describe, expect, test } from 'vitest';
import { ALL_STATUSES, buildReport, parseReport, serializeReport } from '../../../src/report/json.js';
import type { Result, ResultStatus } from '../../../src/replicate/result.js';
import { verdict } from '../../../src/report/outcome.js';

function result(tag: string, status: ResultStatus, extra: Partial<Result> = {}): Result {
  return {
    rule: 'nginx',
    source: `docker.io/library/nginx:${tag}`,
    destination: `ghcr.io/acme/nginx:${tag}`,
    tag,
    status,
    bytes: 10,
    blobs: { copied: 1, mounted: 0, present: 0 },
    durationMs: 12.5,
    retries: 0,
    ...extra,
  };
}

const results = [
  result('1', 'copied', { sourceDigest: 'sha256:aa' }),
  result('2', 'copied'),
  result('3', 'failed', {
    error: { kind: 'denied', message: 'no', hint: 'grant', status: 403, codes: ['DENIED'] },
  }),
  result('4', 'unchanged', { reason: 'same digest' }),
];
const report = buildReport({
  command: 'run',
  dryRun: false,
  startedAt: new Date('2025-01-01T00:00:00Z'),
  finishedAt: new Date('2025-01-01T00:01:00Z'),
  results,
  ruleErrors: [{ rule: 'redis', message: 'listing failed' }],
  shard: { index: 1, total: 3 },
  version: '1.2.3',
});

describe('buildReport', () => {
  test('counts every status, zeros included', () => {
    expect(Object.keys(report.totals).sort()).toEqual([...ALL_STATUSES].sort());
    for (const s of ALL_STATUSES) expect(report.totals[s]).toBe(results.filter((r) => r.status === s).length);
  });

  test('records dates as ISO strings and the tool version', () => {
    expect(report.startedAt).toBe('2025-01-01T00:00:00.000Z');
    expect(report.tool).toEqual({ name: 'ferry', version: '1.2.3' });
    expect(report.schemaVersion).toBe(1);
  });
});

describe('serializeReport / parseReport', () => {
  test('round-trips', () => {
    expect(parseReport(serializeReport(report))).toEqual(report);
  });

  test('a report of a ferry before the referrers or platforms stage reads as leaving none out there', () => {
    const selection = {
      repositories: { listed: 2, matched: 1 },
      tags: { listed: 3, selected: 2 },
      dropped: { name: 1, tag: 1, semver: 0, latest: 0, labels: 0, resource: 0 },
    };
    const text = JSON.stringify({ ...JSON.parse(serializeReport(report)), selection: { mirror: selection } });
    // Before (review): a report of the ferry before the platforms stage could not be read back.
    expect(parseReport(text).selection?.mirror?.dropped).toEqual({ ...selection.dropped, referrers: 0, platforms: 0 });
  });

  test('a selection’s signature count is read back, and refused when it is not a count', () => {
    const selection = {
      repositories: { listed: 2, matched: 1 },
      tags: { listed: 3, selected: 2, signatures: 1 },
      dropped: { name: 1, referrers: 0, tag: 1, semver: 0, latest: 0, labels: 0, resource: 0, platforms: 0 },
    };
    const base = JSON.parse(serializeReport(report)) as Record<string, unknown>;
    const read = (tags: unknown) =>
      parseReport(JSON.stringify({ ...base, selection: { mirror: { ...selection, tags } } }));
    expect(read(selection.tags).selection?.mirror?.tags.signatures).toBe(1);
    // Before, "x" was taken, and merging two shards' reports printed "and xx signature tags".
    expect(() => read({ ...selection.tags, signatures: 'x' })).toThrow(/selection\.mirror/);
    expect(() => read({ ...selection.tags, signatures: -2 })).toThrow(/selection\.mirror/);
  });

  test('is stable: same report, same text, 2-space indent', () => {
    const shuffled = {
      ...report,
      results: report.results.map((r) => Object.fromEntries(Object.entries(r).reverse())),
    };
    const text = serializeReport(report);
    expect(serializeReport(shuffled as typeof report)).toBe(text);
    expect(text.split('\n')[1]).toBe('  "schemaVersion": 1,');
    expect(text.endsWith('}\n')).toBe(true);
  });

  test('a shard report read back judges a tag a filter left out as the shard did: not a warning', () => {
    const shard = buildReport({
      command: 'run',
      dryRun: false,
      startedAt: new Date('2025-01-01T00:00:00Z'),
      finishedAt: new Date('2025-01-01T00:01:00Z'),
      results: [result('5', 'skipped', { reason: 'not an image (resource filter)', why: 'filtered-resource' })],
      ruleErrors: [],
      shard: { index: 1, total: 2 },
      version: '1.2.3',
    });
    const merged = parseReport(serializeReport(shard));
    expect(merged.results[0]!.why).toBe('filtered-resource');
    expect(verdict(merged, { failOn: 'warning' })).toEqual({ status: 'succeeded', failsStep: false });
  });

  test('recounts totals on read', () => {
    const data = JSON.parse(serializeReport(report));
    data.totals.copied = 99;
    expect(parseReport(JSON.stringify(data)).totals.copied).toBe(2);
  });

  // biome-ignore lint/suspicious/noExplicitAny: tests poke at arbitrary JSON
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const mutate = (f: (d: Record<string, any>) => void) => {
    const d = JSON.parse(serializeReport(report));
    f(d);
    return JSON.stringify(d);
  };

  test.each([
    ['not JSON', '{nope', /not valid JSON/],
    ['an array', '[]', /must be a JSON object/],
    ['a newer schemaVersion', mutate((d) => (d.schemaVersion = 2)), /unsupported ferry report schemaVersion 2/],
    ['no schemaVersion', mutate((d) => delete d.schemaVersion), /schemaVersion undefined/],
    ['a bad command', mutate((d) => (d.command = 'apply')), /command: expected "plan" or "run"/],
    ['a bad status', mutate((d) => (d.results[0].status = 'done')), /results\[0\]\.status: expected one of/],
    ['a missing destination', mutate((d) => delete d.results[2].destination), /results\[2\]\.destination/],
    ['bad blobs', mutate((d) => (d.results[1].blobs = {})), /results\[1\]\.blobs/],
    ['a bad date', mutate((d) => (d.startedAt = 'yesterday')), /startedAt: expected an ISO date/],
    ['a bad shard', mutate((d) => (d.shard = { index: 0, total: 3 })), /shard: expected/],
    ['an unknown total', mutate((d) => (d.totals.exploded = 1)), /totals\.exploded: unknown status/],
    ['no results', mutate((d) => delete d.results), /results: expected an array/],
  ])('rejects %s with a clear error', (_name, text, message) => {
    expect(() => parseReport(text)).toThrow(message);
  });

  test('lists several problems at once', () => {
    const text = mutate((d) => {
      d.command = 'x';
      d.dryRun = 'no';
    });
    expect(() => parseReport(text)).toThrow(/2 problems[\s\S]*command[\s\S]*dryRun/);
  });
});
