/**
 * `ferry import dregsy`: a dregsy config (xelalexv/dregsy README, doc/design-image-matching.md) as
 * rules, one per task mapping. `from` is a repository or `regex:<Go regex>` (the explicit regex
 * form in ferry, anchored as dregsy anchors it); `to` a repository or a namespace to put the
 * matched images under (a `regex:` rewrite of names is not expressible). `tags` are ORed: verbatim
 * tags and `regex:` filters become tag patterns, an inverted `regex: !…` a rule of its own that
 * excludes, `semver:` ranges a semver filter in a rule of its own (ferry ANDs semver with the tag
 * patterns). `keep: !…` becomes an exclusion and `keep: …` a rule's include where it has none
 * (verbatim tags, exempt from keep, get a rule of their own); `keep: latest N` is `latest: N`.
 * Digests are left out (ferry selects tags); the tag of `tag@sha256:…` is kept.
 * `interval` (seconds) becomes a schedule where a cron says the same; without it a task ran once.
 */
import semver from 'semver';
import { normalizeRepository } from '../oci/ref.js';
import { Builder, mappingFields, targetMapping } from './builder.js';
import {
  anchoredRegex,
  type FieldComment,
  type ImportResult,
  literalGlob,
  type RuleOut,
  type TriggerOut,
} from './model.js';
import { intervalCron, semverLeniency } from './shared.js';
import { InputFile, isObj } from './source.js';

/** One regex of a dregsy tag list, anchored as dregsy anchors it; `at` is its index in `tags`. */
interface Re {
  re: string;
  inverted: boolean;
  text: string;
  at: number;
}

/** A mapping's `tags` as dregsy's TagSet reads them (internal/pkg/tags/tagset.go). */
interface TagSet {
  /** Verbatim tags (without a digest), with their index. */
  verbatim: { tag: string; at: number }[];
  /** Verbatim entries that name a digest: `at` is the index, `tag` the tag part if any. */
  digests: { text: string; tag?: string; at: number }[];
  semver: { range: string; at: number }[];
  regex: Re[];
  keep: Re[];
  keepCount?: { n: number; at: number };
}

const DIGEST = /^(?:(.+)@)?(sha256:[0-9a-f]{64})$/;

function tagSet(tags: string[]): TagSet {
  const out: TagSet = { verbatim: [], digests: [], semver: [], regex: [], keep: [] };
  const regex = (t: string, prefix: string, at: number): Re => {
    let r = t.slice(prefix.length).trim();
    const inverted = r.startsWith('!');
    if (inverted) r = r.slice(1);
    return { re: anchoredRegex(r), inverted, text: t, at };
  };
  tags.forEach((raw, at) => {
    const t = raw.trim();
    const digest = DIGEST.exec(t);
    if (t.startsWith('semver:')) out.semver.push({ range: t.slice('semver:'.length).trim(), at });
    else if (t.startsWith('regex:')) out.regex.push(regex(t, 'regex:', at));
    // dregsy tests for `keep: latest N` before `keep:` (an unanchored match, as there).
    else if (/keep:\s+latest\s+\d+/.test(t)) out.keepCount = { n: Number(t.split(' ').pop()), at };
    else if (t.startsWith('keep:')) out.keep.push(regex(t, 'keep:', at));
    else if (digest) out.digests.push({ text: t, ...(digest[1] ? { tag: digest[1] } : {}), at });
    else out.verbatim.push({ tag: t, at });
  });
  return out;
}

