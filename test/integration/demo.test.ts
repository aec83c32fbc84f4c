/**
 * `ferry demo` on a fresh directory: the embedded layouts are mirrored into a local OCI layout,
 * a second run changes nothing, and skopeo reads the mirror with the source's digests.
 */
import { execFile, spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it, test, vi } from 'vitest';
import { demoCommand } from '../../src/cli/commands/demo.js';
import { nodeTooOld } from '../../src/cli/node-check.js';
import { loadConfig } from '../../src/config/index.js';
import { runConfig } from '../../src/replicate/run.js';
import type { RunReport } from '../../src/replicate/result.js';
import { inspectDigest, inspectRaw, skopeoCopy } from '../support/skopeo.js';
import { createTempDir, type TempDir } from '../support/tmp.js';

/** Tags the demo rule selects: release tags and latest, not -rc nor dev. */
const EXPECTED = [
  'acme/app/web:latest',
  'acme/app/web:v1.0.0',
  'acme/app/web:v1.1.0',
  'acme/app/worker:v2.0.0',
  'acme/tools/cli:v3.1.0',
];

let tmp: TempDir;
let dir: string;

beforeAll(async () => {
  tmp = await createTempDir('ferry-demo-');
  dir = join(tmp.path, 'fresh-clone');
});
afterAll(async () => {
  vi.restoreAllMocks();
  await tmp?.remove();
});

/** Runs the CLI's demo command with console output captured; returns exit code, output and report. */
async function demo(): Promise<{ code: number; out: string; report: RunReport }> {
  const lines: string[] = [];
  const log = vi.spyOn(console, 'log').mockImplementation((...a: unknown[]) => void lines.push(a.join(' ')));
  const err = vi.spyOn(console, 'error').mockImplementation((...a: unknown[]) => void lines.push(a.join(' ')));
  try {
    const code = await demoCommand({ dir });
    const report = JSON.parse(await readFile(join(dir, 'report.json'), 'utf8')) as RunReport;
    return { code, out: lines.join('\n'), report };
  } finally {
    log.mockRestore();
    err.mockRestore();
  }
}

/** The SBOM of tools/cli:v3.1.0 travels under its referrers fallback tag, a row of its own. */
const SBOM_TAG = /^acme\/tools\/cli:sha256-[0-9a-f]{64}$/;
const withSbom = (refs: string[]) =>
  [...refs.filter((r) => !SBOM_TAG.test(r))].concat(refs.filter((r) => SBOM_TAG.test(r)));

const byStatus = (r: RunReport, status: string) =>
  r.results
    .filter((x) => x.status === status)
    // destination is `oci:<path to the mirror layout>/<repository>:<tag>`
    .map((x) => x.destination.slice(x.destination.indexOf('fresh-clone/mirror/') + 'fresh-clone/mirror/'.length))
    .sort();

