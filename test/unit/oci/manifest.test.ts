import { createHash } from 'node:crypto';
import { describe, expect, test } from 'vitest';
import { blobsOf, InvalidManifestError, parseManifest, platformString } from '../../../src/oci/manifest.js';
import { MediaType } from '../../../src/oci/media-types.js';

const d = (s: string) => `sha256:${createHash('sha256').update(s).digest('hex')}`;
const desc = (mediaType: string, name: string, size = name.length, extra: Record<string, unknown> = {}) => ({
  mediaType,
  digest: d(name),
  size,
  ...extra,
});
const bytes = (doc: unknown) => Buffer.from(typeof doc === 'string' ? doc : JSON.stringify(doc));

const ociManifest = {
  schemaVersion: 2,
  mediaType: MediaType.OciManifest,
  config: desc(MediaType.OciConfig, 'config'),
  layers: [
    desc('application/vnd.oci.image.layer.v1.tar+gzip', 'l1'),
    desc('application/vnd.oci.image.layer.v1.tar+gzip', 'l2'),
  ],
  annotations: { 'org.opencontainers.image.source': 'https://example.com/src' },
};
const ociIndex = {
  schemaVersion: 2,
  mediaType: MediaType.OciIndex,
  manifests: [
    desc(MediaType.OciManifest, 'amd64', 100, { platform: { os: 'linux', architecture: 'amd64' } }),
    desc(MediaType.OciManifest, 'arm64', 200, {
      platform: { os: 'linux', architecture: 'arm64', variant: 'v8' },
    }),
  ],
};
const dockerManifest = {
  schemaVersion: 2,
  mediaType: MediaType.DockerManifest,
  config: desc(MediaType.DockerConfig, 'dconfig'),
  layers: [desc('application/vnd.docker.image.rootfs.diff.tar.gzip', 'dl1')],
};
const dockerList = {
  schemaVersion: 2,
  mediaType: MediaType.DockerManifestList,
  manifests: [desc(MediaType.DockerManifest, 'd-amd64', 10, { platform: { os: 'linux', architecture: 'amd64' } })],
};

