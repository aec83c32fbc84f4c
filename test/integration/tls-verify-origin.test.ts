/**
 * `tls: { verify: false }` trusts the registry's own origin (scheme, host and port of its URL) and
 * no other: the token realm it names (which gets the user's password) and the hosts it redirects
 * blob GETs to (S3, a CDN) are verified as always, against the default roots and the registry's
 * `tls.ca`. Real docker-registry processes on 127.0.0.1 with the test CA's certificates, which
 * the clients here do not trust unless given `tls.ca`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Readable } from 'node:stream';
import { sha256 } from '../../src/oci/digest.js';
import type { Descriptor } from '../../src/oci/manifest.js';
import { RegistryClient } from '../../src/registry/client.js';
import { type FaultProxy, startFaultProxy } from '../support/fault-proxy.js';
import { createLayout, type FixtureImage } from '../support/oci-fixtures.js';
import { type RecordingServer, startRecordingServer } from '../support/recording-server.js';
import { type RunningRegistry, startRegistry } from '../support/registry-process.js';
import { seedImage } from '../support/skopeo.js';
import { getTestTls, type TestTls } from '../support/tls.js';
import { createTempDir, type TempDir } from '../support/tmp.js';
import { rejection } from '../support/rejection.js';

let tmp: TempDir;
let tls: TestTls;
let image: FixtureImage;
let layer: Descriptor;

beforeAll(async () => {
  tls = await getTestTls();
  tmp = await createTempDir();
  const layout = await createLayout(tmp.path);
  image = layout.addImage({ tag: 'v1', layers: [4096], seed: 'tls-verify-origin' });
  layer = (JSON.parse(image.raw.toString('utf8')) as { layers: Descriptor[] }).layers[0]!;
});

afterAll(async () => {
  await tmp?.remove();
});

async function drain(stream: Readable): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const c of stream) parts.push(c as Buffer);
  return Buffer.concat(parts);
}

describe('token registry with tls.verify false', () => {
  let reg: RunningRegistry;

  beforeAll(async () => {
    reg = await startRegistry({ mode: 'token' });
    await seedImage(tmp.path, 'v1', reg, 'src/app:v1');
  });
  afterAll(async () => {
    await reg?.stop();
  });

  function client(extra: { ca?: string } = {}): RegistryClient {
    return new RegistryClient({
      registry: reg.host,
      baseUrl: reg.url,
      credentials: { username: 'ferry', password: reg.users.ferry! },
      tls: { verify: false, ...extra },
      retry: { baseDelayMs: 10 },
    });
  }

  it('a token realm on another port with an unknown certificate is refused and never gets the password', async () => {
    const realm = new URL(reg.tokenServer!.url);
    expect(realm.host).not.toBe(new URL(reg.url).host);
    const before = reg.tokenServer!.requests.length;
    const c = client();
    try {
      const e = await rejection(c.tags('src/app'));
      expect(e.kind).toBe('tls');
      expect(e.message).toMatch(/UNABLE_TO_VERIFY_LEAF_SIGNATURE|unable to verify/);
      // The error names the realm's origin, not only the registry whose certificate is not checked.
      expect(e.message).toContain(`${realm.origin} is not the registry's own origin ${reg.url}`);
      // The hint is about that other host, not the registry's certificate, which is not checked:
      // decided from the error's field, not from its message's words, and naming the host.
      expect(e.otherOrigin).toBe(realm.origin);
      expect(e.hint).toContain(`the registry sent ferry to ${realm.origin} (its token service or blob storage)`);
      expect(e.hint).toMatch(/give the CA that signs it as .*tls\.ca/);
      // No TLS session was completed with the realm: no request, so no Basic credentials, reached it.
      expect(reg.tokenServer!.requests.slice(before)).toEqual([]);
    } finally {
      await c.close();
    }
  });

  it("the registry's tls.ca still makes the realm trusted, and the copy works", async () => {
    const before = reg.tokenServer!.requests.length;
    const c = client({ ca: tls.caPem });
    try {
      expect(await c.tags('src/app')).toEqual(['v1']);
      expect((await c.manifestHead('src/app', 'v1'))?.digest).toBe(image.digest);
      const seen = reg.tokenServer!.requests.slice(before);
      expect(seen.length).toBeGreaterThan(0);
      expect(seen.every((r) => r.user === 'ferry' && r.status === 200)).toBe(true);
    } finally {
      await c.close();
    }
  });
});

describe('basic-auth registry with tls.verify false, behind a TLS proxy that redirects blobs', () => {
  let reg: RunningRegistry;
  let px: FaultProxy;
  let cdn: RecordingServer;
  let c: RegistryClient;

  beforeAll(async () => {
    reg = await startRegistry({ mode: 'basic' });
    await seedImage(tmp.path, 'v1', reg, 'src/app:v1');
    const cert = { cert: tls.certPem, key: tls.keyPem };
    px = await startFaultProxy({ target: reg.url, targetCa: tls.caPem, tls: cert });
    // The "storage host": another origin on loopback, serving the blob with a certificate ferry does not know.
    cdn = await startRecordingServer({ host: '127.0.0.1', tls: cert, upstream: reg.url, upstreamCa: tls.caPem });
    c = new RegistryClient({
      registry: px.host,
      baseUrl: px.url,
      credentials: { username: 'ferry', password: reg.users.ferry! },
      tls: { verify: false },
      retry: { baseDelayMs: 10 },
    });
  });
  afterAll(async () => {
    await c?.close();
    await cdn?.stop();
    await px?.stop();
    await reg?.stop();
  });

  it("the registry's own origin is not verified: its certificate, unknown to ferry, is accepted", async () => {
    expect(await c.tags('src/app')).toEqual(['v1']);
    const { stream } = await c.blobGet('src/app', layer);
    expect(sha256(await drain(stream))).toBe(layer.digest);
  });

  it('a blob redirect to another origin with an unknown certificate is refused, naming that origin', async () => {
    px.addRule({
      method: 'GET',
      path: `/blobs/${layer.digest}`,
      action: { kind: 'redirect', status: 307, location: ({ path }) => `${cdn.url}${path}` },
    });
    const e = await rejection(c.blobGet('src/app', layer));
    expect(e.kind).toBe('tls');
    expect(e.message).toContain(`${cdn.url} is not the registry's own origin ${px.url}`);
    expect(e.otherOrigin).toBe(cdn.url);
    expect(e.hint).toContain(`the registry sent ferry to ${cdn.url}`);
    expect(cdn.requests).toEqual([]);
  });
});
