/**
 * OCI Distribution client for one registry: ping, catalog, tags, manifests, blobs, uploads,
 * mounts and referrers. Every registry-supplied string is validated before it is used.
 * https://github.com/opencontainers/distribution-spec/blob/main/spec.md
 */
import { Readable } from 'node:stream';
import { type Digest, digestLike, hasherFor, parseDigest, sha256 } from '../oci/digest.js';
import { type Descriptor, InvalidManifestError, type ParsedManifest, parseManifest } from '../oci/manifest.js';
import { MANIFEST_ACCEPT, MediaType } from '../oci/media-types.js';
import { parseRepository, parseTag } from '../oci/ref.js';
import {
  type FallbackAdd,
  type FallbackIndexIo,
  FallbackIndexWriter,
  referrerDescriptor,
  referrersTag,
} from '../oci/referrers.js';
import { repositoryScope } from './auth/challenge.js';
import { API_CHECK, htmlPageSummary, RegistryError } from './errors.js';
import { isTransientNetworkError } from './retry.js';
import {
  readCapped,
  readCappedBytes,
  type SendRequest,
  type SendResponse,
  Transport,
  type TransportOptions,
} from './http.js';
import { firstHeader, internalTarget, nextLinkUrl, shownUrl } from './wire.js';

export const MANIFEST_CAP = 8 * 1024 * 1024;
/** Reads of a manifest body that lose the connection are retried this many times in all. */
const MANIFEST_BODY_ATTEMPTS = 3;
/** Blobs above this go up in chunks; below, one POST + one PUT (most widely supported). */
export const DEFAULT_CHUNK_THRESHOLD = Number.POSITIVE_INFINITY;
export const DEFAULT_CHUNK_SIZE = 16 * 1024 * 1024;
/**
 * The largest chunk ferry holds in memory for a chunked upload. A registry's OCI-Chunk-Min-Length
 * above it fails the upload: otherwise the registry would decide how much of a blob (up to all
 * of it) sits in memory per upload. 64 MiB is 16 times GHCR's 4 MiB PATCH limit and 13 times the
 * 5 MiB minimum the registries that send the header ask for.
 */
export const MAX_CHUNK_SIZE = 64 * 1024 * 1024;
/** An upload session's cancelling DELETE: short, since it is sent while a failed or stopped copy waits. */
const CANCEL_UPLOAD_DEADLINE_MS = 5_000;

/**
 * Bounds on one listing (all pages of one `tags/list` or `_catalog`), so that a registry whose
 * `Link` pagination never ends cannot exhaust memory or time (issue 15: a self-looping tag list
 * was followed 1,300 times, 202 s and 2.2 GB). A million entries is far above any real repository
 * (the largest public ones hold tens of thousands of tags); 64 MiB of JSON is that many 64-byte
 * entries; 20,000 pages is a million entries at 50 per page, the smallest page size registries
 * use. Past a bound the listing fails: a truncated list must never look complete, since deletions
 * are decided from it.
 */
export const LISTING_MAX_ENTRIES = 1_000_000;
export const LISTING_MAX_BYTES = 64 * 1024 * 1024;
export const LISTING_MAX_PAGES = 20_000;

/**
 * What to say of a listing whose page `page` (not the first) answered 404: a registry's tag list and
 * a vendor API's listing alike. Only the first page may say the listing is not there.
 */
export function laterPageMissing(
  page: number,
  codes: readonly string[],
  host: string,
  repository: string | undefined,
): { detail: string; hint: string } {
  return {
    detail: `page ${page} of the listing answered HTTP 404${codes.length ? ` ${codes.join(', ')}` : ''} after page 1 was read`,
    hint: `a replica or cache behind ${host} lagging behind${repository ? ', or the repository deleted while it was listed' : ''}; ferry decides nothing on a listing it could not read whole: run again`,
  };
}

export interface ListingLimits {
  /** Entries (tags or repositories, valid or not) summed over all pages. */
  entries: number;
  /** Body bytes plus `Link` URL bytes summed over all pages. */
  bytes: number;
  pages: number;
}

export const DEFAULT_LISTING_LIMITS: Readonly<ListingLimits> = {
  entries: LISTING_MAX_ENTRIES,
  bytes: LISTING_MAX_BYTES,
  pages: LISTING_MAX_PAGES,
};

export interface ClientOptions extends TransportOptions {
  /** Upload blobs larger than this with chunked PATCHes. */
  chunkThreshold?: number;
  chunkSize?: number;
  /** For tests: smaller listing bounds than DEFAULT_LISTING_LIMITS. */
  listingLimits?: Partial<ListingLimits>;
  /** Where best-effort steps that failed without failing the copy are told (a run's debug log). */
  debug?: (line: string) => void;
}

export interface ManifestHead {
  digest: Digest;
  mediaType: string;
  size: number;
}

export interface Manifest extends ManifestHead {
  bytes: Buffer;
  parsed: ParsedManifest;
}

export interface BlobStream {
  /** Bytes of the blob, verified against digest and size as they flow; errors on mismatch. */
  stream: Readable;
  size: number;
}

export interface UploadResult {
  /** How the blob got there. */
  via: 'uploaded' | 'mounted';
  retries: number;
}

type ReplayableBody = () => Readable | Promise<Readable>;

/** An open upload session. */
interface UploadSession {
  /** Where the next request goes: updated from each PATCH answer, so a cancel DELETE uses the latest. */
  location: URL;
  /** OCI-Chunk-Min-Length of the POST answer (spec: "the POST response SHOULD include"). */
  minChunk?: string;
}

/**
 * API checks that fail in a row, each after its retries, before a client stops asking: two, so
 * one outage of the retries' length does not end the run's use of the registry by itself.
 */
export const PING_FAILURES_FINAL = 2;

