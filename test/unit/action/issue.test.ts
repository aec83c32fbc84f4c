import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { reportToIssue, syncFailureIssue } from '../../../src/action/issue.js';
import { type FailOn, verdict } from '../../../src/report/outcome.js';
import type { RunReport } from '../../../src/replicate/result.js';
import { registerSecret } from '../../../src/util/secrets.js';
import { type GitHubApi, startGitHubApi } from '../../support/github-api.js';
import { expectNoRawHtml, expectWholeRows, HOSTILE, rendered, shown } from '../report/gfm.js';
import { report, result, stdoutOf } from './run-fixtures.js';

const SECRET = 'Pa55-issue-5c1a7e';
const TOKEN = 'ghs_issue_token_for_tests';
const RUN = 'https://github.com/acme/mirrors/actions/runs/42';

const failedRun = () =>
  report([
    result('v1', 'copied'),
    result('v2|<script>', 'failed', {
      error: { kind: 'unauthorized', message: `basic auth ferry:${SECRET} refused | <b>x</b>`, status: 401 },
    }),
  ]);
const goodRun = () => report([result('v1', 'copied'), result('v2', 'unchanged')]);
/** The run as the action hands it over: the report, the rules file and its verdict. */
const run = (r: RunReport, failOn: FailOn = 'error') => ({
  report: r,
  file: 'replication.yaml',
  verdict: verdict(r, { failOn }),
});

let api: GitHubApi;
const target = () => ({ apiUrl: api.url, token: TOKEN, repository: 'acme/mirrors' });
const writes = () => api.requests.filter((r) => r.method !== 'GET');

beforeAll(async () => {
  api = await startGitHubApi();
  registerSecret(SECRET);
});
afterAll(() => api.stop());
beforeEach(() => {
  api.requests.length = 0;
  api.issues.length = 0;
  api.comments.length = 0;
  api.readOnly = false;
  api.users = {};
});

