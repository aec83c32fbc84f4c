/** A one-minute run report for the renderer tests. */
import { type BuildReportArgs, buildReport } from '../../../src/report/json.js';
import type { Result, RunReport } from '../../../src/replicate/result.js';

export function runReport(results: Result[], extra: Partial<BuildReportArgs> = {}): RunReport {
  return buildReport({
    command: 'run',
    dryRun: false,
    startedAt: new Date('2026-01-01T00:00:00Z'),
    finishedAt: new Date('2026-01-01T00:01:00Z'),
    results,
    ruleErrors: [],
    version: '0.1.0',
    ...extra,
  });
}