export class RegistryClient {
  readonly transport: Transport;
  readonly registry: string;
  readonly #chunkThreshold: number;
  readonly #chunkSize: number;
  readonly #listing: ListingLimits;
  #pinged?: Promise<void>;
  /** API checks failed in a row, each after all its retries. */
  #pingsFailed = 0;
  /** The last failed check's error, once PING_FAILURES_FINAL checks have failed in a row. */
  #unreachable?: unknown;
  /** Whether the registry has the referrers API (learned on first use). */
  #referrersApi?: boolean;
  /** Repositories whose referrers API answered in this run: a declined answer there is a glitch. */
  readonly #referrersAnsweredIn = new Set<string>();
  /** Repositories whose mounts the destination account was refused (401/403): not asked again. */
  readonly #mountRefused = new Set<string>();
  readonly #fallback: FallbackIndexWriter;
  readonly #debug: (line: string) => void;

  constructor(o: ClientOptions) {
    this.transport = new Transport(o);
    this.registry = o.registry;
    // A registry cannot hold other writers off between the GET and the PUT (distribution has no
    // conditional PUT): the writer's one update at a time per subject is all there is.
    this.#fallback = fallbackIndexWriter(this.registry, async (repository, tag, edit) => {
      const next = edit(await this.manifestGet(repository, tag));
      if (next) await this.manifestPut(repository, tag, next.bytes, next.mediaType);
    });
    this.#chunkThreshold = o.chunkThreshold ?? DEFAULT_CHUNK_THRESHOLD;
    this.#chunkSize = o.chunkSize ?? DEFAULT_CHUNK_SIZE;
    this.#listing = { ...DEFAULT_LISTING_LIMITS, ...o.listingLimits };
    this.#debug = o.debug ?? (() => {});
  }

  close(): Promise<void> {
    return this.transport.close();
  }

  /**
   * GET /v2/ once, to learn the auth challenge before any request with a body. A failed check is
   * asked again by the next request, but after PING_FAILURES_FINAL in a row this client fails at
   * once with the last one's error: every repository of a rule asked again, five tries and about
   * 11 s each, so a dead registry held a run of 1,000 repositories for ten minutes.
   */
  ping(): Promise<void> {
    if (this.#unreachable !== undefined) return Promise.reject(this.#unreachable);
    if (this.#pinged) return this.#pinged;
    const pinged = (async () => {
      // Only 200 is expected: with 401 in `expect` the transport returned the first challenge
      // as a success and never authenticated, so every ping of a Basic or token registry failed.
      // Now the transport learns the challenge from the 401 and retries with credentials; a
      // second 401 (bad credentials) becomes its 'unauthorized' RegistryError.
      const r = await this.transport.send({
        method: 'GET',
        path: '/v2/',
        scopes: [],
        expect: [200],
        operation: API_CHECK,
      });
      await r.body.dump().catch(() => {});
      this.#pingsFailed = 0;
    })();
    this.#pinged = pinged;
    // Counted once per check, however many requests wait on it.
    pinged.catch((e: unknown) => {
      if (this.#pinged === pinged) this.#pinged = undefined;
      if (++this.#pingsFailed >= PING_FAILURES_FINAL) this.#unreachable = e;
    });
    return pinged;
  }

  async #send(req: SendRequest) {
    await this.ping();
    return this.transport.send(req);
  }

  /** Lists repositories through `_catalog`, following `Link` pagination. */
  async catalog(pageSize = 1000): Promise<string[]> {
    const out: string[] = [];
    await this.#paginate(
      '/v2/_catalog',
      pageSize,
      ['registry:catalog:*'],
      'listing repositories',
      undefined,
      (doc) => (doc as { repositories?: unknown }).repositories,
      (repos) => {
        // Invalid names are returned: the engine skips each with a warning instead of failing the rule.
        for (const r of repos) if (typeof r === 'string') out.push(r);
      },
    );
    return out;
  }

  /** Lists tags of a repository (all pages). A repository that does not exist has no tags. */
  async tags(repository: string, pageSize = 1000): Promise<string[]> {
    parseRepository(repository);
    const out: string[] = [];
    try {
      await this.#paginate(
        `/v2/${repository}/tags/list`,
        pageSize,
        [pull(repository)],
        'listing tags of',
        repository,
        (doc) => (doc as { tags?: unknown }).tags,
        (tags) => {
          // Invalid tags are returned: the engine skips each with a warning that names it.
          for (const t of tags) if (typeof t === 'string') out.push(t);
        },
      );
    } catch (e) {
      // Only a 404 says the repository is not there: a 5xx naming NAME_UNKNOWN (a proxy's, a broken
      // backend's) is a failure, not an empty repository.
      if (e instanceof RegistryError && e.status === 404 && (e.codes.length === 0 || e.codes.includes('NAME_UNKNOWN')))
        return [];
      throw e;
    }
    return out;
  }

  /**
   * Follows `Link: <…>; rel="next"` from `path` to the last page. Every URL requested is
   * remembered: a next link back to any of them is a loop and fails the listing, as does passing
   * a bound of `#listing` (entries, bytes, pages). With `o.accept`, the first answer may be
   * declined (the listing is not there: false); later pages must be 200.
   */
  async #paginate(
    path: string,
    n: number | undefined,
    scopes: string[],
    operation: string,
    repository: string | undefined,
    entriesOf: (doc: unknown, text: string) => unknown,
    onPage: (entries: unknown[]) => void,
    o: {
      headers?: Record<string, string>;
      /** Whether the first answer (200 or 404) is the listing; if not, nothing is read and false returned. */
      accept?: (r: SendResponse) => boolean;
      /** Other statuses of the first answer that mean the listing is not there (with `accept`). */
      declines?: number[];
      /** What the listing is, in hints. */
      what?: string;
    } = {},
  ): Promise<boolean> {
    const limits = this.#listing;
    const what = o.what ?? (repository ? 'tag list' : 'catalog');
    const first = new URL(path, this.transport.base);
    // The referrers API has no page size parameter.
    if (n !== undefined) first.searchParams.set('n', String(n));
    let next: string | undefined = first.pathname + first.search;
    const requested = new Set<string>();
    let pages = 0;
    let entries = 0;
    let bytes = 0;
    const fail = (
      kind: 'invalid' | 'too-large' | 'network',
      detail: string,
      more: { hint?: string; htmlPage?: boolean } = {},
      cause?: unknown,
    ) =>
      new RegistryError({
        kind,
        registry: this.registry,
        ...(repository ? { repository } : {}),
        operation,
        detail: `${detail} (after ${pages} page(s), ${entries} entries, ${bytes} bytes)`,
        ...more,
        ...(cause ? { cause } : {}),
      });
    const bound = (what: string) =>
      fail('too-large', `the listing is longer than ${what}`, {
        hint: `ferry reads at most ${limits.entries} entries, ${limits.bytes} bytes and ${limits.pages} pages per listing, so that a registry whose pagination never ends cannot exhaust memory or time; a listing this long most likely comes from such a registry: check its ${what}`,
      });
    while (next !== undefined) {
      requested.add(next);
      // The remembered URLs count against the byte budget: a registry cannot grow the set unboundedly.
      bytes += next.length;
      if (pages >= limits.pages) throw bound(`${limits.pages} pages`);
      if (bytes > limits.bytes) throw bound(`${limits.bytes} bytes`);
      const r = await this.#send({
        method: 'GET',
        path: next,
        ...(o.headers ? { headers: o.headers } : {}),
        scopes,
        expect: o.accept ? [200, 404, ...(o.declines ?? [])] : [200],
        operation,
        ...(repository ? { repository } : {}),
      }).catch((e: unknown) => {
        // Only the first page may say the listing is not there (a replica that lags behind, a
        // cache): a later page's 404 would make a repository read in part look empty.
        if (pages > 0 && e instanceof RegistryError && e.status === 404) {
          const { detail, hint } = laterPageMissing(pages + 1, e.codes, this.registry, repository);
          throw fail('invalid', detail, { hint }, e);
        }
        throw e;
      });
      if (o.accept && (r.status !== 200 || (pages === 0 && !o.accept(r)))) {
        await r.body.dump().catch(() => {});
        if (pages === 0) return false;
        // A listing whose later page is missing would look shorter than it is.
        throw fail('invalid', `page ${pages + 1} of the listing answered HTTP ${r.status}`);
      }
      pages++;
      // A page may be as large as a manifest, but no larger than what is left of the listing's budget.
      const budget = limits.bytes - bytes;
      const cap = Math.min(MANIFEST_CAP, budget);
      let text: string;
      try {
        text = await readCapped(r.body, cap);
      } catch (e) {
        if (e instanceof RegistryError) throw e;
        if ((e as { code?: string }).code === 'FERRY_BODY_TOO_LARGE')
          throw cap === budget
            ? bound(`${limits.bytes} bytes`)
            : fail('too-large', `page ${pages} is larger than ${MANIFEST_CAP} bytes`);
        throw fail('network', `connection lost while reading page ${pages}: ${(e as Error).message}`, {}, e);
      }
      bytes += Buffer.byteLength(text);
      let list: unknown;
      try {
        list = entriesOf(JSON.parse(text), text);
      } catch (e) {
        if (e instanceof InvalidManifestError) throw fail('invalid', `page ${pages} of the listing: ${e.message}`);
        // A web UI, login page or proxy answers 200 with HTML: say so, and what the page is, not only "not JSON".
        const html = htmlPageSummary(text);
        throw html
          ? fail('invalid', `page ${pages} of the listing is ${html}, not JSON`, { htmlPage: true })
          : fail('invalid', `page ${pages} of the listing is not JSON`);
      }
      next = this.#nextLink(r.headers.link, r.url);
      if (Array.isArray(list)) {
        entries += list.length;
        if (entries > limits.entries) throw bound(`${limits.entries} entries`);
        onPage(list);
      } else if (list != null || pages > 1 || next !== undefined) {
        // Distribution answers `"tags": null` for a repository whose tags were all deleted: an empty
        // listing, but only as the whole of it. A page without its list anywhere else would cut the
        // listing short, and what it held would look absent (and be deleted at a destination).
        const field = repository ? 'tags' : 'repositories';
        throw fail('invalid', `page ${pages} of the listing has no "${field}" array`, {
          hint: `ferry decides nothing on a listing it could not read whole. Retry; if it persists, report the registry's answer to its operator`,
        });
      }
      if (next !== undefined && requested.has(next))
        throw fail(
          'invalid',
          `the registry's pagination repeats page ${shownUrl(next, this.transport.base)}: the Link rel="next" of page ${pages} points back to a page already read`,
          {
            hint: `the registry's ${what} pagination loops; ferry stops instead of following it forever. Report it to the registry's operator`,
          },
        );
    }
    return true;
  }

  /** `Link: </v2/_catalog?last=x&n=100>; rel="next"` — must stay on the registry. */
  #nextLink(link: string | string[] | undefined, from: URL): string | undefined {
    let u: URL | undefined;
    try {
      u = nextLinkUrl(link, from);
    } catch (e) {
      throw new RegistryError({
        kind: 'invalid',
        registry: this.registry,
        operation: 'pagination',
        detail: `the listing's next page cannot be found: ${(e as Error).message}`,
      });
    }
    if (!u) return undefined;
    if (u.origin !== this.transport.base.origin)
      throw new RegistryError({
        kind: 'invalid',
        registry: this.registry,
        operation: 'pagination',
        detail: `Link leaves the registry (${u.host})`,
      });
    return u.pathname + u.search;
  }

  /** HEAD a manifest by tag or digest; undefined when absent. One request, no pull counted on Docker Hub. */
  async manifestHead(repository: string, reference: string): Promise<ManifestHead | undefined> {
    const ref = this.#manifestRef(repository, reference);
    const r = await this.#send({
      method: 'HEAD',
      path: `/v2/${repository}/manifests/${ref}`,
      headers: { accept: MANIFEST_ACCEPT },
      scopes: [pull(repository)],
      expect: [200, 404],
      operation: 'checking manifest of',
      repository,
    });
    await r.body.dump().catch(() => {});
    if (r.status === 404) return undefined;
    const digest = header(r.headers, 'docker-content-digest');
    const type = header(r.headers, 'content-type');
    const length = header(r.headers, 'content-length');
    const size = Number(length);
    // Both the digest and the length, else a GET that computes them (docs/RELIABILITY.md C2): a
    // missing Content-Length must not become size NaN.
    if (!digest || !type || length === undefined || !Number.isSafeInteger(size) || size < 0) {
      // Some registries omit the digest on HEAD: fall back to a GET and compute it (RELIABILITY C2).
      const m = await this.manifestGet(repository, reference);
      return m && { digest: m.digest, mediaType: m.mediaType, size: m.size };
    }
    return {
      digest: parseDigest(digest, `Docker-Content-Digest of ${repository}:${reference}`),
      mediaType: stripParams(type),
      size,
    };
  }

  /** GET a manifest; verifies the digest when fetched by digest, computes it when by tag. */
  async manifestGet(repository: string, reference: string): Promise<Manifest | undefined> {
    const ref = this.#manifestRef(repository, reference);
    let r: Awaited<ReturnType<Transport['send']>>;
    let bytes: Buffer;
    // The transport retries failures before the headers; a connection lost while reading the
    // (small) body is retried here, and reported as a network error, not as 'too-large'.
    for (let attempt = 1; ; attempt++) {
      r = await this.#send({
        method: 'GET',
        path: `/v2/${repository}/manifests/${ref}`,
        headers: { accept: MANIFEST_ACCEPT },
        scopes: [pull(repository)],
        expect: [200, 404],
        operation: 'fetching manifest of',
        repository,
      });
      if (r.status === 404) {
        await r.body.dump().catch(() => {});
        return undefined;
      }
      try {
        bytes = await readCappedBytes(r.body, MANIFEST_CAP);
        break;
      } catch (e) {
        // The request's deadline ran out while reading: retrying a stalled registry stalls again.
        if (e instanceof RegistryError) throw e;
        if ((e as { code?: string }).code === 'FERRY_BODY_TOO_LARGE')
          throw new RegistryError({
            kind: 'too-large',
            registry: this.registry,
            repository,
            operation: 'fetching manifest of',
            detail: `manifest ${reference} is larger than ${MANIFEST_CAP} bytes`,
            cause: e,
          });
        if (attempt >= MANIFEST_BODY_ATTEMPTS || !isTransientNetworkError(e))
          throw new RegistryError({
            kind: 'network',
            registry: this.registry,
            repository,
            operation: 'fetching manifest of',
            detail: `manifest ${reference}: connection lost while reading the body: ${(e as Error).message}`,
            temporary: true,
            cause: e,
          });
      }
    }
    const contentType = stripParams(header(r.headers, 'content-type') ?? '');
    const digest = reference.includes(':') ? parseDigest(reference) : sha256(bytes);
    const actual = digestLike(digest, bytes);
    if (actual !== digest)
      throw new RegistryError({
        kind: 'digest-mismatch',
        registry: this.registry,
        repository,
        operation: 'fetching manifest of',
        detail: `manifest ${reference}: content has digest ${actual}`,
      });
    let parsed: ParsedManifest;
    try {
      parsed = parseManifest(bytes, contentType);
    } catch (e) {
      throw new RegistryError({
        kind: 'invalid',
        registry: this.registry,
        repository,
        operation: `manifest ${reference}`,
        detail: (e as Error).message,
        cause: e,
      });
    }
    return { digest, mediaType: parsed.mediaType, size: bytes.length, bytes, parsed };
  }

  /**
   * PUT manifest bytes exactly as given under a tag or its digest. With `referrersFallback`, a
   * manifest with a `subject` answered without `OCI-Subject` (a registry with no referrers API,
   * such as distribution 2.8) is also added to the subject's `sha256-<hex>` fallback index (spec
   * §"Pushing Manifests with Subject"; RELIABILITY E3).
   */
  async manifestPut(
    repository: string,
    reference: string,
    bytes: Buffer,
    mediaType: string,
    opts: { referrersFallback?: FallbackAdd } = {},
  ): Promise<Digest> {
    const ref = this.#manifestRef(repository, reference);
    const digest = sha256(bytes);
    const r = await this.#send({
      method: 'PUT',
      path: `/v2/${repository}/manifests/${ref}`,
      headers: { 'content-type': mediaType },
      body: bytes,
      scopes: [push(repository)],
      expect: [201, 202],
      operation: 'writing manifest to',
      repository,
    });
    await r.body.dump().catch(() => {});
    const returned = header(r.headers, 'docker-content-digest');
    if (returned && returned !== digest && returned.startsWith('sha256:'))
      throw new RegistryError({
        kind: 'digest-mismatch',
        registry: this.registry,
        repository,
        operation: 'writing manifest to',
        // The method picks the write-side hint: ferry sent these bytes, and the registry kept something.
        method: 'PUT',
        detail: `registry stored ${returned}, sent ${digest}`,
      });
    if (opts.referrersFallback && !header(r.headers, 'oci-subject')) {
      const parsed = parseManifest(bytes, mediaType);
      if (parsed.subject)
        await this.#fallback.add(
          repository,
          parsed.subject.digest,
          referrerDescriptor(parsed, digest, bytes.length),
          opts.referrersFallback.listed,
        );
    }
    return digest;
  }

  /** DELETE a manifest by digest (by tag where the registry allows it: spec end-9). */
  async manifestDelete(repository: string, reference: string): Promise<void> {
    const ref = this.#manifestRef(repository, reference);
    const r = await this.#send({
      method: 'DELETE',
      path: `/v2/${repository}/manifests/${ref}`,
      scopes: [repositoryScope(repository, ['delete']), pull(repository)],
      expect: [202, 200],
      operation: 'deleting manifest from',
      repository,
    });
    await r.body.dump().catch(() => {});
  }

  /** HEAD a blob; its size when present, undefined when absent. */
  async blobHead(repository: string, digest: Digest): Promise<number | undefined> {
    parseRepository(repository);
    parseDigest(digest);
    const r = await this.#send({
      method: 'HEAD',
      path: `/v2/${repository}/blobs/${digest}`,
      scopes: [pull(repository)],
      expect: [200, 404],
      operation: 'checking blob in',
      repository,
    });
    await r.body.dump().catch(() => {});
    if (r.status === 404) return undefined;
    const n = Number(header(r.headers, 'content-length'));
    return Number.isFinite(n) ? n : 0;
  }

  /**
   * Streams a blob, verifying size and digest while it flows. A connection lost mid-body is
   * resumed with `Range: bytes=N-` (only a 206 starting at N is accepted; a 200 restarts
   * nothing and fails). The stream errors instead of ending when the content is wrong.
   */
  async blobGet(
    repository: string,
    desc: Pick<Descriptor, 'digest' | 'size'>,
    opts: { maxResumes?: number; onRetry?: () => void } = {},
  ): Promise<BlobStream> {
    const maxResumes = opts.maxResumes ?? 3;
    parseRepository(repository);
    const digest = parseDigest(desc.digest);
    const first = await this.#send({
      method: 'GET',
      path: `/v2/${repository}/blobs/${digest}`,
      scopes: [pull(repository)],
      expect: [200],
      operation: 'fetching blob from',
      repository,
      size: desc.size,
    });
    for (let i = 0; i < first.retries; i++) opts.onRetry?.();
    const length = header(first.headers, 'content-length');
    if (length !== undefined && Number(length) !== desc.size) {
      await first.body.dump().catch(() => {});
      throw new RegistryError({
        kind: 'size-mismatch',
        registry: this.registry,
        repository,
        operation: 'fetching blob from',
        detail: `blob ${digest}: Content-Length ${length} but the descriptor says ${desc.size}`,
      });
    }
    const encoding = header(first.headers, 'content-encoding');
    if (encoding && encoding !== 'identity') {
      await first.body.dump().catch(() => {});
      throw new RegistryError({
        kind: 'invalid',
        registry: this.registry,
        repository,
        operation: 'fetching blob from',
        detail: `blob ${digest} came with Content-Encoding ${encoding}; blobs must be sent as stored`,
      });
    }
    return {
      stream: Readable.from(this.#verified(repository, digest, desc.size, first, maxResumes, opts.onRetry), {
        objectMode: false,
      }),
      size: desc.size,
    };
  }

  /** The bytes of `first`, resumed after a lost connection and checked against size and digest. */
  async *#verified(
    repository: string,
    digest: Digest,
    size: number,
    first: SendResponse,
    maxResumes: number,
    onRetry: (() => void) | undefined,
  ): AsyncGenerator<Buffer> {
    const hash = hasherFor(digest);
    let received = 0;
    let body: AsyncIterable<Uint8Array> = first.body;
    let resumes = 0;
    // The newest chunk is held back until the next one arrives, and the last one until size and
    // digest are checked: a consumer (an upload PUT with an exact Content-Length) never gets the
    // complete bytes of a corrupt blob, so the destination cannot commit them (RELIABILITY C1).
    let held: Buffer | undefined;
    for (;;) {
      try {
        for await (const chunk of body) {
          const buf = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk); // undici yields Buffers: no copy
          const room = size - received;
          if (buf.length > room)
            throw this.#blobError(repository, 'size-mismatch', `blob ${digest} is longer than ${size} bytes`);
          received += buf.length;
          hash.update(buf);
          if (held) yield held;
          held = buf;
        }
        break;
      } catch (e) {
        if (e instanceof RegistryError || received >= size || resumes >= maxResumes || !isResumable(e)) {
          if (e instanceof RegistryError) throw e;
          throw this.#blobError(
            repository,
            'network',
            `blob ${digest}: connection lost after ${received} of ${size} bytes: ${(e as Error).message}`,
            e,
          );
        }
        resumes++;
        onRetry?.();
        body = await this.#resume(repository, digest, received, size);
      }
    }
    if (received !== size)
      throw this.#blobError(repository, 'size-mismatch', `blob ${digest}: received ${received} of ${size} bytes`);
    const actual = `${digest.slice(0, digest.indexOf(':'))}:${hash.digest('hex')}`;
    if (actual !== digest)
      throw this.#blobError(repository, 'digest-mismatch', `blob ${digest}: content has digest ${actual}`);
    if (held) yield held;
  }

  async #resume(repository: string, digest: Digest, from: number, size: number): Promise<AsyncIterable<Uint8Array>> {
    const r = await this.transport.send({
      method: 'GET',
      path: `/v2/${repository}/blobs/${digest}`,
      headers: { range: `bytes=${from}-` },
      scopes: [pull(repository)],
      expect: [200, 206],
      operation: 'resuming blob from',
      repository,
      size: size - from,
    });
    const cr = header(r.headers, 'content-range');
    const m = cr ? /^bytes (\d+)-(\d+)\/(\d+|\*)$/.exec(cr) : null;
    if (r.status !== 206 || !m || Number(m[1]) !== from || Number(m[2]) !== size - 1) {
      await r.body.dump().catch(() => {});
      throw this.#blobError(
        repository,
        'network',
        `blob ${digest}: cannot resume at byte ${from}: the registry ignored or mis-answered the Range request`,
      );
    }
    return r.body;
  }

  #blobError(
    repository: string,
    kind: 'network' | 'size-mismatch' | 'digest-mismatch',
    detail: string,
    cause?: unknown,
  ): RegistryError {
    return new RegistryError({
      kind,
      registry: this.registry,
      repository,
      operation: 'fetching blob from',
      detail,
      cause,
      temporary: kind === 'network',
    });
  }

  /**
   * Asks the registry to link an existing blob from another repository (same registry only).
   * Returns true when mounted (201); false when declined (202 — the opened session is cancelled).
   */
  async blobMount(repository: string, digest: Digest, from: string): Promise<boolean> {
    parseRepository(repository);
    parseRepository(from);
    const r = await this.#send({
      method: 'POST',
      path: `/v2/${repository}/blobs/uploads/`,
      query: { mount: parseDigest(digest), from },
      scopes: [push(repository), pull(from)],
      expect: [201, 202],
      operation: 'mounting blob into',
      repository,
    });
    await r.body.dump().catch(() => {});
    if (r.status === 201) return true;
    const loc = header(r.headers, 'location');
    if (loc) await this.#cancelUpload(repository, new URL(loc, r.url));
    return false;
  }

  /**
   * Uploads a blob whose bytes come from `open()` (called again for each attempt). Monolithic
   * POST + PUT with an exact Content-Length by default; chunked PATCHes above the threshold.
   * The registry verifies the digest on the final PUT.
   */
  async blobUpload(
    repository: string,
    desc: Pick<Descriptor, 'digest' | 'size'>,
    open: ReplayableBody,
    /** Try a mount from this repository first: when the registry declines, its 202 is the upload session. */
    o: { mountFrom?: string } = {},
  ): Promise<UploadResult> {
    parseRepository(repository);
    const digest = parseDigest(desc.digest);
    let chunked = desc.size > this.#chunkThreshold;
    const attempts = 3;
    let retries = 0;
    for (let attempt = 0; ; attempt++) {
      let session: UploadSession;
      if (attempt === 0 && o.mountFrom && o.mountFrom !== repository && !this.#mountRefused.has(o.mountFrom)) {
        const started = await this.#startMountOrUpload(repository, digest, o.mountFrom);
        if (started === 'mounted') return { via: 'mounted', retries };
        session = started;
      } else session = await this.#startUpload(repository);
      try {
        if (chunked) await this.#uploadChunked(repository, session, digest, desc.size, open);
        else await this.#uploadMonolithic(repository, session.location, digest, desc.size, open);
        return { via: 'uploaded', retries };
      } catch (e) {
        await this.#cancelUpload(repository, session.location);
        // A registry that refuses a whole-blob PUT (JFrog's 400, a proxy's 413) gets chunks instead.
        if (!chunked && e instanceof RegistryError && (e.status === 413 || e.status === 400 || e.status === 416)) {
          chunked = true;
          retries++;
          if (attempt + 1 < attempts) continue;
        }
        const temporary = e instanceof RegistryError ? e.temporary : true;
        // The whole session is retried, never a single request with a consumed body (RELIABILITY A4).
        if (!temporary || attempt + 1 >= attempts) throw e;
        retries++;
      }
    }
  }

  /**
   * POST with mount and from: 201 mounted, else the 202 opened an ordinary upload session. Any
   * error of the mount POST (the destination account may not read `from`: 401/403; a registry
   * that rejects mounts: 400/405; a glitch) starts a plain upload instead (RELIABILITY D1): the
   * mount is an optimisation and never the reason a copy fails. Only a cancelled run stops here.
   */
  async #startMountOrUpload(repository: string, digest: Digest, from: string): Promise<'mounted' | UploadSession> {
    parseRepository(from);
    let r: SendResponse;
    try {
      r = await this.#send({
        method: 'POST',
        path: `/v2/${repository}/blobs/uploads/`,
        query: { mount: digest, from },
        scopes: [push(repository), pull(from)],
        expect: [201, 202],
        operation: 'starting upload to',
        repository,
      });
    } catch (e) {
      if (e instanceof RegistryError && e.kind === 'cancelled') throw e;
      // Refused permission does not change within a run: the next blob from `from` skips the
      // mount instead of paying a refused POST (and a token request for its scope) again.
      if (e instanceof RegistryError && (e.status === 401 || e.status === 403)) this.#mountRefused.add(from);
      this.#debug(`mount from ${from} into ${repository} failed, uploading instead: ${(e as Error).message}`);
      return this.#startUpload(repository);
    }
    await r.body.dump().catch(() => {});
    return r.status === 201 ? 'mounted' : this.#session(r, repository);
  }

  async #startUpload(repository: string): Promise<UploadSession> {
    const r = await this.#send({
      method: 'POST',
      path: `/v2/${repository}/blobs/uploads/`,
      scopes: [push(repository)],
      expect: [202],
      operation: 'starting upload to',
      repository,
    });
    await r.body.dump().catch(() => {});
    return this.#session(r, repository);
  }

  #session(r: SendResponse, repository: string): UploadSession {
    const minChunk = header(r.headers, 'oci-chunk-min-length');
    return { location: this.#location(r.headers, r.url, repository), ...(minChunk ? { minChunk } : {}) };
  }

  /**
   * The chunk size once the registry has said `demand` (an OCI-Chunk-Min-Length): at least that,
   * but a demand above MAX_CHUNK_SIZE fails the upload rather than buffering that much.
   */
  #chunkSizeFor(current: number, demand: string | undefined, repository: string): number {
    const min = Number(demand);
    if (demand === undefined || !Number.isSafeInteger(min) || min <= current) return current;
    if (min > MAX_CHUNK_SIZE)
      throw new RegistryError({
        kind: 'invalid',
        registry: this.registry,
        repository,
        operation: 'uploading chunk to',
        detail: `the registry demands chunks of at least ${min} bytes (OCI-Chunk-Min-Length: ${demand}), more than ferry's cap of ${MAX_CHUNK_SIZE} bytes per chunk`,
        hint: `ferry holds each chunk in memory and does not let a registry decide how much; ask the registry's operator to lower its minimum chunk size, or to accept whole-blob uploads (a single PUT)`,
      });
    return min;
  }

  #location(headers: Record<string, string | string[] | undefined>, base: URL, repository: string): URL {
    const loc = header(headers, 'location');
    if (!loc)
      throw new RegistryError({
        kind: 'invalid',
        registry: this.registry,
        repository,
        operation: 'upload',
        detail: 'upload response has no Location',
      });
    let u: URL;
    try {
      u = new URL(loc, base);
    } catch {
      throw new RegistryError({
        kind: 'invalid',
        registry: this.registry,
        repository,
        operation: 'upload',
        detail: `upload Location ${JSON.stringify(shownUrl(loc))} is not a URL`,
      });
    }
    if (u.protocol !== 'https:' && u.protocol !== 'http:')
      throw new RegistryError({
        kind: 'invalid',
        registry: this.registry,
        repository,
        operation: 'upload',
        detail: `upload Location has scheme ${u.protocol}`,
      });
    if (this.transport.base.protocol === 'https:' && u.protocol === 'http:')
      throw new RegistryError({
        kind: 'redirect-refused',
        registry: this.registry,
        repository,
        operation: 'upload',
        detail: 'upload Location downgrades https to http',
      });
    // As a redirect may not (RELIABILITY B5): the blob's bytes go where the Location says.
    const internal = u.username || u.password ? 'a URL carrying credentials' : internalTarget(u, this.transport.base);
    if (internal)
      throw new RegistryError({
        kind: 'redirect-refused',
        registry: this.registry,
        repository,
        operation: 'upload',
        detail: `upload Location points at ${internal}`,
      });
    return u;
  }

  async #uploadMonolithic(
    repository: string,
    location: URL,
    digest: Digest,
    size: number,
    open: ReplayableBody,
  ): Promise<void> {
    const u = new URL(location);
    u.searchParams.set('digest', digest);
    const r = await this.transport.send({
      method: 'PUT',
      path: u.toString(),
      headers: { 'content-type': 'application/octet-stream', 'content-length': String(size) },
      body: open,
      scopes: [push(repository)],
      expect: [201],
      operation: 'uploading blob to',
      repository,
      retry: false,
      size,
    });
    await r.body.dump().catch(() => {});
  }

  /** Chunked upload (spec: "Pushing a blob in chunks"), honouring OCI-Chunk-Min-Length and resuming from the registry's Range. */
  async #uploadChunked(
    repository: string,
    session: UploadSession,
    digest: Digest,
    size: number,
    open: ReplayableBody,
  ): Promise<void> {
    // Before the source is opened: a demand above the cap fails without starting a download.
    const chunkSize = this.#chunkSizeFor(this.#chunkSize, session.minChunk, repository);
    const source = await open();
    try {
      await this.#sendChunks(repository, session, chunkSize, digest, size, source);
    } finally {
      // On failure the source download must not stay open until its body timeout.
      source.destroy();
    }
  }

  async #sendChunks(
    repository: string,
    session: UploadSession,
    initialChunkSize: number,
    digest: Digest,
    size: number,
    source: Readable,
  ): Promise<void> {
    let offset = 0;
    /** Bytes read from the source and not yet sent: at most one chunk plus one source piece. */
    let pending = Buffer.alloc(0);
    const iterator = source[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
    let done = false;
    let chunkSize = initialChunkSize;
    while (offset < size) {
      if (!done && pending.length < chunkSize) {
        const parts: Uint8Array[] = pending.length ? [pending] : [];
        let length = pending.length;
        while (!done && length < chunkSize) {
          const n = await iterator.next();
          if (n.done) done = true;
          else {
            parts.push(n.value);
            length += n.value.length;
          }
        }
        // One join per chunk: joining per piece copied the growing chunk each time (quadratic:
        // 12-14 s for one 16 MiB chunk from 64 KiB pieces).
        pending = Buffer.concat(parts, length);
      }
      const end = offset + Math.min(chunkSize, pending.length);
      if (end === offset) break;
      let demand: string | undefined;
      for (let tries = 0; offset < end; tries++) {
        // What is left of this chunk: all of it, or the rest after a partial write the registry kept.
        const piece = pending.subarray(0, end - offset);
        try {
          const r = await this.transport.send({
            method: 'PATCH',
            path: session.location.toString(),
            headers: {
              'content-type': 'application/octet-stream',
              'content-length': String(piece.length),
              // start-end without a "bytes " prefix (Azure rejects it).
              'content-range': `${offset}-${offset + piece.length - 1}`,
            },
            body: piece,
            scopes: [push(repository)],
            expect: [202, 201],
            operation: 'uploading chunk to',
            repository,
            retry: false,
            size: piece.length,
          });
          await r.body.dump().catch(() => {});
          session.location = this.#location(r.headers, r.url, repository);
          demand = header(r.headers, 'oci-chunk-min-length') ?? demand;
          offset += piece.length;
          pending = pending.subarray(piece.length);
        } catch (e) {
          if (tries >= 2) throw e;
          // Ask the registry how much it has (GET <location> → 204, Range: 0-N) and continue from there.
          const status = await this.#uploadStatus(repository, session.location);
          if (status === undefined || status.have < offset || status.have > end) throw e;
          // The session goes on where the status says (RELIABILITY D4): a registry may move it.
          session.location = status.location;
          pending = pending.subarray(status.have - offset);
          offset = status.have;
        }
      }
      // Applied between chunks, outside the PATCH's retry: a demand above the cap is not a glitch.
      // After the last chunk it no longer matters (only the final PUT is left).
      if (offset < size) chunkSize = this.#chunkSizeFor(chunkSize, demand, repository);
    }
    const u = new URL(session.location);
    u.searchParams.set('digest', digest);
    const r = await this.transport.send({
      method: 'PUT',
      path: u.toString(),
      headers: { 'content-length': '0' },
      scopes: [push(repository)],
      expect: [201],
      operation: 'completing upload to',
      repository,
      // The registry may move or re-hash the whole blob before it answers.
      size,
    });
    await r.body.dump().catch(() => {});
  }

  async #uploadStatus(repository: string, location: URL): Promise<{ have: number; location: URL } | undefined> {
    try {
      const r = await this.transport.send({
        method: 'GET',
        path: location.toString(),
        scopes: [push(repository)],
        expect: [204],
        operation: 'checking upload to',
        repository,
      });
      await r.body.dump().catch(() => {});
      const m = /^(?:bytes=)?0-(\d+)$/.exec(header(r.headers, 'range') ?? '');
      const next = header(r.headers, 'location') ? this.#location(r.headers, r.url, repository) : location;
      return { have: m ? Number(m[1]) + 1 : 0, location: next };
    } catch {
      return undefined;
    }
  }

  /**
   * DELETEs an abandoned upload session, best effort (RELIABILITY D5): also when the run is being
   * cancelled, which is when sessions are most often abandoned, but never for longer than
   * CANCEL_UPLOAD_DEADLINE_MS, so a stopping run is not held up by a registry that does not answer.
   */
  async #cancelUpload(repository: string, location: URL): Promise<void> {
    await this.transport
      .send({
        method: 'DELETE',
        path: location.toString(),
        scopes: [push(repository)],
        expect: [204, 202, 200, 404],
        operation: 'cancelling upload to',
        repository,
        retry: false,
        cleanupDeadlineMs: CANCEL_UPLOAD_DEADLINE_MS,
      })
      .then((r) => r.body.dump())
      // The registry expires the session itself in time; the copy's own error is what matters.
      .catch((e: unknown) =>
        this.#debug(`cancelling an upload session in ${repository} failed: ${(e as Error).message}`),
      );
  }

  /**
   * Manifests that name `subject` as their subject: the referrers API, or on 404 the
   * `sha256-<hex>` fallback tag holding an index (spec: "Listing Referrers").
   */
  async referrers(
    repository: string,
    subject: Digest,
    opts: { fallbackTagAbsent?: boolean } = {},
  ): Promise<Descriptor[]> {
    parseRepository(repository);
    parseDigest(subject);
    // A registry without the API (distribution 2.8) answers 404 once; the run does not ask again.
    if (this.#referrersApi === false) return opts.fallbackTagAbsent ? [] : this.#referrersFallback(repository, subject);
    const out: Descriptor[] = [];
    // All pages (spec: the registry MAY paginate and sets Link rel="next"), under the listings'
    // bounds: each page at most MANIFEST_CAP bytes, the whole within #listing. Page 1 alone left
    // the other referrers uncopied (and, at a destination, looking absent).
    const api = await this.#paginate(
      `/v2/${repository}/referrers/${subject}`,
      undefined,
      [pull(repository)],
      'listing referrers in',
      repository,
      (_doc, text) => parseManifest(Buffer.from(text), MediaType.OciIndex).manifests,
      (descriptors) => out.push(...(descriptors as Descriptor[])),
      {
        headers: { accept: MediaType.OciIndex },
        // A 404, or a 200 that is not an index (a web UI), means no referrers API; so do the
        // answers of registries that do not route the endpoint at all (Artifactory: 406).
        accept: (r) => r.status === 200 && stripParams(header(r.headers, 'content-type') ?? '') === MediaType.OciIndex,
        declines: [400, 405, 406, 501],
        what: 'referrers list',
      },
    );
    if (api) {
      this.#referrersApi = true;
      this.#referrersAnsweredIn.add(repository);
      return out;
    }
    if (this.#referrersAnsweredIn.has(repository))
      // The API answered in this repository earlier in this run: a declined answer now (a replica
      // or a proxy that does not route it) is no sign it is missing, and read as "no referrers" it
      // would copy a tag without its signatures, which no later run looks for again.
      throw new RegistryError({
        kind: 'invalid',
        registry: this.registry,
        repository,
        operation: 'listing referrers in',
        detail: `the referrers API declined the request for ${subject}, though it answered in this repository earlier in this run`,
        hint: `a replica or a proxy in front of ${this.registry} that does not route the referrers API (/v2/<name>/referrers/<digest>); ferry does not take that for "no referrers": run again`,
      });
    // Answered in other repositories only: this one may be served without the API (another
    // backend behind one host); its fallback tag answers this time, and the API is asked again.
    if (this.#referrersApi === true) return opts.fallbackTagAbsent ? [] : this.#referrersFallback(repository, subject);
    this.#referrersApi = false;
    return opts.fallbackTagAbsent ? [] : this.#referrersFallback(repository, subject);
  }

  /**
   * This client wrote (or read) the fallback index of `subject` in `repository` during the run: a
   * tag listing taken before says nothing about it.
   */
  wroteFallback(repository: string, subject: Digest): boolean {
    return this.#fallback.knows(repository, subject);
  }

  async #referrersFallback(repository: string, subject: Digest): Promise<Descriptor[]> {
    const fallback = await this.manifestGet(repository, referrersTag(subject));
    if (!fallback || fallback.parsed.kind !== 'index') return [];
    return fallback.parsed.manifests;
  }

  #manifestRef(repository: string, reference: string): string {
    parseRepository(repository);
    return reference.includes(':')
      ? parseDigest(reference, `manifest reference in ${repository}`)
      : parseTag(reference);
  }
}

/**
 * The referrers fallback index of a store without the referrers API (a registry, an OCI layout),
 * updated by `update`, its refusals worded as registry errors of `registry`.
 */
export function fallbackIndexWriter(registry: string, update: FallbackIndexIo['update']): FallbackIndexWriter {
  return new FallbackIndexWriter({
    update,
    refuse: (repository, kind, detail, hint) =>
      new RegistryError({
        kind,
        registry,
        repository,
        operation: 'updating referrers fallback tag in',
        detail,
        ...(hint ? { hint } : {}),
      }),
    cap: MANIFEST_CAP,
  });
}

function pull(repository: string): string {
  return repositoryScope(repository, ['pull']);
}
function push(repository: string): string {
  return repositoryScope(repository, ['pull', 'push']);
}

function header(h: Record<string, string | string[] | undefined>, name: string): string | undefined {
  return firstHeader(h[name]);
}

function stripParams(contentType: string): string {
  return contentType.split(';')[0]?.trim() ?? '';
}

function isResumable(e: unknown): boolean {
  return !(e instanceof RegistryError);
}
