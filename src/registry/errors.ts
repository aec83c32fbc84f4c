/**
 * One typed error for everything that goes wrong talking to a registry.
 * Branch on `kind`/`codes`, never on message text.
 */

export type RegistryErrorKind =
  | 'unauthorized'
  | 'denied'
  | 'not-found'
  | 'rate-limited'
  | 'unsupported'
  | 'invalid'
  | 'digest-mismatch'
  | 'size-mismatch'
  | 'too-large'
  | 'network'
  /** A request did not finish within its overall deadline (a stalled or very slow registry). */
  | 'timeout'
  /** The run was cancelled (SIGTERM, its timeout) while the request was in flight. */
  | 'cancelled'
  | 'tls'
  | 'redirect-refused'
  | 'server'
  | 'http';

/**
 * The operation of the first request to a registry, GET /v2/ (the "ping" of the distribution
 * spec): worded for the user, who knows the endpoint but not ferry's name for the request.
 */
export const API_CHECK = 'checking the registry API (GET /v2/) of';

/**
 * The operation of the read of a tag right after ferry wrote it (RELIABILITY C6): its hint says
 * the tag was written, which no other digest mismatch may say.
 */
export const TAG_CHECK = 'verifying tag';

export interface RegistryErrorInit {
  kind: RegistryErrorKind;
  registry: string;
  repository?: string;
  operation: string;
  method?: string;
  /** URL without credentials or query secrets. */
  url?: string;
  status?: number;
  codes?: string[];
  detail?: string;
  hint?: string;
  /** The error's body was an HTML page (a web UI, a login form, a proxy's error page), not the API's. */
  htmlPage?: boolean;
  /** True when retrying the same request may succeed. */
  temporary?: boolean;
  /** How often the request was sent before ferry gave up, over how long: a hint says it was retried. */
  tries?: Tries;
  /**
   * The origin that failed when it is not the registry's own (its token realm, a blob redirect's
   * host): whose certificate failed (`tls.verify: false` does not apply there), or, with a
   * `status`, which answered it. Scheme, host and port only: a redirect's query holds a signature.
   */
  otherOrigin?: string;
  /** The server answered an https:// request in plain HTTP (the TLS handshake read an HTTP reply). */
  plainHttp?: boolean;
  /** A TLS failure's code, from the transport (UNABLE_TO_VERIFY_LEAF_SIGNATURE, ERR_TLS_CERT_ALTNAME_INVALID…). */
  tlsCode?: string;
  cause?: unknown;
}

export interface Tries {
  count: number;
  ms: number;
}

export class RegistryError extends Error {
  override name = 'RegistryError';
  readonly kind: RegistryErrorKind;
  readonly registry: string;
  readonly repository?: string;
  readonly operation: string;
  readonly method?: string;
  readonly url?: string;
  readonly status?: number;
  readonly codes: string[];
  readonly hint?: string;
  readonly htmlPage: boolean;
  readonly temporary: boolean;
  readonly tries?: Tries;
  readonly otherOrigin?: string;
  readonly plainHttp: boolean;
  readonly tlsCode?: string;

  constructor(init: RegistryErrorInit) {
    const where = init.repository ? `${init.registry}/${init.repository}` : init.registry;
    const status = init.status ? ` (HTTP ${init.status}${init.codes?.length ? ` ${init.codes.join(', ')}` : ''})` : '';
    super(`${init.operation} ${where}: ${init.detail ?? init.kind}${status}`, { cause: init.cause });
    this.kind = init.kind;
    this.registry = init.registry;
    this.repository = init.repository;
    this.operation = init.operation;
    this.method = init.method;
    this.url = init.url;
    this.status = init.status;
    this.codes = init.codes ?? [];
    this.htmlPage = init.htmlPage ?? false;
    if (init.tries) this.tries = init.tries;
    if (init.otherOrigin) this.otherOrigin = init.otherOrigin;
    this.plainHttp = init.plainHttp ?? false;
    if (init.tlsCode) this.tlsCode = init.tlsCode;
    if (init.hint !== undefined) ownHint.add(this);
    this.hint = init.hint ?? registryHint(this);
    this.temporary = init.temporary ?? false;
  }
}

