/**
 * Two ferry runs writing into one OCI layout at once: every tag either run wrote must be in
 * index.json afterwards, and a run killed with SIGKILL never leaves a torn index.json or a lock
 * that blocks the next run. Each writer is a real OS process (test/support/oci-layout-worker.mjs).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { readFile, readdir, symlink } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LayoutLockError, OciLayoutStore } from '../../src/providers/oci-layout.js';
import { createTempDir, type TempDir } from '../support/tmp.js';

const WORKER = fileURLToPath(new URL('../support/oci-layout-worker.mjs', import.meta.url));

interface Worker {
  child: ChildProcess;
  /** Resolves when the worker has loaded the store and waits for the start signal. */
  ready: Promise<void>;
  done: Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>;
}

function worker(root: string, repository: string, op: 'put' | 'delete' | 'sign', tags: string[]): Worker {
  const child = spawn(process.execPath, ['--no-warnings', WORKER, root, repository, op, ...tags], {
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const done = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>(
    (resolve) => child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr })),
  );
  // Module loading takes a while and differs per process: give every worker time to get to its
  // stdin read before starting them all, so their writes really overlap.
  const ready = new Promise<void>((resolve) => setTimeout(resolve, 1500));
  return { child, ready, done };
}

async function runTogether(workers: Worker[]) {
  await Promise.all(workers.map((w) => w.ready));
  for (const w of workers) w.child.stdin!.end('go\n');
  const results = await Promise.all(workers.map((w) => w.done));
  for (const r of results) expect(r, r.stderr).toMatchObject({ code: 0 });
  return results;
}

const tagsFor = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => `${prefix}-${i}`);

let tmp: TempDir;
beforeEach(async () => {
  tmp = await createTempDir('ferry-oci-lock-');
});
afterEach(async () => {
  await tmp.remove();
});

describe('OCI layout shared by several processes', () => {
  it('keeps every tag that concurrent runs write (several rounds)', async () => {
    const missing: number[] = [];
    for (let round = 0; round < 3; round++) {
      const root = join(tmp.path, `round-${round}`);
      const sets = ['a', 'b', 'c'].map((p) => tagsFor(p, 25));
      await runTogether(sets.map((tags) => worker(root, 'app', 'put', tags)));
      const tags = new Set(await new OciLayoutStore('check', root).listTags('app'));
      missing.push(sets.flat().filter((t) => !tags.has(t)).length);
      if (missing.at(-1)) continue;
      const index = JSON.parse(await readFile(join(root, 'app', 'index.json'), 'utf8')) as { manifests: unknown[] };
      expect(index.manifests).toHaveLength(75);
      // No lock file or temporary index left behind.
      expect((await readdir(join(root, 'app'))).sort()).toEqual(['blobs', 'index.json', 'oci-layout']);
    }
    // Tags missing per round, out of 75.
    expect(missing).toEqual([0, 0, 0]);
  }, 120_000);

  it('applies deletions and additions from different processes without losing either', async () => {
    const root = tmp.path;
    const old = tagsFor('old', 30);
    await runTogether([worker(root, 'app', 'put', old)]);
    const added = tagsFor('new', 30);
    await runTogether([
      worker(root, 'app', 'delete', old.slice(0, 20)),
      worker(root, 'app', 'put', added.slice(0, 15)),
      worker(root, 'app', 'put', added.slice(15)),
    ]);
    expect(await new OciLayoutStore('check', root).listTags('app')).toEqual([...old.slice(20), ...added].sort());
  }, 60_000);

  it("keeps every signature that concurrent runs add to one subject's referrers fallback index", async () => {
    const root = tmp.path;
    const signers = ['a', 'b', 'c'].map((p) => tagsFor(p, 15));
    await runTogether(signers.map((names) => worker(root, 'app', 'sign', names)));
    const store = new OciLayoutStore('check', root);
    const [fallback] = await store.listTags('app');
    expect(fallback).toMatch(/^sha256-[a-f0-9]{64}$/);
    const index = await store.manifestGet('app', fallback!);
    const signed = new Set(index?.parsed.manifests.map((d) => d.annotations?.signer));
    expect(signers.flat().filter((name) => !signed.has(name))).toEqual([]);
  }, 60_000);

  it('a run killed with SIGKILL mid-write leaves a whole index.json and does not block the next run', async () => {
    for (let round = 0; round < 3; round++) {
      const root = join(tmp.path, `round-${round}`);
      const victim = worker(root, 'app', 'put', tagsFor('v', 2000));
      await victim.ready;
      victim.child.stdin!.end('go\n');
      await new Promise((r) => setTimeout(r, 150 + round * 100));
      victim.child.kill('SIGKILL');
      expect((await victim.done).signal).toBe('SIGKILL');

      const before = JSON.parse(await readFile(join(root, 'app', 'index.json'), 'utf8')) as { manifests: unknown[] };
      expect(before.manifests.length).toBeGreaterThan(0);
      const next = tagsFor('n', 5);
      const started = Date.now();
      await runTogether([worker(root, 'app', 'put', next)]);
      // Module loading plus the start delay; a lock left by the killed run must not add a wait.
      expect(Date.now() - started).toBeLessThan(10_000);
      const tags = await new OciLayoutStore('check', root).listTags('app');
      expect(tags).toEqual(expect.arrayContaining(next));
      expect(tags.length).toBe(before.manifests.length + next.length);
    }
  }, 120_000);

  it('a lock that exists but never reads back (a dangling link) fails at the lock deadline instead of spinning', async () => {
    const store = new OciLayoutStore('t', tmp.path, { lockTimeoutMs: 300 });
    const manifest = (tag: string) =>
      Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: MANIFEST, config: EMPTY_CONFIG, layers: [], tag }));
    await store.manifestPut('app', 'v1', manifest('v1'), MANIFEST);
    // O_EXCL sees the link and refuses; reading it finds nothing: every pass "released at once".
    const lock = join(tmp.path, 'app', 'index.json.lock');
    await symlink(join(tmp.path, 'nowhere'), lock);
    const put = store.manifestPut('app', 'v2', manifest('v2'), MANIFEST);
    await expect(put).rejects.toThrow(LayoutLockError);
    await expect(put).rejects.toThrow(`within 300ms: the lock file ${lock} is held by an unreadable holder`);
    expect(await store.listTags('app')).toEqual(['v1']);
  }, 20_000);
});

const MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
const EMPTY_CONFIG = {
  mediaType: 'application/vnd.oci.image.config.v1+json',
  digest: 'sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a',
  size: 2,
};
