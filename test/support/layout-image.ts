/** One-layer images written straight into an OCI-layout store, for engine tests on layouts. */
import { Readable } from 'node:stream';
import { sha256 } from '../../src/oci/digest.js';
import { MediaType } from '../../src/oci/media-types.js';
import type { OciLayoutStore } from '../../src/providers/oci-layout.js';

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
