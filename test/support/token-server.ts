/** A Docker token-protocol server (GET/POST /token) on 127.0.0.1 over TLS, issuing RS256 JWTs with `x5c`. */
import { createSign, randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { getTestTls, type TokenSigningKey } from './tls.js';

export type GrantAction = 'pull' | 'push' | 'delete' | '*';

/** One rule: `repository` is '*', an exact name or `prefix/*`; `type: 'registry'` matches e.g. `catalog`. */
export interface Grant {
  type?: 'repository' | 'registry';
  repository: string;
  actions: GrantAction[];
}

/** Rules per user name; '' is the anonymous user. */
export type Grants = Record<string, Grant[]>;

export interface ScopeAccess {
  type: string;
  name: string;
  actions: string[];
}

/** What one token request asked for and got. */
export interface TokenRequestLog {
  method: string;
  /** '' when anonymous; the claimed name when the password was wrong. */
  user: string;
  service: string | null;
  requested: ScopeAccess[];
  granted: ScopeAccess[];
  status: number;
  /** The issued token, so leak sweeps can search for it. */
  token?: string;
}

export interface TokenServer {
  /** e.g. 'https://127.0.0.1:PORT'; the realm is `${url}/token`. */
  url: string;
  realm: string;
  requests: TokenRequestLog[];
  stop(): Promise<void>;
}

export interface TokenServerOptions {
  service: string;
  issuer: string;
  users: Record<string, string>;
  grants: Grants;
  /** Token lifetime in seconds (default 300). */
  expiresIn?: number;
}

export const DEFAULT_GRANTS: Grants = {
  ferry: [
    { repository: '*', actions: ['*'] },
    { type: 'registry', repository: 'catalog', actions: ['*'] },
  ],
  reader: [{ repository: '*', actions: ['pull'] }],
  '': [],
};

/** Starts the token server on a free loopback port. */
export async function startTokenServer(opts: TokenServerOptions): Promise<TokenServer> {
  const tls = await getTestTls();
  const requests: TokenRequestLog[] = [];
  const server = createServer({ cert: tls.certPem, key: tls.keyPem }, (req, res) => {
    handle(req, res, opts, tls.tokenSigning, requests).catch((err: unknown) => {
      res.writeHead(500).end(String(err));
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const url = `https://127.0.0.1:${port}`;
  return { url, realm: `${url}/token`, requests, stop: () => closeServer(server) };
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}

async function handle(
  req: IncomingMessage,
  res: ServerResponse,
  opts: TokenServerOptions,
  key: TokenSigningKey,
  requests: TokenRequestLog[],
): Promise<void> {
  const url = new URL(req.url ?? '/', 'https://127.0.0.1');
  if (url.pathname !== '/token' || (req.method !== 'GET' && req.method !== 'POST')) {
    res.writeHead(404).end();
    return;
  }
  let params = url.searchParams;
  let creds = parseBasic(req.headers.authorization);
  if (req.method === 'POST') {
    // OAuth2 password grant (distribution token spec, "OAuth2 token" variant).
    params = new URLSearchParams(await readBody(req));
    const username = params.get('username');
    if (username !== null) creds = { user: username, password: params.get('password') ?? '' };
  }
  const requested = params.getAll('scope').flatMap(parseScopes);
  const log: TokenRequestLog = {
    method: req.method,
    user: creds?.user ?? '',
    service: params.get('service'),
    requested,
    granted: [],
    status: 200,
  };
  requests.push(log);

  if (creds && opts.users[creds.user] !== creds.password) {
    log.status = 401;
    res.writeHead(401, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ errors: [{ code: 'UNAUTHORIZED', message: 'invalid username or password' }] }));
    return;
  }
  log.granted = requested
    .map((s) => ({ ...s, actions: allowedActions(opts.grants[log.user] ?? [], s) }))
    .filter((s) => s.actions.length > 0);
  const now = Math.floor(Date.now() / 1000);
  const expiresIn = opts.expiresIn ?? 300;
  const token = signJwt(key, {
    iss: opts.issuer,
    sub: log.user,
    aud: log.service ?? opts.service,
    exp: now + expiresIn,
    nbf: now - 1,
    iat: now,
    jti: randomUUID(),
    access: log.granted,
  });
  log.token = token;
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end(
    JSON.stringify({
      token,
      access_token: token,
      expires_in: expiresIn,
      issued_at: new Date(now * 1000).toISOString(),
    }),
  );
}

function parseBasic(header: string | undefined): { user: string; password: string } | undefined {
  const m = /^Basic\s+(\S+)$/i.exec(header ?? '');
  if (!m?.[1]) return undefined;
  const decoded = Buffer.from(m[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return { user: decoded, password: '' };
  return { user: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

/** Parses `type:name:a,b` scopes; one parameter may hold several, space-separated. */
export function parseScopes(param: string): ScopeAccess[] {
  return param
    .split(' ')
    .filter((s) => s.length > 0)
    .flatMap((s) => {
      const first = s.indexOf(':');
      const last = s.lastIndexOf(':');
      if (first < 0 || last === first) return [];
      const actions = s
        .slice(last + 1)
        .split(',')
        .filter((a) => a.length > 0);
      return [{ type: s.slice(0, first), name: s.slice(first + 1, last), actions }];
    });
}

function allowedActions(grants: Grant[], scope: ScopeAccess): string[] {
  const allowed = new Set<string>();
  for (const g of grants) {
    if ((g.type ?? 'repository') !== scope.type || !nameMatches(g.repository, scope.name)) continue;
    for (const a of g.actions) allowed.add(a);
  }
  return scope.actions.filter((a) => allowed.has('*') || allowed.has(a));
}

function nameMatches(pattern: string, name: string): boolean {
  if (pattern === '*') return true;
  if (pattern.endsWith('/*')) return name.startsWith(pattern.slice(0, -1));
  return pattern === name;
}

function b64url(data: Buffer | string): string {
  return Buffer.from(data).toString('base64url');
}

function signJwt(key: TokenSigningKey, claims: object): string {
  const header = { typ: 'JWT', alg: 'RS256', x5c: [key.certDerBase64] };
  const input = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(claims))}`;
  const signature = createSign('sha256').update(input).sign(key.keyPem);
  return `${input}.${b64url(signature)}`;
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
