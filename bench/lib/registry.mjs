// Starts Debian's docker-registry (distribution 2.8.2) on loopback: anonymous, plain HTTP, filesystem
// storage in a temp dir, access log (one line per request) captured to a file.
import { spawn } from 'node:child_process';
import { closeSync, openSync, statSync, readFileSync, readSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const REGISTRY_BIN = '/usr/bin/docker-registry';
const CLK_TCK = 100; // USER_HZ of /proc/<pid>/stat on Linux
const live = new Set();
process.on('exit', () => {
  for (const child of live) child.kill('SIGKILL');
});

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

function probe(url) {
  return new Promise((resolve, reject) => {
    const req = request(url, { timeout: 1000 });
    req.once('response', (res) => {
      res.resume();
      resolve(res.statusCode);
    });
    req.once('timeout', () => req.destroy(new Error('timeout')));
    req.once('error', reject);
    req.end();
  });
}

/** @returns {Promise<{name:string,url:string,host:string,logFile:string,dir:string,pid:number,logOffset():number,requestsSince(o:number):Promise<Record<string,number>>,stop():Promise<void>}>} */
export async function startRegistry(name) {
  const dir = mkdtempSync(join(tmpdir(), `ferry-bench-${name}-`));
  const logFile = join(dir, 'registry.log');
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    const configFile = join(dir, 'config.yml');
    writeFileSync(
      configFile,
      [
        'version: 0.1',
        'log:',
        '  level: warn',
        '  formatter: text',
        '  accesslog:',
        '    disabled: false',
        'storage:',
        '  filesystem:',
        `    rootdirectory: ${join(dir, 'data')}`,
        '  delete:',
        '    enabled: true',
        '  cache:',
        '    blobdescriptor: inmemory',
        '  maintenance:',
        '    uploadpurging:',
        '      enabled: false',
        'http:',
        `  addr: 127.0.0.1:${port}`,
        '  secret: ferry-bench-http-secret',
        '',
      ].join('\n'),
    );
    const fd = openSync(logFile, 'a');
    const child = spawn(REGISTRY_BIN, ['serve', configFile], { stdio: ['ignore', fd, fd] });
    closeSync(fd);
    live.add(child);
    let exited = false;
    const exitP = new Promise((r) =>
      child.once('exit', () => {
        exited = true;
        live.delete(child);
        r();
      }),
    );
    const url = `http://127.0.0.1:${port}`;
    const deadline = Date.now() + 15000;
    let ok = false;
    while (Date.now() < deadline && !exited) {
      try {
        await probe(`${url}/v2/`);
        ok = true;
        break;
      } catch {
        await new Promise((r) => setTimeout(r, 50));
      }
    }
    if (!ok) {
      child.kill('SIGKILL');
      await exitP;
      if (attempt < 3) continue;
      throw new Error(`docker-registry ${name} did not start`);
    }
    const logOffset = () => statSync(logFile).size;
    return {
      name,
      url,
      host: `127.0.0.1:${port}`,
      logFile,
      dir,
      pid: child.pid,
      logOffset,
      /** CPU seconds (user + system) the registry process has used so far. */
      cpuSeconds() {
        try {
          const f = readFileSync(`/proc/${child.pid}/stat`, 'utf8');
          const rest = f.slice(f.lastIndexOf(')') + 2).split(' ');
          return (Number(rest[11]) + Number(rest[12])) / CLK_TCK;
        } catch {
          return undefined;
        }
      },
      /** Requests to /v2/ logged since `offset`, by method (plus `total`). */
      async requestsSince(offset) {
        return countByMethod(await this.textSince(offset));
      },
      /** The access log written since `offset`. */
      async textSince(offset) {
        await new Promise((r) => setTimeout(r, 150)); // let the last lines land
        const end = logOffset();
        const len = end - offset;
        const buf = Buffer.alloc(len);
        const fd2 = openSync(logFile, 'r');
        try {
          readSync(fd2, buf, 0, len, offset);
        } finally {
          closeSync(fd2);
        }
        return buf.toString('utf8');
      },
      async stop() {
        if (!exited) {
          const t = setTimeout(() => child.kill('SIGKILL'), 5000);
          child.kill('SIGTERM');
          await exitP;
          clearTimeout(t);
        }
        rmSync(dir, { recursive: true, force: true });
      },
    };
  }
}

