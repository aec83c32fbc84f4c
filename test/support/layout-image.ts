/** One-layer images and their signatures written straight into an OCI-layout store, for engine tests on layouts. */
import { Readable } from 'node:stream';
import { sha256 } from '../../src/oci/digest.js';
import { MediaType } from '../../src/oci/media-types.js';
import type { Descriptor } from '../../src/oci/manifest.js';
import type { OciLayoutStore } from '../../src/providers/oci-layout.js';
import type { Store } from '../../src/providers/store.js';

/** Writes a one-layer image under `repo:tag` (config and layer distinct per repo and tag); its digest. */
export async function putLayoutImage(store: OciLayoutStore, repo: string, tag: string): Promise<string> {
  const put = async (data: Buffer, mediaType: string) => {
    const desc = { mediaType, digest: sha256(data), size: data.length };
    await store.blobPut(repo, desc, async () => Readable.from([data]));
    return desc;
  };
  const config = await put(Buffer.from(`{"os":"linux","architecture":"amd64","tag":"${tag}"}`), MediaType.OciConfig);
  const layer = await put(Buffer.from(`layer of ${repo}:${tag}`), 'application/vnd.oci.image.layer.v1.tar');
  const manifest = Buffer.from(
    JSON.stringify({ schemaVersion: 2, mediaType: MediaType.OciManifest, config, layers: [layer] }),
  );
  return store.manifestPut(repo, tag, manifest, MediaType.OciManifest);
}

/**
 * Writes one image per architecture (tagged with the architecture) and an index of them, for
 * linux, under `repo:tag`; the index's bytes.
 */
export async function putLayoutIndex(
  store: OciLayoutStore,
  repo: string,
  tag: string,
  architectures: readonly string[],
): Promise<Buffer> {
  const manifests = [];
  for (const architecture of architectures) {
    await putLayoutImage(store, repo, architecture);
    const head = (await store.manifestHead(repo, architecture))!;
    manifests.push({
      mediaType: head.mediaType,
      digest: head.digest,
      size: head.size,
      platform: { os: 'linux', architecture },
    });
  }
  const index = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: MediaType.OciIndex, manifests }));
  await store.manifestPut(repo, tag, index, MediaType.OciIndex);
  return index;
}

/** The artifactType of the signatures putLayoutSignature writes (cosign's). */
export const SIGNATURE = 'application/vnd.dev.cosign.artifact.sig.v1+json';

/** A cosign-style signature of `subject`, pushed untagged (as with the referrers API): its descriptor. */
export async function putLayoutSignature(
  store: OciLayoutStore,
  repo: string,
  subject: string,
  annotations?: Record<string, string>,
): Promise<Descriptor> {
  const put = async (data: Buffer, mediaType: string) => {
    const desc = { mediaType, digest: sha256(data), size: data.length };
    await store.blobPut(repo, desc, async () => Readable.from([data]));
    return desc;
  };
  const empty = await put(Buffer.from('{}'), MediaType.OciEmpty);
  const sig = await put(Buffer.from(`signature of ${subject}`), 'application/octet-stream');
  const m = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: MediaType.OciManifest,
      artifactType: SIGNATURE,
      config: empty,
      layers: [sig],
      subject: { mediaType: MediaType.OciManifest, digest: subject, size: 1 },
      ...(annotations ? { annotations } : {}),
    }),
  );
  const digest = await store.manifestPut(repo, sha256(m), m, MediaType.OciManifest);
  return { mediaType: MediaType.OciManifest, digest, size: m.length, artifactType: SIGNATURE };
}

/** The layout store answering referrers as a registry's referrers API would, counting its calls. */
export function withReferrersApi(store: OciLayoutStore, referrers: Map<string, Descriptor[]>) {
  let calls = 0;
  const wrapped = new Proxy(store, {
    get(target, prop) {
      if (prop === 'referrers')
        return async (_repo: string, digest: string) => {
          calls++;
          return { descriptors: referrers.get(digest) ?? [], fallbackTag: digest.replace(':', '-') };
        };
      const v = Reflect.get(target, prop) as unknown;
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  }) as Store;
  return { store: wrapped, calls: () => calls };
}