/** Maps status and distribution error codes to a kind. */
export function kindFor(status: number, codes: string[]): RegistryErrorKind {
  if (codes.includes('TOOMANYREQUESTS') || status === 429) return 'rate-limited';
  if (status === 401 || codes.includes('UNAUTHORIZED')) return 'unauthorized';
  if (status === 403 || codes.includes('DENIED')) return 'denied';
  if (
    status === 404 ||
    codes.some(
      (c) => c === 'NAME_UNKNOWN' || c === 'MANIFEST_UNKNOWN' || c === 'BLOB_UNKNOWN' || c === 'BLOB_UPLOAD_UNKNOWN',
    )
  )
    return 'not-found';
  if (status === 405 || codes.includes('UNSUPPORTED')) return 'unsupported';
  if (status === 413) return 'too-large';
  if (status >= 500) return 'server';
  if (status === 400 || codes.some((c) => c.endsWith('_INVALID'))) return 'invalid';
  return 'http';
}

/** OpenSSL's codes for a certificate no trusted CA signed (the fix: give the CA). */
const UNKNOWN_AUTHORITY = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'CERT_SIGNATURE_FAILURE',
]);

/** A TLS error whose cause is a certificate no trusted CA signed, as the transport read its code. */
export function signedByUnknownAuthority(e: RegistryError): boolean {
  return e.kind === 'tls' && e.tlsCode !== undefined && UNKNOWN_AUTHORITY.has(e.tlsCode);
}

/** A certificate issued for other names than the one ferry connected to (a trusted CA may sign it). */
export function certificateNameMismatch(e: RegistryError): boolean {
  return e.kind === 'tls' && (e.tlsCode === 'ERR_TLS_CERT_ALTNAME_INVALID' || e.tlsCode === 'HOSTNAME_MISMATCH');
}

/** ` on each of 4 attempts over 12 s`: ferry retried before giving up, so "run again" means later. */
function triedText(tries: Tries | undefined): string {
  if (!tries || tries.count < 2) return '';
  const s = tries.ms / 1000;
  return ` on each of ${tries.count} attempts over ${s < 10 ? s.toFixed(1) : Math.round(s)} s`;
}

/**
 * How a hint names the registry and its settings. The client alone knows only the host; the
 * provider layer, which knows the rules file, names the registry's entry in it (`registries.dst`).
 */
export interface HintNames {
  /** The registry as the hint names it: `reg.example`, or `reg.example (registries.dst, type harbor)`. */
  subject: string;
  /** The host alone, for commands and names (`docker login reg.example`). */
  host: string;
  /** A setting of the registry's entry: `url` → `the registry's url in replication.yaml`, or `registries.dst.url`. */
  setting(key: string): string;
}

/** The names a hint uses when nothing but the client's own error is known. */
function plainNames(registry: string): HintNames {
  return {
    subject: registry,
    host: registry,
    setting: (key) =>
      key === 'url' ? "the registry's url in replication.yaml" : `the registry's ${key} in replication.yaml`,
  };
}

/** Errors whose hint was given at construction: a hint from `registryHint` would hide a more specific one. */
const ownHint = new WeakSet<RegistryError>();

/**
 * The hint for `e`, worded with `names`: the hint given when the error was made, else the one this
 * module decides from kind, codes and status. The one place that decides these hints; the provider
 * layer only adds what a vendor needs and names the rules file's settings.
 */
