/**
 * What a failed row says when a registry misbehaves after ferry did its part: a real distribution
 * 2.8.2 with basic auth over TLS, behind the fault proxy, run through the whole engine (runConfig),
 * so each hint is the one the user reads, with the provider layer's wording.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, expect, test } from 'vitest';
import { loadConfig } from '../../src/config/index.js';
import { OciLayoutStore } from '../../src/providers/oci-layout.js';
import { RegistryClient } from '../../src/registry/client.js';
import type { Result } from '../../src/replicate/result.js';
import { runConfig } from '../../src/replicate/run.js';
import { type FaultProxy, startFaultProxy } from '../support/fault-proxy.js';
import { putLayoutImage } from '../support/layout-image.js';
import { type RecordingServer, startRecordingServer } from '../support/recording-server.js';
import { type RunningRegistry, startRegistry } from '../support/registry-process.js';
import { getTestTls } from '../support/tls.js';
import { createTempDir, type TempDir } from '../support/tmp.js';

/** What a signed CDN URL carries in its query: never to be shown. */
const SIGNATURE = 'c2lnbmF0dXJlLW9mLXRoZS1jZG4tdXJs';

let reg: RunningRegistry;
let px: FaultProxy;
/** The "CDN" blob GETs are redirected to: another host (127.0.0.2), refusing every request. */
let cdn: RecordingServer;
/** The registry itself, not through the proxy: what is really there. */
let direct: RegistryClient;
let tmp: TempDir;

beforeAll(async () => {
  const tls = await getTestTls();
  reg = await startRegistry({ mode: 'basic', logLevel: 'warn' });
  px = await startFaultProxy({ target: reg.url, targetCa: tls.caPem, tls: { cert: tls.certPem, key: tls.keyPem } });
  cdn = await startRecordingServer({
    tls: { cert: tls.certPem, key: tls.keyPem },
    status: 401,
    headers: { 'content-type': 'application/xml', 'www-authenticate': 'Basic realm="cdn"' },
    // As S3 answers: what follows Code and Message echoes the request, its signature included.
    body: `<?xml version="1.0" encoding="UTF-8"?><Error><Code>AccessDenied</Code><Message>Request has expired</Message><X-Amz-Signature>${SIGNATURE}</X-Amz-Signature></Error>`,
  });
  direct = new RegistryClient({
    registry: reg.host,
    baseUrl: reg.url,
    credentials: { username: 'ferry', password: reg.users.ferry! },
    tls: { ca: tls.caPem },
  });
  tmp = await createTempDir('ferry-hints-');
});

afterEach(() => px.clearRules());

afterAll(async () => {
  await direct?.close();
  await cdn?.stop();
  await px?.stop();
  await reg?.stop();
  await tmp?.remove();
});

/** The registry (through the proxy) as a rules-file entry, its password from the environment. */
const proxied = () =>
  `{ type: registry, url: ${px.url}, tls: { ca: ${reg.caFile} }, credentials: { username: ferry, password: { env: HINTS_PASSWORD } } }`;

/** Runs rule mirror from `src` to `dst` (rules-file entries); its one row. */
async function run(name: string, src: string, dst: string): Promise<Result> {
  const file = join(tmp.path, `${name}.yaml`);
  await writeFile(
    file,
    `version: 1\nregistries:\n  src: ${src}\n  dst: ${dst}\nrules:\n  - { name: mirror, source: src, destination: dst, filters: { name: "team/**" } }\n`,
  );
  process.env.HINTS_PASSWORD = reg.users.ferry!;
  try {
    const { config } = await loadConfig(file);
    const out = await runConfig(config!, { dryRun: false, concurrency: 1 });
    expect(out.report.ruleErrors).toEqual([]);
    expect(out.report.results).toHaveLength(1);
    return out.report.results[0]!;
  } finally {
    delete process.env.HINTS_PASSWORD;
  }
}

/** An OCI layout holding `repo:v1` (one layer), as a rules-file entry; the image's digest. */
async function layoutSource(dir: string, repo: string): Promise<{ entry: string; digest: string }> {
  const digest = await putLayoutImage(new OciLayoutStore('src', join(tmp.path, dir)), repo, 'v1');
  return { entry: `{ type: oci-layout, path: ./${dir} }`, digest };
}

