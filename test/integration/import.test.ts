/**
 * `ferry import` end to end, through the CLI command: `harbor` against a loopback Harbor that
 * answers as Harbor's API v2.0 is published (every answer checked against the swagger subset in
 * test/fixtures/import/harbor/, pages of 4 linked with `Link`, basic auth), then `--check` on the
 * file it wrote; and each peer format from its fixture to a file on disk.
 */
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command, CommanderError } from 'commander';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { importCommand } from '../../src/cli/commands/import.js';
import { parseConfig } from '../../src/config/index.js';
import { VendorDescription } from '../support/vendor-apis.js';

const FIX = new URL('../fixtures/import/', import.meta.url);
const read = (p: string) => readFileSync(new URL(p, FIX), 'utf8');
const swagger = JSON.parse(read('harbor/swagger.subset.json')) as Record<string, unknown>;
const description = new VendorDescription('harbor', [{ doc: swagger, basePath: String(swagger.basePath) }], {
  doc: swagger,
  ref: '#/definitions/Errors',
});
const AUTH = `Basic ${Buffer.from('admin:Harbor12345').toString('base64')}`;
const PAGE = 4;

let server: http.Server;
let base = '';
const violations: string[] = [];
const seen: string[] = [];
let policies: unknown[] = JSON.parse(read('harbor/policies.json')) as unknown[];
const registries: unknown[] = JSON.parse(read('harbor/registries.json')) as unknown[];

beforeAll(async () => {
  server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', base);
    seen.push(`${req.method} ${url.pathname}${url.search}`);
    const send = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      const r = description.check({
        method: req.method ?? 'GET',
        path: url.pathname,
        query: url.searchParams,
        body: undefined,
        status,
        responseBody: body,
        serverIssued: false,
      });
      violations.push(...r.violations.map((v) => `${req.method} ${url.pathname}: ${v}`));
      res.writeHead(status, { 'content-type': 'application/json', ...headers });
      res.end(JSON.stringify(body));
    };
    if (req.headers.authorization !== AUTH)
      return send(401, { errors: [{ code: 'UNAUTHORIZED', message: 'unauthorized' }] });
    const all =
      url.pathname === '/api/v2.0/replication/policies'
        ? policies
        : url.pathname === '/api/v2.0/registries'
          ? registries
          : undefined;
    if (!all) return send(404, { errors: [{ code: 'NOT_FOUND', message: 'not found' }] });
    // Harbor pages with page/page_size and links the next page; this one serves at most 4 a page.
    const page = Number(url.searchParams.get('page') ?? '1');
    const size = Math.min(Number(url.searchParams.get('page_size') ?? '10'), PAGE);
    const items = all.slice((page - 1) * size, page * size);
    const headers: Record<string, string> = { 'x-total-count': String(all.length) };
    if (page * size < all.length) headers.link = `<${url.pathname}?page=${page + 1}&page_size=${size}>; rel="next"`;
    send(200, items, headers);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise((r) => server.close(r));
  expect(violations).toEqual([]);
});

afterEach(() => {
  vi.unstubAllEnvs();
  vi.restoreAllMocks();
});

/** Runs `ferry import …` in-process: exit code, stdout and stderr. */
async function ferry(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  vi.spyOn(console, 'log').mockImplementation((...a: unknown[]) => void (out += `${a.join(' ')}\n`));
  vi.spyOn(console, 'error').mockImplementation((...a: unknown[]) => void (err += `${a.join(' ')}\n`));
  vi.spyOn(process.stdout, 'write').mockImplementation((s: string | Uint8Array) => ((out += String(s)), true));
  process.exitCode = undefined;
  const program = new Command().exitOverride().addCommand(importCommand());
  let code: number;
  try {
    await program.parseAsync(['node', 'ferry', 'import', ...args]);
    code = Number(process.exitCode ?? 0);
  } catch (e) {
    // As src/cli/index.ts: a usage error is 2, anything else 1.
    if (e instanceof CommanderError) code = 2;
    else {
      err += `ferry: ${(e as Error).message}\n`;
      code = 1;
    }
  } finally {
    vi.restoreAllMocks();
    process.exitCode = undefined;
  }
  return { code, out, err };
}

const tmp = mkdtempSync(join(tmpdir(), 'ferry-import-'));

