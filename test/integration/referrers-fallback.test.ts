/**
 * RELIABILITY E3: a signature copied from a source with a referrers API into distribution 2.8.2
 * (no referrers API, no OCI-Subject) is added to the destination's `sha256-<hex>` fallback index.
 */
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { type Digest, sha256 } from '../../src/oci/digest.js';
import type { Descriptor } from '../../src/oci/manifest.js';
import { MediaType } from '../../src/oci/media-types.js';
import type { Store } from '../../src/providers/index.js';
import { OciLayoutStore } from '../../src/providers/oci-layout.js';
import { RegistryStore } from '../../src/providers/registry-store.js';
import { RegistryClient, referrersTag } from '../../src/registry/client.js';
import { runRule } from '../../src/replicate/rule.js';
import { dirPerTest, testRule } from '../support/engine.js';
import { type RunningRegistry, startRegistry } from '../support/registry-process.js';
import { dockerRef, inspectRaw, refOptions } from '../support/skopeo.js';

const tmp = dirPerTest('ferry-e3-');
let reg: RunningRegistry;
beforeAll(async () => {
  reg = await startRegistry({ mode: 'anonymous', logLevel: 'error' });
});
afterAll(async () => {
  await reg?.stop();
});

const SIGNATURE = 'application/vnd.dev.cosign.artifact.sig.v1+json';

async function put(store: OciLayoutStore, repo: string, data: Buffer, mediaType: string) {
  const desc = { mediaType, digest: sha256(data), size: data.length };
  await store.blobPut(repo, desc, async () => Readable.from([data]));
  return desc;
}
async function image(store: OciLayoutStore, repo: string, tag: string): Promise<Digest> {
  const config = await put(store, repo, Buffer.from('{"os":"linux","architecture":"amd64"}'), MediaType.OciConfig);
  const layer = await put(store, repo, Buffer.from(`layer of ${tag}`), 'application/vnd.oci.image.layer.v1.tar');
  const m = Buffer.from(
    JSON.stringify({ schemaVersion: 2, mediaType: MediaType.OciManifest, config, layers: [layer] }),
  );
  return store.manifestPut(repo, tag, m, MediaType.OciManifest);
}
async function sign(store: OciLayoutStore, repo: string, subject: Digest, n: number): Promise<Descriptor> {
  const empty = await put(store, repo, Buffer.from('{}'), MediaType.OciEmpty);
  const sig = await put(store, repo, Buffer.from(`signature ${n} of ${subject}`), 'application/octet-stream');
  const m = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: MediaType.OciManifest,
      artifactType: SIGNATURE,
      config: empty,
      layers: [sig],
      subject: { mediaType: MediaType.OciManifest, digest: subject, size: 1 },
      annotations: { n: String(n) },
    }),
  );
  const digest = await store.manifestPut(repo, sha256(m), m, MediaType.OciManifest);
  return { mediaType: MediaType.OciManifest, digest, size: m.length, artifactType: SIGNATURE };
}
/** The layout answering referrers as a registry's API would (no fallback tag at the source). */
function withReferrersApi(store: OciLayoutStore, referrers: Map<string, Descriptor[]>): Store {
  return new Proxy(store, {
    get(target, prop) {
      if (prop === 'referrers')
        return async (_r: string, digest: string) => ({
          descriptors: referrers.get(digest) ?? [],
          fallbackTag: digest.replace(':', '-'),
        });
      const v = Reflect.get(target, prop) as unknown;
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  }) as Store;
}
const newClient = () => new RegistryClient({ registry: reg.host, baseUrl: reg.url, retry: { baseDelayMs: 10 } });

test('a source with the referrers API -> distribution 2.8.2: the fallback index lists the signatures', async () => {
  const layout = new OciLayoutStore('src', join(tmp(), 'src'));
  const v1 = await image(layout, 'team/app', 'v1');
  const sigs = [await sign(layout, 'team/app', v1, 1), await sign(layout, 'team/app', v1, 2)];
  const src = withReferrersApi(layout, new Map([[v1, sigs]]));
  const rule = testRule({ destinationNamespace: 'mirror', flattening: 1, referrers: true });

  const client = newClient();
  const r = await runRule(rule, src, new RegistryStore({ name: 'dst', client }), {
    dryRun: false,
    concurrency: 2,
    blobConcurrency: 2,
  });
  await client.close();
  expect(r.results.map((x) => x.status)).toEqual(['copied']);

  const check = newClient();
  const tag = referrersTag(v1);
  expect(await check.tags('mirror/app')).toEqual(expect.arrayContaining(['v1', tag]));
  const fallback = await check.manifestGet('mirror/app', tag);
  expect(fallback?.mediaType).toBe(MediaType.OciIndex);
  expect(new Set(fallback?.parsed.manifests.map((d) => d.digest))).toEqual(new Set(sigs.map((s) => s.digest)));
  expect(fallback?.parsed.manifests.every((d) => d.artifactType === SIGNATURE)).toBe(true);
  const found = await check.referrers('mirror/app', v1);
  expect(new Set(found.map((d) => d.digest))).toEqual(new Set(sigs.map((s) => s.digest)));
  await check.close();

  const raw = JSON.parse((await inspectRaw(dockerRef(reg, `mirror/app:${tag}`), refOptions(reg, null))).toString()) as {
    manifests: { digest: string }[];
  };
  expect(new Set(raw.manifests.map((d) => d.digest))).toEqual(new Set(sigs.map((s) => s.digest)));

  // A second run has nothing to write.
  const again = newClient();
  const r2 = await runRule(rule, src, new RegistryStore({ name: 'dst', client: again }), {
    dryRun: false,
    concurrency: 2,
    blobConcurrency: 2,
  });
  expect(r2.results.map((x) => x.status)).not.toContain('failed');
  expect(again.transport.counts().PUT ?? 0).toBe(0);
  await again.close();
});
