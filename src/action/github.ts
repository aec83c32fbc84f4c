/**
 * The one sticky pull-request comment (ECOSYSTEM.md (b)): find ours by its hidden marker among the
 * token's own account's comments, update it in place, else create it, through @actions/github's
 * Octokit against GITHUB_API_URL.
 */
import { getOctokit } from '@actions/github';
import { writtenBySelf } from './identity.js';

export interface CommentTarget {
  apiUrl: string;
  token: string;
  /** owner/name */
  repository: string;
  issue: number;
}

/** Comments read while looking for ours: 50 pages of 100. */
const MAX_PAGES = 50;

/** Octokit for `owner/name` at the API base URL (GitHub Enterprise's too), each call cut at 30 s. */
export function repoClient(t: Pick<CommentTarget, 'apiUrl' | 'token' | 'repository'>): {
  octokit: ReturnType<typeof getOctokit>;
  where: { owner: string; repo: string };
} {
  const [owner = '', repo = ''] = t.repository.split('/');
  const octokit = getOctokit(t.token, { baseUrl: t.apiUrl.replace(/\/+$/, '') });
  // A fresh deadline per request: one signal made here would be shared by every page and write of
  // an operation, and once spent would abort all the calls after it at once.
  octokit.hook.before('request', (options) => {
    options.request = { ...options.request, signal: AbortSignal.timeout(30_000) };
  });
  return { octokit, where: { owner, repo } };
}

/** Octokit's errors name neither the request nor the status in their message: a log line should. */
export function described(e: unknown): Error {
  const r = e as { status?: number; message?: string; request?: { method?: string; url?: string } };
  if (typeof r?.status !== 'number' || !r.request?.url) return e as Error;
  const path = new URL(r.request.url).pathname;
  return new Error(`${r.request.method ?? 'request'} ${path}: ${r.status} ${(r.message ?? '').split(' - ')[0]}`, {
    cause: e,
  });
}

/** Creates or updates the comment carrying `marker`; returns what was done and the comment id. */
export async function upsertComment(
  t: CommentTarget,
  marker: string,
  body: string,
): Promise<{ action: 'created' | 'updated' | 'unchanged'; id: number }> {
  try {
    return await upsert(t, marker, body);
  } catch (e) {
    throw described(e);
  }
}

async function upsert(
  t: CommentTarget,
  marker: string,
  body: string,
): Promise<{ action: 'created' | 'updated' | 'unchanged'; id: number }> {
  const { octokit, where } = repoClient(t);
  const isOurs = writtenBySelf(octokit, t.token);
  let existing: { id: number; body?: string | undefined } | undefined;
  for (let page = 1; page <= MAX_PAGES && !existing; page++) {
    const { data: list } = await octokit.rest.issues.listComments({
      ...where,
      issue_number: t.issue,
      per_page: 100,
      page,
    });
    // Only the token's own account's: a person quoting the marker must not have their comment
    // rewritten, and a personal token's comment (type User) must be found again, not added anew.
    for (const c of list.filter((c) => c.body?.includes(marker))) {
      if (await isOurs(c.user)) {
        existing = c;
        break;
      }
    }
    if (list.length < 100) break;
  }
  if (existing?.body === body) return { action: 'unchanged', id: existing.id };
  if (existing) {
    const { data } = await octokit.rest.issues.updateComment({ ...where, comment_id: existing.id, body });
    return { action: 'updated', id: data.id };
  }
  const { data } = await octokit.rest.issues.createComment({ ...where, issue_number: t.issue, body });
  return { action: 'created', id: data.id };
}