describe('ferry import harbor', () => {
  it('writes a valid rules file from every policy, following the pages, with warnings on stderr', async () => {
    vi.stubEnv('HARBOR_USERNAME', 'admin');
    vi.stubEnv('HARBOR_PASSWORD', 'Harbor12345');
    const file = join(tmp, 'replication.yaml');
    const r = await ferry('harbor', '--url', base, '--out', file);
    expect(r.err).toContain(
      'harbor policy "approximate rule" (id 5): filters[4]: warning: Harbor leaves out artifacts',
    );
    expect(r.code).toBe(0);
    const text = readFileSync(file, 'utf8');
    const { config, diagnostics } = parseConfig(text, file);
    expect(diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    expect(config!.rules).toHaveLength(6);
    // The last line counts in words, as validate's does (before: "6 rule(s)").
    expect(r.err).toContain(`${file}: 6 rules, ${config!.registries.size} registries`);
    expect(config!.registries.get('harbor')!.url).toBe(base);
    expect(text).not.toContain('Harbor12345');
    // Two pages of policies (6) and two of registries (5), each page's link followed.
    expect(seen.filter((s) => s.startsWith('GET /api/v2.0/replication/policies'))).toEqual([
      'GET /api/v2.0/replication/policies?page=1&page_size=100',
      'GET /api/v2.0/replication/policies?page=2&page_size=4',
    ]);
  });

  it('imports the policies named with --policy, to stdout', async () => {
    vi.stubEnv('HARBOR_USERNAME', 'admin');
    vi.stubEnv('HARBOR_PASSWORD', 'Harbor12345');
    const r = await ferry('harbor', '--url', base, '--policy', 'to-dockerhub-auto', '--policy', 'pull-from-dc1');
    expect(r.code).toBe(0);
    const { config } = parseConfig(r.out, 'stdout.yaml');
    expect(config!.rules.map((x) => x.name)).toEqual(['pull-from-dc1', 'to-dockerhub-auto']);
  });

  it('exits 1 naming an unknown --policy, and when Harbor refuses the credentials', async () => {
    vi.stubEnv('HARBOR_USERNAME', 'admin');
    vi.stubEnv('HARBOR_PASSWORD', 'Harbor12345');
    const unknown = await ferry('harbor', '--url', base, '--policy', 'nope');
    expect(unknown).toMatchObject({ code: 1 });
    expect(unknown.err).toMatch(/--policy: no policy named "nope"/);
    vi.stubEnv('HARBOR_PASSWORD', 'wrong');
    vi.stubEnv('DOCKER_CONFIG', tmp);
    const denied = await ferry('harbor', '--url', base);
    expect(denied.code).toBe(1);
    expect(denied.err).toMatch(/401|unauthori[sz]ed/i);
    expect(denied.err).not.toContain('wrong');
  });

  it('exits 2 without --url', async () => {
    expect((await ferry('harbor')).code).toBe(2);
  });

  it('refuses --check with --out before asking Harbor: a check writes nothing', async () => {
    const out = join(tmp, 'never-written.yaml');
    const r = await ferry('harbor', '--url', base, '--check', join(tmp, 'check.yaml'), '--out', out);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/--check compares .* and writes nothing: drop --out/);
    expect(existsSync(out)).toBe(false);
  });

  it('--check: 0 when the file matches, 1 with each drift when a policy changed in Harbor', async () => {
    vi.stubEnv('HARBOR_USERNAME', 'admin');
    vi.stubEnv('HARBOR_PASSWORD', 'Harbor12345');
    const file = join(tmp, 'check.yaml');
    expect((await ferry('harbor', '--url', base, '--out', file)).code).toBe(0);
    const same = await ferry('harbor', '--url', base, '--check', file);
    expect(same.code).toBe(0);
    expect(same.out).toBe('');
    const saved = policies;
    try {
      policies = (JSON.parse(JSON.stringify(saved)) as Record<string, unknown>[]).map((p) =>
        p.name === 'to-dockerhub-auto' ? { ...p, dest_namespace: 'otherorg', override: false } : p,
      );
      const drift = await ferry('harbor', '--url', base, '--check', file);
      expect(drift.code).toBe(1);
      const lines = drift.out.trim().split('\n');
      expect(lines).toHaveLength(2);
      expect(lines[0]).toMatch(
        /check\.yaml:\d+: rule "to-dockerhub-auto": destination_namespace: Harbor otherorg, file myorg/,
      );
      expect(lines[1]).toMatch(/rule "to-dockerhub-auto": override: Harbor false, file true/);
    } finally {
      policies = saved;
    }
  });

  it('--check names an invalid file with its line', async () => {
    vi.stubEnv('HARBOR_USERNAME', 'admin');
    vi.stubEnv('HARBOR_PASSWORD', 'Harbor12345');
    const file = join(tmp, 'broken.yaml');
    writeFileSync(file, 'version: 1\nregistries: {}\nrules: []\n');
    const r = await ferry('harbor', '--url', base, '--check', file);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/broken\.yaml:2:/);
  });
});

describe('ferry import <peer tool>', () => {
  it.each([
    ['regsync', ['regsync/regsync.yml']],
    ['skopeo', ['skopeo/sync.yml', '--dest', 'my-registry.local.lan/repo']],
    ['image-syncer', ['image-syncer/images.yaml', '--auth', 'image-syncer/auth.yaml']],
    ['dregsy', ['dregsy/config.yaml']],
    ['list', ['list/images.txt', '--dest', 'harbor-dc2.example.com']],
  ])('%s: writes a rules file ferry validates', async (tool, args) => {
    const out = join(tmp, `${tool}.yaml`);
    const paths = args.map((a) =>
      a.includes('/') && !a.includes('.lan') && !a.includes('.com') ? new URL(a, FIX).pathname : a,
    );
    const r = await ferry(tool, ...paths, '--out', out);
    expect(r.code).toBe(0);
    const { config, diagnostics } = parseConfig(readFileSync(out, 'utf8'), out);
    expect(diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    expect(config!.rules.length).toBeGreaterThan(0);
  });

  it('exits 1 with file, line and field for input it cannot read, 2 for a missing --dest', async () => {
    const bad = join(tmp, 'bad-regsync.yml');
    writeFileSync(bad, 'version: 1\nsync:\n  - source: alpine\n    target: x.io/alpine\n');
    const r = await ferry('regsync', bad);
    expect(r.code).toBe(1);
    expect(r.err).toContain(`${bad}:3: sync[0].type: expected a type`);
    expect((await ferry('skopeo', bad)).code).toBe(2);
    expect((await ferry('dregsy', join(tmp, 'missing.yaml'))).err).toMatch(/missing\.yaml: cannot read it \(ENOENT\)/);
  });
});
