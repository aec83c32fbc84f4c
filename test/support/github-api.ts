/**
 * A loopback stand-in for the GitHub REST API's issue comments, enough for the sticky plan comment:
 * list (paginated), create, update; and for issues, enough for issue-on-failure: list a
 * repository's issues (paginated, by state, pull requests included as GitHub does), create one,
 * update its state. Records every request; can refuse writes like a fork PR's read-only token does
 * (403 "Resource not accessible by integration").
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ApiRequest {
  method: string;
  path: string;
  authorization?: string;
  body?: { body?: string; title?: string; state?: string; state_reason?: string };
}

export interface FakeComment {
  id: number;
  body: string;
  user: { login: string; type: string };
  issue: number;
}

export interface FakeIssue {
  number: number;
  title: string;
  body: string;
  state: 'open' | 'closed';
  state_reason?: string | null;
  /** Set on pull requests, which the issues endpoint lists too. */
  pull_request?: { url: string };
  user: { login: string; type: string };
}

export interface GitHubApi {
  url: string;
  requests: ApiRequest[];
  comments: FakeComment[];
  issues: FakeIssue[];
  /** When set, POST and PATCH answer 403 like a read-only token. */
  readOnly: boolean;
  /**
   * Personal tokens → their account's login: GET /user answers with it, and what the token writes
   * (issues and comments alike) is that user's, of type `User`. Installation tokens (`ghs_`) act
   * as `github-actions[bot]`, of type `Bot`, and GET /user refuses them with 403 as GitHub does.
   */
  users: Record<string, string>;
  stop(): Promise<void>;
}

export async function startGitHubApi(): Promise<GitHubApi> {
  const api: Omit<GitHubApi, 'url' | 'stop'> = { requests: [], comments: [], issues: [], readOnly: false, users: {} };
  let nextId = 1000;
  const send = (res: ServerResponse, status: number, data: unknown) => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(data));
  };
  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const text = Buffer.concat(chunks).toString('utf8');
    const url = new URL(req.url ?? '/', 'http://x');
    const record: ApiRequest = { method: req.method ?? '', path: url.pathname + url.search };
    if (req.headers.authorization) record.authorization = req.headers.authorization;
    if (text) record.body = JSON.parse(text);
    api.requests.push(record);
    const list = /^\/repos\/[^/]+\/[^/]+\/issues\/(\d+)\/comments$/.exec(url.pathname);
    const one = /^\/repos\/[^/]+\/[^/]+\/issues\/comments\/(\d+)$/.exec(url.pathname);
    const issues = /^\/repos\/[^/]+\/[^/]+\/issues$/.test(url.pathname);
    const issue = /^\/repos\/[^/]+\/[^/]+\/issues\/(\d+)$/.exec(url.pathname);
    const token = (req.headers.authorization ?? '').replace(/^(token|bearer) /i, '');
    const author = api.users[token]
      ? { login: api.users[token], type: 'User' }
      : { login: 'github-actions[bot]', type: 'Bot' };
    if (url.pathname === '/user' && req.method === 'GET') {
      if (token.startsWith('ghs_')) return send(res, 403, { message: 'Resource not accessible by integration' });
      if (!api.users[token]) return send(res, 401, { message: 'Bad credentials' });
      return send(res, 200, author);
    }
    if (issues && req.method === 'GET') {
      const page = Number(url.searchParams.get('page') ?? 1);
      const per = Number(url.searchParams.get('per_page') ?? 30);
      const state = url.searchParams.get('state') ?? 'open';
      const all = api.issues.filter((i) => state === 'all' || i.state === state);
      if (url.searchParams.get('direction') !== 'asc') all.reverse();
      return send(res, 200, all.slice((page - 1) * per, page * per));
    }
    if ((issues && req.method === 'POST') || (issue && req.method === 'PATCH')) {
      if (api.readOnly) return send(res, 403, { message: 'Resource not accessible by integration' });
      if (issues) {
        const i: FakeIssue = {
          number: api.issues.length + 1,
          title: String(record.body?.title ?? ''),
          body: String(record.body?.body ?? ''),
          state: 'open',
          user: author,
        };
        api.issues.push(i);
        return send(res, 201, i);
      }
      const i = api.issues.find((x) => x.number === Number(issue![1]));
      if (!i) return send(res, 404, { message: 'Not Found' });
      if (record.body?.state === 'open' || record.body?.state === 'closed') i.state = record.body.state;
      if (record.body?.state_reason !== undefined) i.state_reason = record.body.state_reason;
      return send(res, 200, i);
    }
    if (list && req.method === 'GET') {
      const page = Number(url.searchParams.get('page') ?? 1);
      const per = Number(url.searchParams.get('per_page') ?? 30);
      const all = api.comments.filter((c) => c.issue === Number(list[1]));
      return send(res, 200, all.slice((page - 1) * per, page * per));
    }
    if ((list && req.method === 'POST') || (one && req.method === 'PATCH')) {
      if (api.readOnly) return send(res, 403, { message: 'Resource not accessible by integration' });
      const body = String(record.body?.body ?? '');
      if (list) {
        // Stamped with the token's account as GitHub does (its REST schema's nullable-simple-user):
        // `Bot` for an installation token's github-actions[bot], `User` for a personal token's owner.
        const c = { id: nextId++, body, user: { ...author }, issue: Number(list[1]) };
        api.comments.push(c);
        return send(res, 201, c);
      }
      const c = api.comments.find((x) => x.id === Number(one![1]));
      if (!c) return send(res, 404, { message: 'Not Found' });
      c.body = body;
      return send(res, 200, c);
    }
    send(res, 404, { message: 'Not Found' });
  };
  const server = createServer((req, res) => {
    handle(req, res).catch((e) => send(res, 500, { message: String(e) }));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return Object.assign(api, {
    url: `http://127.0.0.1:${port}`,
    stop: () => new Promise<void>((r) => server.close(() => r())),
  });
}
