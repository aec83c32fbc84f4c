/** Media types ferry understands. https://github.com/opencontainers/image-spec/blob/main/media-types.md */
export const MediaType = {
  OciManifest: 'application/vnd.oci.image.manifest.v1+json',
  OciIndex: 'application/vnd.oci.image.index.v1+json',
  OciConfig: 'application/vnd.oci.image.config.v1+json',
  OciEmpty: 'application/vnd.oci.empty.v1+json',
  DockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
  DockerManifestList: 'application/vnd.docker.distribution.manifest.list.v2+json',
  DockerConfig: 'application/vnd.docker.container.image.v1+json',
  DockerSchema1: 'application/vnd.docker.distribution.manifest.v1+json',
  DockerSchema1Signed: 'application/vnd.docker.distribution.manifest.v1+prettyjws',
} as const;

/**
 * Accept list sent on every manifest GET and HEAD. Distribution 2.8.2 rewrites by Accept:
 * without the list types it answers a manifest list with its amd64 child, schema2 by tag with
 * schema1, and an OCI index with 404 (registry/handlers/manifests.go). Schema1 types are listed
 * so schema1 is detected and refused rather than silently converted.
 */
export const MANIFEST_ACCEPT = [
  MediaType.OciIndex,
  MediaType.OciManifest,
  MediaType.DockerManifestList,
  MediaType.DockerManifest,
  MediaType.DockerSchema1Signed,
  MediaType.DockerSchema1,
].join(', ');

export const INDEX_TYPES: ReadonlySet<string> = new Set([MediaType.OciIndex, MediaType.DockerManifestList]);
export const MANIFEST_TYPES: ReadonlySet<string> = new Set([MediaType.OciManifest, MediaType.DockerManifest]);
export const IMAGE_CONFIG_TYPES: ReadonlySet<string> = new Set([MediaType.OciConfig, MediaType.DockerConfig]);
export const SCHEMA1_TYPES: ReadonlySet<string> = new Set([MediaType.DockerSchema1, MediaType.DockerSchema1Signed]);

/**
 * Layers a registry may not redistribute (Windows base layers, restricted OCI layers): fetched by
 * clients from their descriptor's `urls`, never copied (RELIABILITY B4). Decided by media type, as
 * go-containerregistry's IsDistributable does: a layer of another type that also lists `urls` (a
 * mirror) is an ordinary layer, and leaving it out would lose it.
 */
export function isNondistributable(mediaType: string): boolean {
  return (
    mediaType === 'application/vnd.docker.image.rootfs.foreign.diff.tar.gzip' ||
    mediaType.startsWith('application/vnd.oci.image.layer.nondistributable.')
  );
}
