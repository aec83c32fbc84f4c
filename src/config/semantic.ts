/**
 * Checks the schema cannot express: references between registries and rules, secrets, Docker Hub's
 * two-level names, cron, Harbor's flattening, self-replication, deletion safety, bandwidth.
 * Conservative: an error here means the rule would certainly misbehave.
 */
import { Cron } from 'croner';
import semver from 'semver';
import { parseBandwidth } from './bandwidth.js';
import { suggest } from './errors.js';
import { effective, type Normalized, type NormalizedRule } from './normalize.js';
import { literalSecretMessage, type Segment } from './schema.js';
import type { RegistryConfig, Rule } from './types.js';

export interface SemanticIssue {
  path: Segment[];
  at?: 'key' | 'value';
  message: string;
  severity?: 'error' | 'warning';
}

export interface SemanticContext {
  isBroken(path: Segment[]): boolean;
  /** Whether the file itself sets this path. */
  has(path: Segment[]): boolean;
}

type Raw = Record<string, unknown>;
const isObj = (v: unknown): v is Raw => v !== null && typeof v === 'object' && !Array.isArray(v);

/** Glob characters: a name filter without them names exactly one repository. */
const GLOB = /[*?[\]{}!]/;

/** Harbor's mapping: destination namespace + the source path with `flattening` leading levels dropped. */
export function destinationRepository(source: string, namespace: string | undefined, flattening: number): string {
  if (!namespace) return source;
  const parts = source.split('/');
  const drop = flattening < 0 ? parts.length - 1 : Math.min(flattening, parts.length - 1);
  return `${namespace}/${parts.slice(drop).join('/')}`;
}

