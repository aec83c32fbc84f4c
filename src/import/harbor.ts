/**
 * `ferry import harbor`: Harbor's replication policies (API v2.0 `GET /replication/policies` and
 * `GET /registries`) as ferry rules, each field mapped the way Harbor applies it (goharbor/harbor
 * src/pkg/reg/filter, src/controller/replication/flow/stage.go, src/lib/iothrottler.go):
 *
 * - filters: `name` (doublestar, decoration ignored by Harbor), `tag` (matches/excludes, untagged
 *   artifacts tested as ""), `label` (the artifact carries every label; excludes: not all of them),
 *   `resource` (validated but not applied by Harbor 2.x's replication flow: every artifact goes);
 *   several filters of one type must all pass;
 * - `dest_namespace` + `dest_namespace_replace_count`: -1 (the legacy mode, also when absent)
 *   puts every repository directly under the namespace, 0..n replace that many leading levels;
 * - trigger: manual, scheduled (6-field cron, seconds first), event_based;
 * - `speed` in Kb/s where Harbor's Kb is 1024 bits (128 bytes), per transfer task;
 * - pull mode (a remote source, the local Harbor as destination) and push mode (the reverse).
 * What ferry cannot express the same way is written as a comment at its field and warned about.
 * Swagger: https://github.com/goharbor/harbor/blob/main/api/v2.0/swagger.yaml
 */
import { cronProblem } from '../config/semantic.js';
import type { RegistryType } from '../config/types.js';
import { credentialsFromDockerConfig } from '../registry/auth/docker-config.js';
import { readCapped, Transport } from '../registry/http.js';
import { basicAuthorization, nextLinkUrl } from '../registry/wire.js';
import { registerSecret } from '../util/secrets.js';
import {
  type CredentialsOut,
  type Entry,
  envCredentials,
  type FiltersOut,
  ImportError,
  type ImportResult,
  type ImportWarning,
  Notes,
  type RegistryOut,
  type RuleOut,
  safeName,
  type TriggerOut,
  uniqueName,
} from './model.js';
import { fillRepositories, sortEntries } from './shared.js';

/** `Registry` as Harbor's swagger describes it (every field optional). */
export interface HarborRegistry {
  id?: number;
  url?: string;
  name?: string;
  credential?: { type?: string; access_key?: string; access_secret?: string } | null;
  type?: string;
  insecure?: boolean;
  ca_certificate?: string | null;
  description?: string;
  status?: string;
  creation_time?: string;
  update_time?: string;
}

export interface HarborFilter {
  type?: string;
  value?: unknown;
  decoration?: string;
}

/** `ReplicationPolicy` as Harbor's swagger describes it. */
export interface HarborPolicy {
  id?: number;
  name?: string;
  description?: string;
  src_registry?: HarborRegistry | null;
  dest_registry?: HarborRegistry | null;
  dest_namespace?: string;
  dest_namespace_replace_count?: number | null;
  trigger?: { type?: string; trigger_settings?: { cron?: string } | null } | null;
  filters?: HarborFilter[] | null;
  replicate_deletion?: boolean;
  deletion?: boolean;
  override?: boolean;
  enabled?: boolean;
  creation_time?: string;
  update_time?: string;
  speed?: number | null;
  copy_by_chunk?: boolean | null;
  single_active_replication?: boolean | null;
}

export interface HarborImportOptions {
  /** Harbor's own address, `https://harbor.example.com`: the policies' local registry. */
  url: string;
  /** The name this Harbor gets under `registries:` (default `harbor`). */
  name?: string;
  /** Import only these policies (by Harbor name); default all. */
  policies?: string[];
}

export interface HarborFetchOptions {
  url: string;
  /** Basic credentials for Harbor's API; default HARBOR_USERNAME/HARBOR_PASSWORD, else the Docker config. */
  login?: { username: string; password: string };
  tls?: { ca?: string | Buffer; verify?: boolean };
  retry?: { attempts?: number; baseDelayMs?: number };
}

const PAGE_SIZE = 100;
const MAX_PAGES = 1000;
const BODY_CAP = 16 * 1024 * 1024;

