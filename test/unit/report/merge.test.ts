import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import type { Selection } from '../../../src/plan/types.js';
import { buildReport, parseReport, writeReport } from '../../../src/report/json.js';
import { renderSummary } from '../../../src/report/summary.js';
import { dirPerTest } from '../../support/engine.js';
import { mergeReports, SHARDS_RULE } from '../../../src/report/merge.js';
import type { Result, ResultStatus, RunReport } from '../../../src/replicate/result.js';

function result(tag: string, status: ResultStatus): Result {
  return {
    rule: 'r',
    destination: `ghcr.io/acme/x:${tag}`,
    tag,
    status,
    bytes: 1,
    blobs: { copied: 1, mounted: 0, present: 0 },
    durationMs: 1,
    retries: 0,
  };
}

function shard(index: number, total: number, start: string, end: string, statuses: ResultStatus[]): RunReport {
  return buildReport({
    command: 'run',
    dryRun: false,
    startedAt: new Date(start),
    finishedAt: new Date(end),
    results: statuses.map((s, i) => result(`${index}-${i}`, s)),
    ruleErrors: index === 2 ? [{ rule: 'r', message: 'listing failed on shard 2' }] : [],
    shard: { index, total },
    version: '1.0.0',
  });
}

const shards = [
  shard(3, 3, '2025-01-01T00:00:05Z', '2025-01-01T00:09:00Z', ['copied', 'failed']),
  shard(1, 3, '2025-01-01T00:00:01Z', '2025-01-01T00:05:00Z', ['copied', 'unchanged', 'unchanged']),
  shard(2, 3, '2025-01-01T00:00:03Z', '2025-01-01T00:07:00Z', ['deleted']),
];

const tmp = dirPerTest('ferry-merge-');

