/**
 * Checks the schema cannot express: references between registries and rules, secrets, Docker Hub's
 * two-level names, cron, Harbor's flattening, self-replication, deletion safety, bandwidth.
 * Conservative: an error here means the rule would certainly misbehave.
 */
import { Cron } from 'croner';
import semver from 'semver';
import { isTag } from '../oci/ref.js';
import { compileNameFilter, filtersMatchEverything } from '../rules/filter.js';
import { compileGlob, GlobSyntaxError, isMatchAllPattern } from '../rules/glob.js';
import { MappingError, mapRepository, mergesRepositories } from '../rules/mapping.js';
import { MAX_BANDWIDTH, MAX_BLOB_SIZE_LIMIT, parseBandwidth, parseSize } from './bandwidth.js';
import { oneOfList, suggest } from './errors.js';
import { ARCHIVE_TYPES, effective, type Normalized, type NormalizedRule, patternOf, soundFields } from './normalize.js';
import { literalSecretMessage, optionAliases, schemaKeys, type Segment } from './schema.js';
import type { Config, RegistryConfig, Rule } from './types.js';
import { vendorApiProblem } from './vendor-api.js';
import { normalizeCron } from './workflows.js';
import { addressClass } from '../registry/address.js';

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
  /** Whether this field has a schema error in or around it (its value cannot be checked further). */
  fieldBroken?(path: Segment[]): boolean;
  /** Crons the repository's workflows schedule; a rule's schedule missing from them is a warning. */
  workflowCrons?: ReadonlySet<string>;
}

type Raw = Record<string, unknown>;
const isObj = (v: unknown): v is Raw => v !== null && typeof v === 'object' && !Array.isArray(v);

const RULE_KEYS = schemaKeys('rule');
const REGISTRY_KEYS = schemaKeys('registry');
const FILTER_KEYS = schemaKeys('filters');
const OPTION_ALIASES = optionAliases();
/** The options each type with a vendor API takes, to tell a misspelt `api_url` from a missing one. */
const VENDOR_OPTION_KEYS: Partial<Record<string, string[]>> = {
  dockerhub: schemaKeys('dockerhubOptions'),
  ghcr: schemaKeys('ghcrOptions'),
};

/**
 * Whether `map` has a key the schema does not know that was meant as `key`: the one `suggest`
 * names for it among `meant` (the keys of the map, or those of a map it belongs under), as the
 * schema error's "did you mean" does.
 */
function misspelt(map: Raw, known: readonly string[], key: string, meant: readonly string[] = known): boolean {
  return Object.keys(map).some((k) => !known.includes(k) && suggest(k, meant) === key);
}

/** Glob characters (and escapes): a name filter without them names exactly one repository. */
const GLOB = /[*?[\]{}!\\]/;

/** A name filter that names exactly one repository (no glob, no exclusion, not a regex). */
function isLiteralName(pattern: string): boolean {
  return pattern !== '' && !GLOB.test(pattern) && !pattern.startsWith('regex:');
}

/**
 * The characters a glob requires literally (escapes undone), how many characters it needs at the
 * least, and whether it has `{…}` alternatives (which make both only approximate). Classes count as
 * one character and contribute no literal.
 */
function globLiterals(pattern: string): { literals: string; minLength: number; braces: boolean } {
  let literals = '';
  let minLength = 0;
  let braces = false;
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '\\') {
      if (i + 1 < pattern.length) {
        literals += pattern[++i];
        minLength++;
      }
    } else if (c === '[') {
      let end = i + 2; // `[]…]`: a `]` right after `[` is part of the class
      while (end < pattern.length && pattern[end] !== ']') end += pattern[end] === '\\' ? 2 : 1;
      i = end;
      minLength++;
    } else if (c === '?') minLength++;
    else if (c === '{' || c === '}' || c === ',') braces = true;
    else if (c !== '*') {
      literals += c;
      minLength++;
    }
  }
  return { literals, minLength, braces };
}

/** Why a name filter can never match a repository name (distribution spec), or undefined. */
function impossibleName(pattern: string, exclude = false): string | undefined {
  if (pattern === '' || pattern.startsWith('regex:')) return undefined;
  const backwards = reversedRange(pattern);
  if (backwards) return backwards;
  const { literals, braces } = globLiterals(pattern);
  // `library/nginx:latest`, as skopeo and regsync name an image: the tag is a filter of its own,
  // and it applies to every repository the rule selects.
  const ref = /^([^:@]+)(?::([^@/]+))?(?:@(.+))?$/.exec(pattern);
  if (ref && (ref[2] !== undefined || ref[3] !== undefined)) {
    if (ref[3] !== undefined)
      return `a repository name has no "@": ferry selects tags, not digests; name the repository ("${ref[1]}") and its tags in the tag filter`;
    return exclude
      ? `a repository name has no ":": to leave out a tag, exclude it in the tag filter ("!${ref[2]}"), which applies to every repository of the rule`
      : `a repository name has no ":": the tag goes in the tag filter, like name: "${ref[1]}" and tag: "${ref[2]}" (the tag filter applies to every repository of the rule)`;
  }
  if (/[A-Z]/.test(literals)) {
    return `repository names are lowercase (distribution spec); write "${pattern.toLowerCase()}"`;
  }
  if (!braces) {
    const parts = pattern.split('/');
    if (parts[0] === '') return 'repository paths do not start with "/"';
    if (parts.some((p) => p === '.' || p === '..')) return 'repository paths have no "." or ".." components';
    if (parts.some((p) => p === '')) return 'repository paths have no empty components ("//" or a trailing "/")';
  }
  return undefined;
}

