/**
 * Registry events as they reach a workflow: Harbor's webhook relayed through repository_dispatch
 * (or a plain `{registry, repository, tag|digest}`), and GitHub's registry_package event for GHCR.
 * Every string taken from a payload is checked against the reference grammar before use
 * (RELIABILITY.md G3); nothing here does I/O.
 */
import type { Config, Rule } from '../config/types.js';
import { isDigest } from '../oci/digest.js';
import { isRegistryHost, isRepository, isTag, normalizeRegistry } from '../oci/ref.js';
import { compileNameFilter, compileTagScope, compileWriteScope } from '../rules/index.js';

export interface ArtifactEvent {
  kind: 'push' | 'delete';
  /**
   * host[:port] the event came from. Required: it is how a rule's source is matched, and a payload
   * that names no host is refused rather than matched against every source registry.
   */
  registry: string;
  repository: string;
  tag?: string;
  digest?: string;
}

export interface ParsedArtifacts {
  artifacts: ArtifactEvent[];
  /**
   * Why (parts of) the payload were refused: a relay or webhook that sends them is broken, and
   * would stay broken behind green runs, so they are warnings.
   */
  problems: string[];
  /** Events with nothing to act on by design (Harbor's REPLICATION, an npm package): notes. */
  ignored?: string[];
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const shown = (v: unknown) => JSON.stringify(typeof v === 'string' ? v.slice(0, 80) : (v ?? null));

/** Harbor's event types that push or delete an artifact, lower-cased: a relay may change the case. */
const HARBOR_KINDS: Record<string, ArtifactEvent['kind']> = {
  push_artifact: 'push',
  pushimage: 'push', // Harbor 1.x event names
  delete_artifact: 'delete',
  deleteimage: 'delete',
};

const PLAIN_KINDS: Record<string, ArtifactEvent['kind']> = { push: 'push', delete: 'delete' };

/** The resources of one Harbor event ferry reads: a bound on the work one payload asks for. */
const MAX_RESOURCES = 100;

/** `client_payload` of a repository_dispatch: a Harbor webhook or `{registry, repository, tag|digest, action?}`. */
export function artifactsFromDispatch(clientPayload: unknown): ParsedArtifacts {
  const problems: string[] = [];
  const ignored: string[] = [];
  const artifacts: ArtifactEvent[] = [];
  if (!isObj(clientPayload)) return { artifacts, problems: ['client_payload is missing or not an object'] };
  if ('event_data' in clientPayload || 'type' in clientPayload) {
    if (typeof clientPayload.type !== 'string' || clientPayload.type === '')
      return {
        artifacts,
        problems: [
          `type: missing; a Harbor webhook names its event (PUSH_ARTIFACT, DELETE_ARTIFACT) in "type", and the relay must pass it on; nothing runs`,
        ],
      };
    const kind = HARBOR_KINDS[clientPayload.type.toLowerCase()];
    if (!kind)
      return {
        artifacts,
        problems: [],
        ignored: [`Harbor event type ${shown(clientPayload.type)} does not push or delete an artifact; nothing to do`],
      };
    const data = isObj(clientPayload.event_data) ? clientPayload.event_data : {};
    const repo = isObj(data.repository) ? data.repository : {};
    const repository =
      typeof repo.repo_full_name === 'string'
        ? repo.repo_full_name
        : `${String(repo.namespace ?? '')}/${String(repo.name ?? '')}`;
    if (!isRepository(repository))
      return { artifacts, problems: [`event_data.repository: invalid repository name ${shown(repository)}`] };
    if (data.resources !== undefined && data.resources !== null && !Array.isArray(data.resources))
      return {
        artifacts,
        problems: [`event_data.resources: expected a list of artifacts, got ${shown(data.resources)}`],
      };
    const resources = Array.isArray(data.resources) ? data.resources : [];
    if (resources.length === 0) ignored.push('event_data.resources is empty; nothing to do');
    if (resources.length > MAX_RESOURCES)
      problems.push(
        `event_data.resources: ${resources.length} resources; only the first ${MAX_RESOURCES} are read, a scheduled or manual run replicates the rest`,
      );
    for (const [i, r] of resources.slice(0, MAX_RESOURCES).entries()) {
      const where = `event_data.resources[${i}]`;
      if (!isObj(r)) {
        problems.push(`${where}: expected an object`);
        continue;
      }
      // resource_url is the only place Harbor names its host: without one, the resource is refused
      // rather than matched against the rules of every source registry (deletions included).
      const registry = hostOf(r.resource_url);
      if (!registry) {
        const missing = r.resource_url === undefined || r.resource_url === null;
        problems.push(
          `${where}.resource_url: ${missing ? 'missing' : `no registry host in ${shown(r.resource_url)}`}; it names the registry the artifact is in, which a rule's source must match; nothing runs for this artifact`,
        );
        continue;
      }
      const a = artifact(kind, registry, repository, r.tag, r.digest, where, problems, ignored);
      if (a) artifacts.push(a);
    }
    return { artifacts, problems, ...(ignored.length ? { ignored } : {}) };
  }
  const action = clientPayload.action;
  const kind =
    action === undefined || action === null
      ? 'push'
      : typeof action === 'string'
        ? PLAIN_KINDS[action.toLowerCase()]
        : undefined;
  // A relay's "deleted" read as a push would copy what the registry just deleted.
  if (!kind)
    return {
      artifacts,
      problems: [`action: ${shown(action)} is neither "push" nor "delete"; nothing runs`],
    };
  // The docs promise a rule matches when its source registry is the webhook's host: a payload that
  // names none cannot match that, and must not reach rules of every source registry instead.
  if (clientPayload.registry === undefined || clientPayload.registry === null || clientPayload.registry === '')
    return {
      artifacts,
      problems: [
        `registry: missing; the payload must name the registry host the artifact is in (such as "harbor.example.com"), which a rule's source must match; nothing runs`,
      ],
    };
  const registry = String(clientPayload.registry);
  if (!isRegistryHost(registry)) return { artifacts, problems: [`registry: invalid host ${shown(registry)}`] };
  if (!isRepository(clientPayload.repository))
    return { artifacts, problems: [`repository: invalid repository name ${shown(clientPayload.repository)}`] };
  const a = artifact(
    kind,
    registry,
    clientPayload.repository,
    clientPayload.tag,
    clientPayload.digest,
    'client_payload',
    problems,
    ignored,
  );
  return { artifacts: a ? [a] : [], problems, ...(ignored.length ? { ignored } : {}) };
}

/** GitHub's registry_package event (GHCR): `registry_package.{namespace,name,package_version.container_metadata.tag}`. */
export function artifactsFromRegistryPackage(payload: unknown): ParsedArtifacts {
  const p = isObj(payload) ? payload : {};
  // GitHub sends `published` and `updated`; anything else (a future `deleted`) is no push to copy.
  if (p.action !== undefined && p.action !== 'published' && p.action !== 'updated')
    return {
      artifacts: [],
      problems: [],
      ignored: [`registry_package: action ${shown(p.action)} publishes nothing; nothing to do`],
    };
  const pkg = isObj(p.registry_package) ? p.registry_package : {};
  const type = String(pkg.package_type ?? 'container').toLowerCase();
  if (type !== 'container' && type !== 'docker')
    return {
      artifacts: [],
      problems: [],
      ignored: [`registry_package: package type ${shown(pkg.package_type)} is not a container image; nothing to do`],
    };
  const namespace = typeof pkg.namespace === 'string' ? pkg.namespace.toLowerCase() : '';
  const name = typeof pkg.name === 'string' ? pkg.name.toLowerCase() : '';
  const repository = `${namespace}/${name}`;
  if (!isRepository(repository))
    return { artifacts: [], problems: [`registry_package: invalid repository name ${shown(repository)}`] };
  const version = isObj(pkg.package_version) ? pkg.package_version : {};
  const meta = isObj(version.container_metadata) ? version.container_metadata : {};
  const tag = isObj(meta.tag) ? meta.tag : {};
  const problems: string[] = [];
  const digest = tag.digest ?? version.version;
  const ignored: string[] = [];
  const a = artifact(
    'push',
    'ghcr.io',
    repository,
    tag.name || undefined,
    digest,
    'registry_package',
    problems,
    ignored,
  );
  return { artifacts: a ? [a] : [], problems, ...(ignored.length ? { ignored } : {}) };
}

function artifact(
  kind: ArtifactEvent['kind'],
  registry: string,
  repository: string,
  tag: unknown,
  digest: unknown,
  where: string,
  problems: string[],
  /** Where an event that needs nothing done by design is told (an untagged deletion). */
  ignored: string[],
): ArtifactEvent | undefined {
  // Harbor's webhook sets `tag` to the artifact's reference: its tag or, for an untagged artifact,
  // its digest. A digest is never a tag (no `:` in the tag grammar), so it means "untagged".
  if (isDigest(tag)) {
    if (digest !== undefined && digest !== null && digest !== '' && digest !== tag) {
      problems.push(`${where}.tag: the digest ${shown(tag)} is not the artifact's digest ${shown(digest)}`);
      return undefined;
    }
    digest = tag;
    tag = undefined;
  }
  if (tag !== undefined && tag !== null && tag !== '' && !isTag(tag)) {
    problems.push(`${where}.tag: invalid tag ${shown(tag)}`);
    return undefined;
  }
  if (digest !== undefined && digest !== null && digest !== '' && !isDigest(digest)) {
    problems.push(`${where}.digest: invalid digest ${shown(digest)}`);
    return undefined;
  }
  if (!tag && !digest) {
    problems.push(`${where}: neither a tag nor a digest`);
    return undefined;
  }
  // Deletions are propagated by tag (replicate/deletions.ts skips an untagged one without a word):
  // say here why such an event changes nothing. An untagged push is explained where it is matched.
  if (kind === 'delete' && !isTag(tag))
    ignored.push(
      `${where}: ${repository}@${String(digest)} was deleted without a tag; ferry deletes tags at the destination, so there is nothing to delete`,
    );
  return {
    kind,
    registry: normalizeRegistry(registry.toLowerCase()),
    repository,
    ...(isTag(tag) ? { tag } : {}),
    ...(isDigest(digest) ? { digest } : {}),
  };
}

/** `harbor.example.com/library/nginx:v1` → `harbor.example.com`; undefined when not a valid host. */
function hostOf(resourceUrl: unknown): string | undefined {
  if (typeof resourceUrl !== 'string') return undefined;
  const host = resourceUrl.replace(/^[a-z]+:\/\//, '').split('/')[0] ?? '';
  return isRegistryHost(host) ? host : undefined;
}

export interface ArtifactMatch {
  rule: Rule;
  artifact: ArtifactEvent;
}

/**
 * Rules an artifact event concerns: enabled, triggered by events (Harbor's event-based trigger),
 * reading from the registry the event came from, with name and tag filters that match it.
 * `untriggered` lists rules that would match but have no `event` trigger.
 */
export function matchArtifacts(
  config: Config,
  artifacts: ArtifactEvent[],
): { matches: ArtifactMatch[]; untriggered: string[]; unmatched: UnmatchedArtifact[] } {
  const matches: ArtifactMatch[] = [];
  const untriggered = new Set<string>();
  // How far each artifact got with its best rule: its registry, then its name, then its tag.
  const reached = new Map<ArtifactEvent, { stage: 'registry' | 'name' | 'tag'; rules: string[] }>();
  const reach = (a: ArtifactEvent, stage: 'registry' | 'name' | 'tag', rule: string) => {
    const order = ['registry', 'name', 'tag'];
    const was = reached.get(a);
    if (!was || order.indexOf(stage) > order.indexOf(was.stage)) reached.set(a, { stage, rules: [rule] });
    else if (was.stage === stage) was.rules.push(rule);
  };
  for (const rule of config.rules) {
    if (!rule.enabled) continue;
    const reg = config.registries.get(rule.source);
    if (!reg) continue;
    const nameOk = compileNameFilter(rule.filters.name);
    const tagOk = compileTagScope(rule.filters);
    const writes = compileWriteScope(rule);
    // A pushed referrers tag (cosign's `sha256-<hex>.sig`) belongs to its subject, not to the tag
    // selection: the run plans it with the subject's tags the rule selects (replicate/gather.ts).
    // A deletion is matched by the tag filter as well (the plan never deletes a referrers tag on
    // its own).
    const inScope = (a: ArtifactEvent, tag: string) => writes(tag) && (a.kind === 'push' || tagOk(tag));
    for (const a of artifacts) {
      // No host, no match: the parsers refuse a hostless payload, and this holds for any other caller.
      if (!a.registry || !registryMatches(reg, a.registry)) continue;
      reach(a, 'registry', rule.name);
      if (!nameOk(a.repository)) continue;
      reach(a, 'name', rule.name);
      if (a.tag !== undefined && !inScope(a, a.tag)) continue;
      reach(a, 'tag', rule.name);
      if (!rule.triggers.some((t) => t.kind === 'event')) untriggered.add(rule.name);
      else matches.push({ rule, artifact: a });
    }
  }
  const unmatched: UnmatchedArtifact[] = [];
  for (const a of artifacts) {
    const got = reached.get(a);
    const what = `${a.repository}${a.tag ? `:${a.tag}` : ''}`;
    if (!got) {
      const sources = [
        ...new Set(
          config.rules
            .filter((r) => r.enabled)
            .map((r) => config.registries.get(r.source))
            .map((reg) => reg && sourceHost(reg)?.host)
            .filter((h): h is string => !!h),
        ),
      ];
      unmatched.push({
        artifact: a,
        registryUnknown: true,
        why:
          `${a.registry} is the source registry of no enabled rule` +
          (sources.length
            ? ` (they read from ${sources.slice(0, 5).join(', ')}${sources.length > 5 ? ', …' : ''})`
            : '') +
          `; a rule's source url must use the host the webhook names, so ${what} was not replicated`,
      });
    } else if (got.stage === 'registry')
      unmatched.push({ artifact: a, why: `no name filter takes ${a.repository} (rules ${listed(got.rules)})` });
    else if (got.stage === 'name')
      unmatched.push({ artifact: a, why: `the tag filters leave out ${what} (rules ${listed(got.rules)})` });
  }
  return { matches, untriggered: [...untriggered], unmatched };
}

/** An artifact no rule takes, and why: the first of its registry, name and tag no rule matched. */
export interface UnmatchedArtifact {
  artifact: ArtifactEvent;
  why: string;
  /** No enabled rule reads from the artifact's registry: every event of that registry does nothing. */
  registryUnknown?: true;
}

const listed = (names: string[]) => names.slice(0, 5).join(', ') + (names.length > 5 ? ', …' : '');

/**
 * A source registry's host as an event names it (`ghcr.io` for a ghcr registry without a url),
 * with the port its url's scheme defaults to.
 */
function sourceHost(reg: { type: string; url?: string }): { host: string; port: string } | undefined {
  if (!reg.url) return reg.type === 'ghcr' ? { host: 'ghcr.io', port: ':443' } : undefined;
  try {
    const u = new URL(reg.url);
    return { host: normalizeRegistry(u.host.toLowerCase()), port: `:${u.protocol === 'http:' ? 80 : 443}` };
  } catch {
    return undefined;
  }
}

function registryMatches(reg: { type: string; url?: string }, host: string): boolean {
  if (host === 'ghcr.io' && reg.type === 'ghcr') return true;
  const own = sourceHost(reg);
  if (!own) return false;
  // Only the url's own default port names the same host: harbor:80 is not https://harbor.
  const bare = (h: string) => (h.endsWith(own.port) ? h.slice(0, -own.port.length) : h);
  return own.host === host || bare(own.host) === bare(host);
}