describe('mergeReports', () => {
  const merged = mergeReports(shards);

  test('concatenates results in shard order whatever the input order', () => {
    const expected = [...shards].sort((a, b) => a.shard!.index - b.shard!.index).flatMap((s) => s.results);
    expect(merged.results).toEqual(expected);
    expect(mergeReports([...shards].reverse()).results).toEqual(expected);
  });

  test('recounts totals', () => {
    for (const [status, n] of Object.entries(merged.totals)) {
      expect(n).toBe(shards.reduce((sum, s) => sum + s.totals[status as ResultStatus], 0));
    }
  });

  test('keeps the earliest start, the latest finish and drops the shard', () => {
    expect(merged.startedAt).toBe('2025-01-01T00:00:01.000Z');
    expect(merged.finishedAt).toBe('2025-01-01T00:09:00.000Z');
    expect(merged.shard).toBeUndefined();
    expect(merged.ruleErrors).toEqual([{ rule: 'r', message: 'listing failed on shard 2' }]);
  });

  test('a rule error every shard reports (a source none could list) is told once; different ones all', () => {
    const gone = { rule: 'from-gone', message: 'listing gone: does not exist' };
    const parts = [1, 2].map((i) => ({ ...shard(i, 2, '2025-01-01T00:00:01Z', '2025-01-01T00:01:00Z', []) }));
    parts[0]!.ruleErrors = [gone, { rule: 'r', message: 'one thing' }];
    parts[1]!.ruleErrors = [{ ...gone }, { rule: 'r', message: 'another' }];
    expect(mergeReports(parts).ruleErrors).toEqual([
      gone,
      { rule: 'r', message: 'one thing' },
      { rule: 'r', message: 'another' },
    ]);
  });

  test('the shards’ selections add up to the one an unsharded run shows, through the JSON reports', async () => {
    // Each shard lists the whole source (40 repositories, 38 left out by name) and selects the tags
    // of its own repositories.
    const part = (tags: number, selected: number, latest: number): Selection => ({
      repositories: { listed: 40, matched: 2 },
      tags: { listed: tags, selected },
      dropped: {
        name: 38,
        referrers: 0,
        tag: tags - selected - latest,
        semver: 0,
        latest,
        labels: 0,
        resource: 0,
        platforms: 0,
      },
    });
    const written = await Promise.all(
      [part(100, 5, 3), part(200, 7, 5)].map(async (selection, i) => {
        const r = {
          ...shard(i + 1, 2, '2025-01-01T00:00:01Z', '2025-01-01T00:01:00Z', []),
          selection: { nginx: selection },
        };
        const file = join(tmp(), `shard-${i}.json`);
        await writeReport(file, r);
        return parseReport(await readFile(file, 'utf8'));
      }),
    );
    const merged = mergeReports(written);
    expect(merged.selection).toEqual({ nginx: part(300, 12, 8) });
    expect(renderSummary(merged)).toContain(
      'Selected: 2 of 40 repositories (38 left out by name) · 12 of 300 tags (left out: 280 by tag, 8 by latest)',
    );
  });

  test('a warning every shard gives alike is told once, as an unsharded run tells it', () => {
    const parts = [1, 2].map((i) => ({ ...shard(i, 2, '2025-01-01T00:00:01Z', '2025-01-01T00:01:00Z', []) }));
    const acknowledged = {
      rule: 'all',
      message: 'rule "all" deletes under filters that match everything (acknowledged)',
    };
    parts[0]!.warnings = [acknowledged, { rule: 'r', message: 'one' }];
    parts[1]!.warnings = [{ ...acknowledged }, { rule: 'r', message: 'two' }];
    // Before: "Warnings (2)" for the one warning, and every count of warnings one too high.
    expect(mergeReports(parts).warnings).toEqual([
      acknowledged,
      { rule: 'r', message: 'one' },
      { rule: 'r', message: 'two' },
    ]);
  });

  test('a rule that selects nothing in any shard is warned about by the merge, as by an unsharded run', () => {
    // Each shard sees only its part of a rule, so none says it selects nothing: the merge does.
    const none = (listed: number): Selection => ({
      repositories: { listed, matched: 0 },
      tags: { listed: 0, selected: 0 },
      dropped: { name: listed, referrers: 0, tag: 0, semver: 0, latest: 0, labels: 0, resource: 0, platforms: 0 },
    });
    const parts = [1, 2].map((i) => ({
      ...shard(i, 2, '2025-01-01T00:00:01Z', '2025-01-01T00:01:00Z', []),
      selection: { typo: none(2) },
    }));
    expect(mergeReports(parts).warnings).toEqual([
      {
        rule: 'typo',
        message: 'the rule selects nothing: its name filter matches none of the 2 repositories the source lists',
      },
    ]);
    // Shard 3's report missing: its part of the rule is unknown, not empty.
    const three = parts.map((r) => ({ ...r, shard: { index: r.shard!.index, total: 3 } }));
    expect(mergeReports(three).warnings ?? []).toEqual([]);
    // A rule with an error of its own (its listing failed) says that instead.
    parts[1]!.ruleErrors = [{ rule: 'typo', message: 'listing failed' }];
    expect(mergeReports(parts).warnings ?? []).toEqual([]);
  });

  test('a sharded run narrowed to an event keeps the event, and is not said to select nothing', () => {
    const none: Selection = {
      repositories: { listed: 2, matched: 1 },
      tags: { listed: 0, selected: 0 },
      dropped: { name: 1, referrers: 0, tag: 0, semver: 0, latest: 0, labels: 0, resource: 0, platforms: 0 },
    };
    const event = { name: 'repository_dispatch', artifacts: ['push harbor.example.com/team/app:v9'] };
    const parts = [1, 2].map((i) => ({
      ...shard(i, 2, '2025-01-01T00:00:01Z', '2025-01-01T00:01:00Z', []),
      selection: { app: none },
      event,
    }));
    // Before: "the rule selects nothing", of a rule whose run looked at one tag only.
    const merged = mergeReports(parts);
    expect(merged.warnings ?? []).toEqual([]);
    expect(merged.event).toEqual(event);
    expect(parseReport(JSON.stringify(merged)).event).toEqual(event);
    // Its counts are of the listings it read, not of what it looked at: the summary says so.
    expect(renderSummary(merged)).toContain(
      "Selected: 1 of 2 repositories (1 left out by name) · 0 of 0 tags (in the listings read; the run looked only at the event's artifacts)",
    );
  });

  test('a missing shard becomes a rule error', () => {
    const partial = mergeReports([shards[0]!, shards[1]!]);
    expect(partial.ruleErrors.at(-1)).toMatchObject({
      rule: SHARDS_RULE,
      message: 'no report from shard 2 of 3',
    });
  });

  test.each([
    ['a duplicate shard index', [shards[0]!, shards[0]!], /duplicate report for shard 3 of 3/],
    ['no reports', [], /no reports/],
    [
      'different shard counts',
      [shards[1]!, shard(1, 4, '2025-01-01T00:00:00Z', '2025-01-01T00:00:00Z', [])],
      /shard counts differ/,
    ],
    ['mixed dry runs', [shards[1]!, { ...shards[2]!, dryRun: true }], /dryRun/],
    [
      'different versions',
      [shards[1]!, { ...shards[2]!, tool: { name: 'ferry' as const, version: '2.0.0' } }],
      /different ferry versions/,
    ],
    ['sharded and unsharded', [shards[1]!, { ...shards[2]!, shard: undefined }], /some reports have a shard/],
  ])('rejects %s', (_name, reports, message) => {
    expect(() => mergeReports(reports)).toThrow(message);
  });

  test('unsharded reports merge in input order', () => {
    const a = { ...shards[0]!, shard: undefined };
    const b = { ...shards[1]!, shard: undefined };
    expect(mergeReports([b, a]).results).toEqual([...b.results, ...a.results]);
  });
});
