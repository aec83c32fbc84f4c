/**
 * `ferry import regsync`: a regsync.yml (regclient, docs/regsync.md) as rules. One rule per `sync`
 * entry: `type: image` copies one tag, `repository` every tag `tags.allow`/`tags.deny` let through
 * (regexes regsync compiles as `"^" + pattern + "$"`, written as ferry's `regex:^pattern$`), `registry`
 * every repository. `creds` become credential references (`{{env "X"}}` and `{{file "p"}}` templates map
 * to `{ env }` / `{ file }`; a literal password is never copied). `schedule` and `interval` become
 * schedule triggers where a cron can say the same.
 */
import semver from 'semver';
import type { Reference } from '../oci/ref.js';
import { parseReference } from '../oci/ref.js';
import { Builder, mappingFields, targetMapping, templateRef } from './builder.js';
import {
  envCredentials,
  type FieldComment,
  type ImportResult,
  literalGlob,
  type RuleOut,
  type SecretRefOut,
  type TriggerOut,
} from './model.js';
import { goDurationSeconds, intervalCron, semverLeniency } from './shared.js';
import { harborCron } from './harbor.js';
import { InputFile, isObj } from './source.js';

type Path = (string | number)[];
/** What one of regsync's tag sets selects, in ferry's terms; `semverAt` is where its range was. */
interface TagSet {
  tag: string[];
  semver?: string;
  semverAt?: Path;
}

/**
 * regsync's allow/deny expression as regsync compiles it: `regexp.Compile("^" + pattern + "$")`,
 * with no group around the pattern, so `v1|v2` is `^v1|v2$` and also matches `v1.5` and `dev-v2`.
 * ferry searches a `regex:` pattern anywhere in the subject (Go's MatchString), as regsync does
 * with the compiled expression, so the same text selects the same names and tags.
 */
export const regsyncRegex = (pattern: string): string => `regex:^${pattern}$`;

/**
 * A regsync semverRange constraint in node-semver's syntax, or undefined where it has no such
 * reading. regsync's parser (regclient internal/semver) ANDs whitespace-separated comparators and
 * pads a short version with zeros (`=1.2` is exactly 1.2.0, `~1` is >=1.0.0 <1.1.0), while
 * node-semver reads a short version as a range of its own (`1.2` is 1.2.x, `~1` is 1.x.x): so
 * every version is written out in full.
 */
export function regclientRange(constraint: string): string | undefined {
  const out: string[] = [];
  for (const field of constraint.trim().split(/\s+/)) {
    const m = /^(\^|~|>=|<=|>|<|=)?v?(\d+(?:\.\d+)*)(-[^+]*)?(\+.*)?$/.exec(field);
    if (!m) return undefined;
    const parts = m[2]!.split('.');
    if (parts.length > 3) return undefined;
    while (parts.length < 3) parts.push('0');
    out.push(`${m[1] ?? ''}${parts.join('.')}${m[3] ?? ''}`);
  }
  return out.join(' ');
}

/** Every key regsync reads in a sync entry (cmd/regsync/config.go, ConfigSync). */
const SYNC_KEYS = [
  'source',
  'target',
  'type',
  'tags',
  'tagSets',
  'repos',
  'digestTags',
  'referrers',
  'referrerFilters',
  'referrerSource',
  'referrerTarget',
  'referrerSlow',
  'platform',
  'platforms',
  'fastCheck',
  'forceRecursive',
  'includeExternal',
  'backup',
  'interval',
  'schedule',
  'ratelimit',
  'mediaTypes',
  'hooks',
];
/** Entry settings (or their defaults) ferry has no equivalent for. */
const NOT_CARRIED = [
  'backup',
  'ratelimit',
  'referrerFilters',
  'referrerSource',
  'referrerTarget',
  'referrerSlow',
  'digestTags',
  'fastCheck',
  'forceRecursive',
  'includeExternal',
  'mediaTypes',
  'hooks',
];
/** Per-registry settings ferry has no equivalent for. */
const CRED_UNSUPPORTED = [
  'pathPrefix',
  'mirrors',
  'priority',
  'repoAuth',
  'blobChunk',
  'blobMax',
  'reqPerSec',
  'reqConcurrent',
  'credExpire',
];

