/**
 * The JSON report written row by row (issue 14 item 1): the file is byte for byte what
 * serializeReport gives, without the whole text (or a copy of every result) in memory at once.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { buildReport, parseReport, serializeReport, writeReport } from '../../../src/report/json.js';
import type { Result, ResultStatus } from '../../../src/replicate/result.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ferry-write-report-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

const STATUSES: ResultStatus[] = ['copied', 'unchanged', 'failed', 'skipped', 'deleted'];

function result(i: number): Result {
  const status = STATUSES[i % STATUSES.length]!;
  return {
    rule: 'mirror',
    source: `registry.example.com/team/app-${i % 7}:v${i}`,
    destination: `mirror.example.com/team/app-${i % 7}:v${i}`,
    tag: `v${i}`,
    status,
    sourceDigest: `sha256:${String(i).padStart(64, '0')}`,
    bytes: i * 10,
    blobs: { copied: i % 3, mounted: 0, present: 1 },
    durationMs: i,
    retries: 0,
    ...(status === 'failed' ? { error: { kind: 'denied', message: 'no "quotes" \\ here', codes: ['DENIED'] } } : {}),
    ...(status === 'skipped' ? { reason: 'a reason with\nnew lines and "totals": {}' } : {}),
  };
}

const report = (n: number, extra: { shard?: boolean; warnings?: boolean } = {}) =>
  buildReport({
    command: 'run',
    dryRun: false,
    startedAt: new Date('2025-01-01T00:00:00Z'),
    finishedAt: new Date('2025-01-01T00:01:00Z'),
    results: Array.from({ length: n }, (_, i) => result(i)),
    ruleErrors: n % 2 ? [{ rule: 'mirror', message: 'listing "results": [] failed', hint: 'look' }] : [],
    ...(extra.warnings ? { warnings: [{ rule: 'mirror', message: 'kept "totals": {"failed": 0}' }] } : {}),
    ...(extra.shard ? { shard: { index: 2, total: 3 } } : {}),
    version: '1.2.3',
  });

test.each([
  ['no results', report(0)],
  ['one result', report(1, { warnings: true })],
  ['more rows than one write', report(1001, { shard: true, warnings: true })],
])('%s: the file is what serializeReport gives', async (_name, r) => {
  const file = join(dir, `${r.results.length}.json`);
  await writeReport(file, r);
  const text = await readFile(file, 'utf8');
  expect(text).toBe(serializeReport(r));
  expect(parseReport(text).totals).toEqual(r.totals);
});

test('the transform (the action’s redaction) is applied to every piece', async () => {
  const file = join(dir, 'redacted.json');
  const r = report(600);
  await writeReport(file, r, (t) => t.replaceAll('registry.example.com', '***'));
  expect(await readFile(file, 'utf8')).toBe(serializeReport(r).replaceAll('registry.example.com', '***'));
});
