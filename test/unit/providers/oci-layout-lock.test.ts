/**
 * The lock file that serialises index.json updates across processes: stale locks are taken over
 * (holder gone, or too old), live ones are waited for, and a lock that stays held ends in an
 * error that names the layout and the lock file.
 */
import { spawnSync } from 'node:child_process';
import { mkdir, readdir, readFile, unlink, utimes, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LayoutLockError, OciLayoutStore } from '../../../src/providers/oci-layout.js';
import { createTempDir, type TempDir } from '../../support/tmp.js';

const MEDIA = 'application/vnd.oci.image.manifest.v1+json';
const manifest = (tag: string) =>
  Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: MEDIA,
      config: {
        mediaType: 'application/vnd.oci.image.config.v1+json',
        digest: 'sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a',
        size: 2,
      },
      layers: [],
      annotations: { tag },
    }),
  );

let tmp: TempDir;
let repoDir: string;
let lockPath: string;
beforeEach(async () => {
  tmp = await createTempDir('ferry-oci-lock-unit-');
  repoDir = join(tmp.path, 'app');
  lockPath = join(repoDir, 'index.json.lock');
  // An existing layout with one tag, so only the lock decides what happens next.
  await new OciLayoutStore('setup', tmp.path).manifestPut('app', 'base', manifest('base'), MEDIA);
});
afterEach(async () => {
  await tmp.remove();
});

/** A pid that belonged to a process that has exited. */
function deadPid(): number {
  const { pid } = spawnSync(process.execPath, ['-e', '']);
  expect(() => process.kill(pid!, 0)).toThrow();
  return pid!;
}

async function writeLock(holder: { pid?: number; host?: string; since?: number }) {
  await writeFile(
    lockPath,
    JSON.stringify({ host: hostname(), since: Date.now(), ...holder, time: new Date().toISOString(), nonce: 'x' }),
  );
}

const tags = (store: OciLayoutStore) => store.listTags('app');

describe('OCI layout index.json lock', () => {
  it('takes over a lock whose holder process no longer exists', async () => {
    await writeLock({ pid: deadPid() });
    const store = new OciLayoutStore('s', tmp.path, { lockTimeoutMs: 5_000, lockStaleMs: 60_000 });
    const started = Date.now();
    await store.manifestPut('app', 'v1', manifest('v1'), MEDIA);
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(await tags(store)).toEqual(['base', 'v1']);
    expect((await readdir(repoDir)).sort()).toEqual(['blobs', 'index.json', 'oci-layout']);
  });

  it('takes over a lock older than the bound even when its pid is alive (pid reuse)', async () => {
    await writeLock({ pid: process.pid, since: Date.now() - 10_000 });
    const store = new OciLayoutStore('s', tmp.path, { lockTimeoutMs: 5_000, lockStaleMs: 5_000 });
    await store.deleteTag('app', 'base');
    expect(await tags(store)).toEqual([]);
    expect(await readdir(repoDir)).not.toContain('index.json.lock');
  });

  it('takes over an old lock from another host, whose pid it cannot check', async () => {
    await writeLock({ pid: deadPid(), host: 'elsewhere.example', since: Date.now() - 10_000 });
    const store = new OciLayoutStore('s', tmp.path, { lockTimeoutMs: 5_000, lockStaleMs: 5_000 });
    await store.manifestPut('app', 'v1', manifest('v1'), MEDIA);
    expect(await tags(store)).toEqual(['base', 'v1']);
  });

  it('takes over an empty lock file (holder killed before writing it) once its mtime is old', async () => {
    await writeFile(lockPath, '');
    const old = new Date(Date.now() - 10_000);
    await utimes(lockPath, old, old);
    const store = new OciLayoutStore('s', tmp.path, { lockTimeoutMs: 5_000, lockStaleMs: 5_000 });
    await store.manifestPut('app', 'v1', manifest('v1'), MEDIA);
    expect(await tags(store)).toEqual(['base', 'v1']);
  });

  it('waits for a live holder and goes on once the lock is released', async () => {
    await writeLock({ pid: process.pid });
    const store = new OciLayoutStore('s', tmp.path, { lockTimeoutMs: 5_000 });
    setTimeout(() => void unlink(lockPath), 300);
    const started = Date.now();
    await store.manifestPut('app', 'v1', manifest('v1'), MEDIA);
    expect(Date.now() - started).toBeGreaterThanOrEqual(250);
    expect(await tags(store)).toEqual(['base', 'v1']);
  });

  it('fails with an error naming the layout and lock file when a live lock is held too long', async () => {
    await writeLock({ pid: process.pid });
    const store = new OciLayoutStore('s', tmp.path, { lockTimeoutMs: 300, lockStaleMs: 60_000 });
    const indexBefore = await readFile(join(repoDir, 'index.json'), 'utf8');
    const started = Date.now();
    const err = await store.manifestPut('app', 'v1', manifest('v1'), MEDIA).catch((e: unknown) => e);
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(err).toBeInstanceOf(LayoutLockError);
    const message = (err as Error).message;
    expect(message).toContain(repoDir);
    expect(message).toContain(lockPath);
    expect(message).toContain(`pid ${process.pid}`);
    expect(message).toMatch(/if no ferry run is using this layout, remove .*index\.json\.lock/i);
    expect((err as LayoutLockError).lockFile).toBe(lockPath);
    // Deletion goes through the same lock.
    await expect(store.deleteTag('app', 'base')).rejects.toBeInstanceOf(LayoutLockError);
    // Nothing changed, and someone else's lock is left alone.
    expect(await readFile(join(repoDir, 'index.json'), 'utf8')).toBe(indexBefore);
    expect(await readdir(repoDir)).toContain('index.json.lock');
  });

  it('does not take over a fresh lock held by another host', async () => {
    await writeLock({ pid: deadPid(), host: 'elsewhere.example' });
    const store = new OciLayoutStore('s', tmp.path, { lockTimeoutMs: 300, lockStaleMs: 60_000 });
    await expect(store.manifestPut('app', 'v1', manifest('v1'), MEDIA)).rejects.toThrow(/on elsewhere\.example/);
  });

  it('keeps every tag when two stores on one root in one process write at once', async () => {
    const a = new OciLayoutStore('a', tmp.path);
    const b = new OciLayoutStore('b', tmp.path);
    const names = Array.from({ length: 40 }, (_, i) => `t${i}`);
    await Promise.all(
      names.flatMap((t, i) => [
        (i % 2 ? a : b).manifestPut('app', t, manifest(t), MEDIA),
        i % 5 === 0 ? a.deleteTag('app', 'base') : Promise.resolve(),
      ]),
    );
    expect(await tags(a)).toEqual([...names].sort());
    expect((await readdir(repoDir)).sort()).toEqual(['blobs', 'index.json', 'oci-layout']);
  });

  it('deleting a tag of a repository that has no layout changes nothing', async () => {
    const store = new OciLayoutStore('s', tmp.path);
    await expect(store.deleteTag('other', 'v1')).resolves.toBe('tag');
    expect((await readdir(tmp.path)).sort()).toEqual(['app']);
  });

  it('writes index.json through a temporary file and leaves none behind', async () => {
    await mkdir(join(tmp.path, 'x'), { recursive: true });
    const store = new OciLayoutStore('s', tmp.path);
    for (const t of ['a', 'b', 'c']) await store.manifestPut('x', t, manifest(t), MEDIA);
    expect((await readdir(join(tmp.path, 'x'))).sort()).toEqual(['blobs', 'index.json', 'oci-layout']);
  });
});
