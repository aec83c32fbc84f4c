/**
 * Manifest documents: parse, classify, and list what they point to.
 * The bytes are never re-serialised; this only reads them.
 * https://github.com/opencontainers/image-spec/blob/main/manifest.md, …/image-index.md
 */
import { causes } from '../util/causes.js';
import { type Digest, parseDigest } from './digest.js';
import { INDEX_TYPES, MANIFEST_TYPES, MediaType, SCHEMA1_TYPES } from './media-types.js';

export interface Platform {
  os: string;
  architecture: string;
  variant?: string;
}

export interface Descriptor {
  mediaType: string;
  digest: Digest;
  size: number;
  platform?: Platform;
  artifactType?: string;
  annotations?: Record<string, string>;
  urls?: string[];
}

export type ManifestKind = 'index' | 'manifest';

export interface ParsedManifest {
  kind: ManifestKind;
  mediaType: string;
  /** index: the child manifests. */
  manifests: Descriptor[];
  /** manifest: the config blob. */
  config?: Descriptor;
  /** manifest: the layer blobs. */
  layers: Descriptor[];
  subject?: Descriptor;
  artifactType?: string;
  annotations: Record<string, string>;
}

/** Go decodes JSON keys case-insensitively, JavaScript does not: a variant spelling is ambiguous. */
const CANONICAL_KEYS = new Map(
  ['manifests', 'layers', 'config', 'mediaType', 'subject', 'artifactType'].map((k) => [k.toLowerCase(), k]),
);

export class InvalidManifestError extends Error {
  override name = 'InvalidManifestError';
}

/** A Docker schema1 manifest (deprecated since 2017): refused, and told apart from a broken one. */
export class Schema1ManifestError extends InvalidManifestError {
  override name = 'Schema1ManifestError';
}

/** `e`, or an error it was caused by, is a Schema1ManifestError. */
export function isSchema1Error(e: unknown): boolean {
  for (const c of causes(e)) if (c instanceof Schema1ManifestError) return true;
  return false;
}

function descriptor(v: unknown, where: string): Descriptor {
  if (!v || typeof v !== 'object') throw new InvalidManifestError(`${where}: descriptor must be an object`);
  const o = v as Record<string, unknown>;
  if (typeof o.mediaType !== 'string') throw new InvalidManifestError(`${where}.mediaType: missing`);
  if (typeof o.size !== 'number' || !Number.isSafeInteger(o.size) || o.size < 0)
    throw new InvalidManifestError(`${where}.size: must be a non-negative integer`);
  const d: Descriptor = { mediaType: o.mediaType, digest: parseDigest(o.digest, `${where}.digest`), size: o.size };
  if (o.platform && typeof o.platform === 'object') {
    const p = o.platform as Record<string, unknown>;
    if (typeof p.os === 'string' && typeof p.architecture === 'string')
      d.platform = {
        os: p.os,
        architecture: p.architecture,
        ...(typeof p.variant === 'string' ? { variant: p.variant } : {}),
      };
  }
  if (typeof o.artifactType === 'string') d.artifactType = o.artifactType;
  if (o.annotations && typeof o.annotations === 'object') d.annotations = o.annotations as Record<string, string>;
  if (Array.isArray(o.urls)) d.urls = o.urls.filter((u): u is string => typeof u === 'string');
  return d;
}

/**
 * Parses manifest bytes. `contentType` is the Content-Type the registry sent (or the
 * descriptor's media type). Ambiguous documents are rejected (CVE-2021-41190): both
 * `manifests` and `layers`/`config`, or a `mediaType` contradicting the content type.
 */