describe('issue-on-failure', () => {
  test('failing runs open one issue, then comment on it; a successful run comments and closes it', async () => {
    const failing = () => syncFailureIssue(target(), { ...run(failedRun()), runUrl: RUN });
    const first = await failing();
    expect(first).toEqual({ action: 'opened', issue: 1 });
    expect(api.issues).toHaveLength(1);
    const issue = api.issues[0]!;
    expect(issue.title).toBe('ferry: replication with replication.yaml is failing');
    expect(issue.body).toContain('<!-- ferry:failing path=replication.yaml -->');
    expect(issue.body).toContain(`[A run](${RUN}) failed: 1 failed · 1 copied`);
    expect(issue.body).toContain(
      '| <code>harbor.example.com/team/app:v2\\|‹script›</code> | unauthorized: basic auth ferry:*** refused \\| ‹b›x‹/b› |',
    );
    expect(issue.body).not.toContain(SECRET);
    expect(api.requests.every((r) => r.authorization?.endsWith(TOKEN))).toBe(true);

    const second = await failing();
    expect(second).toEqual({ action: 'commented', issue: 1 });
    expect(api.issues).toHaveLength(1);
    expect(api.comments.map((c) => c.issue)).toEqual([1]);
    expect(api.comments[0]!.body).toContain('failed: 1 failed · 1 copied');

    const fixed = await syncFailureIssue(target(), { ...run(goodRun()), runUrl: RUN });
    expect(fixed).toEqual({ action: 'closed', issue: 1 });
    expect(api.issues[0]).toMatchObject({ state: 'closed', state_reason: 'completed' });
    expect(api.comments.at(-1)!.body).toBe(
      `✅ [This run](${RUN}) succeeded: 1 copied · 1 unchanged; 0 B moved in 1m00s. Closing.\n`,
    );
  });

  test('hostile tags, errors and file names render as text in the issue, each in its own cell', async () => {
    const hostile = report(
      HOSTILE.map((h) => result(h, 'failed', { error: { kind: 'denied', message: `push of ${h} refused` } })),
    );
    const file = 'rules/<script>|`x`--> @team.yaml';
    // Reasons are built from counts, but the issue escapes whatever reason it is given.
    const v = { status: 'failed', failsStep: true, reason: `fail-on ${HOSTILE[3]}` } as const;
    await syncFailureIssue(target(), { ...run(hostile), verdict: v, file, runUrl: RUN });
    const body = api.issues[0]!.body;
    // The marker cannot end its HTML comment early (`--`, `>`).
    expect(body.startsWith('<!-- ferry:failing path=rules/<script&gt;|`x`- -&gt; @team.yaml -->\n')).toBe(true);
    expect(expectWholeRows(body)).toBe(1);
    const doc = rendered(body);
    expectNoRawHtml(doc);
    const images = [...doc.querySelectorAll('td code')].map((c) => c.textContent);
    for (const h of HOSTILE.slice(0, 10))
      expect(images).toContain(
        shown(`harbor.example.com/team/app:${h}`, 200).replace(/[<>]/g, (c) => (c === '<' ? '‹' : '›')),
      );
    expect(doc.body.textContent).toContain('and 4 more failed images');
  });

  test('a successful run with no open issue writes nothing', async () => {
    expect(await syncFailureIssue(target(), run(goodRun()))).toEqual({
      action: 'none',
    });
    expect(writes()).toEqual([]);
  });

  test('the issue is found past the first page; pull requests, other rules files and people’s issues are not it', async () => {
    const other = (n: number, body: string, o: { pr?: boolean; bot?: boolean } = {}) =>
      api.issues.push({
        number: n,
        title: `other ${n}`,
        body,
        state: 'open',
        user: o.bot ? { login: 'github-actions[bot]', type: 'Bot' } : { login: 'someone', type: 'User' },
        ...(o.pr ? { pull_request: { url: 'x' } } : {}),
      });
    other(1, 'quoting <!-- ferry:failing path=replication.yaml --> in a pull request', { pr: true });
    other(2, '<!-- ferry:failing path=other/replication.yaml -->', { bot: true });
    // A person can write the marker (or copy ferry's body): only an issue ferry's token opened is its.
    other(3, '<!-- ferry:failing path=replication.yaml -->\nRuns are failing (copied).');
    for (let n = 4; n <= 150; n++) other(n, `unrelated ${n}`);
    other(151, '<!-- ferry:failing path=replication.yaml -->\nRuns are failing.', { bot: true });
    const r = await syncFailureIssue(target(), run(failedRun()));
    expect(r).toEqual({ action: 'commented', issue: 151 });
    expect(api.requests.filter((q) => q.method === 'GET' && /[?&]page=2\b/.test(q.path))).toHaveLength(1);
    expect(api.issues.filter((i) => i.state === 'closed')).toEqual([]);
  });

  test('off by default, and never for a dry run or a run that selected nothing', async () => {
    const ctx = { apiUrl: 'http://127.0.0.1:1', repository: 'acme/mirrors' };
    await reportToIssue({ issueOnFailure: false, githubToken: TOKEN }, ctx, run(failedRun()));
    await reportToIssue(
      { issueOnFailure: true, githubToken: TOKEN },
      { ...ctx, apiUrl: api.url },
      run(report([result('v1', 'failed')], true)),
    );
    await reportToIssue({ issueOnFailure: true, githubToken: TOKEN }, { ...ctx, apiUrl: api.url }, run(report([])));
    expect(api.requests).toEqual([]);
  });

  test('failed images keep the issue open even when fail-on: never keeps the step green', async () => {
    const inputs = { issueOnFailure: true, githubToken: TOKEN };
    const ctx = { apiUrl: api.url, repository: 'acme/mirrors' };
    await reportToIssue(inputs, ctx, run(failedRun()));
    await reportToIssue(inputs, ctx, run(failedRun(), 'never'));
    expect(api.issues).toMatchObject([{ state: 'open' }]);
    expect(api.comments.map((c) => c.body)).toEqual([expect.stringMatching(/^❌ A run failed: 1 failed · 1 copied/)]);
  });

  test('a token without issues: write gives a warning, and the run is not affected', async () => {
    api.readOnly = true;
    const out = await stdoutOf(() =>
      reportToIssue(
        { issueOnFailure: true, githubToken: TOKEN },
        { apiUrl: api.url, repository: 'acme/mirrors' },
        run(failedRun()),
      ),
    );
    expect(out).toMatch(
      /::warning::ferry: could not update the failure issue \(POST \/repos\/acme\/mirrors\/issues: 403 Resource not accessible by integration\); the workflow needs issues: write/,
    );
  });
});

describe('a personal token', () => {
  const PERSONAL = 'ghp_alice_token_for_tests';
  const marked = (login: string, number: number) => ({
    number,
    title: 'ferry: replication with replication.yaml is failing',
    body: 'failing\n<!-- ferry:failing path=replication.yaml -->',
    state: 'open' as const,
    user: { login, type: 'User' },
  });

  test("adopts the issue its own account opened, never another person's that quotes the marker", async () => {
    api.users = { [PERSONAL]: 'alice' };
    api.issues.push(marked('bob', 1), marked('alice', 2));
    const out = await syncFailureIssue(
      { apiUrl: api.url, token: PERSONAL, repository: 'acme/mirrors' },
      { ...run(failedRun()), runUrl: RUN },
    );
    expect(out).toEqual({ action: 'commented', issue: 2 });
    expect(api.requests.filter((r) => r.path === '/user')).toHaveLength(1);
    expect(api.comments.map((c) => c.issue)).toEqual([2]);
  });

  test("with only another person's marked issue open, opens its own", async () => {
    api.users = { [PERSONAL]: 'alice' };
    api.issues.push(marked('bob', 1));
    const out = await syncFailureIssue(
      { apiUrl: api.url, token: PERSONAL, repository: 'acme/mirrors' },
      { ...run(failedRun()), runUrl: RUN },
    );
    expect(out).toEqual({ action: 'opened', issue: 2 });
    expect(api.issues[1]!.user).toEqual({ login: 'alice', type: 'User' });
    expect(api.comments).toEqual([]);
  });
});
