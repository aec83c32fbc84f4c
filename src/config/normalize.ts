/**
 * YAML data (already checked against the schema) → the typed Config, with defaults applied.
 * Works part by part: a registry or rule with schema errors is left out of the config (and
 * `complete` is false), but its sound fields are still normalised, so semantic checks can still run
 * on everything they do not read from a broken field.
 */
import { dirname, isAbsolute, join } from 'node:path';
import { DEFAULT_MAX_BLOB_SIZE, parseBandwidth, parseSize } from './bandwidth.js';
import { replicationSchema, type Segment } from './schema.js';
import type {
  Config,
  Credentials,
  DeleteRemote,
  Filters,
  RegistryConfig,
  RegistryType,
  Rule,
  SecretRef,
  Trigger,
} from './types.js';

type Raw = Record<string, unknown>;

export const DEFAULT_DELETE_MAX = 50;
export const DEFAULT_CONCURRENCY = 4;

/** Well-known endpoints used when a registry of these types has no url. */
export const DEFAULT_URLS: Partial<Record<RegistryType, string>> = {
  dockerhub: 'https://hub.docker.com',
  ghcr: 'https://ghcr.io',
  quay: 'https://quay.io',
};

export interface NormalizeContext {
  isBroken(path: Segment[]): boolean;
  /** Whether this field has a schema error in it (its value is left out); default: isBroken. */
  fieldBroken?(path: Segment[]): boolean;
  line(path: Segment[]): number;
}

export interface NormalizedRule {
  rule: Rule;
  /** Index in the file's `rules` list. */
  index: number;
  /** The rule's own mapping, before defaults. */
  raw: Raw;
  /**
   * The rule has schema errors: it is left out of the config, but its sound fields are still
   * checked, so one pass reports everything.
   */
  broken?: boolean;
}

export interface Normalized {
  config: Config;
  /** false when some part was left out because of schema errors. */
  complete: boolean;
  /** Every registry name in the file, including ones left out. */
  registryNames: string[];
  /**
   * Registries with schema errors, normalised from their sound fields only: not in `config`, but
   * checked (with the rules that use them) for everything their broken fields do not decide.
   * A registry without a sound `type` has nothing to check against and is not here either.
   */
  brokenRegistries: Map<string, RegistryConfig>;
  rules: NormalizedRule[];
  /** The file's `registries` mapping as written. */
  rawRegistries: Raw;
  /**
   * `defaults` as written (empty when absent or not a map). Rules take only its fields without
   * errors; a check reading one of its fields asks whether that field is broken.
   */
  defaults: Raw;
  file: string;
}

const isObj = (v: unknown): v is Raw => v !== null && typeof v === 'object' && !Array.isArray(v);

/** The fields of the map at `base` without the ones that have a schema error in them. */
export function soundFields(v: Raw, base: Segment[], fieldBroken: (path: Segment[]) => boolean): Raw {
  return Object.fromEntries(Object.entries(v).filter(([k]) => !fieldBroken([...base, k])));
}

/** The registry types the schema knows. */
const REGISTRY_TYPES: ReadonlySet<unknown> = new Set(
  (replicationSchema.$defs as { registry: { properties: { type: { enum: string[] } } } }).registry.properties.type.enum,
);
const list = (v: unknown): string[] =>
  v === undefined || v === null ? [] : Array.isArray(v) ? v.map(String) : [String(v)];

/**
 * A name or tag pattern as the filters hold it. `{ regex: X }` must match the whole name or tag,
 * as regsync anchors its regular expressions: it becomes Harbor's unanchored `regex:` form wrapped
 * in `^(?:X)$`; `exclude: true` puts `!` in front. Anything else that is not a string (a schema
 * error, reported already) is left out.
 */
export function patternOf(v: unknown): string | undefined {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (isObj(v) && typeof v.regex === 'string') return `${v.exclude === true ? '!' : ''}regex:^(?:${v.regex})$`;
  return undefined;
}

const patterns = (v: unknown): string[] =>
  (v === undefined || v === null ? [] : Array.isArray(v) ? v : [v]).flatMap((p) => patternOf(p) ?? []);

function relativeTo(file: string, p: string): string {
  if (isAbsolute(p) || p.startsWith('~')) return p;
  return join(dirname(file), p);
}

function secretRef(file: string, v: unknown): SecretRef | undefined {
  if (!isObj(v)) return undefined;
  if (typeof v.env === 'string') return { env: v.env };
  if (typeof v.file === 'string') return { file: relativeTo(file, v.file) };
  if (v.docker_config === true) return { dockerConfig: true };
  if (typeof v.docker_config === 'string') return { dockerConfig: relativeTo(file, v.docker_config) };
  return undefined;
}

