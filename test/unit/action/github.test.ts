import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { repoClient, upsertComment } from '../../../src/action/github.js';
import { planMarker } from '../../../src/report/plan-comment.js';
import { type GitHubApi, startGitHubApi } from '../../support/github-api.js';

let api: GitHubApi;
beforeAll(async () => {
  api = await startGitHubApi();
});
afterAll(() => api.stop());

test('every GitHub API call gets a deadline of its own, not one spent by the calls before it', async () => {
  const { octokit, where } = repoClient({ apiUrl: api.url, token: 'ghs_deadline_test', repository: 'acme/mirrors' });
  const signals: AbortSignal[] = [];
  octokit.hook.after('request', (_response, options) => {
    signals.push((options.request as { signal: AbortSignal }).signal);
  });
  for (let page = 1; page <= 3; page++) await octokit.rest.issues.listForRepo({ ...where, page });
  expect(signals).toHaveLength(3);
  expect(new Set(signals).size).toBe(3);
  expect(signals.every((s) => s instanceof AbortSignal && !s.aborted)).toBe(true);
});

describe('the plan comment', () => {
  const PERSONAL = 'ghp_alice_token_for_tests';
  const INSTALLATION = 'ghs_comment_token_for_tests';
  const marker = planMarker('replication.yaml');
  const target = (token: string) => ({ apiUrl: api.url, token, repository: 'acme/mirrors', issue: 7 });
  const quoted = (login: string, type: string) =>
    api.comments.push({ id: api.comments.length + 1, body: `quoting ${marker}`, user: { login, type }, issue: 7 });

  beforeEach(() => {
    api.requests.length = 0;
    api.comments.length = 0;
    api.users = {};
  });

  test('with a personal token: one comment, updated on every push', async () => {
    api.users = { [PERSONAL]: 'alice' };
    const first = await upsertComment(target(PERSONAL), marker, `plan 1\n${marker}`);
    expect(first.action).toBe('created');
    // GitHub records what a personal token writes as its owner's, a User.
    expect(api.comments[0]!.user).toEqual({ login: 'alice', type: 'User' });
    expect(await upsertComment(target(PERSONAL), marker, `plan 2\n${marker}`)).toEqual({
      action: 'updated',
      id: first.id,
    });
    expect(await upsertComment(target(PERSONAL), marker, `plan 2\n${marker}`)).toEqual({
      action: 'unchanged',
      id: first.id,
    });
    expect(api.comments.map((c) => c.body)).toEqual([`plan 2\n${marker}`]);
  });

  test("with a personal token, another person's comment quoting the marker is never edited", async () => {
    api.users = { [PERSONAL]: 'alice' };
    quoted('bob', 'User');
    const r = await upsertComment(target(PERSONAL), marker, `plan\n${marker}`);
    expect(r.action).toBe('created');
    expect(api.comments.map((c) => [c.user.login, c.body])).toEqual([
      ['bob', `quoting ${marker}`],
      ['alice', `plan\n${marker}`],
    ]);
    expect(api.requests.filter((q) => q.method === 'PATCH')).toEqual([]);
  });

  test("with GITHUB_TOKEN: a person's comment quoting the marker is not ours, the bot's is, past page 1", async () => {
    quoted('someone', 'User');
    for (let n = 0; n < 120; n++)
      api.comments.push({ id: 500 + n, body: `chatter ${n}`, user: { login: 'x', type: 'User' }, issue: 7 });
    const first = await upsertComment(target(INSTALLATION), marker, `plan 1\n${marker}`);
    expect(first.action).toBe('created');
    expect(api.comments.at(-1)!.user).toEqual({ login: 'github-actions[bot]', type: 'Bot' });
    expect(await upsertComment(target(INSTALLATION), marker, `plan 2\n${marker}`)).toEqual({
      action: 'updated',
      id: first.id,
    });
    expect(api.comments[0]!.body).toBe(`quoting ${marker}`);
    // An installation token cannot ask GET /user: it is never asked.
    expect(api.requests.filter((q) => q.path === '/user')).toEqual([]);
  });

  test('who the token is, is asked only once a marked comment turns up, and at most once', async () => {
    api.users = { [PERSONAL]: 'alice' };
    await upsertComment(target(PERSONAL), marker, `plan 1\n${marker}`);
    expect(api.requests.filter((q) => q.path === '/user')).toEqual([]);
    quoted('bob', 'User');
    quoted('carol', 'User');
    await upsertComment(target(PERSONAL), marker, `plan 2\n${marker}`);
    expect(api.requests.filter((q) => q.path === '/user')).toHaveLength(1);
  });
});
