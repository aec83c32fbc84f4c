/**
 * `referrers: always` (issue 10 item 5): a signature attached to a tag after it was copied
 * (cosign's sign-after-push, on a registry with the referrers API) reaches the mirror, planned as
 * an item of its own; the default looks at referrers only when it writes the tag, so a signature
 * that fails to copy leaves the tag unwritten and the next run copies both.
 */
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { expect, test } from 'vitest';
import type { Rule } from '../../../src/config/types.js';
import { sha256 } from '../../../src/oci/digest.js';
import type { Descriptor } from '../../../src/oci/manifest.js';
import { MediaType } from '../../../src/oci/media-types.js';
import { OciLayoutStore } from '../../../src/providers/oci-layout.js';
import { RegistryError } from '../../../src/registry/errors.js';
import { runRule } from '../../../src/replicate/rule.js';
import { dirPerTest, intercept, testRule } from '../../support/engine.js';
import { putLayoutSignature as sign, SIGNATURE, withReferrersApi } from '../../support/layout-image.js';

const tmp = dirPerTest('ferry-referrers-');

const rule = testRule({ destinationNamespace: 'mirror', flattening: 1, referrers: true });

async function put(store: OciLayoutStore, repo: string, data: Buffer, mediaType: string) {
  const desc = { mediaType, digest: sha256(data), size: data.length };
  await store.blobPut(repo, desc, async () => Readable.from([data]));
  return desc;
}

async function image(store: OciLayoutStore, repo: string, tag: string, flavour = ''): Promise<string> {
  const config = await put(store, repo, Buffer.from(`{"os":"linux","architecture":"amd64"}`), MediaType.OciConfig);
  const layer = await put(
    store,
    repo,
    Buffer.from(`layer of ${tag}${flavour}`),
    'application/vnd.oci.image.layer.v1.tar',
  );
  const m = Buffer.from(
    JSON.stringify({ schemaVersion: 2, mediaType: MediaType.OciManifest, config, layers: [layer] }),
  );
  return store.manifestPut(repo, tag, m, MediaType.OciManifest);
}

test('a signature attached after the first copy reaches the mirror with referrers: always, as a planned item', async () => {
  const layout = new OciLayoutStore('src', join(tmp(), 'src'));
  const v1 = await image(layout, 'team/app', 'v1');
  await image(layout, 'team/app', 'v2');
  const referrers = new Map<string, Descriptor[]>();
  const src = withReferrersApi(layout, referrers);
  const dst = new OciLayoutStore('dst', join(tmp(), 'dst'));
  const opts = { concurrency: 2, blobConcurrency: 2 };

  const first = await runRule(rule, src.store, dst, { dryRun: false, ...opts });
  expect(first.results.map((r) => r.status)).toEqual(['copied', 'copied']);

  // cosign signs v1 after it was mirrored.
  const sig = await sign(layout, 'team/app', v1);
  referrers.set(v1, [sig]);

  // The default does not look again at a tag it does not write: the signature never arrives.
  const byDefault = await runRule(rule, src.store, dst, { dryRun: false, ...opts });
  expect(byDefault.results.map((r) => r.status)).toEqual(['unchanged', 'unchanged']);
  expect(await dst.manifestHead('mirror/app', sig.digest)).toBeUndefined();

  const always: Rule = { ...rule, referrers: 'always' };
  // One referrers request per tag at the destination.
  const before = src.calls();
  const plan = await runRule(always, src.store, dst, { dryRun: true, ...opts });
  expect(plan.plan.items.map((i) => [i.tag, i.action, i.referrer ?? ''])).toEqual([
    ['v1', 'unchanged', ''],
    ['v1', 'copy', sig.digest],
    ['v2', 'unchanged', ''],
  ]);
  expect(plan.plan.items[1]!.reason).toContain(`${SIGNATURE} referrer of v1`);
  expect(plan.results.map((r) => `${r.destination.replace(dst.display, 'dst')} ${r.status}`)).toEqual([
    'dst/mirror/app:v1 unchanged',
    'dst/mirror/app:v2 unchanged',
    `dst/mirror/app@${sig.digest} would-copy`,
  ]);
  expect(src.calls() - before).toBe(2);
  expect(await dst.manifestHead('mirror/app', sig.digest)).toBeUndefined();

  const run = await runRule(always, src.store, dst, { dryRun: false, ...opts });
  expect(run.plan.items).toEqual(plan.plan.items);
  expect(run.results.find((r) => r.destination.endsWith(sig.digest))?.status).toBe('copied');
  expect((await dst.manifestHead('mirror/app', sig.digest))?.digest).toBe(sig.digest);
  // The tag itself was not rewritten.
  expect((await dst.manifestHead('mirror/app', 'v1'))?.digest).toBe(v1);

  const again = await runRule(always, src.store, dst, { dryRun: true, ...opts });
  expect(again.plan.items.map((i) => i.action)).toEqual(['unchanged', 'unchanged']);
});

test('referrers: always on a kept tag (override off) copies its late signature, and leaves the tag', async () => {
  const layout = new OciLayoutStore('src', join(tmp(), 'src'));
  const dst = new OciLayoutStore('dst', join(tmp(), 'dst'));
  const v1 = await image(layout, 'team/app', 'v1');
  const other = await image(dst, 'mirror/app', 'v1', ' (older)');
  const sig = await sign(layout, 'team/app', v1);
  const src = withReferrersApi(layout, new Map([[v1, [sig]]]));
  const run = await runRule({ ...rule, override: false, referrers: 'always' }, src.store, dst, {
    dryRun: false,
    concurrency: 1,
    blobConcurrency: 1,
  });
  expect(run.results.map((r) => r.status)).toEqual(['kept', 'copied']);
  expect((await dst.manifestHead('mirror/app', 'v1'))?.digest).toBe(other);
  expect((await dst.manifestHead('mirror/app', sig.digest))?.digest).toBe(sig.digest);
});

test('a signature that fails to copy fails its tag, left unwritten: the next run copies both, the third does nothing', async () => {
  const layout = new OciLayoutStore('src', join(tmp(), 'src'));
  const v1 = await image(layout, 'team/app', 'v1');
  const sig = await sign(layout, 'team/app', v1);
  const src = withReferrersApi(layout, new Map([[v1, [sig]]]));
  const real = new OciLayoutStore('dst', join(tmp(), 'dst'));
  let glitches = 1;
  const dst = intercept(real, {
    manifestPut: async (repo: string, ref: string, bytes: Buffer, mediaType: string) => {
      if (ref === sig.digest && glitches-- > 0)
        throw new RegistryError({
          kind: 'network',
          registry: 'dst',
          operation: 'writing manifest to',
          detail: 'connection reset',
          temporary: true,
        });
      return real.manifestPut(repo, ref, bytes, mediaType);
    },
  });
  const opts = { dryRun: false, concurrency: 2, blobConcurrency: 2 };

  const first = await runRule(rule, src.store, dst, opts);
  expect(first.results.map((r) => r.status)).toEqual(['failed']);
  // Not half done: a tag written here would plan `unchanged` from now on, and the signature never come.
  expect(await real.manifestHead('mirror/app', 'v1')).toBeUndefined();

  const second = await runRule(rule, src.store, dst, opts);
  expect(second.results.map((r) => r.status)).toEqual(['copied']);
  expect((await real.manifestHead('mirror/app', sig.digest))?.digest).toBe(sig.digest);
  expect((await real.manifestHead('mirror/app', 'v1'))?.digest).toBe(v1);

  const third = await runRule(rule, src.store, dst, opts);
  expect(third.results.map((r) => r.status)).toEqual(['unchanged']);
});
