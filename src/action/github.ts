/**
 * The one sticky pull-request comment (ECOSYSTEM.md (b)): find ours by its hidden marker, update it
 * in place, else create it. Plain REST over fetch against GITHUB_API_URL.
 */

export interface CommentTarget {
  apiUrl: string;
  token: string;
  /** owner/name */
  repository: string;
  issue: number;
}

export class GitHubApiError extends Error {
  override name = 'GitHubApiError';
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
  }
}

interface IssueComment {
  id: number;
  body?: string;
  user?: { login?: string; type?: string } | null;
}

async function call<T>(t: CommentTarget, method: string, path: string, body?: unknown): Promise<T> {
  const res = await fetch(`${t.apiUrl.replace(/\/+$/, '')}${path}`, {
    method,
    headers: {
      accept: 'application/vnd.github+json',
      authorization: `Bearer ${t.token}`,
      'x-github-api-version': '2022-11-28',
      'user-agent': 'ferry-action',
      ...(body ? { 'content-type': 'application/json' } : {}),
    },
    ...(body ? { body: JSON.stringify(body) } : {}),
    signal: AbortSignal.timeout(30_000),
  });
  if (!res.ok) {
    const text = (await res.text().catch(() => '')).slice(0, 300);
    let message = text;
    try {
      message = (JSON.parse(text) as { message?: string }).message ?? text;
    } catch {
      // not JSON: keep the raw text
    }
    throw new GitHubApiError(`${method} ${path}: ${res.status} ${message}`, res.status);
  }
  return (await res.json()) as T;
}

/** Creates or updates the comment carrying `marker`; returns what was done and the comment id. */
export async function upsertComment(
  t: CommentTarget,
  marker: string,
  body: string,
): Promise<{ action: 'created' | 'updated' | 'unchanged'; id: number }> {
  const [owner, repo] = t.repository.split('/');
  const base = `/repos/${encodeURIComponent(owner ?? '')}/${encodeURIComponent(repo ?? '')}`;
  let existing: IssueComment | undefined;
  for (let page = 1; page <= 50 && !existing; page++) {
    const list = await call<IssueComment[]>(t, 'GET', `${base}/issues/${t.issue}/comments?per_page=100&page=${page}`);
    // Prefer a bot's comment: a person quoting the marker must not have their comment rewritten.
    const ours = list.filter((c) => c.body?.includes(marker));
    existing = ours.find((c) => c.user?.type === 'Bot') ?? ours.find((c) => !c.user?.type);
    if (list.length < 100) break;
  }
  if (existing?.body === body) return { action: 'unchanged', id: existing.id };
  if (existing) {
    const c = await call<IssueComment>(t, 'PATCH', `${base}/issues/comments/${existing.id}`, { body });
    return { action: 'updated', id: c.id };
  }
  const c = await call<IssueComment>(t, 'POST', `${base}/issues/${t.issue}/comments`, { body });
  return { action: 'created', id: c.id };
}