export function registryHint(e: RegistryError, names: HintNames = plainNames(e.registry)): string | undefined {
  if (ownHint.has(e)) return e.hint;
  const codes = e.codes;
  const host = names.host.replace(/:\d+$/, '');
  // Another host's answer (a redirect to blob storage or a CDN): the registry's own settings,
  // credentials and permissions had no part in it. A 429 there is still a rate limit.
  if (e.otherOrigin && e.status !== undefined && e.kind !== 'rate-limited') return redirectTargetHint(e, names);
  switch (e.kind) {
    case 'unauthorized':
      return `the registry ${names.subject} refused the credentials (or none were found): check the credentials configured for it, or the Docker config.json entry for ${names.host}`;
    case 'denied':
      if (e.registry === 'docker.io' || e.registry === 'registry-1.docker.io')
        return 'Docker Hub only accepts pushes to <namespace>/<name> where the account may write: set destination_namespace to your user or organisation';
      // Names the registry: a user with several registries must see which one refused.
      return `the account has no ${e.method === 'GET' || e.method === 'HEAD' ? 'pull' : 'push'} permission on ${e.repository ?? 'this repository'} at ${names.subject}: grant it, or check that the namespace/project exists`;
    case 'not-found': {
      // Every registry answers GET /v2/ with 200 or 401; a plain 404 there is some other service.
      if (e.operation === API_CHECK && !codes.length)
        return `${names.subject} does not serve the registry API at /v2/ (HTTP 404): is ${names.setting('url')} the registry itself, not its web UI or another service on that host?`;
      const coded = manifestPutHint(e, names);
      if (coded) return coded;
      const blob = /\/blobs\/([a-z0-9]+:[a-f0-9]+)/i.exec(e.url ?? '')?.[1];
      if (codes.includes('BLOB_UNKNOWN') && blob && (e.method === 'GET' || e.method === 'HEAD'))
        return `${names.subject} lists a manifest in ${e.repository ?? 'a repository'} whose blob ${blob} it does not have: the source repository is broken, or its garbage collection removed the blob; push the image there again (or delete the tag), then run again`;
      if (codes.includes('MANIFEST_BLOB_UNKNOWN')) return lostBlobHint(names);
      if (codes.includes('NAME_UNKNOWN'))
        return 'the repository does not exist; on registries that require it (Harbor project, Aliyun ACR namespace, ECR repository) create it first';
      return undefined;
    }
    case 'invalid':
      if (e.htmlPage)
        return `${names.subject} answered an HTML page instead of JSON: ${names.setting('url')} leads to a web UI, a login page or a proxy, not the registry API`;
      if (/http request to an https server/i.test(e.message))
        return `${names.host} speaks HTTPS: set ${names.setting('url')} to https://${names.host}`;
      if (codes.includes('MANIFEST_BLOB_UNKNOWN')) return lostBlobHint(names);
      if (codes.includes('NAME_INVALID'))
        // ferry checks names against the spec's grammar first: this is the registry's own limit.
        return `${names.subject} does not take the repository name ${e.repository ?? 'given'}, though it is valid by the distribution spec: the registry limits names further (length, characters, or the number of path components); choose another destination name (destination_namespace)`;
      return manifestPutHint(e, names);
    case 'network': {
      const d = e.message;
      if (/ECONNREFUSED/.test(d))
        // Retried first (a registry restarting): the run's wait is told, or a slow failure reads as a hang.
        return `nothing accepts connections at ${names.host}${triedText(e.tries)}: check the port in ${names.setting('url')}, and that the registry is running and reachable from the runner`;
      if (/ENOTFOUND|EAI_AGAIN/.test(d))
        return `the name ${host} does not resolve from the runner: check ${names.setting('url')} (a self-hosted runner may need the internal DNS)`;
      if (/ETIMEDOUT|EHOSTUNREACH|ENETUNREACH/.test(d))
        return `${names.subject} cannot be reached from the runner: a firewall or a private network is in the way (GitHub-hosted runners reach only public addresses; use a self-hosted runner inside the network)`;
      if (e.tries && e.tries.count > 1)
        return `the connection to ${names.subject} broke${triedText(e.tries)}: the registry restarting, or a proxy or load balancer in between dropping connections; check its logs, then run again`;
      return undefined;
    }
    case 'rate-limited':
      return 'the registry is rate limiting: lower concurrency, authenticate (Docker Hub gives authenticated users more pulls), or run later';
    case 'unsupported':
      // A 405 only: a 400 UNSUPPORTED on a push is a media type the registry does not take (ECR).
      if (e.status === 405 && (e.method === 'POST' || e.method === 'PUT' || e.method === 'PATCH'))
        return `${names.subject} does not take pushes: a read-only registry, one in maintenance mode, or a pull-through cache (a mirror); replicate into a registry that accepts pushes`;
      if (e.method === 'DELETE')
        return `${names.subject} does not delete manifests this way: deletion is disabled there (distribution: storage.delete.enabled), or the registry deletes through its own API (Docker Hub, GHCR: use its type in replication.yaml)`;
      return 'the registry does not support this operation (e.g. manifest DELETE disabled, or Docker Hub/GHCR which delete through their own API)';
    case 'tls':
      if (e.plainHttp)
        return `${names.host} answered plain HTTP on an https:// URL: if it is an insecure registry you trust, set ${names.setting('url')} to http://${names.host}`;
      if (e.otherOrigin)
        return `the registry sent ferry to ${e.otherOrigin} (its token service or blob storage), whose certificate is checked even with tls.verify: false: give the CA that signs it as ${names.setting('tls.ca')}, which ferry trusts for every host`;
      if (certificateNameMismatch(e))
        return `the certificate of ${names.host} is issued for other names: write ${names.setting('url')} with a name the certificate lists, or have it reissued with ${names.host} among its names (a subject alternative name)`;
      if (e.tlsCode === 'CERT_HAS_EXPIRED' || e.tlsCode === 'CERT_NOT_YET_VALID')
        return `the certificate of ${names.host} ${e.tlsCode === 'CERT_HAS_EXPIRED' ? 'has expired' : 'is not valid yet'}: renew it on the registry (or check the runner's clock)`;
      if (signedByUnknownAuthority(e))
        return `the certificate of ${names.host} is signed by an authority ferry does not know: give its CA as ${names.setting('tls.ca')} (a PEM file, relative to replication.yaml); tls.verify: false only for a registry you trust`;
      return `TLS with ${names.host} failed: give its CA as ${names.setting('tls.ca')} (a PEM file, relative to replication.yaml), or for a registry you trust without TLS set tls.verify: false`;
    case 'digest-mismatch':
      // Read back after the write: the tag is there, so "nothing was written" would be false.
      if (e.operation === TAG_CHECK)
        return e.status === 404
          ? `${names.subject} accepted the tag's PUT, but reading the tag back finds nothing: a proxy or cache in front of the registry answering from stale data, a replica lagging behind, or a registry that does not keep what it accepts; run again, and if it persists check the registry's storage and what sits in front of it`
          : `the tag was written (${names.subject} accepted the PUT and serves the tag), but reading it back gives another manifest than ferry wrote: another writer pushed the tag meanwhile (another run or pipeline), a proxy or cache in front of the registry serves stale or altered content, or the registry rewrites manifests; check what the tag holds (skopeo inspect --raw), then run again`;
      // Written, not read: ferry sent bytes of a known digest, so nothing was corrupted on the way
      // to ferry, and the registry did store something (the blobs, maybe a manifest under its digest).
      if (e.method === 'PUT')
        return `the destination stored the manifest under a different digest than ferry sent (a proxy rewrote it, or the registry converts manifests); the tag may point at altered content: check it with skopeo inspect, and run again`;
      return 'the content received does not match its digest: a proxy or the registry corrupted or truncated it; nothing was written';
    case 'size-mismatch':
      return 'the content received does not match its digest: a proxy or the registry corrupted or truncated it; nothing was written';
    case 'server':
      return `${names.subject} failed${e.status ? ` with HTTP ${e.status}` : ''}${e.htmlPage ? ' and an HTML error page' : ''}${triedText(e.tries)}: the registry, or a proxy in front of it, is failing; check its logs, then run again`;
    case 'too-large':
      return 'the registry refused the size of this request (manifest over its limit, or a proxy body limit)';
    default:
      return undefined;
  }
}