/** Problem with a cron as GitHub Actions runs it (5 fields, UTC), or undefined. */
export function cronProblem(expr: string): { message: string; severity: 'error' | 'warning' } | undefined {
  const text = expr.trim();
  if (text.startsWith('@')) {
    return {
      message: `GitHub Actions cron has no ${text.split(/\s/)[0]} shortcut; write 5 fields, like "0 2 * * *"`,
      severity: 'error',
    };
  }
  const fields = text.split(/\s+/).filter(Boolean);
  if (fields.length !== 5) {
    return {
      message: `expected 5 cron fields (minute hour day-of-month month day-of-week) as GitHub Actions uses, got ${fields.length}: "${text}"`,
      severity: 'error',
    };
  }
  if (/[?#]/.test(text) || /(^|[\d,])[LW]($|[,\s])|\dW|\dL/.test(`${fields[2]} ${fields[4]}`)) {
    return {
      message: `GitHub Actions cron does not support "?", "L", "W" or "#": "${text}"`,
      severity: 'error',
    };
  }
  let cron: Cron;
  try {
    cron = new Cron(text, { paused: true });
  } catch (err) {
    const reason = (err as Error).message.replace(/^CronPattern:\s*/, '');
    return {
      message: `invalid cron "${text}": ${reason.charAt(0).toLowerCase()}${reason.slice(1)}`,
      severity: 'error',
    };
  }
  if (!cron.nextRun()) return { message: `cron "${text}" never matches a date`, severity: 'error' };
  const minute = fields[0]!;
  const step = /^\*(?:\/(\d+))?$/.exec(minute);
  if (step && Number(step[1] ?? 1) < 5) {
    return {
      message: `"${text}" runs more often than GitHub Actions schedules can (every 5 minutes at most); the rule will run less often than this says`,
      severity: 'warning',
    };
  }
  return undefined;
}

function registryIdentity(reg: RegistryConfig): string {
  return reg.type === 'oci-layout' ? `path:${reg.path ?? ''}` : `url:${reg.url ?? reg.name}`;
}

const SECRETISH = /pass(word)?|secret|token|api[_-]?key|credential/i;

function checkRegistry(reg: RegistryConfig, raw: Raw, ctx: SemanticContext, out: SemanticIssue[]): void {
  const base: Segment[] = ['registries', reg.name];
  const add = (path: Segment[], message: string, severity: 'error' | 'warning' = 'error') =>
    out.push({ path: [...base, ...path], message, severity });

  if (reg.type === 'oci-layout') {
    if (raw.url !== undefined) add(['url'], 'an oci-layout registry is a local directory: use path, not url');
    else if (raw.path === undefined)
      add([], 'missing required key "path" (the OCI image layout directory, like ./backup)');
    if (raw.credentials !== undefined)
      add(['credentials'], 'ignored: an oci-layout directory has no credentials', 'warning');
    if (raw.tls !== undefined) add(['tls'], 'ignored: an oci-layout directory has no TLS', 'warning');
  } else {
    if (raw.path !== undefined) add(['path'], `path is only for type oci-layout; type ${reg.type} needs url`);
    if (raw.url === undefined && reg.url === undefined) {
      add([], `missing required key "url": the registry's address, like https://registry.example.com`);
    }
  }

  if (typeof raw.url === 'string' && reg.type !== 'oci-layout') {
    let u: URL | undefined;
    try {
      u = new URL(raw.url);
    } catch {
      add(['url'], 'not a valid URL; expected https://host[:port], like https://registry.example.com');
    }
    if (u) {
      if (u.username || u.password) {
        add(
          ['url'],
          'credentials are not allowed in the URL; use credentials: { username: ..., password: { env: NAME } }',
        );
      } else if ((u.pathname !== '/' && u.pathname !== '') || u.search || u.hash) {
        add(
          ['url'],
          `expected only scheme and host, like ${u.protocol}//${u.host}; remove "${u.pathname}${u.search}${u.hash}"`,
        );
      }
      if (u.protocol === 'http:' && isObj(raw.tls))
        add(['tls'], 'ignored: the URL is http://, there is no TLS', 'warning');
    }
  }

  const creds = raw.credentials;
  if (isObj(creds) && creds.docker_config === undefined) {
    const userRef = isObj(creds.username) && creds.username.docker_config !== undefined;
    if (creds.password !== undefined && creds.username === undefined) {
      add(['credentials', 'password'], 'a password needs a username: add username (a name or { env: NAME })');
    }
    if (creds.username !== undefined && creds.password === undefined && creds.token === undefined && !userRef) {
      add(['credentials', 'username'], 'a username needs a password or token: add password: { env: NAME }');
    }
  }

  if (
    typeof creds === 'object' &&
    isObj(creds) &&
    typeof creds.username === 'string' &&
    /^\$/.test(creds.username.trim())
  ) {
    add(['credentials', 'username'], literalSecretMessage(creds.username).replace('the secret', 'the value'));
  }

  if (reg.url && reg.repositories) {
    const host = new URL(reg.url).host;
    reg.repositories.forEach((repo, k) => {
      if (repo.split('/')[0] === host) {
        add(
          ['repositories', k],
          `repositories are paths without the registry host; write "${repo.split('/').slice(1).join('/')}"`,
        );
      }
    });
  }

  if (isObj(raw.options)) {
    for (const [k, v] of Object.entries(raw.options)) {
      if (SECRETISH.test(k) && typeof v === 'string') add(['options', k], literalSecretMessage(v));
    }
  }
  void ctx;
}

function isMatchAll(rule: Rule): boolean {
  const f = rule.filters;
  const allNames = f.name.length === 0 || f.name.includes('**');
  const allTags =
    f.tag.length === 0 || (f.tag.some((t) => t === '*' || t === '**') && !f.tag.some((t) => t.startsWith('!')));
  return allNames && allTags && Object.keys(f.labels).length === 0 && !f.semver && f.latest === undefined;
}

function tagSelection(rule: Rule): string {
  const f = rule.filters;
  const tags = f.tag.length === 0 || f.tag.includes('*') || f.tag.includes('**') ? [] : [...f.tag].sort();
  const labels = Object.entries(f.labels).sort(([a], [b]) => a.localeCompare(b));
  return JSON.stringify([tags, labels, f.semver ?? null, f.latest ?? null, f.resource]);
}

export function checkSemantics(n: Normalized, ctx: SemanticContext): SemanticIssue[] {
  const out: SemanticIssue[] = [];
  const reg = n.config.registries;
  for (const r of reg.values()) checkRegistry(r, rawRegistry(n, r.name), ctx, out);

  if (!ctx.isBroken(['rules']) && n.rules.length === 0 && n.complete) {
    out.push({ path: ['rules'], message: 'no rules: nothing will be replicated', severity: 'warning' });
  }

  const firstByName = new Map<string, NormalizedRule>();
  const writers = new Map<string, { nr: NormalizedRule; repo: string }>();

  for (const nr of n.rules) {
    const { rule, index, raw } = nr;
    const at = (key: string): Segment[] => {
      if (raw[key] !== undefined) return ['rules', index, key];
      if (n.defaults[key] !== undefined) return ['defaults', key];
      return ['rules', index];
    };
    const add = (path: Segment[], message: string, severity: 'error' | 'warning' = 'error') =>
      out.push({ path, message, severity });

    const first = firstByName.get(rule.name);
    if (first) {
      add(
        ['rules', index, 'name'],
        `duplicate rule name "${rule.name}"; it is already used at line ${first.rule.line}`,
      );
    } else {
      firstByName.set(rule.name, nr);
    }

    let refsOk = true;
    for (const key of ['source', 'destination'] as const) {
      const name = rule[key];
      if (n.registryNames.includes(name)) continue;
      refsOk = false;
      const hint = suggest(name, n.registryNames);
      add(
        ['rules', index, key],
        hint
          ? `unknown registry "${name}", did you mean "${hint}"?`
          : `unknown registry "${name}"; registries defined: ${n.registryNames.join(', ') || '(none)'}`,
      );
    }
    const src = reg.get(rule.source);
    const dst = reg.get(rule.destination);

    // Triggers: cron as GitHub runs it.
    const rawTrig = effective(raw, n.defaults, 'trigger');
    const trigBase = at('trigger');
    const trigItems: [unknown, Segment[]][] = Array.isArray(rawTrig)
      ? rawTrig.map((t, k) => [t, [...trigBase, k]])
      : [[rawTrig, trigBase]];
    for (const [t, path] of trigItems) {
      if (isObj(t) && typeof t.schedule === 'string') {
        const p = cronProblem(t.schedule);
        if (p) add([...path, 'schedule'], p.message, p.severity);
      }
    }

    // Bandwidth.
    const bw = effective(raw, n.defaults, 'bandwidth');
    if (typeof bw === 'string' && parseBandwidth(bw) === undefined) {
      add(at('bandwidth'), 'expected a rate above zero, like 50MiB/s, 10MB/s or 500KiB/s, or -1 for unlimited');
    }

    // Semver range.
    if (rule.filters.semver !== undefined && semver.validRange(rule.filters.semver) === null) {
      const path =
        raw.filters && isObj(raw.filters) && raw.filters.semver !== undefined
          ? ['rules', index, 'filters', 'semver']
          : ['defaults', 'filters', 'semver'];
      add(path, `not a semver range: "${rule.filters.semver}"; expected something like ">=1.2 <2" or "^3.0.0"`);
    }

    // Name filters are repository paths, without the registry host.
    const namePath = (): Segment[] => {
      if (isObj(raw.filters) && raw.filters.name !== undefined) return ['rules', index, 'filters', 'name'];
      if (isObj(n.defaults.filters) && n.defaults.filters.name !== undefined) return ['defaults', 'filters', 'name'];
      return ['rules', index];
    };
    const nameItemPath = (k: number): Segment[] => {
      const base = namePath();
      const rawName = isObj(raw.filters)
        ? raw.filters.name
        : isObj(n.defaults.filters)
          ? n.defaults.filters.name
          : undefined;
      return Array.isArray(rawName) ? [...base, k] : base;
    };
    if (src?.url) {
      const host = new URL(src.url).host;
      rule.filters.name.forEach((pattern, k) => {
        const firstPart = pattern.replace(/^!/, '').split('/')[0]!.toLowerCase();
        if (firstPart === host || firstPart === new URL(src.url!).hostname) {
          add(
            nameItemPath(k),
            `name filters match repository paths without the registry host; write "${pattern.replace(/^!/, '').split('/').slice(1).join('/')}"`,
          );
        }
      });
    }

    // Harbor's form takes "prod-*, v*"; here that is one pattern that can never match.
    for (const key of ['name', 'tag'] as const) {
      const rawF = isObj(raw.filters) && raw.filters[key] !== undefined ? raw.filters[key] : undefined;
      const base: Segment[] = rawF !== undefined ? ['rules', index, 'filters', key] : ['defaults', 'filters', key];
      rule.filters[key].forEach((pattern, k) => {
        const outsideBraces = pattern.replace(/\{[^}]*\}/g, '');
        if (/[,\s]/.test(outsideBraces)) {
          const parts = pattern.split(/[,\s]+/).filter(Boolean);
          const fromDefaults = rawF === undefined;
          const listed = Array.isArray(fromDefaults ? (n.defaults.filters as Raw | undefined)?.[key] : rawF);
          add(
            listed ? [...base, k] : base,
            `"${pattern}" is one pattern, and ${key === 'tag' ? 'tags' : 'repository names'} never contain ${/,/.test(outsideBraces) ? 'commas' : 'spaces'}; write a list: [${parts.join(', ')}]`,
          );
        }
      });
    }

    const ns = rule.destinationNamespace;
    const literalNames =
      rule.filters.name.length > 0 && rule.filters.name.every((p) => !GLOB.test(p)) ? rule.filters.name : [];

    // Flattening applies only with a destination namespace (as in Harbor).
    if (raw.flattening !== undefined && !ns) {
      add(
        ['rules', index, 'flattening'],
        'ignored without destination_namespace (as in Harbor): the copies keep the source path',
        'warning',
      );
    }

    if (refsOk && src && dst) {
      // Docker Hub takes only namespace/name.
      if (dst.type === 'dockerhub') {
        if (!ns) {
          add(
            at('destination'),
            `Docker Hub accepts only namespace/name repositories: set destination_namespace to your Docker Hub user or organisation (without it pushes fail with "denied: requested access to the resource is denied")`,
          );
        } else if (ns.includes('/')) {
          add(
            at('destination_namespace'),
            'Docker Hub has a single namespace level: use your user or organisation name, without "/"',
          );
        } else {
          literalNames.forEach((name, k) => {
            const mapped = destinationRepository(name, ns, rule.flattening);
            if (mapped.split('/').length > 2) {
              add(
                nameItemPath(k),
                `would be pushed to Docker Hub as "${mapped}", but Docker Hub accepts only namespace/name; set flattening: all`,
              );
            }
          });
        }
      }

      // Replicating onto itself.
      if (registryIdentity(src) === registryIdentity(dst)) {
        const same =
          src.name === dst.name
            ? `the same registry ("${src.name}")`
            : `the same registry ("${src.name}" and "${dst.name}" have the same address)`;
        if (!ns) {
          add(
            at('destination'),
            `source and destination are ${same} and no destination_namespace is set: the rule would replicate onto itself`,
          );
        } else {
          const onto = literalNames.find((name) => destinationRepository(name, ns, rule.flattening) === name);
          if (onto) {
            add(
              at('destination_namespace'),
              `source and destination are ${same} and "${onto}" maps onto itself: the rule would replicate onto itself`,
            );
          }
        }
      }

      // Two rules writing the same destination repository with the same tag selection.
      if (rule.enabled) {
        const selection = tagSelection(rule);
        for (const name of literalNames) {
          const repo = destinationRepository(name, ns, rule.flattening);
          const key = `${registryIdentity(dst)}|${repo}|${selection}`;
          const other = writers.get(key);
          if (other && other.nr !== nr) {
            add(
              namePath(),
              `rule "${other.nr.rule.name}" (line ${other.nr.rule.line}) already writes "${repo}" on registry "${dst.name}" with the same tag filters; the two rules would overwrite each other`,
            );
            break;
          }
          writers.set(key, { nr, repo });
        }
      }
    }

    // Deleting under filters that match everything.
    if (rule.deleteRemote.enabled && !rule.deleteRemote.acknowledgeMatchAll && isMatchAll(rule)) {
      add(
        at('delete_remote'),
        `the filters match everything, so every destination tag the source lacks will be deleted (up to ${rule.deleteRemote.max} per run); narrow the filters or confirm with delete_remote: { enabled: true, acknowledge_match_all: true }`,
        'warning',
      );
    }
  }
  return out;
}

function rawRegistry(n: Normalized, name: string): Raw {
  const raw = n.rawRegistries[name];
  return isObj(raw) ? raw : {};
}