/** Harbor's registry types (src/pkg/reg/model/registry.go) → ferry's. */
const TYPES: Record<string, RegistryType> = {
  harbor: 'harbor',
  'docker-hub': 'dockerhub',
  'docker-registry': 'registry',
  'ali-acr': 'aliyun-acr',
  'aws-ecr': 'ecr',
  'google-gcr': 'gar',
  quay: 'quay',
  'github-ghcr': 'ghcr',
};
/** Endpoints ferry knows by type: written without `url`. */
const DEFAULT_HOSTS: Partial<Record<RegistryType, string[]>> = {
  dockerhub: ['hub.docker.com', 'registry-1.docker.io', 'index.docker.io', 'docker.io'],
  ghcr: ['ghcr.io'],
  quay: ['quay.io'],
};

/** The Authorization for Harbor's API: the env variables, else the Docker config entry for its host. */
export async function harborLogin(
  url: string,
  env: NodeJS.ProcessEnv = process.env,
): Promise<{ username: string; password: string } | undefined> {
  const username = env.HARBOR_USERNAME;
  const password = env.HARBOR_PASSWORD;
  if (username && password) return { username, password };
  const creds = await credentialsFromDockerConfig(new URL(url).host);
  return creds && 'password' in creds ? creds : undefined;
}

/** Reads every policy and registry, following Harbor's `Link` pagination. */
export async function fetchHarbor(
  o: HarborFetchOptions,
): Promise<{ policies: HarborPolicy[]; registries: HarborRegistry[] }> {
  const base = new URL(o.url);
  const transport = new Transport({
    registry: base.host,
    baseUrl: base.origin,
    ...(o.tls ? { tls: o.tls } : {}),
    ...(o.retry ? { retry: o.retry } : {}),
    connections: 2,
  });
  const authorization = o.login ? basicAuthorization(o.login.username, o.login.password) : undefined;
  registerSecret(o.login?.password);
  registerSecret(authorization?.slice('Basic '.length));
  const list = async <T>(path: string, what: string): Promise<T[]> => {
    const out: T[] = [];
    let next: string | undefined = `/api/v2.0${path}?page=1&page_size=${PAGE_SIZE}`;
    for (let page = 0; next && page < MAX_PAGES; page++) {
      const r = await transport.send({
        method: 'GET',
        path: next,
        // Set per request: the Transport keeps a caller's credential headers on Harbor's origin only.
        headers: { accept: 'application/json', ...(authorization ? { authorization } : {}) },
        scopes: [],
        expect: [200],
        operation: `listing ${what} of`,
      });
      const text = await readCapped(r.body, BODY_CAP);
      let items: unknown;
      try {
        items = JSON.parse(text);
      } catch {
        throw new ImportError(`${base.origin}/api/v2.0${path}`, undefined, undefined, 'the answer is not JSON');
      }
      if (!Array.isArray(items))
        throw new ImportError(`${base.origin}/api/v2.0${path}`, undefined, undefined, 'expected a JSON array');
      out.push(...(items as T[]));
      // Harbor's paging, read as the registry client reads it; a link off Harbor's origin ends it.
      let u: URL | undefined;
      try {
        u = nextLinkUrl(r.headers.link, r.url);
      } catch (e) {
        throw new ImportError(`${base.origin}/api/v2.0${path}`, undefined, undefined, (e as Error).message);
      }
      next = u?.origin === base.origin ? u.toString() : undefined;
    }
    return out;
  };
  try {
    const policies = await list<HarborPolicy>('/replication/policies', 'replication policies');
    const registries = await list<HarborRegistry>('/registries', 'registries');
    return { policies, registries };
  } finally {
    await transport.close();
  }
}

const isLocal = (r: HarborRegistry | null | undefined): boolean => !r || !r.id;

/** A Harbor pattern as a ferry glob that matches the same names (Harbor: doublestar v1, no `!`, no `regex:`). */
export function harborGlob(pattern: string): string {
  // doublestar has no negation and no regex form: a leading `!` or `regex:` is literal text there.
  if (pattern.startsWith('!')) return `\\${pattern}`;
  if (pattern.startsWith('regex:')) return `\\${pattern}`;
  return pattern;
}