/**
 * A manifest PUT refused for a blob or child the registry says it does not have. ferry uploaded
 * each one (or found it there) just before the PUT, and the copy re-sends missing ones and tries
 * the PUT again before it fails: the registry lost what it had accepted.
 */
function lostBlobHint(names: HintNames): string {
  return `${names.subject} says it does not have a blob or child manifest this manifest refers to, though just before ferry uploaded it (and the registry accepted the upload) or found it there: its storage, or a proxy in front of it, loses uploads, or a garbage collection ran during the push; run again, and if it persists check the registry's storage (driver, disk or bucket) and its logs`;
}

/** What the distribution spec's error codes mean on a manifest PUT, and what to do (undefined: none of them). */
function manifestPutHint(e: RegistryError, names: HintNames): string | undefined {
  if (e.method !== 'PUT' || !/\/manifests\/[^/]+$/.test(e.url ?? '')) return undefined;
  const codes = e.codes;
  // Spec: BLOB_UNKNOWN "if a manifest references an unknown layer"; MANIFEST_UNKNOWN for an index's child.
  if (codes.some((c) => c === 'MANIFEST_BLOB_UNKNOWN' || c === 'BLOB_UNKNOWN' || c === 'MANIFEST_UNKNOWN'))
    return lostBlobHint(names);
  if (codes.includes('MANIFEST_INVALID'))
    return `${names.subject} refused the manifest as invalid (the message says which check failed): it does not take this kind of manifest (an OCI artifact, a media type or field it does not know); ferry copies manifests byte for byte and cannot convert them: leave such images out of the rule, or replicate into a registry that takes them`;
  if (codes.includes('MANIFEST_UNVERIFIED'))
    return `${names.subject} checks the signatures of Docker schema 1 manifests, and this one's does not verify: schema 1 is deprecated; rebuild the image at the source with a current builder`;
  if (codes.includes('TAG_INVALID'))
    return `${names.subject} refused the tag for this manifest: a Docker schema 1 manifest names its own tag and is taken only under it, and some registries restrict tag names further; rebuild schema 1 images with a current builder, or leave the tag out of the rule`;
  // ferry checked the manifest's digest, and every blob's, before this PUT.
  if (codes.includes('DIGEST_INVALID'))
    return `${names.subject} says a digest does not match: the manifest's own, or one it names; ferry verified them before the PUT, so a proxy in front of the registry altered the request, or the registry does not take that digest algorithm; run again, and if it persists check what sits in front of the registry`;
  if (codes.includes('SIZE_INVALID'))
    return `${names.subject} says a size does not match: the manifest's length, or a size it gives for a blob the registry holds with another size; a proxy in front of the registry altered the request, or the blob is stored wrong there; run again, and if it persists check the registry's storage and what sits in front of it`;
  return undefined;
}