export function importDregsy(file: string, text: string): ImportResult {
  const input = new InputFile(file, text);
  const doc = input.data;
  if (!isObj(doc) || !Array.isArray(doc.tasks)) throw input.error(['tasks'], 'expected a list of tasks');
  const b = new Builder();
  let onePlatform = false;
  doc.tasks.forEach((task, i) => {
    const at = ['tasks', i];
    if (!isObj(task)) throw input.error(at, 'expected a task with name, source, target and mappings');
    if (typeof task.name !== 'string' || !task.name) throw input.error([...at, 'name'], 'a task needs a name');
    const end = (k: 'source' | 'target') => {
      const v = task[k];
      if (!isObj(v) || typeof v.registry !== 'string')
        throw input.error([...at, k], 'expected { registry, auth, skip-tls-verify }');
      const reg = b.registry(v.registry);
      if (v['skip-tls-verify'] === true && reg.value.url) reg.value.tls = { verify: false };
      if (v['auth-refresh'] !== undefined)
        b.credentials(
          reg,
          { docker_config: true },
          'dregsy refreshed ECR credentials: the amazon-ecr-login action writes them to the Docker config',
        );
      else if (v.auth !== undefined && v.auth !== 'none') {
        b.credentials(reg, undefined, 'dregsy held base64 credentials in the file: set these variables instead');
        b.warnings.push(
          input.warning(
            [...at, k, 'auth'],
            'credentials in the file are not copied: set the environment variables the rules file names',
          ),
        );
      }
      return reg;
    };
    const src = end('source');
    const dst = end('target');
    const srcHost = (task.source as { registry: string }).registry;
    const dstHost = (task.target as { registry: string }).registry;
    if (isObj(task.source) && isObj(task.source.lister) && task.source.lister.type === 'index')
      b.warnings.push(
        input.warning(
          [...at, 'source', 'lister'],
          'the index lister searches Docker Hub; ferry lists the namespace (options.namespace) or the repositories given',
        ),
      );
    const trigger: TriggerOut[] = [];
    const comments: FieldComment[] = [];
    if (task.interval !== undefined) {
      const secs = Number(task.interval);
      const cron = Number.isFinite(secs) ? intervalCron(secs) : undefined;
      if (cron) {
        trigger.push({ schedule: cron });
        comments.push({
          path: ['trigger'],
          text: `dregsy interval ${secs}s (from its start; this runs at fixed times, UTC)`,
        });
      } else {
        const t = `dregsy interval ${String(task.interval)}s has no cron equivalent: runs manually`;
        comments.push({ path: ['trigger'], text: t });
        b.warnings.push(input.warning([...at, 'interval'], t));
      }
    }
    if (!Array.isArray(task.mappings)) throw input.error([...at, 'mappings'], 'expected a list of { from, to, tags }');
    task.mappings.forEach((m, k) => {
      const mp = [...at, 'mappings', k];
      if (!isObj(m) || typeof m.from !== 'string' || !m.from)
        throw input.error([...mp, 'from'], "a mapping needs 'from'");
      const to = typeof m.to === 'string' ? m.to : undefined;
      if (to?.startsWith('regex:')) {
        b.warnings.push(
          input.warning(
            [...mp, 'to'],
            'a regex rewrite of image names: ferry keeps names (only a namespace and flattening): left out',
          ),
        );
        return;
      }
      let name: string;
      let mapping: Partial<RuleOut> = {};
      if (m.from.startsWith('regex:')) {
        // Matched images keep their path under `to`, as dregsy's examples show (myproject/webui → ecr/myproject/webui).
        name = anchoredRegex(m.from.slice('regex:'.length).trim());
        if (to) mapping = { destination_namespace: to.replace(/^\/+|\/+$/g, ''), flattening: 0 };
      } else {
        // dregsy hands `registry/from` to skopeo or docker, which read Docker Hub's `busybox` as
        // `library/busybox`; `to` (or `from` again, without `to`) is read the same at the target.
        const from = normalizeRepository(srcHost, m.from.replace(/^\/+/, ''));
        const target = normalizeRepository(dstHost, (to ?? m.from).replace(/^\/+/, ''));
        name = from;
        const t = targetMapping(from, target);
        if ('problem' in t) {
          b.warnings.push(input.warning([...mp, to ? 'to' : 'from'], `${t.problem}: left out`));
          return;
        }
        mapping = mappingFields(t);
      }
      // By their text, as Go reads them into strings: an unquoted 1.10 is the tag "1.10", not 1.1.
      const set = tagSet(
        Array.isArray(m.tags) ? m.tags.map((t, j) => input.text([...mp, 'tags', j]) ?? String(t)) : [],
      );
      const platform = m.platform ?? task.platform;
      // Without platform dregsy copies only the platform of the machine it runs on (README,
      // "Platform Selection"); ferry copies them all: said on the rule, and once for the file.
      const hostPlatform = typeof platform !== 'string';
      if (hostPlatform) onePlatform = true;
      const base: Omit<RuleOut, 'name'> = {
        source: src.name,
        destination: dst.name,
        ...mapping,
        ...(task.skipExistingTags === true ? { override: false } : {}),
        trigger: trigger.length ? trigger : ['manual'],
        ...(typeof platform === 'string' && platform !== 'all' ? { platforms: [platform] } : {}),
      };
      const own: FieldComment[] = [];
      const rule = (suffix: string, tags: string[], range?: string, latest?: number, semverAt?: number[]) => {
        if (range !== undefined && semver.validRange(range) === null) {
          b.warnings.push(
            input.warning([...mp, 'tags'], `the semver range "${range}" is not one ferry reads: left out`),
          );
          return;
        }
        for (const at of semverAt ?? [])
          b.warnings.push(input.warning([...mp, 'tags', at], semverLeniency('dregsy', true)));
        b.rule(
          `${task.name as string}-${name
            .replace(/^regex:/, '')
            .split('/')
            .pop()}${suffix}`,
          {
            ...base,
            filters: {
              name: [name],
              ...(tags.length ? { tag: tags } : {}),
              ...(range ? { semver: range } : {}),
              ...(latest ? { latest } : {}),
              resource: 'all',
            },
          },
          [
            ...comments,
            ...own,
            ...(semverAt ? [{ path: ['filters', 'semver'], text: semverLeniency('dregsy', true) }] : []),
            ...(hostPlatform
              ? [
                  {
                    path: ['platforms'],
                    text: "dregsy without platform copies one platform (the machine's); ferry copies every platform unless platforms: says which",
                  },
                ]
              : []),
          ],
        );
      };
      const tp = [...mp, 'tags'];
      /** A warning at the tag's line, and the same as a comment on the rules' `path`. */
      const warnAt = (at: number, text: string, path: string[]) => {
        b.warnings.push(input.warning([...tp, at], text));
        own.push({ path, text });
      };
      // dregsy copies a digest and, given one, under the tag before `@`; ferry selects tags.
      for (const d of set.digests)
        warnAt(
          d.at,
          d.tag
            ? `"${d.text}": the digest is left out: ferry selects tags, not digests, so it copies what the tag ${d.tag} points to`
            : `"${d.text}" is left out: ferry selects tags, not digests`,
          ['filters', 'tag'],
        );
      const verbatim = [...set.verbatim.map((v) => v.tag), ...set.digests.flatMap((d) => (d.tag ? [d.tag] : []))];
      if (set.digests.length && !verbatim.length && !set.semver.length && !set.regex.length) return;
      // A tag passes dregsy's keep filters when it matches every one (an inverted one: does not
      // match). An inverted keep is an exclusion here; a plain one can only be a rule's include,
      // so it is carried over only into a part of the mapping with no include of its own.
      const exclusions = set.keep.filter((k) => k.inverted).map((k) => `!${k.re}`);
      const required = set.keep.filter((k) => !k.inverted);
      const dropped = new Set<Re>();
      const keepFor = (hasInclude: boolean): string[] => {
        const [first, ...rest] = required;
        const unused = hasInclude ? required : rest;
        for (const k of unused) dropped.add(k);
        return [...(!hasInclude && first ? [first.re] : []), ...exclusions];
      };
      const parts: { suffix: string; tags: string[]; range?: string; at?: number[] }[] = [];
      const plain = set.regex.filter((r) => !r.inverted);
      const inverted = set.regex.filter((r) => r.inverted);
      // Verbatim tags are exempt from keep in dregsy: with keep filters they get a rule of their own.
      const ownVerbatim = set.keep.length > 0 && verbatim.length > 0;
      if (ownVerbatim) parts.push({ suffix: '', tags: verbatim.map(literalGlob) });
      const includes = [...(ownVerbatim ? [] : verbatim.map(literalGlob)), ...plain.map((r) => r.re)];
      if (includes.length) parts.push({ suffix: '', tags: [...includes, ...keepFor(plain.length > 0)] });
      // "every tag but those matching r" is an exclusion with no include: a rule of its own each.
      for (const r of inverted) parts.push({ suffix: '', tags: [`!${r.re}`, ...keepFor(false)] });
      if (set.semver.length) {
        // dregsy ORs semver with the other filters; ferry ANDs them: a rule of its own.
        const range = set.semver.map((x) => x.range).join(' || ');
        parts.push({ suffix: '-semver', tags: keepFor(false), range, at: set.semver.map((x) => x.at) });
      }
      if (!verbatim.length && !set.regex.length && !set.semver.length)
        // No tag filter: dregsy lists every tag, then applies keep.
        parts.push({ suffix: '', tags: keepFor(false) });
      for (const k of dropped)
        warnAt(
          k.at,
          `"${k.text}" is left out where other tag patterns select: ferry cannot require a tag to match two patterns, so those rules select more than dregsy`,
          ['filters', 'tag'],
        );
      const latest = set.keepCount && set.keepCount.n > 0 ? set.keepCount.n : undefined;
      // dregsy reduces the whole set to the newest N versions plus every tag that is not a
      // version; ferry's latest keeps N tags of each rule. The same only for a lone semver rule.
      if (latest && !(parts.length === 1 && parts[0]!.range))
        warnAt(
          set.keepCount!.at,
          `dregsy keeps the newest ${latest} versions and every tag that is not a version (with no versions, the last ${latest} by name)${parts.length > 1 ? ' of all the tags the mapping selects' : ''}; ferry's latest keeps ${latest} tags in all${parts.length > 1 ? ', for each rule on its own' : ''}`,
          ['filters', 'latest'],
        );
      parts.forEach((part) => {
        rule(part.suffix, part.tags, part.range, latest, part.at);
      });
    });
  });
  if (onePlatform)
    b.warnings.push({
      where: file,
      message:
        "dregsy without platform copies one platform of a multi-platform image (the machine's); ferry copies every platform (add platforms: to narrow)",
    });
  return b.result([`Imported from ${file} (dregsy) by \`ferry import dregsy\`.`]);
}
