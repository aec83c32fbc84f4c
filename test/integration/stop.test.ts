/**
 * Stopping a run (a cancelled workflow's SIGTERM, the run's timeout): nothing new starts, a
 * transfer in flight is cancelled after the grace period, and the report says what was done and
 * what was not. Source: a real registry behind the fault proxy, which holds one blob back.
 */
import { spawn } from 'node:child_process';
import { readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/index.js';
import { runConfig } from '../../src/replicate/run.js';
import type { RunReport } from '../../src/replicate/result.js';
import { startFaultProxy, type FaultProxy } from '../support/fault-proxy.js';
import { createLayout, type FixtureImage } from '../support/oci-fixtures.js';
import { type RunningRegistry, startRegistry } from '../support/registry-process.js';
import { seedImage } from '../support/skopeo.js';
import { createTempDir, type TempDir } from '../support/tmp.js';

const ROOT = join(import.meta.dirname, '../..');
const CLI = join(ROOT, 'dist/cli/index.js');

let tmp: TempDir;
let src: RunningRegistry;
let dst: RunningRegistry;
let proxy: FaultProxy;
const images: FixtureImage[] = [];

beforeAll(async () => {
  tmp = await createTempDir('ferry-stop-');
  [src, dst] = await Promise.all([startRegistry({ mode: 'anonymous' }), startRegistry({ mode: 'anonymous' })]);
  proxy = await startFaultProxy({ target: src.url });
  const layout = await createLayout(join(tmp.path, 'layout'));
  for (const tag of ['a1', 'a2', 'a3']) {
    images.push(layout.addImage({ tag, layers: [4096], seed: `stop-${tag}` }));
    await seedImage(layout.dir, tag, src, `stop/app:${tag}`);
  }
});

afterAll(async () => {
  await proxy?.stop();
  await Promise.all([src?.stop(), dst?.stop()]);
  await tmp?.remove();
});

async function configFile(name: string): Promise<string> {
  const file = join(tmp.path, `${name}.yaml`);
  await writeFile(
    file,
    `version: 1
registries:
  src: { type: registry, url: ${proxy.url} }
  dst: { type: registry, url: ${dst.url} }
rules:
  - name: ${name}
    source: src
    destination: dst
    filters: { name: "stop/**" }
    destination_namespace: ${name}
    concurrency: 1
`,
  );
  return file;
}

/** Holds the first image's layer GET forever; resolves when it is being held. */
function holdFirstLayer(): Promise<void> {
  const layer = images[0]!.blobs.find((d) => d !== JSON.parse(images[0]!.raw.toString()).config.digest)!;
  return new Promise((held) => {
    proxy.addRule({
      method: 'GET',
      path: `/blobs/${layer}`,
      times: Number.POSITIVE_INFINITY,
      action: { kind: 'custom', handle: () => held() },
    });
  });
}

describe('a stopped run', () => {
  it('starts nothing new, cancels the held transfer after the grace period, and reports both', async () => {
    const held = holdFirstLayer();
    const stop = new AbortController();
    void held.then(() => stop.abort('the run reached its timeout of 1s'));
    const { config } = await loadConfig(await configFile('timeout'));
    const out = await runConfig(config, { dryRun: false, signal: stop.signal, graceMs: 200 });
    proxy.clearRules();

    const byTag = Object.fromEntries(out.report.results.map((r) => [r.tag, r]));
    // Cut short by the stop: left for the next run, not a failure of the registry (before: failed).
    expect(byTag.a1?.status).toBe('deferred');
    expect(byTag.a1?.reason).toBe(
      'cut short: the run reached its timeout of 1s; the next run copies it (blobs written so far are kept)',
    );
    // Not started: left for the next run (deferred), not "skipped" as a filter would.
    for (const t of ['a2', 'a3']) {
      expect(byTag[t]?.status).toBe('deferred');
      expect(byTag[t]?.reason).toBe('not started: the run reached its timeout of 1s');
    }
    // The error is the rule's, which was carried out in part; no pseudo-rule stands for the run.
    expect(out.report.ruleErrors).toEqual([
      {
        rule: 'timeout',
        message: 'stopped early: the run reached its timeout of 1s; 3 of 3 tags left for the next run (deferred)',
        hint: 'run again to finish: what was done is kept, and a re-run carries on from there',
      },
    ]);
  });

  it('a second signal ends the grace at once: the held transfer is cancelled and the report made', async () => {
    // A cancelled GitHub job gets SIGINT, SIGTERM 7.5 s later, and is killed 2.5 s after that.
    const held = holdFirstLayer();
    const stop = new AbortController();
    const hurry = new AbortController();
    void held.then(() => {
      stop.abort('the run was cancelled (SIGINT)');
      hurry.abort('the run was cancelled (SIGTERM)');
    });
    const { config } = await loadConfig(await configFile('hurry'));
    // Before: the transfer held on for the whole grace (here longer than the test may take).
    const out = await runConfig(config, { dryRun: false, signal: stop.signal, hurry: hurry.signal, graceMs: 600_000 });
    proxy.clearRules();
    expect(out.report.results.map((r) => `${r.tag}:${r.status}`).sort()).toEqual([
      'a1:deferred',
      'a2:deferred',
      'a3:deferred',
    ]);
  });

  it('the CLI on SIGTERM writes its report with what was done and exits 1', async () => {
    // The CLI is the built bundle: rebuild it when a source file is newer.
    const built = await stat(CLI).then(
      (s) => s.mtimeMs,
      () => 0,
    );
    const { execFileSync } = await import('node:child_process');
    const newest =
      Number(execFileSync('bash', ['-c', `find ${ROOT}/src -type f -printf '%T@\\n' | sort -n | tail -1`]).toString()) *
      1000;
    if (newest > built) execFileSync('npm', ['run', 'build'], { cwd: ROOT, stdio: 'ignore' });

    const held = holdFirstLayer();
    const report = join(tmp.path, 'sigterm-report.json');
    const child = spawn(process.execPath, [CLI, 'run', '-c', await configFile('sigterm'), '--report', report], {
      cwd: tmp.path,
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number>((r) => child.on('close', (c) => r(c ?? -1)));
    await held;
    child.kill('SIGTERM');
    const code = await exited;
    proxy.clearRules();

    expect(code, stdout + stderr).toBe(1);
    const r = JSON.parse(await readFile(report, 'utf8')) as RunReport;
    expect(r.results.map((x) => `${x.tag}:${x.status}`).sort()).toEqual(['a1:deferred', 'a2:deferred', 'a3:deferred']);
    expect(r.ruleErrors).toContainEqual(
      expect.objectContaining({ rule: 'sigterm', message: expect.stringMatching(/cancelled \(SIGTERM\)/) }),
    );
    expect(stderr).toMatch(/stopped early: the run was cancelled \(SIGTERM\)/);
    // Told at once what happens next, not only at the end.
    expect(stderr).toMatch(
      /^ferry: stopping \(SIGTERM\): nothing new starts; transfers in flight get up to 5 s, then the report is written$/m,
    );
  });
});