/**
 * The hint for an answer of another host than the registry (a blob redirect's or an upload
 * Location's: its storage or CDN).
 * The transport sends no credentials there (RELIABILITY B1), so a refusal is not about the user's.
 */
function redirectTargetHint(e: RegistryError, names: HintNames): string {
  const where = `${names.subject} sent ferry to ${e.otherOrigin ?? 'another host'} (its blob storage or CDN)`;
  if (e.kind === 'unauthorized' || e.kind === 'denied')
    return `${where}, which refused the request without credentials: ferry sends none to another host than the registry's own, by design. Either the signed URL expired before it was used (run again), or the registry's storage redirect or CDN is misconfigured, asking for credentials a redirect cannot carry: tell the registry's operator (distribution: storage.redirect.disable serves blobs from the registry itself)`;
  return `${where}, which answered HTTP ${e.status}: a problem of the registry's storage or CDN, not of ferry's settings for the registry; run again, and if it persists tell the registry's operator`;
}

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: ' ', '#39': "'" };

/**
 * The content of the first `<tag …>…</tag>` in `html` (`lower` is its lower-case copy), or undefined.
 * indexOf, not a regular expression: the body comes from the network, and scans stay linear.
 */
function element(html: string, lower: string, tag: string): string | undefined {
  let at = 0;
  for (;;) {
    const open = lower.indexOf(`<${tag}`, at);
    if (open < 0) return undefined;
    const next = lower[open + tag.length + 1];
    if (next === '>' || next === ' ' || next === '\t' || next === '\n' || next === '\r') {
      const start = lower.indexOf('>', open);
      if (start < 0) return undefined;
      const end = lower.indexOf(`</${tag}`, start);
      return html.slice(start + 1, end < 0 ? undefined : end);
    }
    at = open + 1;
  }
}

/** Text without markup: tags dropped, script and style blocks removed, in one linear pass. */
function visibleText(html: string): string {
  const lower = html.toLowerCase();
  const unclosed = new Set<string>();
  let out = '';
  let i = 0;
  while (i < html.length) {
    const lt = html.indexOf('<', i);
    if (lt < 0) {
      out += html.slice(i);
      break;
    }
    out += `${html.slice(i, lt)} `;
    const skip = ['script', 'style', 'head'].find((t) => !unclosed.has(t) && lower.startsWith(t, lt + 1));
    const close = skip ? lower.indexOf(`</${skip}`, lt) : -1;
    // No closing tag now means none later either: never search for it again (linear on `<script<script…`).
    if (skip && close < 0) unclosed.add(skip);
    const gt = html.indexOf('>', close < 0 ? lt : close);
    if (gt < 0) break;
    i = gt + 1;
  }
  return out;
}

/**
 * An HTML page (a proxy's error page, a web UI, a login form) said in a few words: `an HTML page
 * "502 Bad Gateway"` from its <title>, else its first <h1>, else its text; undefined when `text`
 * is not HTML. Its markup told the user nothing and hid what it said.
 */