/** `prod-*, v*` is one pattern to Harbor (it never matches: tags have no commas or spaces). */
function splitList(pattern: string): string[] | undefined {
  const outside = pattern.replace(/\{[^}]*\}/g, '');
  if (!/[,\s]/.test(outside)) return undefined;
  const parts = pattern.split(/[,\s]+/).filter(Boolean);
  return parts.length > 1 ? parts : undefined;
}

const DESCRIPTORS: Record<string, string> = {
  '@yearly': '0 0 1 1 *',
  '@annually': '0 0 1 1 *',
  '@monthly': '0 0 1 * *',
  '@weekly': '0 0 * * 0',
  '@daily': '0 0 * * *',
  '@midnight': '0 0 * * *',
  '@hourly': '0 * * * *',
};

/**
 * Harbor's cron (robfig/cron with seconds first and an optional day of week, or a descriptor) as
 * GitHub's 5 fields; `problem` says what could not be kept.
 */
export function harborCron(
  cron: string,
  /** Whose cron it is, in messages: a regsync import reuses this reading. */
  whose = "Harbor's",
): { schedule?: string; comment?: string; problem?: string } {
  const text = cron.trim();
  if (text.startsWith('@')) {
    const d = DESCRIPTORS[text.toLowerCase()];
    return d
      ? { schedule: d }
      : { problem: `${whose} schedule "${text}" has no cron equivalent; set a schedule by hand` };
  }
  const f = text.split(/\s+/).map((x) => (x === '?' ? '*' : x));
  if (f.length !== 5 && f.length !== 6)
    return {
      problem: `${whose} cron "${text}" has ${f.length} fields (expected 5, or 6 with seconds first); set a schedule by hand`,
    };
  const [seconds, ...rest] = f;
  const five = (rest.length === 4 ? [...rest, '*'] : rest).join(' ');
  const p = cronProblem(five);
  if (p?.severity === 'error') return { problem: `${whose} cron "${text}" as 5 fields is "${five}": ${p.message}` };
  const comment =
    seconds === '0'
      ? undefined
      : `${whose} cron "${text}" runs at second ${seconds}; GitHub schedules start on the minute`;
  return { schedule: five, ...(comment ? { comment } : {}) };
}

/** Harbor's speed (Kb/s, Kb = 1024 bits = 128 bytes) as an exact ferry rate. */
export function harborSpeed(kb: number): string {
  const bytes = kb * 128;
  if (bytes % (1024 * 1024) === 0) return `${bytes / (1024 * 1024)}MiB/s`;
  if (bytes % 1024 === 0) return `${bytes / 1024}KiB/s`;
  return `${bytes}B/s`;
}

interface Built {
  registries: Map<number, Entry<RegistryOut>>;
  names: Set<string>;
}

function registryEntry(reg: HarborRegistry, name: string, warnings: ImportWarning[]): Entry<RegistryOut> {
  const notes = new Notes(warnings, `harbor registry "${reg.name ?? name}" (id ${reg.id ?? '?'})`);
  const harborType = reg.type ?? 'docker-registry';
  let type = TYPES[harborType];
  if (!type) {
    type = 'registry';
    notes.warn(
      ['type'],
      `Harbor's "${harborType}" adapter: ferry talks the OCI distribution API to it as a plain registry`,
      'type',
    );
  }
  const value: RegistryOut = { type };
  if (reg.name !== name) notes.note([], `Harbor's registry "${reg.name ?? ''}"`);
  let url: URL | undefined;
  try {
    url = reg.url ? new URL(reg.url) : undefined;
  } catch {
    notes.warn(['url'], `Harbor's URL "${reg.url}" is not a URL`, 'url');
  }
  if (url) {
    const known = DEFAULT_HOSTS[type]?.includes(url.hostname.toLowerCase());
    if (!known) value.url = `${url.protocol}//${url.host.toLowerCase()}`;
    if (url.pathname !== '/' && url.pathname !== '')
      notes.warn(
        ['url'],
        `Harbor's URL has the path "${url.pathname}"; ferry addresses registries by scheme and host`,
        'url',
      );
    if (reg.insecure && url.protocol === 'https:') {
      value.tls = { verify: false };
      notes.note(['tls'], 'Harbor: Verify Remote Cert off');
    }
  }
  if (reg.ca_certificate)
    notes.warn(
      ['tls'],
      'Harbor holds a CA certificate for this endpoint: save it as a PEM file and set tls: { ca: <file> }',
      'ca_certificate',
    );
  const c = reg.credential;
  if (c && (c.access_key || c.access_secret)) {
    let creds: CredentialsOut;
    if (type === 'ecr' || type === 'gar') {
      creds = { docker_config: true };
      notes.note(
        ['credentials'],
        `the Docker config the ${type === 'ecr' ? 'amazon-ecr-login' : 'google auth'} action writes`,
      );
    } else {
      creds = envCredentials(name);
      const user = (creds.username as { env: string }).env;
      if (c.access_key) notes.note(['credentials'], `${user}: Harbor's access ID "${c.access_key}"`);
      if (c.type === 'oauth')
        notes.warn(
          ['credentials'],
          'Harbor sends this secret as an OAuth token; ferry logs in with it as a password',
          'credential.type',
        );
    }
    value.credentials = creds;
  }
  return { name, value, comments: notes.comments };
}

