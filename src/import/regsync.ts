/**
 * `ferry import regsync`: a regsync.yml (regclient, docs/regsync.md) as rules. One rule per `sync`
 * entry: `type: image` copies one tag, `repository` every tag `tags.allow`/`tags.deny` let through
 * (regexes regsync compiles as `"^" + pattern + "$"`, written as ferry's `regex:^pattern$`), `registry`
 * every repository. `creds` become credential references (`{{env "X"}}` and `{{file "p"}}` templates map
 * to `{ env }` / `{ file }`; a literal password is never copied). `schedule` and `interval` become
 * schedule triggers where a cron can say the same.
 */
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
import { goDurationSeconds, intervalCron } from './shared.js';
import { harborCron } from './harbor.js';
import { InputFile, isObj } from './source.js';

type Path = (string | number)[];

/**
 * regsync's allow/deny expression as regsync compiles it: `regexp.Compile("^" + pattern + "$")`,
 * with no group around the pattern, so `v1|v2` is `^v1|v2$` and also matches `v1.5` and `dev-v2`.
 * ferry searches a `regex:` pattern anywhere in the subject (Go's MatchString), as regsync does
 * with the compiled expression, so the same text selects the same names and tags.
 */
export const regsyncRegex = (pattern: string): string => `regex:^${pattern}$`;

/** Settings `defaults` gives every entry and an entry may override. */
const INHERITED = [
  'interval',
  'schedule',
  'parallel',
  'referrers',
  'referrerFilters',
  'backup',
  'ratelimit',
  'digestTags',
  'forceRecursive',
  'mediaTypes',
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
    if (type === 'registry') {
      const src = (s.source as string).toLowerCase();
      const dst = (s.target as string).toLowerCase();
      if (src.includes('/') || dst.includes('/'))
        throw input.error([...at, 'source'], 'type registry takes registry names (host:port), without a path');
      rule.source = b.registry(src, { insecure: tlsOf.get(src) === 'disabled' }).name;
      rule.destination = b.registry(dst, { insecure: tlsOf.get(dst) === 'disabled' }).name;
      base = `${rule.source}-to-${rule.destination}`;
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
      } else if (s.tags !== undefined) {
        if (!isObj(s.tags)) throw input.error([...at, 'tags'], 'expected a map with allow and/or deny lists');
        const list = (k: 'allow' | 'deny'): string[] => {
          const v = (s.tags as Record<string, unknown>)[k];
          if (v === undefined) return [];
          if (!Array.isArray(v) || v.some((x) => typeof x !== 'string'))
            throw input.error([...at, 'tags', k], 'expected a list of regexes');
          return v as string[];
        };
        const tags = [...list('allow').map(regsyncRegex), ...list('deny').map((r) => `!${regsyncRegex(r)}`)];
        if (tags.length) rule.filters.tag = tags;
      }
    } else throw input.error([...at, 'type'], `unknown type "${type}": expected registry, repository or image`);
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
    const [platform] = [s.platform];
    if (typeof platform === 'string') rule.platforms = [platform];
    const [referrers] = get('referrers');
    // regsync copies referrers only when asked; ferry by default.
    rule.referrers = referrers === true;
    const [parallel] = get('parallel');
    if (typeof parallel === 'number' && parallel >= 1 && parallel <= 64) {
      rule.concurrency = parallel;
      comments.push({
        path: ['concurrency'],
        text: "regsync's parallel is for all entries together; ferry's concurrency is per rule",
      });
    }
    for (const k of ['backup', 'ratelimit', 'referrerFilters', 'digestTags', 'forceRecursive', 'mediaTypes']) {
      const [v, p] = get(k);
      if (v !== undefined && v !== false) note([], `regsync ${k} has no ferry equivalent: not carried over`, p);
    }
    void INHERITED;
    b.rule(base, rule, comments);
  });
  return b.result([`Imported from ${file} (regsync) by \`ferry import regsync\`.`]);
}
