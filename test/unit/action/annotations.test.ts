/** The run's annotations: what the check counts comes first, and a kept tag is pointed at. */
import { afterEach, expect, test, vi } from 'vitest';
import { annotateRun } from '../../../src/action/output.js';
import type { Config } from '../../../src/config/types.js';
import type { Result, RunReport } from '../../../src/replicate/result.js';
import { result } from './run-fixtures.js';

const row = (rule: string, tag: string, status: Result['status'], extra: Partial<Result> = {}): Result =>
  result(tag, status, { rule, destination: `dst/app:${tag}`, ...extra });

afterEach(() => vi.restoreAllMocks());

test('kept tags get a warning on their rule, before drift, which keeps its hint', () => {
  const lines: string[] = [];
  vi.spyOn(process.stdout, 'write').mockImplementation((s) => (lines.push(String(s)), true));
  const report = {
    results: [
      row('web', 'v1', 'kept'),
      row('other', 'v2', 'failed', { error: { kind: 'not-found', message: 'blob gone', hint: 'push it again' } }),
    ],
    ruleErrors: [],
    warnings: [],
  } as unknown as RunReport;
  const config = {
    rules: [
      { name: 'web', line: 3 },
      { name: 'other', line: 9 },
    ],
  } as unknown as Config;
  annotateRun(report, config, 'replication.yaml', { warningsUsed: 0, failing: false, judged: ['web'] });
  const warnings = lines.filter((l) => l.startsWith('::warning'));
  expect(warnings[0]).toMatch(/line=3.*::1 tag kept: dst\/app:v1 differs at the destination, and override is off/);
  expect(warnings[1]).toMatch(/line=9.*::not run on merge .*dst\/app:v2 failed: blob gone%0Ahint: push it again/);
  expect(lines.filter((l) => l.startsWith('::error'))).toEqual([]);
});

test('a rule error about one registry is annotated at that registry’s entry, others at the rule', () => {
  const lines: string[] = [];
  vi.spyOn(process.stdout, 'write').mockImplementation((s) => (lines.push(String(s)), true));
  const report = {
    results: [],
    ruleErrors: [
      { rule: 'web', message: 'listing repositories of hub.example: 401 unauthorized', registry: 'hub' },
      { rule: 'web', message: 'stopped early' },
    ],
    warnings: [],
  } as unknown as RunReport;
  const config = {
    rules: [{ name: 'web', line: 9 }],
    registries: new Map([['hub', { name: 'hub', line: 3 }]]),
  } as unknown as Config;
  annotateRun(report, config, 'replication.yaml', { warningsUsed: 0, failing: true });
  const errors = lines.filter((l) => l.startsWith('::error'));
  // Before: both on the rule's line 9, the credentials' error far from the credentials.
  expect(errors[0]).toMatch(/line=3.*::listing repositories of hub.example: 401 unauthorized/);
  expect(errors[1]).toMatch(/line=9.*::stopped early/);
});