export function htmlPageSummary(text: string): string | undefined {
  // A listing page may be megabytes; a page's title and heading are near its start.
  const t = text.trimStart().slice(0, 64 * 1024);
  const lower = t.toLowerCase();
  // Skip an XML declaration and comments before the first element.
  let start = 0;
  for (;;) {
    while (start < t.length && /\s/.test(t[start]!)) start++;
    const close = lower.startsWith('<?xml', start) ? '?>' : lower.startsWith('<!--', start) ? '-->' : undefined;
    if (!close) break;
    const end = lower.indexOf(close, start);
    if (end < 0) return undefined;
    start = end + close.length;
  }
  if (!/^<(!doctype\s+html|html|head|body)\b/.test(lower.slice(start, start + 20))) return undefined;
  const inner = element(t, lower, 'title') ?? element(t, lower, 'h1') ?? visibleText(t.slice(start));
  const words = visibleText(inner)
    .replace(/&(#39|[a-z]{2,6});/gi, (m, name: string) => ENTITIES[name.toLowerCase()] ?? m)
    .replace(/\s+/g, ' ')
    .trim()
    .slice(0, 120);
  return words ? `an HTML page "${words}"` : 'an HTML page';
}

/** What the storage of a registry answered, by errno (distribution puts Go's error in `detail`). */
const ERRNO: Record<number, string> = {
  13: 'permission denied',
  28: 'no space left on device',
  30: 'read-only file system',
  122: 'disk quota exceeded',
};

/**
 * An error's `detail` in words: `: write …: no space left on device`, or for distribution's
 * `{"Op":"mkdir","Path":…,"Err":28}` `: mkdir: no space left on device`. A full disk was shown as
 * "unknown error" alone, the one word that said what to do left out.
 */
function detailText(detail: unknown): string {
  if (typeof detail === 'string' && detail.trim()) return `: ${detail.trim().slice(0, 200)}`;
  if (typeof detail !== 'object' || detail === null || Array.isArray(detail)) return '';
  const d = detail as { Op?: unknown; Err?: unknown };
  const errno = typeof d.Err === 'number' ? ERRNO[d.Err] : undefined;
  if (errno) return `: ${typeof d.Op === 'string' ? `${d.Op.slice(0, 40)}: ` : ''}${errno}`;
  return '';
}

/**
 * Parses an error body: distribution's (and Harbor's) `{"errors":[{"code":…,"message":…}]}`,
 * GitHub's `{"message":…}` and Docker Hub's `{"message"|"detail":…}`; an HTML page is reduced to
 * its title (`htmlPageSummary`); any other body is kept as text (trimmed, at most 300 characters).
 */
export function parseErrorBody(text: string): { codes: string[]; messages: string[]; htmlPage?: boolean } {
  try {
    const doc = JSON.parse(text) as {
      errors?: { code?: unknown; message?: unknown; detail?: unknown }[];
      message?: unknown;
      detail?: unknown;
    };
    if (Array.isArray(doc.errors)) {
      return {
        codes: doc.errors.map((e) => String(e?.code ?? '')).filter((c) => /^[A-Z_]{1,64}$/.test(c)),
        messages: doc.errors
          .map((e) => `${String(e?.message ?? '').slice(0, 300)}${detailText(e?.detail)}`.replace(/^: /, ''))
          .filter(Boolean),
      };
    }
    const message = typeof doc?.message === 'string' ? doc.message : typeof doc?.detail === 'string' ? doc.detail : '';
    if (message.trim()) return { codes: [], messages: [message.trim().slice(0, 300)] };
  } catch {
    // Not JSON, or JSON cut at the body cap: the spec's error codes are still read from its start.
    if (/^\s*\{/.test(text)) {
      const codes = [...text.matchAll(/"code"\s*:\s*"([A-Z_]{1,64})"/g)].map((m) => m[1]!).slice(0, 10);
      const messages = [...text.matchAll(/"message"\s*:\s*"((?:[^"\\]|\\.){1,300})/g)]
        .slice(0, 10)
        .map((m) => unescapeJson(m[1]!).trim())
        .filter(Boolean);
      if (codes.length) return { codes, messages };
    }
  }
  const html = htmlPageSummary(text);
  if (html) return { codes: [], messages: [html], htmlPage: true };
  return { codes: [], messages: text.trim() ? [text.trim().slice(0, 300)] : [] };
}

/** A JSON string's contents as text; as they are where they do not parse (cut inside an escape). */
function unescapeJson(raw: string): string {
  try {
    return JSON.parse(`"${raw}"`) as string;
  } catch {
    return raw;
  }
}