/** Why a glob's first `[…]` range that runs backwards (`9-0`) matches no character, if it has one. */
function reversedRange(pattern: string): string | undefined {
  // Not in a negated class (`[!9-0]`): that one matches every character instead.
  for (const m of pattern.matchAll(/\[(?![!^])\]?([^\]]*)\]/g)) {
    for (const r of m[1]!.matchAll(/(.)-(.)/g))
      if (r[1]! > r[2]!)
        return `the range "${r[1]}-${r[2]}" runs backwards and matches no character; write "${r[2]}-${r[1]}"`;
  }
  return undefined;
}

/** Why a tag filter can never match a tag ([A-Za-z0-9_][A-Za-z0-9._-]{0,127}), or undefined. */
function impossibleTag(pattern: string): string | undefined {
  if (pattern === '' || pattern.startsWith('regex:')) return undefined;
  const backwards = reversedRange(pattern);
  if (backwards) return backwards;
  const grammar = 'a tag is letters, digits, "_", "." and "-", and does not start with "." or "-"';
  const { literals, minLength, braces } = globLiterals(pattern);
  if (!braces && minLength > 128) return `a tag is at most 128 characters, and this needs ${minLength}`;
  if (!/[*?[{\\]/.test(pattern)) return isTag(pattern) ? undefined : grammar;
  // Commas and spaces have their own error (a list written as one pattern).
  const bad = [...new Set(literals.replace(/[\w.\-,\s]/g, ''))];
  return bad.length > 0 ? `${grammar}; it cannot contain ${bad.map((c) => `"${c}"`).join(', ')}` : undefined;
}

/** The registries a message lists, shortened for files with very many. */
function namesList(names: readonly string[]): string {
  if (names.length === 0) return '(none)';
  const shown = names.slice(0, 10).join(', ');
  return names.length > 10 ? `${shown} and ${names.length - 10} more` : shown;
}

/** The pattern with every `{…}` group (nested ones too) and escaped character taken out. */
function outsideBraces(pattern: string): string {
  let depth = 0;
  let out = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '\\') i++;
    else if (c === '{') depth++;
    else if (c === '}' && depth > 0) depth--;
    else if (depth === 0) out += c;
  }
  return out;
}

/** A pattern split at the commas and spaces outside braces: `a/{b,c}, d` → a/{b,c} and d. */
function splitOutsideBraces(pattern: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let cur = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '\\' && i + 1 < pattern.length) {
      cur += c + pattern[++i];
      continue;
    }
    if (c === '{') depth++;
    else if (c === '}' && depth > 0) depth--;
    if (depth === 0 && /[,\s]/.test(c)) {
      if (cur) parts.push(cur);
      cur = '';
    } else cur += c;
  }
  if (cur) parts.push(cur);
  return parts;
}

/**
 * Why a glob looks like a regular expression (as regsync, dregsy and skopeo sync write filters),
 * or undefined. `[^a]` is a glob class and `v1.*` a fine glob ("v1." then anything): neither counts.
 */
function regexLook(glob: string): string | undefined {
  const signs: string[] = [];
  const outside = glob.replace(/\[[^\]]*\]/g, 'x');
  if (glob.startsWith('^')) signs.push('"^"');
  if (glob.endsWith('$') && !glob.endsWith('\\$')) signs.push('"$"');
  if (/\\[dws]/.test(glob)) signs.push(`"${/\\[dws]/.exec(glob)![0]}"`);
  if (/\\\./.test(glob)) signs.push('"\\."');
  if (/\+/.test(outside)) signs.push('"+"');
  if (/[|()]/.test(outside)) signs.push('"|" and "(…)"');
  if (glob.startsWith('.*') || (signs.length > 0 && /\.\*/.test(glob))) signs.push('".*"');
  return signs.length > 0 ? signs.join(', ') : undefined;
}

/**
 * The glob a simple regex-looking pattern was meant as, or undefined when there is none. In a name,
 * `.*` crosses `/` and a glob's `*` does not: a whole segment of `.*` (or `.+`) becomes `**`
 * (`^demo/.*$` → `demo/**`), and one inside a segment has no glob that means it.
 */
function globFor(regexish: string, key: 'name' | 'tag'): string | undefined {
  const anySegments = '\u0000';
  let g = regexish.replace(/^\^/, '').replace(/\$$/, '');
  if (key === 'name') {
    const segments = g.split('/');
    const whole = (s: string) => s === '.*' || s === '.+';
    // Escaped characters taken out first: `\.*` is a run of dots, not "anything".
    if (segments.some((s) => !whole(s) && /\.[*+]/.test(s.replace(/\\./g, '')))) return undefined;
    g = segments.map((s) => (whole(s) ? anySegments : s)).join('/');
  }
  g = g
    .replace(/\\d/g, '[0-9]')
    .replace(/\.\*/g, '*')
    .replace(/\.\+/g, '?*')
    .replace(/\\\./g, '.')
    .replace(/(\]|[A-Za-z0-9_])\+/g, '$1*')
    .replace(/\*+/g, '*')
    .replaceAll(anySegments, '**');
  return /[\\+|()^$]/.test(g) || g === '' ? undefined : g;
}