function filtersOf(p: HarborPolicy, notes: Notes): FiltersOut {
  const out: FiltersOut = {};
  const names: string[] = [];
  const tagsIn: string[] = [];
  const tagsOut: string[] = [];
  const labels: Record<string, string> = {};
  const resources: string[] = [];
  for (const [i, f] of (p.filters ?? []).entries()) {
    const field = `filters[${i}]`;
    const excludes = f.decoration === 'excludes';
    if (f.type === 'name' || f.type === 'tag') {
      if (typeof f.value !== 'string') {
        notes.warn([], `a ${f.type} filter whose value is not a string: left out`, field);
        continue;
      }
      if (f.value === '') continue; // Harbor: an empty pattern passes everything
      if (f.type === 'name') {
        if (excludes)
          notes.warn(
            ['filters', 'name'],
            `Harbor ignores "excludes" on a name filter: "${f.value}" selects, as Harbor applies it`,
            field,
          );
        names.push(harborGlob(f.value));
        continue;
      }
      const parts = splitList(f.value);
      if (parts) {
        notes.warn(
          ['filters', 'tag'],
          `Harbor reads "${f.value}" as one pattern, which no tag matches (tags have no commas or spaces); imported as the list it most likely meant`,
          field,
        );
      }
      for (const part of parts ?? [f.value]) (excludes ? tagsOut : tagsIn).push(harborGlob(part));
    } else if (f.type === 'label') {
      const values = Array.isArray(f.value) ? f.value.filter((v): v is string => typeof v === 'string') : [];
      if (values.length === 0) continue;
      if (excludes) {
        notes.warn(
          ['filters'],
          `Harbor leaves out artifacts that carry all of the labels ${values.join(', ')}; ferry has no label exclusion, so this rule selects them too`,
          field,
        );
        continue;
      }
      for (const v of values) labels[v] = '';
    } else if (f.type === 'resource') {
      if (typeof f.value === 'string') resources.push(f.value);
    } else notes.warn([], `unknown filter type "${f.type}": left out`, field);
  }
  if (names.length > 0) {
    out.name = names;
    if (names.length > 1)
      notes.warn(
        ['filters', 'name'],
        'Harbor requires every name filter to match; ferry selects a repository that matches any of them',
        'filters',
      );
  }
  if (tagsIn.length + tagsOut.length > 0) {
    out.tag = [...tagsIn, ...tagsOut.map((t) => `!${t}`)];
    const matching = (p.filters ?? []).filter((f) => f.type === 'tag' && f.value && f.decoration !== 'excludes');
    if (matching.length > 1)
      notes.warn(
        ['filters', 'tag'],
        'Harbor requires every tag filter to match; ferry selects a tag that matches any of them',
        'filters',
      );
  }
  if (Object.keys(labels).length > 0) out.labels = labels;
  // Harbor 2.x validates the resource filter but its replication flow does not apply it: images and
  // every other artifact are replicated alike. `all` selects what Harbor selects.
  out.resource = 'all';
  if (resources.length > 0)
    notes.note(
      ['filters', 'resource'],
      `Harbor's resource filter "${resources.join(', ')}" is not applied by its replication flow; ${resources.includes('image') ? 'resource: image copies images only' : 'kept as Harbor replicates'}`,
    );
  return out;
}