export function parseManifest(bytes: Uint8Array, contentType?: string): ParsedManifest {
  let doc: unknown;
  const text = Buffer.from(bytes).toString('utf8');
  try {
    doc = JSON.parse(text);
  } catch (e) {
    throw new InvalidManifestError(`manifest is not valid JSON: ${(e as Error).message}`);
  }
  // JSON.parse keeps the last of duplicate keys, Go's decoder too, other parsers the first: a
  // document with duplicates means different things to different readers (CVE-2021-41190 class).
  const duplicate = duplicateKey(text);
  if (duplicate !== undefined)
    throw new InvalidManifestError(`manifest has a duplicate key ${JSON.stringify(duplicate)}`);
  if (!doc || typeof doc !== 'object' || Array.isArray(doc))
    throw new InvalidManifestError('manifest must be a JSON object');
  const o = doc as Record<string, unknown>;
  for (const k of Object.keys(o)) {
    const canonical = CANONICAL_KEYS.get(k.toLowerCase());
    if (canonical && canonical !== k)
      throw new InvalidManifestError(`manifest has a case-variant key ${JSON.stringify(k)}`);
  }
  const declared = typeof o.mediaType === 'string' ? o.mediaType : undefined;
  const ct = contentType?.split(';')[0]?.trim();
  if (declared && ct && ct !== declared && !ct.startsWith('application/json'))
    throw new InvalidManifestError(`manifest mediaType ${declared} contradicts content type ${ct}`);
  const mediaType = declared ?? (ct && ct !== 'application/json' ? ct : undefined);
  if (o.schemaVersion === 1 || (mediaType && SCHEMA1_TYPES.has(mediaType)))
    throw new Schema1ManifestError('Docker schema1 manifests are deprecated and not supported');
  const hasManifests = 'manifests' in o;
  const hasImageParts = 'layers' in o || 'config' in o;
  if (hasManifests && hasImageParts)
    throw new InvalidManifestError('manifest has both "manifests" and "layers"/"config"');
  const kind: ManifestKind =
    hasManifests || (mediaType !== undefined && INDEX_TYPES.has(mediaType)) ? 'index' : 'manifest';
  // An index-typed document holding image parts was read as an empty index (its layers ignored).
  if (kind === 'index' && hasImageParts)
    throw new InvalidManifestError(`mediaType ${mediaType} is an index but the document has "layers"/"config"`);
  if (mediaType && kind === 'index' && MANIFEST_TYPES.has(mediaType))
    throw new InvalidManifestError(`mediaType ${mediaType} is an image manifest but the document is an index`);
  const list = (v: unknown, where: string): Descriptor[] => {
    if (v === undefined) return [];
    if (!Array.isArray(v)) throw new InvalidManifestError(`${where} must be an array`);
    return v.map((x, i) => descriptor(x, `${where}[${i}]`));
  };
  const parsed: ParsedManifest = {
    kind,
    mediaType: mediaType ?? (kind === 'index' ? MediaType.OciIndex : MediaType.OciManifest),
    manifests: kind === 'index' ? list(o.manifests, 'manifests') : [],
    layers: kind === 'manifest' ? list(o.layers, 'layers') : [],
    annotations: o.annotations && typeof o.annotations === 'object' ? (o.annotations as Record<string, string>) : {},
  };
  if (kind === 'manifest') {
    if (o.config === undefined) throw new InvalidManifestError('image manifest has no config');
    parsed.config = descriptor(o.config, 'config');
  }
  if (o.subject !== undefined) parsed.subject = descriptor(o.subject, 'subject');
  if (typeof o.artifactType === 'string') parsed.artifactType = o.artifactType;
  return parsed;
}

/** The blobs a manifest needs (config first, then layers). */
export function blobsOf(m: ParsedManifest): Descriptor[] {
  return m.config ? [m.config, ...m.layers] : [...m.layers];
}

export function platformString(p?: Platform): string {
  if (!p) return '';
  return `${p.os}/${p.architecture}${p.variant ? `/${p.variant}` : ''}`;
}

/** The first key that appears twice in one object of a valid JSON text, if any. */
function duplicateKey(text: string): string | undefined {
  // One Set of keys per open object; null for an open array.
  const stack: (Set<string> | null)[] = [];
  let expectKey = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '"') {
      let j = i + 1;
      while (j < text.length && text[j] !== '"') j += text[j] === '\\' ? 2 : 1;
      if (expectKey) {
        const key = JSON.parse(text.slice(i, j + 1)) as string;
        const keys = stack.at(-1);
        if (keys?.has(key)) return key;
        keys?.add(key);
        expectKey = false;
      }
      i = j;
    } else if (c === '{') {
      stack.push(new Set());
      expectKey = true;
    } else if (c === '[') {
      stack.push(null);
      expectKey = false;
    } else if (c === '}' || c === ']') {
      stack.pop();
      expectKey = false;
    } else if (c === ',') {
      expectKey = stack.at(-1) instanceof Set;
    }
  }
  return undefined;
}