export function importRegsync(file: string, text: string): ImportResult {
  const input = new InputFile(file, text);
  const doc = input.data;
  if (!isObj(doc)) throw input.error([], 'expected a map with version, creds, defaults and sync');
  if (doc.version !== undefined && doc.version !== 1)
    throw input.error(
      ['version'],
      `unsupported version ${JSON.stringify(doc.version)} (regsync's format is version 1)`,
    );
  if (!Array.isArray(doc.sync)) throw input.error(['sync'], 'expected a list of sync entries');
  const b = new Builder();
  const warn = (path: Path, message: string) => b.warnings.push(input.warning(path, message));

  // Registries with settings, before the rules use them.
  const creds = Array.isArray(doc.creds) ? doc.creds : [];
  const tlsOf = new Map<string, string>();
  creds.forEach((c, i) => {
    const at: Path = ['creds', i];
    if (!isObj(c) || typeof c.registry !== 'string') throw input.error(at, 'expected a map with registry');
    const host = typeof c.hostname === 'string' ? c.hostname : c.registry;
    const tls = typeof c.tls === 'string' ? c.tls : 'enabled';
    tlsOf.set(c.registry.toLowerCase(), tls);
    const reg = b.registry(c.registry, { insecure: tls === 'disabled' });
    if (host !== c.registry && reg.value.url)
      reg.value.url = `${tls === 'disabled' ? 'http' : 'https'}://${host.toLowerCase()}`;
    if (tls === 'insecure') {
      reg.value.tls = { verify: false };
      reg.comments.push({ path: ['tls'], text: 'regsync: tls: insecure' });
    }
    const user = templateRef(c.user);
    const pass = templateRef(c.pass);
    if (typeof c.credHelper === 'string') {
      b.credentials(
        reg,
        { docker_config: true },
        `regsync used ${c.credHelper}: ferry reads the Docker config, whose credHelpers entry runs it`,
      );
    } else if (c.user !== undefined || c.pass !== undefined) {
      const env = envCredentials(reg.name);
      const out = {
        username: (user ?? env.username) as SecretRefOut,
        password: (pass ?? env.password) as SecretRefOut,
      };
      const literal = (c.pass !== undefined && !pass) || (c.user !== undefined && !user);
      b.credentials(reg, out, literal ? 'regsync held a value in the file: set these variables instead' : undefined);
      if (c.pass !== undefined && !pass)
        warn([...at, 'pass'], `a password in the file is not copied: set ${(env.password as { env: string }).env}`);
    }
    if (c.regcert !== undefined) {
      const text = 'regsync held a CA certificate in the file: save it as a PEM file and set tls: { ca: <file> }';
      reg.comments.push({ path: [], text });
      warn([...at, 'regcert'], text);
    }
    for (const k of CRED_UNSUPPORTED)
      if (c[k] !== undefined) warn([...at, k], `ferry has no equivalent of regsync's ${k}: not carried over`);
  });

  const defaults = isObj(doc.defaults) ? doc.defaults : {};
  doc.sync.forEach((s, i) => {
    const at: Path = ['sync', i];
    if (!isObj(s)) throw input.error(at, 'expected a map with source, target and type');
    for (const k of ['source', 'target', 'type'] as const)
      if (typeof s[k] !== 'string' || s[k] === '')
        throw input.error(
          [...at, k],
          `expected a ${k === 'type' ? 'type (registry, repository or image)' : 'reference'}`,
        );
    const get = (k: string): [unknown, Path] =>
      s[k] !== undefined ? [s[k], [...at, k]] : [defaults[k], ['defaults', k]];
    const comments: FieldComment[] = [];
    const note = (path: string[], text: string, inputPath?: Path) => {
      comments.push({ path, text });
      if (inputPath) warn(inputPath, text);
    };
    const type = s.type as string;
    const rule: Omit<RuleOut, 'name'> = { source: '', destination: '' };
    let base: string;
    const ref = (k: 'source' | 'target'): Reference => {
      try {
        return parseReference(s[k] as string);
      } catch (e) {
        throw input.error([...at, k], (e as Error).message);
      }
    };
    /** A list of strings at `p` (regexes or constraints), or an error naming it. */
    const strings = (v: unknown, p: Path, what: string): string[] => {
      if (v === undefined || v === null) return [];
      if (!Array.isArray(v)) throw input.error(p, `expected a list of ${what}`);
      return v.map((x, k) => {
        const text = input.text([...p, k]);
        if (text === undefined) throw input.error([...p, k], `expected a list of ${what}`);
        return text;
      });
    };
    /** Keys of an allow/deny map regsync does not read: said, not dropped. */
    const unknownKeys = (v: Record<string, unknown>, p: Path, known: string[]) => {
      for (const k of Object.keys(v))
        if (!known.includes(k)) note([], `regsync has no setting "${k}" here: not carried over`, [...p, k]);
    };
    /**
     * One of regsync's tag sets (`tags`, or an item of `tagSets`) as the tag patterns and semver
     * range that select what regsync's filterTagList selects: the range, then allow, then deny.
     */
    const tagSet = (v: unknown, p: Path): TagSet => {
      if (!isObj(v)) throw input.error(p, 'expected a map with allow, deny and/or semverRange lists');
      unknownKeys(v, p, ['allow', 'deny', 'semverRange']);
      const tag = [
        ...strings(v.allow, [...p, 'allow'], 'regexes').map(regsyncRegex),
        ...strings(v.deny, [...p, 'deny'], 'regexes').map((r) => `!${regsyncRegex(r)}`),
      ];
      // regsync skips an empty constraint and ORs the others.
      const constraints = strings(v.semverRange, [...p, 'semverRange'], 'semver ranges').filter((c) => c.trim());
      if (constraints.length === 0) return { tag };
      const ranges = constraints.map((c, k) => {
        const r = regclientRange(c);
        if (r === undefined || semver.validRange(r) === null)
          throw input.error([...p, 'semverRange', k], `the constraint "${c}" is not one ferry's semver filter reads`);
        return r;
      });
      return { tag, semver: ranges.join(' || '), semverAt: [...p, 'semverRange'] };
    };
    /** The tag filters of the rules for this entry: one per set when the sets cannot be merged. */
    let variants: Partial<TagSet>[] = [{}];
    if (type === 'registry') {
      const src = (s.source as string).toLowerCase();
      const dst = (s.target as string).toLowerCase();
      if (src.includes('/') || dst.includes('/'))
        throw input.error([...at, 'source'], 'type registry takes registry names (host:port), without a path');
      rule.source = b.registry(src, { insecure: tlsOf.get(src) === 'disabled' }).name;
      rule.destination = b.registry(dst, { insecure: tlsOf.get(dst) === 'disabled' }).name;
      base = `${rule.source}-to-${rule.destination}`;
      // regsync filters the catalog by repos.allow/deny (filterRepoList) before it copies each repository.
      if (s.repos !== undefined) {
        if (!isObj(s.repos)) throw input.error([...at, 'repos'], 'expected a map with allow and/or deny lists');
        unknownKeys(s.repos, [...at, 'repos'], ['allow', 'deny']);
        const name = [
          ...strings(s.repos.allow, [...at, 'repos', 'allow'], 'regexes').map(regsyncRegex),
          ...strings(s.repos.deny, [...at, 'repos', 'deny'], 'regexes').map((r) => `!${regsyncRegex(r)}`),
        ];
        if (name.length) rule.filters = { name };
      }
    } else if (type === 'repository' || type === 'image') {
      const src = ref('source');
      const dst = ref('target');
      rule.source = b.registry(src.registry, { insecure: tlsOf.get(src.registry) === 'disabled' }).name;
      rule.destination = b.registry(dst.registry, { insecure: tlsOf.get(dst.registry) === 'disabled' }).name;
      base = src.repository.split('/').pop()!;
      const m = targetMapping(src.repository, dst.repository);
      if ('problem' in m) {
        warn([...at, 'target'], `${m.problem}: left out`);
        return;
      }
      Object.assign(rule, mappingFields(m));
      rule.filters = { name: [src.repository] };
      if (type === 'image') {
        if (src.digest) {
          warn([...at, 'source'], 'a copy by digest: ferry selects tags; left out');
          return;
        }
        const tag = src.tag ?? 'latest';
        if ((dst.tag ?? tag) !== tag) {
          warn([...at, 'target'], `copies tag "${tag}" to tag "${dst.tag}"; ferry keeps tags: left out`);
          return;
        }
        rule.filters.tag = [literalGlob(tag)];
      }
    } else throw input.error([...at, 'type'], `unknown type "${type}": expected registry, repository or image`);
    // regsync applies tags and tagSets to every repository it copies, of a registry too
    // (processRegistry → processRepo); an image entry copies its one tag whatever they say.
    if (type !== 'image') {
      if (s.tagSets !== undefined && !Array.isArray(s.tagSets))
        throw input.error([...at, 'tagSets'], 'expected a list of maps with allow, deny and/or semverRange');
      const sets = ((s.tagSets as unknown[] | undefined) ?? []).map((v, k) => tagSet(v, [...at, 'tagSets', k]));
      if (s.tags !== undefined) {
        const t = tagSet(s.tags, [...at, 'tags']);
        // regsync adds `tags` to the sets only when it says something (processRepo).
        if (t.tag.length || t.semver) sets.push(t);
      }
      const all = (t: TagSet) => t.tag.length === 0 && !t.semver;
      const plain = (t: TagSet) => !t.semver && t.tag.every((p) => !p.startsWith('!'));
      if (sets.length === 0 || sets.some(all)) variants = [{}];
      else if (sets.length === 1) variants = [sets[0]!];
      else if (sets.every(plain)) variants = [{ tag: sets.flatMap((t) => t.tag) }];
      else {
        // regsync copies the tags any set selects; ferry's one rule ANDs its semver and its
        // exclusions with every pattern, so each set gets a rule of its own.
        variants = sets;
        note(['filters'], 'regsync copies the tags any of its tag sets selects: one rule per set');
      }
    }
    if (rule.filters) rule.filters.resource = 'all';
    else rule.filters = { resource: 'all' };
    // regsync copies whatever media types it reads, images or not (mediaTypes narrows that).

    const trigger: TriggerOut[] = [];
    const [schedule, schedulePath] = get('schedule');
    const [interval, intervalPath] = get('interval');
    if (typeof schedule === 'string') {
      const c = harborCron(schedule.trim().split(/\s+/).length === 5 ? `0 ${schedule}` : schedule, "regsync's");
      if (c.schedule) {
        trigger.push({ schedule: c.schedule });
        // Seconds dropped (GitHub schedules start on the minute): said, not silent.
        if (c.comment) note(['trigger'], c.comment, schedulePath);
      } else
        note(['trigger'], `regsync schedule "${schedule}": ${c.problem ?? 'not a cron'}; runs manually`, schedulePath);
    } else if (typeof interval === 'string') {
      const secs = goDurationSeconds(interval);
      const cron = secs === undefined ? undefined : intervalCron(secs);
      if (cron) {
        trigger.push({ schedule: cron });
        note(['trigger'], `regsync interval ${interval} (counted from its start; this runs at fixed times, UTC)`);
      } else note(['trigger'], `regsync interval "${interval}" has no cron equivalent: runs manually`, intervalPath);
    }
    rule.trigger = trigger.length ? trigger : ['manual'];
    // With platform, regsync copies that one platform's manifest and platforms has nothing left to narrow.
    if (typeof s.platform === 'string') rule.platforms = [s.platform];
    else if (s.platforms !== undefined) {
      const platforms = strings(s.platforms, [...at, 'platforms'], 'platforms');
      if (platforms.length) rule.platforms = platforms;
    }
    const [referrers] = get('referrers');
    // regsync copies referrers only when asked; ferry by default.
    rule.referrers = referrers === true;
    // parallel is a regsync default only: an entry cannot set it.
    const parallel = defaults.parallel;
    if (typeof parallel === 'number' && parallel >= 1 && parallel <= 64) {
      rule.concurrency = parallel;
      comments.push({
        path: ['concurrency'],
        text: "regsync's parallel is for all entries together; ferry's concurrency is per rule",
      });
    }
    for (const k of NOT_CARRIED) {
      const [v, p] = get(k);
      if (v !== undefined && v !== false) note([], `regsync ${k} has no ferry equivalent: not carried over`, p);
    }
    for (const k of Object.keys(s))
      if (!SYNC_KEYS.includes(k))
        note([], `regsync has no setting "${k}" for a sync entry: not carried over`, [...at, k]);
    for (const v of variants) {
      const filters = {
        ...rule.filters,
        ...(v.tag?.length ? { tag: v.tag } : {}),
        ...(v.semver ? { semver: v.semver } : {}),
      };
      const own: FieldComment[] = [];
      if (v.semverAt) {
        const text = semverLeniency('regsync', true);
        own.push({ path: ['filters', 'semver'], text });
        warn(v.semverAt, text);
      }
      b.rule(base, { ...rule, filters }, [...comments, ...own]);
    }
  });
  return b.result([`Imported from ${file} (regsync) by \`ferry import regsync\`.`]);
}