function triggerOf(p: HarborPolicy, notes: Notes): TriggerOut[] {
  const t = p.trigger;
  if (!t || !t.type || t.type === 'manual') return ['manual'];
  if (t.type === 'event_based') {
    notes.note(
      ['trigger'],
      'Harbor push/delete events reach the action through a webhook relay to repository_dispatch (README: Relaying a Harbor webhook)',
    );
    return ['event'];
  }
  if (t.type === 'scheduled') {
    const c = harborCron(t.trigger_settings?.cron ?? '');
    if (c.problem || !c.schedule) {
      notes.warn(
        ['trigger'],
        c.problem ?? 'a scheduled trigger without a cron: imported as manual',
        'trigger.trigger_settings.cron',
      );
      return ['manual'];
    }
    if (c.comment) notes.warn(['trigger'], c.comment, 'trigger.trigger_settings.cron');
    notes.note(['trigger'], 'UTC, as GitHub runs schedules (Harbor used its own time zone); add it to on.schedule');
    return [{ schedule: c.schedule }];
  }
  notes.warn(['trigger'], `unknown trigger type "${t.type}": imported as manual`, 'trigger.type');
  return ['manual'];
}

/** Turns policies and registries as Harbor's API returns them into rules. Pure: no I/O. */
export function importHarborPolicies(
  data: { policies: HarborPolicy[]; registries: HarborRegistry[] },
  o: HarborImportOptions,
): ImportResult {
  const warnings: ImportWarning[] = [];
  const harborUrl = new URL(o.url);
  const localName = safeName(o.name ?? 'harbor', 'harbor');
  const local: Entry<RegistryOut> = {
    name: localName,
    value: {
      type: 'harbor',
      url: `${harborUrl.protocol}//${harborUrl.host.toLowerCase()}`,
      credentials: envCredentials(localName),
    },
    comments: [{ path: [], text: 'this Harbor: the local registry of the policies below' }],
  };
  const built: Built = { registries: new Map(), names: new Set([localName]) };
  const byId = new Map(data.registries.filter((r) => r.id).map((r) => [r.id!, r]));

  let policies = [...data.policies];
  if (o.policies?.length) {
    const wanted = new Set(o.policies);
    const missing = o.policies.filter((n) => !policies.some((p) => p.name === n));
    if (missing.length)
      throw new ImportError(
        `${harborUrl.origin}/api/v2.0/replication/policies`,
        undefined,
        '--policy',
        `no policy named ${missing.map((m) => JSON.stringify(m)).join(', ')}; Harbor has ${policies.map((p) => JSON.stringify(p.name)).join(', ') || 'none'}`,
      );
    policies = policies.filter((p) => wanted.has(p.name ?? ''));
  }

  const remote = (r: HarborRegistry): string => {
    const id = r.id!;
    let e = built.registries.get(id);
    if (!e) {
      const full = { ...r, ...byId.get(id) };
      const name = uniqueName(safeName(full.name ?? `registry-${id}`, `registry-${id}`), built.names);
      e = registryEntry(full, name, warnings);
      built.registries.set(id, e);
    }
    return e.name;
  };

  const ruleNames = new Set<string>();
  const rules: Entry<RuleOut>[] = [];
  // Harbor's order is by id; names are unique there, so sorting by name is stable across imports.
  const sorted = policies.sort((a, b) => (a.name ?? '').localeCompare(b.name ?? '') || (a.id ?? 0) - (b.id ?? 0));
  for (const p of sorted) {
    const where = `harbor policy "${p.name ?? ''}" (id ${p.id ?? '?'})`;
    const notes = new Notes(warnings, where);
    const name = uniqueName(safeName(p.name ?? `policy-${p.id}`, `policy-${p.id ?? 'x'}`), ruleNames);
    if (name !== p.name) notes.note(['name'], `Harbor: "${p.name ?? ''}"`);
    const pull = !isLocal(p.src_registry);
    if (pull && !isLocal(p.dest_registry)) {
      notes.warn([], 'neither end is this Harbor: left out', 'src_registry');
      continue;
    }
    const source = pull ? remote(p.src_registry!) : localName;
    const destination = pull ? localName : isLocal(p.dest_registry) ? undefined : remote(p.dest_registry!);
    if (!destination) {
      notes.warn([], 'no destination registry: left out', 'dest_registry');
      continue;
    }
    const rule: RuleOut = { name, source, destination };
    if (p.description) rule.description = p.description;
    if (p.enabled === false) rule.enabled = false;
    notes.note(['source'], pull ? 'pull-based: Harbor pulls from this registry' : 'push-based: this Harbor pushes');
    rule.filters = filtersOf(p, notes);
    const ns = p.dest_namespace ?? '';
    if (ns !== '') {
      rule.destination_namespace = ns;
      const rc = p.dest_namespace_replace_count ?? -1;
      if (rc < 0) {
        rule.flattening = 'all';
        notes.note(['flattening'], "Harbor's legacy mode (-1): every repository goes directly under the namespace");
      } else if (rc > 3) {
        rule.flattening = 3;
        notes.warn(['flattening'], `Harbor replaces ${rc} levels; ferry at most 3`, 'dest_namespace_replace_count');
      } else rule.flattening = rc;
    }
    rule.override = p.override !== false;
    if (p.replicate_deletion ?? p.deletion) {
      // Harbor deletes only on a delete event, and those reach only event-based push policies
      // (event/handler/replication getRelatedPolicies): a scheduled, manual or pull-based run of
      // the same policy only copies, whatever its deletion flag says.
      const kind = pull
        ? 'pull-based'
        : (p.trigger?.type ?? 'manual') === 'event_based'
          ? undefined
          : p.trigger?.type === 'scheduled'
            ? 'scheduled'
            : 'manual';
      if (kind)
        notes.warn(
          [],
          `Harbor deletes only on a delete event, which this ${kind} policy never gets: left out (delete_remote would delete destination tags the source lacks on every run)`,
          'deletion',
        );
      else {
        rule.delete_remote = { enabled: true, max: 50 };
        notes.warn(
          ['delete_remote'],
          'Harbor deletes at the destination what a delete event names; every run of this rule (events, schedules and manual runs alike) deletes destination tags the source lacks, at most max per run: check the plan before merging',
          'deletion',
        );
      }
    }
    rule.trigger = triggerOf(p, notes);
    if (typeof p.speed === 'number' && p.speed > 0) {
      rule.bandwidth = harborSpeed(p.speed);
      notes.warn(
        ['bandwidth'],
        `Harbor: ${p.speed} Kb/s for each transfer task; ferry caps the whole rule at this rate`,
        'speed',
      );
    }
    if (p.copy_by_chunk)
      notes.warn([], 'Harbor: copy by chunk; ferry chooses how to upload blobs itself', 'copy_by_chunk');
    if (p.single_active_replication)
      notes.warn(
        ['trigger'],
        'Harbor: single active replication; in GitHub Actions use a concurrency group on the workflow',
        'single_active_replication',
      );
    rules.push({ name, value: rule, comments: notes.comments });
  }

  const result: ImportResult = {
    header: [
      `Imported from Harbor ${harborUrl.origin} (API v2.0) by \`ferry import harbor\`.`,
      `While Harbor still runs these policies: ferry import harbor --url ${harborUrl.origin} --check <this file>`,
    ],
    registries: [local, ...sortEntries([...built.registries.values()])],
    rules,
    warnings,
  };
  fillRepositories(result, (n) => `registry "${n}"`);
  return result;
}

/** Fetches Harbor's policies and imports them. */
export async function importHarbor(o: HarborImportOptions & Omit<HarborFetchOptions, 'url'>): Promise<ImportResult> {
  return importHarborPolicies(await fetchHarbor(o), o);
}
