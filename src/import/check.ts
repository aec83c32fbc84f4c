/**
 * `ferry import harbor --check`: while Harbor and ferry both hold the rules, the drift between
 * Harbor's live policies and the rules file, rule by rule and field by field. Both sides are
 * compared in one normal form — what the rule selects and where it writes — so that writing a field
 * differently (a list in another order, a default left out, a registry under another name) is not
 * drift, and a changed filter, namespace, trigger or switch is.
 */
import { parseBandwidth } from '../config/bandwidth.js';
import { ConfigError } from '../config/errors.js';
import { parseConfig } from '../config/load.js';
import { DEFAULT_URLS, normalizeUrl } from '../config/normalize.js';
import type { Config, Filters, RegistryConfig, Rule } from '../config/types.js';
import { filtersMatchEverything } from '../rules/index.js';
import type { ImportResult, RegistryOut, RuleOut } from './model.js';

export interface Drift {
  /** The rule's name. */
  rule: string;
  /** Its line in the file, when it is there. */
  line?: number;
  /** `filters.tag`, `trigger`…, or `rule` when the whole rule is on one side only. */
  field: string;
  harbor: string;
  file: string;
}

interface Normal {
  enabled: boolean;
  source: string;
  destination: string;
  'filters.name': string[];
  'filters.tag': string[];
  'filters.labels': string[];
  'filters.resource': string;
  'filters.semver': string;
  'filters.latest': string;
  destination_namespace: string;
  flattening: string;
  override: boolean;
  delete_remote: boolean;
  trigger: string[];
  bandwidth: string;
}

const sorted = (xs: readonly string[]): string[] => [...new Set(xs)].sort();

function identity(type: string, url: string | undefined): string {
  const u = url ?? DEFAULT_URLS[type as keyof typeof DEFAULT_URLS];
  return `${type} ${u ? normalizeUrl(u) : '(no url)'}`;
}

function normal(r: {
  enabled: boolean;
  source: string;
  destination: string;
  name: string[];
  tag: string[];
  labels: Record<string, string>;
  resource: string;
  semver?: string;
  latest?: number;
  namespace?: string;
  flattening: number;
  override: boolean;
  deleteRemote: boolean;
  triggers: string[];
  bandwidth?: number;
}): Normal {
  // One judge of "selects everything" for the whole tool (a `!` exclusion narrows even `**`),
  // asked about one list at a time: every other filter field is compared on its own below.
  const everything: Filters = { name: [], tag: [], labels: {}, resource: 'all' };
  const patterns = (field: 'name' | 'tag', xs: string[]) =>
    filtersMatchEverything({ ...everything, [field]: xs }) ? [] : sorted(xs);
  return {
    enabled: r.enabled,
    source: r.source,
    destination: r.destination,
    'filters.name': patterns('name', r.name),
    'filters.tag': patterns('tag', r.tag),
    'filters.labels': sorted(Object.entries(r.labels).map(([k, v]) => (v === '' ? k : `${k}=${v}`))),
    'filters.resource': r.resource,
    'filters.semver': r.semver ?? '',
    'filters.latest': r.latest === undefined ? '' : String(r.latest),
    destination_namespace: r.namespace ?? '',
    // Flattening means nothing without a namespace (as in Harbor).
    flattening: r.namespace ? (r.flattening < 0 ? 'all' : String(r.flattening)) : '',
    override: r.override,
    delete_remote: r.deleteRemote,
    trigger: sorted(r.triggers),
    bandwidth: r.bandwidth === undefined || !Number.isFinite(r.bandwidth) ? 'unlimited' : `${r.bandwidth} B/s`,
  };
}

