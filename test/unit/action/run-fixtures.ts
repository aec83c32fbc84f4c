/** Small run reports and a stdout capture, shared by the tests of what the action does after a run. */
import { vi } from 'vitest';
import { buildReport } from '../../../src/report/json.js';
import type { Result } from '../../../src/replicate/result.js';

/** What @actions/core wrote to stdout (its annotations) while `fn` ran. */
export async function stdoutOf(fn: () => Promise<void>): Promise<string> {
  let out = '';
  const write = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    out += String(chunk);
    return true;
  });
  try {
    await fn();
  } finally {
    write.mockRestore();
  }
  return out;
}

/** One result of rule `app` at harbor.example.com/team/app. */
export const result = (tag: string, status: Result['status'], extra: Partial<Result> = {}): Result => ({
  rule: 'app',
  destination: `harbor.example.com/team/app:${tag}`,
  tag,
  status,
  bytes: 0,
  blobs: { copied: 0, mounted: 0, present: 0 },
  durationMs: 0,
  retries: 0,
  ...extra,
});

/** A one-minute run (or dry run) with these results. */
export const report = (results: Result[], dryRun = false) =>
  buildReport({
    command: 'run',
    dryRun,
    startedAt: new Date('2025-01-01T00:00:00Z'),
    finishedAt: new Date('2025-01-01T00:01:00Z'),
    results,
    ruleErrors: [],
    version: '0.1.0',
  });
