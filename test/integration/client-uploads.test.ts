/**
 * Upload paths of the client against a real registry (distribution 2.8.2) where a fake server
 * would prove little: token-mode permissions on a cross-repository mount, and what a cancelled
 * run leaves in the registry.
 */
import { readFile } from 'node:fs/promises';
import { PassThrough, Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sha256 } from '../../src/oci/digest.js';
import { RegistryClient } from '../../src/registry/client.js';
import { countRequests, type RunningRegistry, startRegistry } from '../support/registry-process.js';

describe('token registry: a mount the destination account may not read', () => {
  let reg: RunningRegistry;
  let ca: string;
  beforeAll(async () => {
    reg = await startRegistry({
      mode: 'token',
      logLevel: 'info',
      users: { admin: 'admin-pw', pusher: 'pusher-pw' },
      grants: {
        admin: [{ repository: '*', actions: ['*'] }],
        // May push under mirror/ but not read app/: the mount's pull scope on app/web is refused.
        pusher: [{ repository: 'mirror/*', actions: ['*'] }],
      },
    });
    ca = await readFile(reg.caFile!, 'utf8');
  });
  afterAll(async () => {
    await reg?.stop();
  });

  const client = (username: string, password: string) =>
    new RegistryClient({
      registry: reg.host,
      baseUrl: reg.url,
      credentials: { username, password },
      tls: { ca },
      retry: { baseDelayMs: 10 },
    });

  it('uploads instead (RELIABILITY D1), and does not ask for a mount from that repository again', async () => {
    const admin = client('admin', 'admin-pw');
    const blobs = [Buffer.from('first layer'), Buffer.from('second layer')];
    for (const b of blobs)
      await admin.blobUpload('app/web', { digest: sha256(b), size: b.length }, () => Readable.from([b]));
    await admin.close();

    const debug: string[] = [];
    const lines: string[] = [];
    const mountPosts: number[] = [];
    const mounts = () => countRequests(reg, /"POST \/v2\/mirror\/web\/blobs\/uploads\/\?(?:from|mount)=/);
    const logged = new RegistryClient({
      registry: reg.host,
      baseUrl: reg.url,
      credentials: { username: 'pusher', password: 'pusher-pw' },
      tls: { ca },
      retry: { baseDelayMs: 10 },
      debug: (l) => debug.push(l),
    });
    try {
      for (const b of blobs) {
        const r = await logged.blobUpload(
          'mirror/web',
          { digest: sha256(b), size: b.length },
          () => Readable.from([b]),
          {
            mountFrom: 'app/web',
          },
        );
        lines.push(r.via);
        expect(await logged.blobHead('mirror/web', sha256(b))).toBe(b.length);
        mountPosts.push(await mounts());
      }
    } finally {
      await logged.close();
    }
    expect(lines).toEqual(['uploaded', 'uploaded']);
    // The first blob's mount was refused (its POST and the re-authenticated one); the second blob
    // went straight to a plain upload.
    expect(mountPosts[0]).toBeGreaterThan(0);
    expect(mountPosts[1]).toBe(mountPosts[0]);
    expect(debug.some((l) => l.includes('mount from app/web into mirror/web failed'))).toBe(true);
  });
});

describe('anonymous registry: a cancelled run', () => {
  let reg: RunningRegistry;
  beforeAll(async () => {
    reg = await startRegistry({ mode: 'anonymous', logLevel: 'info' });
  });
  afterAll(async () => {
    await reg?.stop();
  });

  /** The upload-session requests the registry saw, as `METHOD status`. */
  const sessionRequests = async () =>
    (await readFile(reg.logFile, 'utf8'))
      .split('\n')
      .map((l) => /"(POST|PATCH|PUT|DELETE) \/v2\/app\/blobs\/uploads\/[^"]*" (\d+)/.exec(l))
      .filter((m) => m !== null)
      .map((m) => `${m[1]} ${m[2]}`);

  it('still DELETEs the upload session it abandons (RELIABILITY D5)', async () => {
    const cancel = new AbortController();
    const debug: string[] = [];
    const c = new RegistryClient({
      registry: reg.host,
      baseUrl: reg.url,
      retry: { baseDelayMs: 10 },
      cancel: cancel.signal,
      chunkThreshold: 0,
      chunkSize: 16 * 1024,
      debug: (l) => debug.push(l),
    });
    const data = Buffer.alloc(1024 * 1024, 7);
    const body = new PassThrough();
    // The source sends 64 KiB (four chunks go up), then stalls until the run is cancelled, when
    // its download fails as a real one that follows the cancel signal does.
    body.write(data.subarray(0, 64 * 1024));
    cancel.signal.addEventListener('abort', () => body.destroy(new Error('source cancelled')));
    setTimeout(() => cancel.abort('SIGTERM'), 500);
    try {
      const err = await c
        .blobUpload('app', { digest: sha256(data), size: data.length }, () => body)
        .then(
          () => undefined,
          (e: unknown) => e,
        );
      // The failed source makes blobUpload retry the session, whose POST the cancelled run stops.
      expect(String(err)).toContain('cancelled');
    } finally {
      await c.close();
    }
    const seen = await sessionRequests();
    expect(seen.filter((l) => l.startsWith('PATCH'))).toHaveLength(4);
    // The DELETE went out although the run was cancelled. Distribution answers it 404
    // BLOB_UPLOAD_INVALID because the Location's state still says offset 0, and cancels the
    // session on that mismatch; the client counts 404 as done, so nothing reaches the debug log.
    expect(seen.filter((l) => l.startsWith('DELETE'))).toHaveLength(1);
    expect(debug).toEqual([]);
  });
});