test('a blob redirect whose target answers 401 names that host, not the credentials it never got', async () => {
  // The image at the registry, pushed there by ferry itself from a layout.
  const { entry } = await layoutSource('seed', 'team/app');
  expect((await run('seed', entry, proxied())).status).toBe('copied');

  const redirect = px.addRule({
    method: 'GET',
    path: '/blobs/',
    times: Number.POSITIVE_INFINITY,
    action: {
      kind: 'redirect',
      status: 307,
      location: ({ path }) => `${cdn.url}${path}?X-Amz-Expires=60&X-Amz-Signature=${SIGNATURE}`,
    },
  });
  const row = await run('redirected', proxied(), '{ type: oci-layout, path: ./out }');
  expect(redirect.count()).toBeGreaterThan(0);
  expect(row.status).toBe('failed');
  expect(row.error?.status).toBe(401);
  // The host that refused is named; before, only the registry's (127.0.0.1:PORT) was.
  expect(row.error?.message).toContain(`https://${cdn.host}, where the registry redirected the request, answered`);
  expect(row.error?.message).toContain('AccessDenied: Request has expired');
  // Before: `… refused the credentials for user "ferry" from registries.src.credentials …: check they are current`.
  expect(row.error?.hint).toMatch(
    new RegExp(
      `^${px.host.replaceAll('.', '\\.')} \\(registries\\.src, type registry\\) sent ferry to https://${cdn.host.replaceAll('.', '\\.')} \\(its blob storage or CDN\\), which refused the request without credentials: ferry sends none to another host than the registry's own, by design\\. Either the signed URL expired .*run again.*misconfigured`,
    ),
  );
  expect(row.error?.hint).not.toMatch(/credentials for user|check they are current|HINTS_PASSWORD/);
  // The signed URL's query is shown nowhere, nor the signature the body echoed.
  expect(JSON.stringify(row)).not.toContain(SIGNATURE);
  expect(JSON.stringify(row)).not.toContain('X-Amz-Expires');
  // And what the error says is so: the CDN got no credentials.
  expect(cdn.requests.length).toBeGreaterThan(0);
  for (const r of cdn.requests) expect(r.headers.authorization).toBeUndefined();
});

test('a tag that reads back with another digest after the write says the tag was written', async () => {
  const { entry, digest } = await layoutSource('lie', 'team/lie');
  const other = `sha256:${'cd'.repeat(32)}`;
  // The destination (a cache or proxy in front of it) answers the tag's HEAD with another digest.
  const lie = px.addRule({
    method: 'HEAD',
    path: '/v2/team/lie/manifests/v1',
    times: Number.POSITIVE_INFINITY,
    action: { kind: 'add-header', headers: { 'docker-content-digest': other } },
  });
  const row = await run('lie', entry, proxied());
  expect(lie.count()).toBeGreaterThan(0);
  expect(row.status).toBe('failed');
  expect(row.error?.kind).toBe('digest-mismatch');
  expect(row.error?.message).toContain(`tag v1 points at ${other} after writing ${digest}`);
  // Before: "the content received does not match its digest … nothing was written".
  expect(row.error?.hint).not.toContain('nothing was written');
  expect(row.error?.hint).toMatch(
    /^the tag was written \(.* accepted the PUT and serves the tag\), but reading it back gives another manifest than ferry wrote: another writer pushed the tag meanwhile .* a proxy or cache in front of the registry .* or the registry rewrites manifests; check what the tag holds/,
  );
  // What the hint says is so: the tag is there, listed, and holds what ferry wrote.
  expect(await direct.tags('team/lie')).toEqual(['v1']);
  expect((await direct.manifestHead('team/lie', 'v1'))?.digest).toBe(digest);
});

test('a tag that reads back as absent after the write says the registry accepted it and serves nothing', async () => {
  const { entry } = await layoutSource('gone', 'team/gone');
  const gone = px.addRule({
    method: 'HEAD',
    path: '/v2/team/gone/manifests/v1',
    times: Number.POSITIVE_INFINITY,
    action: { kind: 'status', status: 404 },
  });
  const row = await run('gone', entry, proxied());
  expect(gone.count()).toBeGreaterThan(0);
  expect(row.status).toBe('failed');
  expect(row.error?.message).toMatch(/tag v1 points at nothing after writing sha256:[0-9a-f]{64} \(HTTP 404\)$/);
  expect(row.error?.hint).toMatch(/accepted the tag's PUT, but reading the tag back finds nothing: .*run again/);
  expect(row.error?.hint).not.toContain('nothing was written');
});

test('blob uploads answered 201 but not kept: the manifest PUT’s MANIFEST_BLOB_UNKNOWN gets a hint', async () => {
  const { entry } = await layoutSource('lost', 'team/lost');
  // A storage backend (or a proxy) that acknowledges uploads and keeps nothing.
  const fake = px.addRule({
    method: 'PUT',
    path: /^\/v2\/team\/lost\/blobs\/uploads\//,
    times: Number.POSITIVE_INFINITY,
    action: {
      kind: 'custom',
      handle: (req, res) => {
        const digest = new URL(req.url ?? '/', 'https://x').searchParams.get('digest') ?? '';
        req.resume();
        res.writeHead(201, { location: `/v2/team/lost/blobs/${digest}`, 'docker-content-digest': digest }).end();
      },
    },
  });
  const row = await run('lost', entry, proxied());
  expect(fake.count()).toBeGreaterThan(0);
  expect(row.status).toBe('failed');
  expect(row.error?.status).toBe(400);
  // One per blob the registry says it lacks (here both).
  expect(new Set(row.error?.codes)).toEqual(new Set(['MANIFEST_BLOB_UNKNOWN']));
  // Before: no hint at all.
  expect(row.error?.hint).toMatch(
    /^127\.0\.0\.1:\d+ \(registries\.dst, type registry\) says it does not have a blob or child manifest this manifest refers to, .*the registry accepted the upload.*loses uploads.*run again.*check the registry's storage/,
  );
});
