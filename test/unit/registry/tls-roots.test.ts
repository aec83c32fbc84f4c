/**
 * A registry's own CA (`tls.ca`) is trusted beside the default roots, not instead of them: its blob
 * redirects and token realm may live on a host with a publicly trusted certificate (S3, a CDN).
 * The "public" host here is the test server, its CA made one of the process's default roots.
 */
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { getCACertificates, setDefaultCACertificates } from 'node:tls';
import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { registryAgent } from '../../../src/registry/http.js';
import { getTestTls } from '../../support/tls.js';

let server: ReturnType<typeof createServer>;
let url: string;
const defaults = getCACertificates('default');

beforeAll(async () => {
  const tls = await getTestTls();
  server = createServer({ cert: tls.certPem, key: tls.keyPem }, (_q, r) => r.end('ok'));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `https://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  setDefaultCACertificates([...defaults, tls.caPem]);
});

afterAll(async () => {
  setDefaultCACertificates(defaults);
  await new Promise<void>((r) => server.close(() => r()));
});

test('a host the default roots trust still verifies when the registry has a CA of its own', async () => {
  // Another CA, the registry's: unrelated to the server's certificate.
  const own = await readFile((await getTestTls()).tokenSigning.certFile, 'utf8');
  const agent = registryAgent(url, { ca: own });
  try {
    const r = await agent.request({ origin: url, path: '/', method: 'GET' });
    expect(r.statusCode).toBe(200);
    expect(await r.body.text()).toBe('ok');
  } finally {
    await agent.close();
  }
});
