/**
 * The referrers tag schema (distribution-spec §"Referrers Tag Schema"): where a store has no
 * referrers API — a registry such as distribution 2.8, an OCI layout, an archive — the referrers of
 * a subject are listed by an image index tagged `sha256-<hex>`. One implementation for every store
 * that keeps it, so a layout and a registry list the same referrers the same way.
 */
import type { Digest } from './digest.js';
import { type Descriptor, type ParsedManifest } from './manifest.js';
import { MediaType } from './media-types.js';

/**
 * Tags that hold referrers of another manifest rather than an image of their own: the fallback
 * tag (`sha256-<hex>`) and cosign's tags (`.sig`, `.att`, `.sbom`).
 */
export const REFERRER_TAG = /^sha(256|512)-[a-f0-9]{64,128}(\.(sig|att|sbom))?$/;

/** The tag-schema fallback tag for a subject: `sha256-<hex>`. */
export function referrersTag(subject: Digest | string): string {
  return subject.replace(':', '-');
}

/**
 * A referrer's entry in a referrers list (spec §"Listing Referrers"): its mediaType, digest and
 * size, its artifactType (or its config's mediaType) and its annotations.
 */
export function referrerDescriptor(m: ParsedManifest, digest: Digest, size: number): Descriptor {
  const artifactType = m.artifactType ?? (m.kind === 'manifest' ? m.config?.mediaType : undefined);
  return {
    mediaType: m.mediaType,
    digest,
    size,
    ...(artifactType ? { artifactType } : {}),
    ...(Object.keys(m.annotations).length ? { annotations: m.annotations } : {}),
  };
}

/** How a store reads and writes the fallback index, and how it words a refusal. */
export interface FallbackIndexIo {
  get(
    repository: string,
    tag: string,
  ): Promise<{ mediaType: string; bytes: Buffer; parsed: ParsedManifest } | undefined>;
  put(repository: string, tag: string, bytes: Buffer, mediaType: string): Promise<unknown>;
  /** The error for an index that cannot be updated (the tag holds something else, or it grew too big). */
  refuse(repository: string, kind: 'invalid' | 'too-large', detail: string): Error;
  /** The largest index the store accepts, in bytes. */
  readonly cap: number;
}

interface Batch {
  referrers: Descriptor[];
  done: Promise<void>;
}

/**
 * Adds referrers to their subject's fallback index: read, dedupe by digest, append, write. Updates
 * of one index run one at a time (two writers would each drop the other's entry), and referrers
 * that arrive while one runs are written together by the next: N referrers of one subject written
 * at once cost two reads and two writes, not N of each.
 */
export class FallbackIndexWriter {
  readonly #io: FallbackIndexIo;
  /** Per `repository@subject`: the batch not yet started, which new referrers join. */
  readonly #waiting = new Map<string, Batch>();
  /** Per `repository@subject`: the last batch, which the next one waits for. */
  readonly #last = new Map<string, Promise<void>>();

  constructor(io: FallbackIndexIo) {
    this.#io = io;
  }

  /** Resolves when `referrer` is listed in the index of `subject` (written, or found there). */
  add(repository: string, subject: Digest, referrer: Descriptor): Promise<void> {
    const key = `${repository}@${subject}`;
    let batch = this.#waiting.get(key);
    if (!batch) {
      const referrers: Descriptor[] = [];
      const previous = this.#last.get(key) ?? Promise.resolve();
      const done = previous
        .catch(() => {})
        .then(() => {
          // From here on, newcomers start the next batch: this one's read may already be under way.
          this.#waiting.delete(key);
          return this.#write(repository, subject, referrers);
        });
      batch = { referrers, done };
      this.#waiting.set(key, batch);
      this.#last.set(key, done);
      const clear = () => {
        if (this.#last.get(key) === done) this.#last.delete(key);
      };
      done.then(clear, clear);
    }
    batch.referrers.push(referrer);
    return batch.done;
  }

  async #write(repository: string, subject: Digest, referrers: Descriptor[]): Promise<void> {
    const io = this.#io;
    const tag = referrersTag(subject);
    const current = await io.get(repository, tag);
    if (current && current.parsed.kind !== 'index')
      throw io.refuse(repository, 'invalid', `tag ${tag} holds a ${current.mediaType}, not an index of referrers`);
    const listed = new Set(current?.parsed.manifests.map((d) => d.digest));
    const added = referrers.filter((d) => !listed.has(d.digest) && listed.add(d.digest));
    if (added.length === 0) return;
    // The document is kept as it is, fields ferry does not know included; only the list grows.
    const doc = current
      ? (JSON.parse(current.bytes.toString('utf8')) as { manifests?: unknown } & Record<string, unknown>)
      : { schemaVersion: 2, mediaType: MediaType.OciIndex, manifests: [] };
    doc.manifests = [...(Array.isArray(doc.manifests) ? doc.manifests : []), ...added];
    const bytes = Buffer.from(JSON.stringify(doc));
    if (bytes.length > io.cap)
      throw io.refuse(
        repository,
        'too-large',
        `index ${tag} would be larger than ${io.cap} bytes with ${added.map((d) => d.digest).join(', ')}`,
      );
    await io.put(repository, tag, bytes, current?.mediaType ?? MediaType.OciIndex);
  }
}