/** Access-log lines look like: 127.0.0.1 - - [date] "GET /v2/x/manifests/t HTTP/1.1" 200 123 "" "ua". */
const ACCESS = /"([A-Z]+) (\/v2\/\S*) HTTP\/[\d.]+" (\d{3})/;

export function countByMethod(text) {
  const out = { total: 0 };
  for (const line of text.split('\n')) {
    const m = ACCESS.exec(line);
    if (!m) continue;
    out[m[1]] = (out[m[1]] ?? 0) + 1;
    out.total++;
    const kind = kindOf(m[2]);
    out.by ??= {};
    out.by[`${m[1]} ${kind}`] = (out.by[`${m[1]} ${kind}`] ?? 0) + 1;
    if (m[2] === '/v2/') out.ping = (out.ping ?? 0) + 1;
    if (Number(m[3]) >= 400 && m[3] !== '404') out.errors = (out.errors ?? 0) + 1;
  }
  return out;
}

/**
 * What happened to one blob at a registry, from its access log: uploads completed (the PUT carrying
 * ?digest=, monolithic or the last of a chunked upload), mounts that worked (POST ?mount= → 201),
 * mounts refused (→ 202, an upload session instead), HEADs and GETs of it — each per repository.
 */
export function blobTraffic(text, digest) {
  const out = { uploads: 0, mounts: 0, mountsRefused: 0, heads: 0, gets: 0, uploadedTo: [], mountedTo: [] };
  for (const line of text.split('\n')) {
    const m = ACCESS.exec(line);
    if (!m) continue;
    let uri = m[2];
    try {
      uri = decodeURIComponent(uri);
    } catch {
      // keep it raw
    }
    if (!uri.includes(digest)) continue;
    const repo = /^\/v2\/(.+?)\/blobs\//.exec(uri)?.[1];
    if (m[1] === 'PUT' && uri.includes('/blobs/uploads/') && m[3] === '201') {
      out.uploads++;
      out.uploadedTo.push(repo);
    } else if (m[1] === 'POST' && uri.includes(`mount=${digest}`)) {
      if (m[3] === '201') {
        out.mounts++;
        out.mountedTo.push(repo);
      } else out.mountsRefused++;
    } else if (m[1] === 'HEAD') out.heads++;
    else if (m[1] === 'GET') out.gets++;
  }
  out.uploadedTo.sort();
  out.mountedTo.sort();
  return out;
}

export function writesOf(counts) {
  return (counts.POST ?? 0) + (counts.PUT ?? 0) + (counts.PATCH ?? 0) + (counts.DELETE ?? 0);
}

/** What a /v2/ URI addresses: ping, catalog, tags, manifest, blob, upload, referrers. */
export function kindOf(uri) {
  const path = uri.split('?')[0];
  if (path === '/v2/') return 'ping';
  if (path === '/v2/_catalog') return 'catalog';
  if (path.endsWith('/tags/list')) return 'tags/list';
  if (/\/manifests\/sha256:/.test(path)) return 'manifest@digest';
  if (/\/manifests\/sha256-[0-9a-f]{64}$/.test(path)) return 'manifest:referrers-tag';
  if (path.includes('/manifests/')) return 'manifest:tag';
  if (path.includes('/blobs/uploads')) return uri.includes('mount=') ? 'mount' : 'upload';
  if (path.includes('/blobs/')) return 'blob';
  if (path.includes('/referrers/')) return 'referrers';
  return 'other';
}