describe('ferry demo', () => {
  it('copies the five release tags on the first run', async () => {
    const { code, out, report } = await demo();
    expect(code, out).toBe(0);
    expect(report.totals.failed, out).toBe(0);
    const copied = withSbom(byStatus(report, 'copied'));
    expect(copied.slice(0, -1)).toEqual(EXPECTED);
    expect(copied.at(-1)).toMatch(SBOM_TAG);
    expect(report.results.map((r) => r.tag)).not.toContain('v1.2.0-rc1');
    expect(report.results.map((r) => r.tag)).not.toContain('dev');
    expect(out).toMatch(/Run it again/);
    // The mirror's paths read as folder, then repository: not mirror/mirror/….
    expect(out).not.toMatch(/mirror\/mirror\//);
    expect(out).toMatch(/^rule demo-mirror: source → mirror$/m);
    expect(out).toMatch(/^ {2}✔ copied +.*\/mirror\/acme\/app\/web:v1\.0\.0/m);
    expect(out).toMatch(/^Total: 6 copied; /m);
    const summary = await readFile(join(dir, 'summary.md'), 'utf8');
    expect(summary).toMatch(/copied/);
    // Six rows for five selected tags: the selection says where the sixth comes from (before: only
    // "5 of 8 tags (left out: 3 by tag)", the SBOM's tag among the three).
    expect(summary).toMatch(
      / · 5 of 8 tags \(left out: 3 by tag\), and 1 signature tag of selected tags \(referrers\)\n/,
    );
  });

  it('reports everything unchanged on the second run', async () => {
    const { code, report, out } = await demo();
    expect(code).toBe(0);
    expect(out).not.toMatch(/Run it again/);
    expect(out).toMatch(/Nothing to change/);
    expect(out).toMatch(/^ {2}= 6 unchanged$/m);
    const unchanged = withSbom(byStatus(report, 'unchanged'));
    expect(unchanged.slice(0, -1)).toEqual(EXPECTED);
    expect(unchanged.at(-1)).toMatch(SBOM_TAG);
    expect(report.results.filter((r) => r.status !== 'unchanged')).toEqual([]);
    expect(report.results.every((r) => r.bytes === 0)).toBe(true);
  });

  it('leaves a mirror skopeo reads through the oci: transport with the source digests', async () => {
    for (const ref of EXPECTED) {
      const [repo, tag] = ref.split(':') as [string, string];
      const srcRepo = repo.replace(/^acme\//, 'demo/');
      const mirrored = await inspectDigest(`oci:${join(dir, 'mirror', repo)}:${tag}`);
      const source = await inspectDigest(`oci:${join(dir, 'source', srcRepo)}:${tag}`);
      expect(mirrored, ref).toBe(source);
    }
    // The multi-arch index's children and the SBOM referrer came along.
    const cli = join(dir, 'mirror', 'acme/tools/cli');
    const index = JSON.parse((await inspectRaw(`oci:${cli}:v3.1.0`)).toString('utf8')) as {
      manifests: { digest: string }[];
    };
    expect(index.manifests).toHaveLength(2);
    const indexDigest = await inspectDigest(`oci:${cli}:v3.1.0`);
    const fallback = JSON.parse((await inspectRaw(`oci:${cli}:${indexDigest.replace(':', '-')}`)).toString('utf8')) as {
      manifests: { digest: string; artifactType?: string }[];
    };
    expect(fallback.manifests[0]?.artifactType).toBe('application/spdx+json');
    // skopeo can read every blob of every platform (it verifies them while copying)
    const out = join(tmp.path, 'copied');
    await skopeoCopy(`oci:${cli}:v3.1.0`, `oci:${out}:v3.1.0`, { all: true });
    expect(await inspectDigest(`oci:${out}:v3.1.0`)).toBe(indexDigest);
  });

  it('plans nothing to do through the library as well', async () => {
    const { config } = await loadConfig(join(dir, 'replication.yaml'));
    const { report, plan } = await runConfig(config, { dryRun: true });
    expect(report.totals.unchanged).toBe(EXPECTED.length + 1);
    expect(plan.rules[0]?.items.every((i) => i.action === 'unchanged')).toBe(true);
  });
});

describe('the demo next to what is not its own', () => {
  it("refuses a directory whose replication.yaml is the user's, and leaves it as it was", async () => {
    const mine = join(tmp.path, 'my-repo');
    await mkdir(mine);
    await writeFile(join(mine, 'replication.yaml'), 'version: 1 # mine\n');
    await expect(demoCommand({ dir: mine })).rejects.toThrow(/replication\.yaml exists and is not the demo's/);
    expect(await readFile(join(mine, 'replication.yaml'), 'utf8')).toBe('version: 1 # mine\n');
  });

  it('finishes its run and writes the report when the reader of its output goes away (ferry demo | head)', async () => {
    await ensureBuilt();
    const out = join(tmp.path, 'piped');
    const child = spawn(process.execPath, [join(ROOT, 'dist/cli/index.js'), 'demo', '--dir', out], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout.destroy(); // the reader is gone before the first line
    const code = await new Promise<number>((r) => child.on('close', (c) => r(c ?? -1)));
    expect(code).toBe(0);
    const report = JSON.parse(await readFile(join(out, 'report.json'), 'utf8')) as RunReport;
    expect(report.totals.copied).toBeGreaterThan(0);
  }, 300_000);
});

describe('the CLI on an old Node.js', () => {
  test.each([
    ['20.20.2', true],
    ['22.14.0', true],
    ['22.18.0', true],
    ['22.19.0', false],
    ['24.21.0', false],
  ])('Node.js %s refused: %s', (version, refused) => {
    expect(nodeTooOld(version) !== undefined).toBe(refused);
  });

  const old = '/usr/bin/node';
  const oldVersion = existsSync(old) ? spawnSync(old, ['-p', 'process.versions.node']).stdout?.toString().trim() : '';
  it.skipIf(!oldVersion || !nodeTooOld(oldVersion))(
    `says it needs 22.19 or newer, in one line and exit 1, instead of crashing (${old} ${oldVersion})`,
    async () => {
      await ensureBuilt();
      const r = spawnSync(old, [join(ROOT, 'dist/cli/index.js'), '--version'], { encoding: 'utf8' });
      expect(r.status).toBe(1);
      expect(r.stderr.trim()).toBe(nodeTooOld(oldVersion));
      expect(r.stdout).toBe('');
    },
    300_000,
  );
});

const ROOT = resolve(import.meta.dirname, '../..');

/** Builds dist/ when any source file is newer than the CLI bundle, so the test runs what it tests. */
async function ensureBuilt(): Promise<void> {
  const bundle = join(ROOT, 'dist/cli/index.js');
  const built = await stat(bundle).then(
    (s) => s.mtimeMs,
    () => 0,
  );
  const newest = async (dir: string): Promise<number> => {
    let m = 0;
    for (const e of await readdir(dir, { withFileTypes: true })) {
      const p = join(dir, e.name);
      m = Math.max(m, e.isDirectory() ? await newest(p) : (await stat(p)).mtimeMs);
    }
    return m;
  };
  if ((await newest(join(ROOT, 'src'))) > built)
    await promisify(execFile)('npm', ['run', 'build'], { cwd: ROOT, maxBuffer: 64 * 1024 * 1024 });
}
