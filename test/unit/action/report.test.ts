/**
 * `command: report` (merging the shards' reports) decides as an unsharded run does: `fail-on` as
 * given, the same rules file name, the same failure issue.
 */
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import type { GitHubContext } from '../../../src/action/context.js';
import { readInputs } from '../../../src/action/inputs.js';
import { mergeCommand } from '../../../src/action/report.js';
import { buildReport, serializeReport } from '../../../src/report/json.js';
import type { Result } from '../../../src/replicate/result.js';
import { type GitHubApi, startGitHubApi } from '../../support/github-api.js';
import { createTempDir, type TempDir } from '../../support/tmp.js';
import { result, stdoutOf } from './run-fixtures.js';

const TOKEN = 'ghs_merge_token_for_tests';
const MARKER = '<!-- ferry:failing path=replication.yaml -->';

let api: GitHubApi;
let tmp: TempDir;
let summary: string;
const saved = { summary: process.env.GITHUB_STEP_SUMMARY, output: process.env.GITHUB_OUTPUT };

// @actions/core keeps the summary file it first wrote to: one workspace for the whole file.
beforeAll(async () => {
  api = await startGitHubApi();
  tmp = await createTempDir('ferry-merge-');
  summary = join(tmp.path, 'summary.md');
  process.env.GITHUB_STEP_SUMMARY = summary;
  process.env.GITHUB_OUTPUT = join(tmp.path, 'output.txt');
});
afterAll(async () => {
  for (const [k, v] of [
    ['GITHUB_STEP_SUMMARY', saved.summary],
    ['GITHUB_OUTPUT', saved.output],
  ] as const)
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  await Promise.all([api.stop(), tmp.remove()]);
});
beforeEach(async () => {
  api.requests.length = 0;
  api.issues.length = 0;
  api.comments.length = 0;
  await rm(join(tmp.path, 'reports'), { recursive: true, force: true });
  await writeFile(summary, '');
  await writeFile(join(tmp.path, 'output.txt'), '');
});

/** Writes shard i of n's report under the workspace's `reports/`, as the download step leaves them. */
async function shard(i: number, n: number, results: Result[], warnings: { rule: string; message: string }[] = []) {
  const dir = join(tmp.path, 'reports', `shard-${i}`);
  await mkdir(dir, { recursive: true });
  const r = buildReport({
    command: 'run',
    dryRun: false,
    startedAt: new Date('2025-01-01T00:00:00Z'),
    finishedAt: new Date('2025-01-01T00:01:00Z'),
    results,
    ruleErrors: [],
    ...(warnings.length ? { warnings } : {}),
    shard: { index: i, total: n },
    version: '0.1.0',
  });
  await writeFile(join(dir, 'ferry-report.json'), serializeReport(r));
}

function merge(inputs: Record<string, string>): Promise<string | undefined> {
  const ctx: GitHubContext = {
    eventName: 'workflow_dispatch',
    payload: {},
    workspace: tmp.path,
    repository: 'acme/mirrors',
    apiUrl: api.url,
    runUrl: 'https://github.com/acme/mirrors/actions/runs/9',
    sha: '0'.repeat(40),
  };
  const all: Record<string, string> = {
    command: 'report',
    reports: 'reports',
    'report-path': 'merged.json',
    'github-token': TOKEN,
    ...inputs,
  };
  let failed: string | undefined;
  return stdoutOf(async () => {
    failed = await mergeCommand(
      readInputs((n) => all[n] ?? ''),
      ctx,
    );
  }).then(() => failed);
}

const ferryIssue = (number: number, body: string) =>
  api.issues.push({
    number,
    title: 'ferry: replication with replication.yaml is failing',
    body,
    state: 'open',
    user: { login: 'github-actions[bot]', type: 'Bot' },
  });

describe('command: report', () => {
  test('fail-on: warning fails the merged run on the shards’ warnings, as it fails an unsharded run', async () => {
    await shard(1, 2, [result('v1', 'copied')]);
    await shard(2, 2, [result('v2', 'kept')], [{ rule: 'app', message: 'kept harbor.example.com/team/app:v2' }]);

    expect(await merge({ 'fail-on': 'error' })).toBeUndefined();
    expect((await readFile(summary, 'utf8')).split('\n')[0]).toMatch(/ — ⚠️ 1 copied · 1 kept/);

    await writeFile(summary, '');
    const failed = await merge({ 'fail-on': 'warning' });
    expect(failed).toBe('warnings (1 kept tag, 1 run warning) and fail-on is warning; see the job summary');
    const md = await readFile(summary, 'utf8');
    expect(md.split('\n')[0]).toMatch(/ — ❌ 1 copied · 1 kept/);
    expect(md).toContain('> ❌ The step failed: warnings (1 kept tag, 1 run warning) and fail-on is warning');
  });

  test('the merged run finds the failure issue an unsharded run opened, whatever the config input’s spelling', async () => {
    ferryIssue(1, `${MARKER}\nRuns of replication.yaml are failing.`);
    await shard(1, 1, [result('v1', 'failed', { error: { kind: 'denied', message: 'push refused' } })]);
    for (const config of ['./replication.yaml', join(tmp.path, 'replication.yaml')])
      expect(await merge({ config, 'issue-on-failure': 'true' })).toMatch(/^1 image failed/);
    expect(api.issues).toHaveLength(1);
    expect(api.comments.map((c) => c.issue)).toEqual([1, 1]);
  });

  test('an issue a person wrote with the marker in it is left alone: ferry opens and closes its own', async () => {
    api.issues.push({
      number: 1,
      title: 'Why does ferry write this?',
      body: `I keep seeing ${MARKER} in ferry's issues`,
      state: 'open',
      user: { login: 'octocat', type: 'User' },
    });
    await shard(1, 1, [result('v1', 'failed', { error: { kind: 'denied', message: 'push refused' } })]);
    await merge({ 'issue-on-failure': 'true' });
    expect(api.issues.map((i) => [i.number, i.user.type, i.state])).toEqual([
      [1, 'User', 'open'],
      [2, 'Bot', 'open'],
    ]);

    await shard(1, 1, [result('v1', 'copied')]);
    expect(await merge({ 'issue-on-failure': 'true' })).toBeUndefined();
    expect(api.issues.map((i) => [i.number, i.state])).toEqual([
      [1, 'open'],
      [2, 'closed'],
    ]);
    expect(api.comments.map((c) => c.issue)).toEqual([2]);
  });
});
