import { afterAll, beforeAll, expect, test } from 'vitest';
import { repoClient } from '../../../src/action/github.js';
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