/** A pattern as a single-quoted YAML string. */
const yamlQuote = (s: string) => `'${s.replace(/'/g, "''")}'`;

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
  if (fields.length === 6 && /^\d+$/.test(fields[0]!)) {
    // Harbor (and Quartz) put seconds first; GitHub Actions has no seconds field.
    return {
      message: `"${text}" has 6 fields, seconds first as in Harbor; GitHub Actions cron has 5 (minute hour day-of-month month day-of-week): write "${fields.slice(1).join(' ').replace(/\?/g, '*')}"`,
      severity: 'error',
    };
  }
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

/** What a registry is, whatever its name in the file: two names for one address are one registry. */
export function registryIdentity(reg: RegistryConfig): string {
  return reg.path !== undefined ? `path:${reg.path}` : `url:${reg.url ?? reg.name}`;
}

/** The identity of the registry `config` names `name` (the name itself when it names none). */
export function identityOf(config: Pick<Config, 'registries'>, name: string): string {
  const reg = config.registries.get(name);
  return reg ? registryIdentity(reg) : name;
}

/** oci-archive, docker-archive: a file (path) or an https:// URL with its sha256 pinned. */
function checkArchive(
  reg: RegistryConfig,
  raw: Raw,
  unknown: (key: string) => boolean,
  add: (path: Segment[], message: string, severity?: 'error' | 'warning') => void,
) {
  if (raw.url !== undefined && raw.path !== undefined)
    add([], `an ${reg.type} is a file (path) or a download (url), not both`);
  else if (raw.url === undefined && raw.path === undefined && !unknown('url') && !unknown('path'))
    add([], `missing required key "path" (the archive file, like ./images.tar) or "url" (https://… with sha256)`);
  if (typeof raw.url === 'string') {
    let u: URL | undefined;
    try {
      u = new URL(raw.url);
    } catch {
      add(['url'], 'not a valid URL; expected https://host/path/images.tar');
    }
    if (u && u.protocol !== 'https:') add(['url'], 'an archive is downloaded over https:// only');
    else if (u && (u.username || u.password))
      add(['url'], 'credentials are not allowed in the URL: a pre-signed URL carries its token in the query');
    if (raw.sha256 === undefined && !unknown('sha256'))
      add(
        [],
        'missing required key "sha256": pin the archive\'s SHA-256 (`sha256sum images.tar`), so a changed or corrupt download is refused',
      );
  }
  if (raw.credentials !== undefined && raw.url === undefined)
    add(['credentials'], `ignored: an ${reg.type} file has no credentials (they are for a url download)`, 'warning');
  if (raw.tls !== undefined)
    add(['tls'], 'ignored: an archive download trusts the system CAs and NODE_EXTRA_CA_CERTS', 'warning');
}

/** Said of a `url` on an oci-layout registry, by the schema check and the semantic one alike. */
export const OCI_LAYOUT_URL = 'an oci-layout registry is a local directory: use path, not url';

const SECRETISH = /pass(word)?|secret|token|api[_-]?key|credential/i;

/** The host of a URL, or undefined when it is not one (reported at the url). */
function hostOf(url: string): { host: string; hostname: string } | undefined {
  try {
    return new URL(url);
  } catch {
    return undefined;
  }
}

/** Whether a registry's credentials give ferry a secret to send: a password, a token or a Docker config login. */
function sendsSecret(creds: Raw): boolean {
  return (
    creds.password !== undefined ||
    creds.token !== undefined ||
    creds.docker_config !== undefined ||
    (isObj(creds.username) && creds.username.docker_config !== undefined)
  );
}

