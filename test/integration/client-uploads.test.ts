/**
 * Upload paths of the client against a real registry (distribution 2.8.2) where a fake server
 * would prove little: token-mode permissions on a cross-repository mount, and what a cancelled
 * run leaves in the registry.
 */
import { readFile } from 'node:fs/promises';
import { Readable } from 'node:stream';
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
