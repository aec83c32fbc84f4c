/** Starts Debian's docker-registry (distribution 2.8.2) on loopback in anonymous, basic (htpasswd+TLS) or token mode. */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { closeSync, openSync, rmSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { getTestTls } from './tls.js';
import { createTempDir, onProcessEnd } from './tmp.js';
import { DEFAULT_GRANTS, type Grants, startTokenServer, type TokenRequestLog } from './token-server.js';

export type { Grant, Grants, TokenRequestLog } from './token-server.js';

const REGISTRY_BIN = '/usr/bin/docker-registry';
const READY_DEADLINE_MS = 15_000;
export const TOKEN_SERVICE = 'ferry-test-registry';
export const TOKEN_ISSUER = 'ferry-test-issuer';
export const DEFAULT_USERS: Readonly<Record<string, string>> = {
  ferry: 'ferry-secret-pw',
  reader: 'reader-secret-pw',
};

export type RegistryMode = 'anonymous' | 'basic' | 'token';

export interface RunningRegistry {
  mode: RegistryMode;
  /** 'http://127.0.0.1:PORT' (anonymous) or 'https://127.0.0.1:PORT' (basic, token). */
  url: string;
  /** '127.0.0.1:PORT' */
  host: string;
  /** PEM CA file to trust (basic/token). */
  caFile?: string;
  /** Directory with ca.crt, for skopeo (basic/token). */
  certDir?: string;
  /** username -> password (empty for anonymous mode). */
  users: Record<string, string>;
  tokenServer?: { url: string; requests: TokenRequestLog[] };
  /** Registry stdout+stderr, including one access-log line per request. */
  logFile: string;
  pid: number;
  /** Kills the registry by PID, waits for it to exit, stops the token server, removes the temp dir. */
  stop(): Promise<void>;
}

export interface StartRegistryOptions {
  mode: RegistryMode;
  /** Defaults to DEFAULT_USERS (basic and token modes). */
  users?: Record<string, string>;
  /** Token mode only; defaults to DEFAULT_GRANTS. */
  grants?: Grants;
  /** Loopback address to bind (default 127.0.0.1; 127.0.0.2/3 are covered by the test cert). */
  address?: string;
  /** Registry log level (default 'info'). */
  logLevel?: 'error' | 'warn' | 'info' | 'debug';
}

/** Starts a registry and resolves once `GET /v2/` answers. */
export async function startRegistry(opts: StartRegistryOptions): Promise<RunningRegistry> {
  const address = opts.address ?? '127.0.0.1';
  const users = opts.mode === 'anonymous' ? {} : { ...(opts.users ?? DEFAULT_USERS) };
  const tmp = await createTempDir('ferry-registry-');
  const forgetTmp = onProcessEnd(() => rmSync(tmp.path, { recursive: true, force: true }));
  const cleanups: (() => Promise<void>)[] = [() => tmp.remove().finally(forgetTmp)];
  const cleanup = async () => {
    for (const fn of cleanups.splice(0).reverse()) await fn().catch(() => undefined);
  };
  try {
    const tls = opts.mode === 'anonymous' ? undefined : await getTestTls();
    const authLines: string[] = [];
    let tokenServer: RunningRegistry['tokenServer'];
    if (opts.mode === 'basic') {
      const htpasswdFile = join(tmp.path, 'htpasswd');
      await writeFile(htpasswdFile, await htpasswd(users));
      authLines.push('auth:', '  htpasswd:', '    realm: ferry-test', `    path: ${htpasswdFile}`);
    } else if (opts.mode === 'token' && tls) {
      const ts = await startTokenServer({
        service: TOKEN_SERVICE,
        issuer: TOKEN_ISSUER,
        users,
        grants: opts.grants ?? DEFAULT_GRANTS,
      });
      cleanups.push(ts.stop);
      tokenServer = { url: ts.url, requests: ts.requests };
      authLines.push(
        'auth:',
        '  token:',
        `    realm: ${ts.realm}`,
        `    service: ${TOKEN_SERVICE}`,
        `    issuer: ${TOKEN_ISSUER}`,
        `    rootcertbundle: ${tls.tokenSigning.certFile}`,
      );
    }

    const logFile = join(tmp.path, 'registry.log');
    for (let attempt = 1; ; attempt++) {
      const port = await freePort(address);
      const configFile = join(tmp.path, 'config.yml');
      await writeFile(
        configFile,
        renderConfig({ tmpDir: tmp.path, address, port, logLevel: opts.logLevel ?? 'info', tls, authLines }),
      );
      const child = spawnRegistry(configFile, logFile);
      const scheme = tls ? 'https' : 'http';
      const url = `${scheme}://${address}:${port}`;
      try {
        await waitReady(url, child, tls?.caPem);
      } catch (err) {
        await killAndWait(child);
        const log = await readFile(logFile, 'utf8').catch(() => '');
        if (attempt < 3 && log.includes('address already in use')) continue;
        throw new Error(`docker-registry did not start: ${(err as Error).message}\n${log.slice(-2000)}`, {
          cause: err,
        });
      }
      let stopping: Promise<void> | undefined;
      return {
        mode: opts.mode,
        url,
        host: `${address}:${port}`,
        caFile: tls?.caFile,
        certDir: tls?.certDir,
        users,
        tokenServer,
        logFile,
        pid: child.pid!,
        stop: () => {
          stopping ??= killAndWait(child).then(cleanup);
          return stopping;
        },
      };
    }
  } catch (err) {
    await cleanup();
    throw err;
  }
}

/** Counts access-log lines (one per request) matching `pattern`, e.g. /"HEAD \/v2\/app\/manifests\//. */
export async function countRequests(registry: RunningRegistry, pattern: RegExp): Promise<number> {
  const log = await readFile(registry.logFile, 'utf8');
  return log.split('\n').filter((line) => /"[A-Z]+ \/v2\//.test(line) && pattern.test(line)).length;
}

interface ConfigInput {
  tmpDir: string;
  address: string;
  port: number;
  logLevel: string;
  tls: { certFile: string; keyFile: string } | undefined;
  authLines: string[];
}

function renderConfig(c: ConfigInput): string {
  const lines = [
    'version: 0.1',
    'log:',
    `  level: ${c.logLevel}`,
    '  formatter: text',
    '  accesslog:',
    '    disabled: false',
    'storage:',
    '  filesystem:',
    `    rootdirectory: ${join(c.tmpDir, 'data')}`,
    '  delete:',
    '    enabled: true',
    '  cache:',
    '    blobdescriptor: inmemory',
    '  maintenance:',
    '    uploadpurging:',
    '      enabled: false',
    'http:',
    `  addr: ${c.address}:${c.port}`,
    '  secret: ferry-test-http-secret',
    '  headers:',
    '    X-Content-Type-Options: [nosniff]',
  ];
  if (c.tls) lines.push('  tls:', `    certificate: ${c.tls.certFile}`, `    key: ${c.tls.keyFile}`);
  lines.push(...c.authLines);
  return `${lines.join('\n')}\n`;
}

function spawnRegistry(configFile: string, logFile: string): ChildProcess {
  const fd = openSync(logFile, 'a');
  try {
    // Access log goes to stdout, application log to stderr: both land in one file.
    const child = spawn(REGISTRY_BIN, ['serve', configFile], { stdio: ['ignore', fd, fd] });
    // Never leave a registry behind if the test process dies without calling stop().
    const unregister = onProcessEnd(() => child.kill('SIGKILL'));
    child.once('exit', unregister);
    return child;
  } finally {
    closeSync(fd);
  }
}

/** Asks the kernel for a free port on `address` (the registry binds it right after; callers retry on a race). */
function freePort(address: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, address, () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

/** Polls `GET /v2/` until any HTTP answer arrives, the process exits, or the deadline passes. */
async function waitReady(url: string, child: ChildProcess, caPem: string | undefined): Promise<void> {
  const deadline = Date.now() + READY_DEADLINE_MS;
  let exited = child.exitCode !== null;
  child.once('exit', () => {
    exited = true;
  });
  let lastError = 'no answer';
  while (Date.now() < deadline) {
    if (exited) throw new Error(`process exited with code ${child.exitCode}`);
    try {
      await probe(`${url}/v2/`, caPem);
      return;
    } catch (err) {
      lastError = (err as Error).message;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`not ready within ${READY_DEADLINE_MS} ms: ${lastError}`);
}

function probe(url: string, caPem: string | undefined): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = caPem ? httpsRequest(url, { ca: caPem, timeout: 1000 }) : httpRequest(url, { timeout: 1000 });
    req.once('response', (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.once('timeout', () => req.destroy(new Error('probe timed out')));
    req.once('error', reject);
    req.end();
  });
}

async function killAndWait(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
  await exited;
  clearTimeout(timer);
}

/** Bcrypt htpasswd lines via apache2-utils' `htpasswd -nbB` (installed by test/setup.sh). */
async function htpasswd(users: Record<string, string>): Promise<string> {
  const run = promisify(execFile);
  let out = '';
  for (const [user, password] of Object.entries(users)) {
    const { stdout } = await run('htpasswd', ['-nbB', '-C', '5', user, password]);
    out += `${stdout.trim()}\n`;
  }
  return out;
}