function checkRegistry(reg: RegistryConfig, written: Raw, ctx: SemanticContext, out: SemanticIssue[]): void {
  const base: Segment[] = ['registries', reg.name];
  const add = (path: Segment[], message: string, severity: 'error' | 'warning' = 'error') =>
    out.push({ path: [...base, ...path], message, severity });
  // A registry with a schema error is checked without its broken fields. Such a field, or a
  // misspelt key standing for one (`ulr:`), is unknown rather than absent: "missing url" would
  // only repeat the schema error.
  const broken = (path: Segment[]) => ctx.fieldBroken?.(path) ?? false;
  const raw = soundFields(written, base, broken);
  const unknown = (key: string) =>
    broken([...base, key]) || (written[key] === undefined && misspelt(written, REGISTRY_KEYS, key));

  const archive = ARCHIVE_TYPES.has(reg.type);
  if (!archive && (raw.sha256 !== undefined || raw.repository !== undefined))
    add([raw.sha256 !== undefined ? 'sha256' : 'repository'], 'only for type oci-archive or docker-archive');
  if (archive) checkArchive(reg, raw, unknown, add);
  else if (reg.type === 'oci-layout') {
    // A url that is no URL (`./backup`) has the schema's error, worded as this one (load.ts).
    if (written.url !== undefined) {
      if (!broken([...base, 'url'])) add(['url'], OCI_LAYOUT_URL);
    } else if (raw.path === undefined && !unknown('path'))
      add([], 'missing required key "path" (the OCI image layout directory, like ./backup)');
    if (raw.credentials !== undefined)
      add(['credentials'], 'ignored: an oci-layout directory has no credentials', 'warning');
    if (raw.tls !== undefined) add(['tls'], 'ignored: an oci-layout directory has no TLS', 'warning');
  } else {
    if (raw.path !== undefined)
      add(['path'], `path is only for types oci-layout, oci-archive and docker-archive; type ${reg.type} needs url`);
    if (raw.url === undefined && reg.url === undefined && !unknown('url')) {
      add([], `missing required key "url": the registry's address, like https://registry.example.com`);
    }
  }

  if (typeof raw.url === 'string' && reg.type !== 'oci-layout' && !archive) {
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
      if (
        u.protocol === 'http:' &&
        addressClass(u.hostname.replace(/\.$/, '')) !== 'loopback' &&
        isObj(raw.credentials) &&
        sendsSecret(raw.credentials)
      )
        add(
          ['url'],
          `registry "${reg.name}" sends its credentials unencrypted: http://${u.host} is plain HTTP, so anyone on the network between ferry and the registry can read them; use https:// (docker, too, talks plain HTTP only to a registry listed in its insecure-registries)`,
          'warning',
        );
    }
  }

  // A dockerhub or ghcr registry away from its vendor's host: opening it fails without api_url, so
  // ferry never sends its credentials to the vendor's API. An api_url written with an error, or a
  // misspelt one, is not missing: its own error says what to fix.
  const options = written.options;
  const apiUrlWritten =
    isObj(options) &&
    (options.api_url !== undefined || misspelt(options, VENDOR_OPTION_KEYS[reg.type] ?? [], 'api_url'));
  const vendorApi = apiUrlWritten ? undefined : vendorApiProblem(reg);
  if (vendorApi) add(raw.url !== undefined ? ['url'] : [], vendorApi.slice(`registries.${reg.name}: `.length));

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

  // Two settings of which the run uses one (providers/credentials.ts, registry TLS): say which.
  if (isObj(creds)) {
    const given = (['username', 'password', 'token'] as const).filter((k) => creds[k] !== undefined);
    if (creds.docker_config !== undefined && given.length > 0) {
      // docker_config fills username and password; the run reads the Docker config unless both are given.
      const own = creds.username !== undefined && creds.password !== undefined;
      const fields = oneOfList(given).replace(/ or /, ' and ');
      const set =
        given.length === 1 ? `docker_config and ${fields} are both set` : `docker_config, ${fields} are all set`;
      const used = own
        ? 'the username and password are used and docker_config is ignored'
        : `the Docker config's login is used and ${fields} ${given.length === 1 ? 'is' : 'are'} ignored`;
      add(['credentials', 'docker_config'], `${set}: ${used}; keep one of them`, 'warning');
    }
    if (creds.token !== undefined && creds.password !== undefined) {
      add(
        ['credentials', 'password'],
        'token and password are both set: the token is used and the password is ignored; remove one',
        'warning',
      );
    }
  }
  if (isObj(raw.tls) && raw.tls.verify === false && raw.tls.ca !== undefined) {
    add(
      ['tls', 'ca'],
      "verify: false and ca are both set: the registry's own certificate is not checked, so the CA is used only for the other hosts it sends ferry to (its token service, blob storage); remove verify: false to check the registry against the CA too",
      'warning',
    );
  }

  if (
    typeof creds === 'object' &&
    isObj(creds) &&
    typeof creds.username === 'string' &&
    /^\$/.test(creds.username.trim())
  ) {
    add(['credentials', 'username'], literalSecretMessage(creds.username).replace('the secret', 'the value'));
  }

  const host = reg.url ? hostOf(reg.url)?.host : undefined;
  if (host && reg.repositories) {
    reg.repositories.forEach((repo, k) => {
      if (repo.split('/')[0] === host) {
        add(
          ['repositories', k],
          `repositories are paths without the registry host; write "${repo.split('/').slice(1).join('/')}"`,
        );
      }
    });
  }

  // Options as written, known or not: a literal secret in the file is a problem of its own.
  if (isObj(written.options)) {
    for (const [k, v] of Object.entries(written.options)) {
      if (SECRETISH.test(k) && typeof v === 'string') add(['options', k], literalSecretMessage(v));
    }
  }

  // Two names of one option (`owner` and `organization`): the run reads the first one set.
  if (isObj(options)) {
    for (const names of OPTION_ALIASES.get(reg.type) ?? []) {
      const set = names.filter((k) => typeof options[k] === 'string' && !broken([...base, 'options', k]));
      const used = set[0];
      for (const other of set.slice(1)) {
        const [a, b] = [JSON.stringify(options[used!]), JSON.stringify(options[other])];
        if (a === b)
          add(['options', other], `${used} and ${other} are two names for one option, both ${a}: keep one`, 'warning');
        else
          add(
            ['options', other],
            `${used} (${a}) and ${other} (${b}) are two names for one option, set to different values: ferry would use ${used}'s ${a} and ignore ${other}; keep one`,
          );
      }
    }
  }
}

function tagSelection(rule: Rule): string {
  const f = rule.filters;
  const tags = f.tag.length === 0 || f.tag.includes('*') || f.tag.includes('**') ? [] : [...f.tag].sort();
  const labels = Object.entries(f.labels).sort(([a], [b]) => a.localeCompare(b));
  return JSON.stringify([tags, labels, f.semver ?? null, f.latest ?? null, f.resource]);
}