function fromImported(rule: RuleOut, registries: Map<string, RegistryOut>): Normal {
  const reg = (name: string) => {
    const r = registries.get(name);
    return r ? identity(r.type, r.url) : name;
  };
  const f = rule.filters ?? {};
  const fl = rule.flattening;
  return normal({
    enabled: rule.enabled !== false,
    source: reg(rule.source),
    destination: reg(rule.destination),
    name: f.name ?? [],
    tag: f.tag ?? [],
    labels: f.labels ?? {},
    resource: f.resource ?? 'image',
    ...(f.semver !== undefined ? { semver: f.semver } : {}),
    ...(f.latest !== undefined ? { latest: f.latest } : {}),
    ...(rule.destination_namespace ? { namespace: rule.destination_namespace } : {}),
    flattening: fl === 'all' ? -1 : (fl ?? 1),
    override: rule.override !== false,
    deleteRemote:
      rule.delete_remote === true || (typeof rule.delete_remote === 'object' && rule.delete_remote.enabled !== false),
    triggers: (rule.trigger ?? ['manual']).map((t) => (typeof t === 'string' ? t : `schedule ${t.schedule}`)),
    ...(rule.bandwidth !== undefined ? { bandwidth: parseBandwidth(rule.bandwidth) ?? Number.NaN } : {}),
  });
}

function fromFile(rule: Rule, registries: Map<string, RegistryConfig>): Normal {
  const reg = (name: string) => {
    const r = registries.get(name);
    return r ? identity(r.type, r.url) : name;
  };
  const f = rule.filters;
  return normal({
    enabled: rule.enabled,
    source: reg(rule.source),
    destination: reg(rule.destination),
    name: f.name,
    tag: f.tag,
    labels: f.labels,
    resource: f.resource,
    ...(f.semver !== undefined ? { semver: f.semver } : {}),
    ...(f.latest !== undefined ? { latest: f.latest } : {}),
    ...(rule.destinationNamespace ? { namespace: rule.destinationNamespace } : {}),
    flattening: rule.flattening,
    override: rule.override,
    deleteRemote: rule.deleteRemote.enabled,
    triggers: rule.triggers.map((t) => (t.kind === 'schedule' ? `schedule ${t.cron}` : t.kind)),
    ...(rule.bandwidth !== undefined ? { bandwidth: rule.bandwidth } : {}),
  });
}

const show = (v: unknown): string => (Array.isArray(v) ? `[${v.join(', ')}]` : v === '' ? '(none)' : String(v));

/**
 * The drift between an import of Harbor's live policies and a rules file's text. Rules only in the
 * file count when they read from or write to this Harbor and no `--policy` narrowed the import.
 * Throws ConfigError when the file itself is not valid.
 */
export function harborDrift(imported: ImportResult, text: string, file: string, narrowed: boolean): Drift[] {
  const parsed = parseConfig(text, file);
  if (!parsed.config) throw new ConfigError(parsed.diagnostics.filter((d) => d.severity === 'error'));
  const config: Config = parsed.config;
  const registries = new Map(imported.registries.map((r) => [r.name, r.value]));
  const harbor = imported.registries[0];
  const harborId = harbor ? identity(harbor.value.type, harbor.value.url) : '';
  const inFile = new Map(config.rules.map((r) => [r.name, r]));
  const drifts: Drift[] = [];
  for (const { name, value } of imported.rules) {
    const mine = inFile.get(name);
    if (!mine) {
      drifts.push({ rule: name, field: 'rule', harbor: 'a policy', file: '(missing)' });
      continue;
    }
    const a = fromImported(value, registries);
    const b = fromFile(mine, config.registries);
    for (const key of Object.keys(a) as (keyof Normal)[]) {
      if (JSON.stringify(a[key]) === JSON.stringify(b[key])) continue;
      drifts.push({
        rule: name,
        ...(mine.line !== undefined ? { line: mine.line } : {}),
        field: key,
        harbor: show(a[key]),
        file: show(b[key]),
      });
    }
  }
  if (!narrowed) {
    const imported_ = new Set(imported.rules.map((r) => r.name));
    for (const rule of config.rules) {
      if (imported_.has(rule.name)) continue;
      const ends = [rule.source, rule.destination].map((n) => {
        const r = config.registries.get(n);
        return r ? identity(r.type, r.url) : n;
      });
      if (!ends.includes(harborId)) continue;
      drifts.push({
        rule: rule.name,
        ...(rule.line !== undefined ? { line: rule.line } : {}),
        field: 'rule',
        harbor: '(no policy)',
        file: 'a rule',
      });
    }
  }
  return drifts;
}

export function formatDrift(file: string, d: Drift): string {
  return `${file}${d.line !== undefined ? `:${d.line}` : ''}: rule "${d.rule}": ${d.field}: Harbor ${d.harbor}, file ${d.file}`;
}
