import { createHash } from 'node:crypto';
import { MockAgent } from 'undici';
import { afterEach, beforeEach, expect, test } from 'vitest';
import type { Digest } from '../../../src/oci/digest.js';
import { MediaType } from '../../../src/oci/media-types.js';
import { referrersTag } from '../../../src/oci/referrers.js';
import { RegistryClient } from '../../../src/registry/client.js';

const REG = 'https://reg.example';
const sha = (b: Buffer | string): Digest => `sha256:${createHash('sha256').update(b).digest('hex')}`;

const subject = sha('the image');
const TAG = referrersTag(subject);
const referrer = (n: number) =>
  Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: MediaType.OciManifest,
      artifactType: 'application/vnd.dev.cosign.artifact.sig.v1+json',
      config: { mediaType: MediaType.OciEmpty, digest: sha('{}'), size: 2 },
      layers: [],
      subject: { mediaType: MediaType.OciManifest, digest: subject, size: 10 },
      annotations: { n: String(n) },
    }),
  );

let agent: MockAgent;
let client: RegistryClient;
let seen: string[];
/** Manifests by tag or digest: a distribution 2.8 without OCI-Subject unless `ociSubject`. */
let stored: Map<string, { bytes: Buffer; type: string }>;

function registry(o: { ociSubject?: boolean; delayMs?: number } = {}) {
  agent
    .get(REG)
    .intercept({ path: () => true, method: () => true })
    .reply(async (opts) => {
      const path = opts.path;
      if (path === '/v2/') return { statusCode: 200, data: '' };
      seen.push(`${opts.method} ${path}`);
      if (o.delayMs) await new Promise((r) => setTimeout(r, o.delayMs));
      const ref = path.split('/manifests/')[1] ?? '';
      const headers = lower(opts.headers);
      if (opts.method === 'PUT') {
        const bytes = Buffer.from(opts.body as string | Buffer);
        const entry = { bytes, type: headers['content-type'] ?? '' };
        stored.set(ref, entry);
        stored.set(sha(bytes), entry);
        return {
          statusCode: 201,
          data: '',
          responseOptions: {
            headers: { 'docker-content-digest': sha(bytes), ...(o.ociSubject ? { 'oci-subject': subject } : {}) },
          },
        };
      }
      const m = stored.get(ref);
      if (!m) return { statusCode: 404, data: '' };
      return { statusCode: 200, data: m.bytes, responseOptions: { headers: { 'content-type': m.type } } };
    })
    .persist();
}
function lower(h: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (h && typeof h === 'object') for (const [k, v] of Object.entries(h)) out[k.toLowerCase()] = String(v);
  return out;
}
const index = () => {
  const m = stored.get(TAG);
  return m
    ? (JSON.parse(m.bytes.toString()) as { mediaType: string; manifests: Record<string, unknown>[] })
    : undefined;
};

beforeEach(() => {
  agent = new MockAgent();
  agent.disableNetConnect();
  seen = [];
  stored = new Map();
  client = new RegistryClient({ registry: 'reg.example', baseUrl: REG, dispatcher: agent, sleep: async () => {} });
});
afterEach(async () => {
  await agent.close();
});

test('a referrer answered without OCI-Subject is added to a new fallback index', async () => {
  registry();
  const r = referrer(1);
  await client.manifestPut('a', sha(r), r, MediaType.OciManifest, { referrersFallback: { listed: false } });
  expect(seen).toEqual([`PUT /v2/a/manifests/${sha(r)}`, `GET /v2/a/manifests/${TAG}`, `PUT /v2/a/manifests/${TAG}`]);
  expect(index()).toEqual({
    schemaVersion: 2,
    mediaType: MediaType.OciIndex,
    manifests: [
      {
        mediaType: MediaType.OciManifest,
        digest: sha(r),
        size: r.length,
        artifactType: 'application/vnd.dev.cosign.artifact.sig.v1+json',
        annotations: { n: '1' },
      },
    ],
  });
  expect((await client.referrers('a', subject)).map((d) => d.digest)).toEqual([sha(r)]);
});

test('a referrer the index lists already is not written again (dedupe by digest)', async () => {
  registry();
  const r = referrer(1);
  await client.manifestPut('a', sha(r), r, MediaType.OciManifest, { referrersFallback: { listed: false } });
  seen = [];
  await client.manifestPut('a', sha(r), r, MediaType.OciManifest, { referrersFallback: { listed: false } });
  expect(seen).toEqual([`PUT /v2/a/manifests/${sha(r)}`, `GET /v2/a/manifests/${TAG}`]);
  expect(index()?.manifests).toHaveLength(1);
});

test('two referrers of one subject written at once both end up in the index', async () => {
  registry({ delayMs: 5 });
  const [r1, r2, r3] = [referrer(1), referrer(2), referrer(3)];
  await Promise.all(
    [r1, r2, r3].map((r) =>
      client.manifestPut('a', sha(r), r, MediaType.OciManifest, { referrersFallback: { listed: false } }),
    ),
  );
  expect(new Set(index()?.manifests.map((d) => d.digest))).toEqual(new Set([sha(r1), sha(r2), sha(r3)]));
});

test('a registry answering OCI-Subject, or a put without the option, costs no extra request', async () => {
  registry({ ociSubject: true });
  const r = referrer(1);
  await client.manifestPut('a', sha(r), r, MediaType.OciManifest, { referrersFallback: { listed: false } });
  await client.manifestPut('a', sha(r), r, MediaType.OciManifest);
  expect(seen).toEqual([`PUT /v2/a/manifests/${sha(r)}`, `PUT /v2/a/manifests/${sha(r)}`]);
  expect(index()).toBeUndefined();
});

test('without the option a registry without OCI-Subject gets only the PUT', async () => {
  registry();
  const r = referrer(1);
  await client.manifestPut('a', sha(r), r, MediaType.OciManifest);
  expect(seen).toEqual([`PUT /v2/a/manifests/${sha(r)}`]);
});