export function checkSemantics(n: Normalized, ctx: SemanticContext): SemanticIssue[] {
  const out: SemanticIssue[] = [];
  // Registries with schema errors too: their sound fields, and the rules using them, are checked.
  const reg = new Map([...n.config.registries, ...n.brokenRegistries]);
  for (const r of reg.values()) checkRegistry(r, rawRegistry(n, r.name), ctx, out);

  // Only a `rules:` the file writes, empty: a misspelt `rule:` or a broken registry says nothing of it.
  if (ctx.has(['rules']) && !ctx.isBroken(['rules']) && n.rules.length === 0) {
    out.push({ path: ['rules'], message: 'no rules: nothing will be replicated', severity: 'warning' });
  }

  const firstByName = new Map<string, NormalizedRule>();
  const writers = new Map<string, { nr: NormalizedRule; repo: string }>();
  // Per destination registry and tag selection: earlier rules' pattern sets and mapped literals.
  const globWriters = new Map<
    string,
    { nr: NormalizedRule; key: string; source: (repo: string) => string | undefined }[]
  >();
  const literalWriters = new Map<string, { nr: NormalizedRule; repo: string }[]>();

  /**
   * The registry another rule writes, as that rule names it: two entries (other credentials) may
   * share one address, and the one this rule names is not the other rule's.
   */
  const registryOf = (other: NormalizedRule, dst: RegistryConfig) =>
    other.rule.destination === dst.name
      ? `registry "${dst.name}"`
      : `registry "${other.rule.destination}" (same address as "${dst.name}")`;

  /**
   * Rules with globs that can write the same destination repository as an earlier rule: the same
   * pattern set under the same mapping, or a literal of one that the other's patterns select once
   * mapped. Only mappings that can be undone are compared (no namespace, or flattening 0), so a
   * rule that only shares the registry is never reported.
   */
  const globOverlap = (
    nr: NormalizedRule,
    group: string,
    dst: RegistryConfig,
    ns: string | undefined,
    literals: Map<string, string> | undefined,
    add: (path: Segment[], message: string) => void,
    path: Segment[],
  ): boolean => {
    const { rule } = nr;
    const globs = globWriters.get(group) ?? [];
    const lits = literalWriters.get(group) ?? [];
    const say = (other: NormalizedRule, what: string) => {
      add(
        path,
        `rule "${other.rule.name}" (line ${other.rule.line}) can write ${what} on ${registryOf(other, dst)} too, with the same tag filters; the two rules would overwrite each other`,
      );
      return true;
    };
    if (literals) {
      for (const repo of literals.values()) {
        const other = globs.find((g) => g.nr !== nr && g.source(repo) !== undefined);
        if (other) return say(other.nr, `"${repo}" (its name filter selects it)`);
      }
      for (const repo of literals.values())
        (literalWriters.get(group) ?? literalWriters.set(group, []).get(group)!).push({ nr, repo });
      return false;
    }
    let select: (repo: string) => boolean;
    try {
      select = compileNameFilter(rule.filters.name);
    } catch {
      return false; // reported at the pattern
    }
    // The source repository a destination repository comes from, when the mapping can be undone.
    const prefix = ns ? `${ns}/` : '';
    const invertible = !mergesRepositories({ ...(ns ? { namespace: ns } : {}), flattening: rule.flattening });
    const source = (repo: string): string | undefined => {
      if (!invertible || !repo.startsWith(prefix)) return undefined;
      const name = repo.slice(prefix.length);
      return select(name) ? name : undefined;
    };
    // No name filter selects every repository (compileNameFilter([]) passes all), as "**" does:
    // the two are one pattern set here, or a rule without one would overwrite unnoticed.
    const names = rule.filters.name;
    const everything =
      names.length === 0 || (!names.some((p) => p.startsWith('!')) && names.some((p) => isMatchAllPattern(p, 'name')));
    const key = `${everything ? '**' : [...names].sort().join('\n')}|${ns ?? ''}|${ns ? rule.flattening : 0}`;
    const same = globs.find((g) => g.nr !== nr && g.key === key);
    if (same)
      return say(
        same.nr,
        names.length === 0
          ? 'every repository (this rule has no name filter, which selects them all, as "**" does)'
          : `every repository its name filter selects (the same patterns: ${names.join(', ')})`,
      );
    const hit = lits.find((l) => l.nr !== nr && source(l.repo) !== undefined);
    if (hit) return say(hit.nr, `"${hit.repo}" (this rule's name filter selects it too)`);
    (globWriters.get(group) ?? globWriters.set(group, []).get(group)!).push({ nr, key, source });
    return false;
  };

  for (const nr of n.rules) {
    const { rule, index, raw } = nr;
    const at = (key: string): Segment[] => {
      if (raw[key] !== undefined) return ['rules', index, key];
      if (n.defaults[key] !== undefined) return ['defaults', key];
      return ['rules', index];
    };
    const add = (path: Segment[], message: string, severity: 'error' | 'warning' = 'error') =>
      out.push({ path, message, severity });
    // A rule with schema errors is still checked, field by field: only the broken fields are skipped.
    const broken = (path: Segment[]) => ctx.fieldBroken?.(path) ?? false;
    // Whether the value a check reads is broken: the rule's own field or the default it takes. Not
    // `broken(at(key))`: for a field the rule leaves out, at() is the whole rule, broken by any error
    // in it, and a check that never reads that error's field would be skipped with it.
    // A misspelt key (`destination_namspace`, `filters: { tags: … }`) stands for the key its schema
    // error suggests: that value is unknown, not absent, so a check of the absent one would be a
    // follow-on of the typo ("set destination_namespace").
    const bad = (key: string) =>
      broken(['rules', index, key]) ||
      (raw[key] === undefined && misspelt(raw, RULE_KEYS, key)) ||
      // A broken default the rule takes: one it does not set itself, or filters (merged key by key).
      ((raw[key] === undefined || key === 'filters') && n.defaults[key] !== undefined && broken(['defaults', key]));
    const filterBad = (key: string) =>
      broken(['rules', index, 'filters', key]) ||
      (isObj(raw.filters) && raw.filters[key] === undefined && misspelt(raw.filters, FILTER_KEYS, key)) ||
      // A filter written beside `filters:` instead of under it (`tag: v*` on the rule).
      (!(isObj(raw.filters) && raw.filters[key] !== undefined) && misspelt(raw, RULE_KEYS, key, FILTER_KEYS)) ||
      (!(isObj(raw.filters) && raw.filters[key] !== undefined) &&
        isObj(n.defaults.filters) &&
        n.defaults.filters[key] !== undefined &&
        broken(['defaults', 'filters', key]));
    // Checks that read every filter (the tag selection two rules share, match-everything) need them
    // all intact (an unknown filter key is one the user meant to filter with); a check that reads
    // one filter needs only that one, so one broken filter does not hide another's error.
    const filtersOk = !bad('filters') && !FILTER_KEYS.some(filterBad);

    const first =
      typeof raw.name === 'string' && !broken(['rules', index, 'name']) ? firstByName.get(rule.name) : undefined;
    if (typeof raw.name !== 'string' || broken(['rules', index, 'name'])) {
      // nothing to compare
    } else if (first) {
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
      if (typeof raw[key] !== 'string' || broken(['rules', index, key])) continue; // a schema error says it
      // No registries could be read (a list, not a map): its error says so, and every name would be "unknown".
      if (n.registryNames.length === 0 && broken(['registries'])) continue;
      const hint = suggest(name, n.registryNames);
      add(
        ['rules', index, key],
        hint
          ? `unknown registry "${name}", did you mean "${hint}"?`
          : `unknown registry "${name}"; registries defined: ${namesList(n.registryNames)}`,
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
    // `[manual, manual]`, or one cron twice: harmless, but a sign of a copy-and-paste slip.
    const seenTriggers = new Set<string>();
    const repeated = new Set<Segment[]>();
    for (const [t, path] of trigItems) {
      const same =
        typeof t === 'string' ? t : isObj(t) && typeof t.schedule === 'string' ? normalizeCron(t.schedule) : undefined;
      if (same === undefined) continue;
      if (seenTriggers.has(same)) {
        repeated.add(path);
        add(
          path,
          `${typeof t === 'string' ? `"${t}"` : `schedule "${same}"`} is listed twice; once is enough`,
          'warning',
        );
      }
      seenTriggers.add(same);
    }
    for (const [t, path] of trigItems) {
      if (isObj(t) && typeof t.schedule === 'string' && !repeated.has(path)) {
        const p = cronProblem(t.schedule);
        const cron = normalizeCron(t.schedule);
        const unscheduled =
          ctx.workflowCrons !== undefined && p?.severity !== 'error' && rule.enabled && !ctx.workflowCrons.has(cron);
        // One warning at one line: "never runs" is the one to act on first; "runs less often than
        // this says" beside it would contradict it. An error (an invalid cron) is always said.
        if (p && !(unscheduled && p.severity === 'warning')) add([...path, 'schedule'], p.message, p.severity);
        if (unscheduled)
          add(
            [...path, 'schedule'],
            `schedule "${cron}" appears in no workflow's on.schedule, so ${path[0] === 'defaults' ? 'the rules taking it from defaults never run on their own' : 'the rule never runs on its own'}; add \`- cron: "${cron}"\` to a workflow`,
            'warning',
          );
      }
    }

    // Bandwidth: a rate, and one that can cap something (the schema bounds only the bare -1).
    const bw = effective(raw, n.defaults, 'bandwidth');
    if (typeof bw === 'string' && !broken(at('bandwidth'))) {
      const rate = parseBandwidth(bw);
      if (rate === undefined || rate < 1)
        add(
          at('bandwidth'),
          'expected a rate from 1B/s to 1TiB/s, like 50MiB/s, 10MB/s or 500KiB/s, or -1 for unlimited',
        );
      else if (rate > MAX_BANDWIDTH && Number.isFinite(rate))
        add(
          at('bandwidth'),
          'too high: expected a rate from 1B/s to 1TiB/s (far above any network link), like 50MiB/s, or -1 for unlimited',
        );
    }

    // Largest blob: the schema bounds a number of bytes; a size written with a unit is bounded here.
    const maxBlob = effective(raw, n.defaults, 'max_blob_size');
    if ((typeof maxBlob === 'string' || typeof maxBlob === 'number') && !broken(at('max_blob_size'))) {
      const size = parseSize(maxBlob);
      // Digits only beyond what a number holds exactly: parseSize refuses them, and they are too large.
      const digits =
        typeof maxBlob === 'number' ? maxBlob : /^\s*[0-9]+\s*$/.test(maxBlob) ? Number(maxBlob) : undefined;
      if ((size ?? digits ?? 0) > MAX_BLOB_SIZE_LIMIT)
        add(
          at('max_blob_size'),
          `too large: expected a size from 1 byte to 1TiB (${MAX_BLOB_SIZE_LIMIT} bytes), like 100GiB (the default is 16GiB)`,
        );
      else if (size === undefined || size < 1)
        add(
          at('max_blob_size'),
          `expected a size from 1 byte to 1TiB (${MAX_BLOB_SIZE_LIMIT} bytes), like 10GiB or 500MB, or a number of bytes`,
        );
    }

    // Semver range.
    if (!filterBad('semver') && rule.filters.semver !== undefined && semver.validRange(rule.filters.semver) === null) {
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
    const srcHost = src?.url ? hostOf(src.url) : undefined;
    if (srcHost && !filterBad('name')) {
      rule.filters.name.forEach((pattern, k) => {
        const firstPart = pattern.replace(/^!/, '').split('/')[0]!.toLowerCase();
        if (firstPart === srcHost.host || firstPart === srcHost.hostname) {
          add(
            nameItemPath(k),
            `name filters match repository paths without the registry host; write "${pattern.replace(/^!/, '').split('/').slice(1).join('/')}"`,
          );
        }
      });
    }

    // Each name and tag pattern: it compiles, it is not a list written as one pattern, and it can
    // mean what it says (not a regular expression read as a glob, not a name Harbor never has).
    for (const key of ['name', 'tag'] as const) {
      const own = isObj(raw.filters) && raw.filters[key] !== undefined;
      const base: Segment[] = own ? ['rules', index, 'filters', key] : ['defaults', 'filters', key];
      const rawF = own ? (raw.filters as Raw)[key] : isObj(n.defaults.filters) ? n.defaults.filters[key] : undefined;
      if (rawF === undefined || rawF === null) continue;
      const items = Array.isArray(rawF) ? (rawF as unknown[]) : [rawF];
      items.forEach((item, k) => {
        const itemPath = Array.isArray(rawF) ? [...base, k] : base;
        const pattern = patternOf(item);
        if (pattern === undefined || broken(itemPath)) return;
        const exclude = pattern.startsWith('!');
        const body = exclude ? pattern.slice(1) : pattern;
        const regexForm = isObj(item);
        try {
          // The regex form compiled as written, so an error quotes the user's own expression.
          compileGlob(regexForm ? `regex:${String(item.regex)}` : body);
          if (regexForm) compileGlob(body);
        } catch (err) {
          if (!(err instanceof GlobSyntaxError)) throw err;
          const detail = err.message.slice(err.message.indexOf(': ') + 2);
          if (regexForm || body.startsWith('regex:')) {
            const perl = /Perl syntax|backreference/.test(detail)
              ? '; RE2 has no lookahead, lookbehind or backreferences'
              : '';
            add(
              regexForm ? [...itemPath, 'regex'] : itemPath,
              `not a valid regular expression (RE2 syntax, as Go's regexp): ${detail.replace(/^bad regular expression: /, '')}${perl}`,
            );
          } else add(itemPath, `not a valid pattern: ${detail}`);
          return;
        }
        if (regexForm || body.startsWith('regex:')) return;

        // Harbor's form takes "prod-*, v*"; here that is one pattern that can never match.
        const outside = outsideBraces(pattern);
        if (/[,\s]/.test(outside)) {
          const parts = splitOutsideBraces(pattern);
          const names = key === 'tag' ? 'tags' : 'repository names';
          // `"latest "`: one pattern with a space at an end, not a list.
          add(
            itemPath,
            parts.length === 1
              ? `"${pattern}" has a space at its ${/^\s/.test(pattern) ? 'start' : 'end'}, and ${names} never contain spaces; write "${pattern.trim()}"`
              : `"${pattern}" is one pattern, and ${names} never contain ${/,/.test(outside) ? 'commas' : 'spaces'}; write a list: [${parts.join(', ')}]`,
          );
          return;
        }

        const looks = regexLook(body);
        if (looks) {
          const glob = globFor(body, key);
          add(
            itemPath,
            `"${pattern}" looks like a regular expression, but it is a glob here (${looks} are not regex syntax in a glob); write the regex form ${key}: { regex: ${yamlQuote(body)}${exclude ? ', exclude: true' : ''} }${glob ? ` or a glob like "${exclude ? '!' : ''}${glob}"` : ''}`,
            'warning',
          );
          return;
        }

        // A pattern that no valid name or tag can match is almost certainly a mistake, but it
        // breaks nothing: a warning.
        const why = key === 'name' ? impossibleName(body, exclude) : impossibleTag(body);
        if (why) {
          const shown = body.length > 60 ? `${body.slice(0, 57)}...` : body;
          add(
            itemPath,
            `"${exclude ? '!' : ''}${shown}" never ${exclude ? 'excludes anything' : 'matches'}: ${why}`,
            'warning',
          );
          return;
        }

        // Every Harbor repository is project/repo: a name pattern without "/" selects nothing there.
        if (key === 'name' && src?.type === 'harbor' && !body.includes('/') && !body.includes('**')) {
          add(
            itemPath,
            `"${pattern}" has no "/", but every Harbor repository is project/repo, so it ${exclude ? 'excludes' : 'selects'} nothing; write "${exclude ? '!' : ''}*/${body}" (that repository in any project) or "${exclude ? '!' : ''}${body}/**" (every repository of that project)`,
            'warning',
          );
        }

        // An exclusion of everything leaves the rule nothing, whatever else the list includes.
        if (exclude && !regexForm && isMatchAllPattern(body, key === 'tag' ? 'tag' : 'name'))
          add(
            itemPath,
            `"${pattern}" excludes every ${key === 'tag' ? 'tag' : 'repository'}, so the rule selects nothing; exclusions name what to leave out (like ${key === 'tag' ? '"!*-rc*"' : '"!internal/**"'}), and an empty list selects everything`,
            'warning',
          );
      });
    }

    const ns = rule.destinationNamespace;
    const nsOk = !bad('destination_namespace');
    // Mapping a name needs the name filter, the namespace and the flattening as written.
    const mapsOk = nsOk && !bad('flattening') && !filterBad('name');
    const literalNames =
      mapsOk && rule.filters.name.length > 0 && rule.filters.name.every(isLiteralName) ? rule.filters.name : [];

    // Docker Hub takes only namespace/name: a matter of the destination and its namespace alone.
    const twoLevels = dst?.type === 'dockerhub';

    // Flattening applies only with a destination namespace (as in Harbor). Not said where another
    // diagnostic already speaks of the two (a wrong flattening or namespace, Docker Hub's missing
    // namespace), nor of 0, which keeps the source path anyway.
    if (
      raw.flattening !== undefined &&
      raw.flattening !== 0 &&
      !ns &&
      !bad('flattening') &&
      !bad('destination_namespace') &&
      !twoLevels
    ) {
      add(
        ['rules', index, 'flattening'],
        'ignored without destination_namespace (as in Harbor): the copies keep the source path',
        'warning',
      );
    }
    let namespaceOk = true;
    if (dst && nsOk) {
      if (twoLevels) {
        if (!ns) {
          namespaceOk = false;
          add(
            at('destination'),
            `Docker Hub accepts only namespace/name repositories: set destination_namespace to your Docker Hub user or organisation (without it pushes fail with "denied: requested access to the resource is denied")`,
          );
        } else if (ns.includes('/')) {
          namespaceOk = false;
          add(
            at('destination_namespace'),
            'Docker Hub has a single namespace level: use your user or organisation name, without "/"',
          );
        }
      }
    }

    if (refsOk && src && dst && nsOk) {
      // The run's own mapping, so a name that validates is a name the run can map.
      const mapped = new Map<string, string>();
      if (namespaceOk) {
        literalNames.forEach((name, k) => {
          try {
            const options = { flattening: rule.flattening, requireTwoComponents: twoLevels };
            mapped.set(name, mapRepository(name, ns ? { ...options, namespace: ns } : options));
          } catch (err) {
            if (!(err instanceof MappingError)) throw err;
            // A Harbor name without "/" selects nothing, as its warning says: it is never mapped.
            if (src.type === 'harbor' && !name.includes('/')) return;
            add(nameItemPath(k), err.message);
          }
        });
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
          const onto = literalNames.find((name) => mapped.get(name) === name);
          if (onto) {
            add(
              at('destination_namespace'),
              `source and destination are ${same} and "${onto}" maps onto itself: the rule would replicate onto itself`,
            );
          }
        }
      }

      // Two rules writing the same destination repository with the same tag selection: compares
      // every filter and the mapping, so only a rule with all of them intact takes part.
      if (rule.enabled && !bad('enabled') && filtersOk && mapsOk) {
        const selection = tagSelection(rule);
        const group = `${registryIdentity(dst)}|${selection}`;
        let reported = false;
        for (const name of literalNames) {
          const repo = mapped.get(name);
          if (repo === undefined) continue;
          const key = `${group}|${repo}`;
          const other = writers.get(key);
          if (other && other.nr !== nr) {
            add(
              namePath(),
              `rule "${other.nr.rule.name}" (line ${other.nr.rule.line}) already writes "${repo}" on ${registryOf(other.nr, dst)} with the same tag filters; the two rules would overwrite each other`,
            );
            reported = true;
            break;
          }
          writers.set(key, { nr, repo });
        }
        if (!reported) globOverlap(nr, group, dst, ns, literalNames.length > 0 ? mapped : undefined, add, namePath());
      }
    }

    // Deleting under filters that match everything.
    if (
      filtersOk &&
      !broken(at('delete_remote')) &&
      rule.deleteRemote.enabled &&
      !rule.deleteRemote.acknowledgeMatchAll &&
      filtersMatchEverything(rule.filters)
    ) {
      add(
        at('delete_remote'),
        `the filters match everything, so the rule would delete every destination tag the source lacks: until this is acknowledged, runs refuse all its deletions; narrow the filters, or confirm with delete_remote: { enabled: true, acknowledge_match_all: true } (then up to ${rule.deleteRemote.max} per run)`,
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
