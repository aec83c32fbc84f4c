/**
 * Whether an issue or comment carrying one of ferry's hidden markers is ferry's own: written by the
 * account its token acts as. Anyone can type (or quote) a marker, so the marker alone never is.
 * The plan comment and the failure issue both ask this one question, here.
 */
import type { repoClient } from './github.js';

/** An issue's or comment's `user` as the REST API gives it: a nullable simple user. */
export type Writer = { login?: string; type?: string } | null | undefined;

/**
 * A test "did this token's account write it?". It asks GitHub who the token is (GET /user) only on
 * its first use, and then never again: most runs find no marked item and make no extra request.
 */
export function writtenBySelf(
  octokit: ReturnType<typeof repoClient>['octokit'],
  token: string,
): (writer: Writer) => Promise<boolean> {
  let self: Promise<string | undefined> | undefined;
  return async (writer) => {
    self ??= selfLogin(octokit, token);
    const login = await self;
    // A login to compare is exact; without one the token is an installation's, acting as its app's
    // bot, which a person's account (type User) never is.
    return login !== undefined ? writer?.login === login : writer?.type === 'Bot';
  };
}

/**
 * GITHUB_TOKEN and other GitHub App installation tokens (`ghs_`) act as their app's bot, and
 * GET /user refuses them (403 "Resource not accessible by integration"), as GET /app does: their
 * login cannot be learnt, so undefined. Any other token (a personal one) may ask who it is; one in
 * an older format that is refused all the same is taken as a bot's.
 */
async function selfLogin(
  octokit: ReturnType<typeof repoClient>['octokit'],
  token: string,
): Promise<string | undefined> {
  if (token.startsWith('ghs_')) return undefined;
  try {
    return (await octokit.rest.users.getAuthenticated()).data.login;
  } catch (e) {
    const status = (e as { status?: number }).status;
    if (status === 401 || status === 403) return undefined;
    throw e;
  }
}
