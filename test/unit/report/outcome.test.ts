import { describe, expect, test } from 'vitest';
import { buildReport } from '../../../src/report/json.js';
import { type FailOn, verdict } from '../../../src/report/outcome.js';
import type { Result, ResultStatus, RunReport } from '../../../src/replicate/result.js';

const result = (status: ResultStatus): Result => ({
  rule: 'app',
  source: `docker.io/acme/app:${status}`,
  destination: `ghcr.io/acme/app:${status}`,
  tag: status,
  status,
  bytes: 0,
  blobs: { copied: 0, mounted: 0, present: 0 },
  durationMs: 0,
  retries: 0,
});

function run(statuses: ResultStatus[], o: { errors?: number; warnings?: number } = {}): RunReport {
  return buildReport({
    command: 'run',
    dryRun: false,
    startedAt: new Date('2025-01-01T00:00:00Z'),
    finishedAt: new Date('2025-01-01T00:01:00Z'),
    results: statuses.map(result),
    ruleErrors: Array.from({ length: o.errors ?? 0 }, (_, i) => ({ rule: 'app', message: `listing ${i} failed` })),
    warnings: Array.from({ length: o.warnings ?? 0 }, (_, i) => ({ rule: 'app', message: `warning ${i}` })),
    version: '0.1.0',
  });
}

describe('verdict: one decision for the exit code, the step, the headline, the webhook and the issue', () => {
  // [what, report, fail-on, status, fails the step, reason]
  test.each<[string, RunReport, FailOn, string, boolean, string | undefined]>([
    ['a clean run', run(['copied', 'unchanged']), 'error', 'succeeded', false, undefined],
    ['a clean run under fail-on: warning', run(['copied']), 'warning', 'succeeded', false, undefined],
    ['nothing to do', run([]), 'error', 'succeeded', false, undefined],
    ['a failed image', run(['copied', 'failed']), 'error', 'failed', true, '1 image failed'],
    ['a rule error', run(['copied'], { errors: 2 }), 'error', 'failed', true, '2 rule errors'],
    ['both', run(['failed', 'failed'], { errors: 1 }), 'error', 'failed', true, '2 images failed, 1 rule error'],
    ['a failed image under fail-on: never', run(['failed']), 'never', 'failed', false, '1 image failed'],
    ['a kept tag', run(['copied', 'kept']), 'error', 'warned', false, 'warnings (1 kept tag)'],
    [
      'warnings under fail-on: warning',
      run(['kept', 'skipped', 'deferred'], { warnings: 1 }),
      'warning',
      'failed',
      true,
      'warnings (1 kept tag, 1 skipped tag, 1 deferred tag, 1 run warning) and fail-on is warning',
    ],
    ['warnings under fail-on: never', run(['skipped']), 'never', 'warned', false, 'warnings (1 skipped tag)'],
  ])('%s', (_what, report, failOn, status, failsStep, reason) => {
    expect(verdict(report, { failOn })).toEqual({ status, failsStep, ...(reason ? { reason } : {}) });
  });

  test('the rules file’s own warnings count too (they are not in the report)', () => {
    expect(verdict(run(['copied']), { failOn: 'warning', configWarnings: 2 })).toEqual({
      status: 'failed',
      failsStep: true,
      reason: 'warnings (2 config warnings) and fail-on is warning',
    });
  });

  test('the CLI’s judgement is fail-on: error', () => {
    const r = run(['failed']);
    expect(verdict(r)).toEqual(verdict(r, { failOn: 'error' }));
  });
});

describe('tags a filter leaves out', () => {
  const skipped = (why: Result['why']): RunReport => {
    const r = run(['copied']);
    return { ...r, results: [...r.results, { ...result('skipped'), ...(why ? { why } : {}) }] };
  };

  test('are the rule at work: no warning, and fail-on: warning passes', () => {
    for (const why of ['filtered-resource', 'filtered-labels'] as const)
      expect(verdict(skipped(why), { failOn: 'warning' })).toEqual({ status: 'succeeded', failsStep: false });
  });

  test('a deletion a safety rule refused still warns, in the plan’s words', () => {
    // A deletion's row has no source: a destination extra.
    const { source: _extra, ...refused } = { ...result('refused'), why: 'shared-digest' as const };
    const r = run(['copied']);
    // Before: "1 skipped tag", while the plan and the PR comment's body said "1 deletion refused".
    expect(verdict({ ...r, results: [...r.results, refused] }, { failOn: 'warning' })).toMatchObject({
      status: 'failed',
      failsStep: true,
      reason: 'warnings (1 deletion refused) and fail-on is warning',
    });
  });
});

test('a signature tag ferry never deletes apart from its subject is no warning', () => {
  const refused = { ...result('skipped'), why: 'referrer-fallback-tag' as const };
  expect(verdict({ results: [refused], ruleErrors: [] }, { failOn: 'warning' }).status).toBe('succeeded');
});