function credentials(file: string, v: unknown): Credentials | undefined {
  if (!isObj(v)) return undefined;
  const out: Credentials = {};
  if (v.docker_config !== undefined) {
    const ref: SecretRef =
      v.docker_config === true ? { dockerConfig: true } : { dockerConfig: relativeTo(file, String(v.docker_config)) };
    out.username = ref;
    out.password = ref;
  }
  if (typeof v.username === 'string') out.username = { value: v.username };
  else if (v.username !== undefined) out.username = secretRef(file, v.username);
  if (v.password !== undefined) out.password = secretRef(file, v.password);
  if (v.token !== undefined) out.token = secretRef(file, v.token);
  return out;
}

/** https://Host:443/ → https://host (lower-case host, no trailing slash, default port dropped). */
export function normalizeUrl(url: string): string {
  try {
    const u = new URL(url);
    const port =
      u.port && !((u.protocol === 'https:' && u.port === '443') || (u.protocol === 'http:' && u.port === '80'));
    return `${u.protocol}//${u.hostname.toLowerCase()}${port ? `:${u.port}` : ''}`;
  } catch {
    return url.replace(/\/+$/, '');
  }
}

/** Registry types that are one archive file (or an https:// URL to one) rather than an endpoint. */
export const ARCHIVE_TYPES: ReadonlySet<RegistryType> = new Set(['oci-archive', 'docker-archive']);

function registry(file: string, name: string, v: Raw, line: number): RegistryConfig {
  const type = v.type as RegistryType;
  const reg: RegistryConfig = { name, type, tls: { verify: true }, line };
  const local = type === 'oci-layout' || ARCHIVE_TYPES.has(type);
  const url = typeof v.url === 'string' ? v.url : local ? undefined : DEFAULT_URLS[type];
  // An archive's URL names the file itself: kept whole, path and all.
  if (url !== undefined && ARCHIVE_TYPES.has(type)) reg.url = url;
  else if (url !== undefined && !local) reg.url = normalizeUrl(url);
  if (typeof v.path === 'string') reg.path = relativeTo(file, v.path);
  if (typeof v.sha256 === 'string') reg.sha256 = v.sha256.replace(/^sha256:/, '');
  if (typeof v.repository === 'string') reg.repository = v.repository;
  const creds = credentials(file, v.credentials);
  if (creds) reg.credentials = creds;
  if (isObj(v.tls)) {
    if (typeof v.tls.verify === 'boolean') reg.tls.verify = v.tls.verify;
    const ca = isObj(v.tls.ca) ? v.tls.ca.file : v.tls.ca;
    if (typeof ca === 'string') reg.tls.caFile = relativeTo(file, ca);
  }
  if (Array.isArray(v.repositories)) reg.repositories = v.repositories.map(String);
  if (isObj(v.options)) reg.options = { ...v.options };
  return reg;
}

export function flatteningValue(v: unknown): number {
  if (v === 'all') return -1;
  return typeof v === 'number' ? v : 1;
}

function filters(v: unknown): Filters {
  const f = isObj(v) ? v : {};
  const out: Filters = {
    name: patterns(f.name),
    tag: patterns(f.tag),
    labels: isObj(f.labels) ? Object.fromEntries(Object.entries(f.labels).map(([k, x]) => [k, String(x)])) : {},
    resource: (f.resource as Filters['resource']) ?? 'image',
  };
  if (f.resource !== 'image' && f.resource !== 'artifact' && f.resource !== 'all') out.resource = 'image';
  if (typeof f.semver === 'string') out.semver = f.semver;
  if (typeof f.latest === 'number') out.latest = f.latest;
  return out;
}

export function deleteRemote(v: unknown): DeleteRemote {
  if (v === true) return { enabled: true, max: DEFAULT_DELETE_MAX, acknowledgeMatchAll: false };
  if (isObj(v)) {
    return {
      enabled: v.enabled !== false,
      max: typeof v.max === 'number' ? v.max : DEFAULT_DELETE_MAX,
      acknowledgeMatchAll: v.acknowledge_match_all === true,
    };
  }
  return { enabled: false, max: DEFAULT_DELETE_MAX, acknowledgeMatchAll: false };
}

