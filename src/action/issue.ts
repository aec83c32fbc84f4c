/**
 * `issue-on-failure`: one GitHub issue per rules file while its runs fail. A failed run opens it,
 * or comments on it when it is already open; the next run that succeeds comments and closes it.
 * The issue is found again by a hidden marker in its body (labels need push access to create,
 * which a workflow token may lack), among the repository's open issues, through @actions/github's
 * Octokit; only an issue the token's own account opened is ours, since anyone can type the marker.
 * A failure here is a warning: it never changes the run's result.
 */
import * as core from '@actions/core';
import { neutralizeCommands, redact, type RunReport, type Verdict } from '../index.js';
import type { GitHubContext } from './context.js';
import { described, repoClient } from './github.js';
import { writtenBySelf } from './identity.js';
import type { Inputs } from './inputs.js';
import { closingComment, failingIssueTitle, failureIssueBody, failureMarker, runComment } from './issue-text.js';

/** Open issues read while looking for ours: 10 pages of 100. */
const MAX_PAGES = 10;

export interface IssueTarget {
  apiUrl: string;
  token: string;
  /** owner/name */
  repository: string;
}

export type IssueAction = 'opened' | 'commented' | 'closed' | 'none';

export interface IssueRun {
  report: RunReport;
  /** The rules file, relative to the repository (see rulesFile). */
  file: string;
  /** The run's verdict: a failed one opens or comments, any other closes. */
  verdict: Verdict;
  runUrl?: string;
}

/** Opens, comments on or closes the rules file's failure issue; returns what it did and the issue. */
export async function syncFailureIssue(
  t: IssueTarget,
  run: IssueRun,
): Promise<{ action: IssueAction; issue?: number }> {
  try {
    return await sync(t, run);
  } catch (e) {
    throw described(e);
  }
}

async function sync(t: IssueTarget, run: IssueRun): Promise<{ action: IssueAction; issue?: number }> {
  const { octokit, where } = repoClient(t);
  const marker = failureMarker(run.file);
  const isOurs = writtenBySelf(octokit, t.token);
  let open: number | undefined;
  for (let page = 1; page <= MAX_PAGES && open === undefined; page++) {
    const { data: list } = await octokit.rest.issues.listForRepo({
      ...where,
      state: 'open',
      sort: 'created',
      direction: 'asc',
      per_page: 100,
      page,
    });
    // Pull requests are issues to this endpoint; a person quoting the marker in one is not ours.
    for (const i of list.filter((i) => !i.pull_request && i.body?.includes(marker))) {
      if (await isOurs(i.user)) {
        open = i.number;
        break;
      }
    }
    if (list.length < 100) break;
  }
  if (run.verdict.status !== 'failed') {
    if (open === undefined) return { action: 'none' };
    await octokit.rest.issues.createComment({ ...where, issue_number: open, body: closingComment(run) });
    await octokit.rest.issues.update({ ...where, issue_number: open, state: 'closed', state_reason: 'completed' });
    return { action: 'closed', issue: open };
  }
  if (open !== undefined) {
    await octokit.rest.issues.createComment({ ...where, issue_number: open, body: runComment(run) });
    return { action: 'commented', issue: open };
  }
  const { data } = await octokit.rest.issues.create({
    ...where,
    title: failingIssueTitle(run.file),
    body: failureIssueBody(run),
  });
  return { action: 'opened', issue: data.number };
}

/**
 * The action's step: only with `issue-on-failure: true`, a token, and a run that replicated
 * (not a dry run: a plan that worked says nothing about copying).
 */
export async function reportToIssue(
  inputs: Pick<Inputs, 'issueOnFailure' | 'githubToken'>,
  ctx: Pick<GitHubContext, 'apiUrl' | 'repository'> & Partial<Pick<GitHubContext, 'runUrl'>>,
  run: IssueRun,
): Promise<void> {
  if (!inputs.issueOnFailure || run.report.dryRun) return;
  // A run that replicated nothing (no rule selected) proves nothing either way.
  if (run.verdict.status !== 'failed' && run.report.results.length === 0) return;
  if (!inputs.githubToken || !ctx.repository) {
    core.warning('ferry: issue-on-failure needs github-token and GITHUB_REPOSITORY; no issue was updated');
    return;
  }
  try {
    const r = await syncFailureIssue(
      { apiUrl: ctx.apiUrl, token: inputs.githubToken, repository: ctx.repository },
      { ...run, ...(ctx.runUrl ? { runUrl: ctx.runUrl } : {}) },
    );
    if (r.action !== 'none') core.info(`ferry: failure issue #${r.issue} ${r.action}`);
  } catch (e) {
    // A token without `issues: write` answers 403: say so, the run's own result stands.
    core.warning(
      neutralizeCommands(
        redact(`ferry: could not update the failure issue (${(e as Error).message}); the workflow needs issues: write`),
      ),
    );
  }
}