function thrown(fn: () => unknown): Error {
  try {
    fn();
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected a throw');
}

describe('parseManifest reads the four supported formats', () => {
  test.each([
    ['OCI image manifest', ociManifest, MediaType.OciManifest],
    ['Docker schema2 manifest', dockerManifest, MediaType.DockerManifest],
  ])('%s: config, layers in order, annotations', (_name, doc, ct) => {
    const m = parseManifest(bytes(doc), ct);
    expect(m.kind).toBe('manifest');
    expect(m.mediaType).toBe(doc.mediaType);
    expect(m.config).toEqual(doc.config);
    expect(m.layers).toEqual(doc.layers);
    expect(m.manifests).toEqual([]);
    expect(m.annotations).toEqual((doc as { annotations?: unknown }).annotations ?? {});
    expect(blobsOf(m)).toEqual([doc.config, ...doc.layers]);
  });

  test.each([
    ['OCI index', ociIndex, MediaType.OciIndex],
    ['Docker manifest list', dockerList, MediaType.DockerManifestList],
  ])('%s: children with platforms', (_name, doc, ct) => {
    const m = parseManifest(bytes(doc), ct);
    expect(m.kind).toBe('index');
    expect(m.mediaType).toBe(doc.mediaType);
    expect(m.manifests).toEqual(doc.manifests);
    expect(m.layers).toEqual([]);
    expect(m.config).toBeUndefined();
    expect(m.manifests.map((c) => platformString(c.platform))).toEqual(
      doc.manifests.map((c) => {
        const p = (c as unknown as { platform: { os: string; architecture: string; variant?: string } }).platform;
        return [p.os, p.architecture, p.variant].filter(Boolean).join('/');
      }),
    );
  });

  test.each([
    ['Content-Type with parameters', `${MediaType.OciManifest}; charset=utf-8`],
    ['generic application/json', 'application/json'],
    ['no Content-Type', undefined],
  ])('accepts a consistent document with %s', (_name, ct) => {
    expect(parseManifest(bytes(ociManifest), ct).mediaType).toBe(MediaType.OciManifest);
  });

  test('a document without mediaType takes the Content-Type', () => {
    const { mediaType: _omit, ...doc } = dockerList;
    const m = parseManifest(bytes(doc), MediaType.DockerManifestList);
    expect(m.kind).toBe('index');
    expect(m.mediaType).toBe(MediaType.DockerManifestList);
  });

  test.each([
    ['manifests → OCI index', { schemaVersion: 2, manifests: ociIndex.manifests }, 'index', MediaType.OciIndex],
    [
      'config + layers → OCI manifest',
      { schemaVersion: 2, config: ociManifest.config, layers: [] },
      'manifest',
      MediaType.OciManifest,
    ],
  ])('without mediaType or Content-Type, the shape decides: %s', (_name, doc, kind, mt) => {
    const m = parseManifest(bytes(doc));
    expect(m.kind).toBe(kind);
    expect(m.mediaType).toBe(mt);
  });

  test('subject and artifactType are read (OCI 1.1 referrers)', () => {
    const subject = desc(MediaType.OciManifest, 'subject', 1234);
    const doc = {
      ...ociManifest,
      artifactType: 'application/vnd.dev.sigstore.bundle.v0.3+json',
      config: desc(MediaType.OciEmpty, '{}', 2),
      subject,
    };
    const m = parseManifest(bytes(doc), MediaType.OciManifest);
    expect(m.subject).toEqual(subject);
    expect(m.artifactType).toBe(doc.artifactType);
  });

  test('descriptor artifactType, annotations and urls are kept', () => {
    const layer = desc('application/vnd.docker.image.rootfs.foreign.diff.tar.gzip', 'foreign', 5, {
      urls: ['https://example.com/layer', 7],
      annotations: { a: 'b' },
      artifactType: 'x/y',
    });
    const m = parseManifest(bytes({ ...dockerManifest, layers: [layer] }), MediaType.DockerManifest);
    expect(m.layers[0]?.urls).toEqual(['https://example.com/layer']);
    expect(m.layers[0]?.annotations).toEqual({ a: 'b' });
    expect(m.layers[0]?.artifactType).toBe('x/y');
  });
});

describe('parseManifest refuses ambiguous or unsupported documents', () => {
  const schema1 = { schemaVersion: 1, name: 'a', tag: 'b', fsLayers: [], history: [] };
  test.each<[string, unknown, string | undefined, string]>([
    ['schema1 body', schema1, undefined, 'schema1'],
    ['schema1 signed content type', { ...schema1, schemaVersion: 2 }, MediaType.DockerSchema1Signed, 'schema1'],
    ['schema1 content type', { ...schema1, schemaVersion: 2 }, MediaType.DockerSchema1, 'schema1'],
    ['both manifests and layers', { ...ociManifest, manifests: ociIndex.manifests }, undefined, 'both'],
    ['both manifests and config', { schemaVersion: 2, manifests: [], config: ociManifest.config }, undefined, 'both'],
    ['mediaType contradicts Content-Type', ociManifest, MediaType.DockerManifestList, 'contradicts'],
    ['index mediaType served as an image manifest', ociIndex, MediaType.OciManifest, 'contradicts'],
    [
      'Content-Type says image manifest but the body is an index',
      { schemaVersion: 2, manifests: [] },
      MediaType.OciManifest,
      'index',
    ],
    ['case-variant key Layers', { ...ociManifest, Layers: [] }, undefined, 'Layers'],
    ['case-variant key MediaType', { ...ociIndex, MediaType: MediaType.OciManifest }, undefined, 'MediaType'],
    ['case-variant key Manifests', { ...ociIndex, Manifests: [] }, undefined, 'Manifests'],
    ['case-variant key Config', { ...ociManifest, Config: ociManifest.config }, undefined, 'Config'],
    [
      'image manifest without config',
      { schemaVersion: 2, mediaType: MediaType.OciManifest, layers: [] },
      undefined,
      'config',
    ],
    ['not JSON', '{"schemaVersion":', undefined, 'JSON'],
    ['JSON array', [], undefined, 'object'],
    ['JSON null', 'null', undefined, 'object'],
    ['layers not an array', { ...ociManifest, layers: {} }, undefined, 'array'],
  ])('%s', (_name, doc, ct, message) => {
    const err = thrown(() => parseManifest(bytes(doc), ct));
    expect(err).toBeInstanceOf(InvalidManifestError);
    expect(err.message).toContain(message);
  });

  test('a document declaring an index type but carrying config and layers is refused', () => {
    // CVE-2021-41190: the index-typed body must not be read as an empty index when it holds image parts.
    const doc = {
      schemaVersion: 2,
      mediaType: MediaType.OciIndex,
      config: ociManifest.config,
      layers: ociManifest.layers,
    };
    expect(() => parseManifest(bytes(doc), MediaType.OciIndex)).toThrow(InvalidManifestError);
  });

  test('duplicate keys are refused (parsers disagree on which one wins)', () => {
    const text = `{"schemaVersion":2,"mediaType":"${MediaType.OciIndex}","mediaType":"${MediaType.OciManifest}","config":${JSON.stringify(ociManifest.config)},"layers":[]}`;
    expect(() => parseManifest(bytes(text))).toThrow(InvalidManifestError);
  });

  test.each<[string, Record<string, unknown>, string]>([
    ['uppercase hex digest', { digest: d('x').toUpperCase().replace('SHA256', 'sha256') }, 'layers[1].digest'],
    ['path traversal digest', { digest: 'sha256:../../x' }, 'layers[1].digest'],
    ['md5 digest', { digest: `md5:${createHash('md5').update('x').digest('hex')}` }, 'layers[1].digest'],
    ['missing digest', { digest: undefined }, 'layers[1].digest'],
    ['negative size', { size: -1 }, 'layers[1].size'],
    ['fractional size', { size: 1.5 }, 'layers[1].size'],
    ['string size', { size: '10' }, 'layers[1].size'],
    ['missing mediaType', { mediaType: undefined }, 'layers[1].mediaType'],
  ])('a layer descriptor with %s is refused, naming its position', (_name, patch, where) => {
    const layers = [ociManifest.layers[0], { ...ociManifest.layers[1], ...patch }];
    const err = thrown(() => parseManifest(bytes({ ...ociManifest, layers }), MediaType.OciManifest));
    expect(err.message).toContain(where);
  });

  test.each([
    [
      'index child',
      { ...ociIndex, manifests: [{ ...ociIndex.manifests[0], digest: 'sha256:abc' }] },
      'manifests[0].digest',
    ],
    ['config', { ...ociManifest, config: { ...ociManifest.config, digest: 'sha256:abc' } }, 'config.digest'],
    ['subject', { ...ociManifest, subject: { ...ociManifest.config, digest: 'sha256:abc' } }, 'subject.digest'],
  ])('an invalid digest in the %s is refused', (_name, doc, where) => {
    expect(thrown(() => parseManifest(bytes(doc))).message).toContain(where);
  });
});