export function triggers(v: unknown): Trigger[] {
  const items = v === undefined ? ['manual'] : Array.isArray(v) ? v : [v];
  const out: Trigger[] = [];
  const seen = new Set<string>();
  for (const t of items) {
    const trig: Trigger | undefined =
      t === 'manual' || t === 'event'
        ? { kind: t }
        : isObj(t) && typeof t.schedule === 'string'
          ? { kind: 'schedule', cron: t.schedule.trim().replace(/\s+/g, ' ') }
          : undefined;
    if (!trig) continue;
    const key = trig.kind === 'schedule' ? `schedule ${trig.cron}` : trig.kind;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(trig);
  }
  return out;
}

/** The rule's own value for a key, else the default's. Filters merge per filter key. */
export function effective(raw: Raw, defaults: Raw, key: string): unknown {
  if (key === 'filters') {
    const d = isObj(defaults.filters) ? defaults.filters : {};
    const r = isObj(raw.filters) ? raw.filters : {};
    return { ...d, ...r };
  }
  return raw[key] !== undefined ? raw[key] : defaults[key];
}

function rule(raw: Raw, defaults: Raw, line: number): Rule {
  const get = (key: string) => effective(raw, defaults, key);
  const out: Rule = {
    name: String(raw.name),
    enabled: get('enabled') !== false,
    source: String(raw.source),
    destination: String(raw.destination),
    filters: filters(get('filters')),
    flattening: flatteningValue(get('flattening')),
    override: get('override') !== false,
    deleteRemote: deleteRemote(get('delete_remote')),
    triggers: triggers(get('trigger')),
    concurrency: typeof get('concurrency') === 'number' ? (get('concurrency') as number) : DEFAULT_CONCURRENCY,
    platforms: list(get('platforms')),
    referrers: get('referrers') === 'always' ? 'always' : get('referrers') !== false,
    maxBlobSize: DEFAULT_MAX_BLOB_SIZE,
    line,
  };
  if (typeof raw.description === 'string') out.description = raw.description;
  const ns = get('destination_namespace');
  if (typeof ns === 'string') out.destinationNamespace = ns;
  const bw = get('bandwidth');
  if (typeof bw === 'string' || typeof bw === 'number') {
    const bytes = parseBandwidth(bw as string | number);
    if (bytes !== undefined && Number.isFinite(bytes)) out.bandwidth = bytes;
  }
  const maxBlob = get('max_blob_size');
  if (typeof maxBlob === 'string' || typeof maxBlob === 'number')
    out.maxBlobSize = parseSize(maxBlob as string | number) ?? DEFAULT_MAX_BLOB_SIZE;
  return out;
}

export function normalize(data: unknown, file: string, ctx: NormalizeContext): Normalized {
  const root = isObj(data) ? data : {};
  const registries = new Map<string, RegistryConfig>();
  const brokenRegistries = new Map<string, RegistryConfig>();
  let complete = !ctx.isBroken([]);
  const regs = isObj(root.registries) ? root.registries : {};
  const fieldBroken = ctx.fieldBroken ?? ctx.isBroken;
  for (const [name, v] of Object.entries(regs)) {
    if (!isObj(v)) {
      complete = false;
      continue;
    }
    const line = ctx.line(['registries', name]);
    if (!ctx.isBroken(['registries', name])) {
      registries.set(name, registry(file, name, v, line));
      continue;
    }
    complete = false;
    const sound = soundFields(v, ['registries', name], fieldBroken);
    if (REGISTRY_TYPES.has(sound.type)) {
      const reg = registry(file, name, sound, line);
      // A url with an error does not fall back to the type's default address.
      if (v.url !== undefined && sound.url === undefined) delete reg.url;
      brokenRegistries.set(name, reg);
    }
  }
  // Rules take the sound fields of `defaults`: one broken default (reported at it) is left out, and
  // the others still apply, so a rule is not checked as if it had none of them.
  const defaults: Raw = isObj(root.defaults) ? root.defaults : {};
  let applied = defaults;
  if (ctx.isBroken(['defaults'])) {
    complete = false;
    applied = soundFields(defaults, ['defaults'], fieldBroken);
  }
  const rules: NormalizedRule[] = [];
  const rawRules = Array.isArray(root.rules) ? root.rules : [];
  rawRules.forEach((raw, index) => {
    if (!isObj(raw)) {
      complete = false;
      return;
    }
    const broken = ctx.isBroken(['rules', index]);
    if (broken) complete = false;
    rules.push({ rule: rule(raw, applied, ctx.line(['rules', index])), index, raw, ...(broken ? { broken } : {}) });
  });
  return {
    config: { file, version: 1, registries, rules: rules.filter((r) => !r.broken).map((r) => r.rule) },
    complete,
    registryNames: Object.keys(regs),
    brokenRegistries,
    rawRegistries: regs,
    rules,
    defaults,
    file,
  };
}
