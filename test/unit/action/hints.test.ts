/**
 * Hints for the failures a new user meets first, from real failures where a loopback socket can
 * produce them (a closed port, a TLS server asked in plain HTTP is covered by the action test).
 */
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { applyHint } from '../../../src/providers/hints.js';
import { RegistryClient } from '../../../src/registry/client.js';
import { RegistryError } from '../../../src/registry/errors.js';
import { getTestTls } from '../../support/tls.js';

const ctx = { provider: 'registry', registryName: 'cluster', host: 'r.example.com' } as const;

describe('BLOB_UNKNOWN and MANIFEST_BLOB_UNKNOWN', () => {
  test('a blob the source lists but does not have: the hint names the blob and the registry entry', () => {
    const digest = `sha256:${'ab'.repeat(32)}`;
    const e = new RegistryError({
      kind: 'not-found',
      registry: 'r.example.com',
      repository: 'team/app',
      operation: 'fetching blob',
      method: 'GET',
      url: `https://r.example.com/v2/team/app/blobs/${digest}`,
      status: 404,
      codes: ['BLOB_UNKNOWN'],
    });
    expect(e.hint).toContain(`r.example.com lists a manifest in team/app whose blob ${digest} it does not have`);
    expect(applyHint(e, ctx).hint).toMatch(
      /^r\.example\.com \(registries\.cluster, type registry\) lists a manifest in team\/app whose blob .*garbage collection removed the blob/,
    );
  });

  test('a manifest push the destination refuses for a missing blob', () => {
    // As the transport makes it: a 400 is kind 'invalid' (this test said 'not-found', which a 400 never is).
    const e = new RegistryError({
      kind: 'invalid',
      registry: 'r.example.com',
      repository: 'team/app',
      operation: 'writing manifest to',
      method: 'PUT',
      url: 'https://r.example.com/v2/team/app/manifests/v1',
      status: 400,
      codes: ['MANIFEST_BLOB_UNKNOWN'],
    });
    expect(e.hint).toMatch(/does not have a blob or child manifest this manifest refers to.*loses uploads.*run again/);
    expect(applyHint(e, ctx).hint).toMatch(
      /^r\.example\.com \(registries\.cluster, type registry\) says it does not have a blob/,
    );
  });
});

describe('network failures', () => {
  let server: ReturnType<typeof createServer>;
  let port: number;
  beforeAll(async () => {
    const tls = await getTestTls();
    server = createServer({ cert: tls.certPem, key: tls.keyPem }, (_q, r) => r.end('{}'));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  async function failure(url: string, attempts = 1): Promise<RegistryError> {
    const client = new RegistryClient({
      baseUrl: url,
      registry: new URL(url).host,
      retry: { attempts },
      sleep: async () => {},
    });
    const e = await client.ping().then(
      () => undefined,
      (x: unknown) => x,
    );
    expect(e).toBeInstanceOf(RegistryError);
    return e as RegistryError;
  }

  test('a closed port: ECONNREFUSED names the url to check', async () => {
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const free = (closed.address() as AddressInfo).port;
    await new Promise<void>((r) => closed.close(() => r()));
    const e = await failure(`http://127.0.0.1:${free}`);
    expect(e.kind).toBe('network');
    expect(applyHint(e, { ...ctx, host: `127.0.0.1:${free}` }).hint).toBe(
      `nothing accepts connections at 127.0.0.1:${free}: check the port in registries.cluster.url, and that the registry is running and reachable from the runner`,
    );
    // Retried before giving up: the hint says so, or the wait (11 s by default) reads as a hang.
    const retried = await failure(`http://127.0.0.1:${free}`, 3);
    expect(applyHint(retried, { ...ctx, host: `127.0.0.1:${free}` }).hint).toMatch(
      new RegExp(
        `^nothing accepts connections at 127\\.0\\.0\\.1:${free} on each of 3 attempts over [0-9.]+ s: check the port`,
      ),
    );
  });

  test("an unknown CA: Node's --use-system-ca advice is dropped, the hint names tls.ca", async () => {
    const e = await failure(`https://127.0.0.1:${port}`);
    expect(e.kind).toBe('tls');
    // What Node says, and what the message no longer repeats.
    const said = (x: unknown): string => (x ? `${(x as Error).message} ${said((x as Error).cause)}` : '');
    expect(said(e.cause)).toContain('--use-system-ca');
    expect(e.message).not.toContain('--use-system-ca');
    expect(applyHint(e, { ...ctx, host: `127.0.0.1:${port}` }).hint).toContain('registries.cluster.tls.ca');
  });
});
