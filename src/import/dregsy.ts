/**
 * `ferry import dregsy`: a dregsy config (xelalexv/dregsy README, doc/design-image-matching.md) as
 * rules, one per task mapping. `from` is a repository or `regex:<Go regex>` (the explicit regex
 * form in ferry, anchored as dregsy anchors it); `to` a repository or a namespace to put the
 * matched images under (a `regex:` rewrite of names is not expressible). `tags` are ORed: verbatim
 * tags and `regex:` filters (`!` inverts) become tag patterns, `semver:` ranges a semver filter in
 * a rule of its own (ferry ANDs semver with the tag patterns), `keep:` regexes exclusions.
 * `interval` (seconds) becomes a schedule where a cron says the same; without it a task ran once.
 */
import semver from 'semver';
import { normalizeRepository } from '../oci/ref.js';
import { Builder, mappingFields, targetMapping } from './builder.js';
import {
  anchoredRegex,
  type FieldComment,
  type ImportResult,
  invertedRegex,
  literalGlob,
  type RuleOut,
  type TriggerOut,
} from './model.js';
import { intervalCron } from './shared.js';
import { InputFile, isObj } from './source.js';

interface TagSet {
  tags: string[];
  semver: string[];
  keep: string[];
}

function tagSet(tags: string[]): TagSet {
  const out: TagSet = { tags: [], semver: [], keep: [] };
  for (const t of tags) {
    if (t.startsWith('semver:')) out.semver.push(t.slice('semver:'.length).trim());
    else if (t.startsWith('regex:') || t.startsWith('keep:')) {
      let r = t.slice(t.indexOf(':') + 1).trim();
      const inverted = r.startsWith('!');
      if (inverted) r = r.slice(1);
      const re = anchoredRegex(r);
      const matches = inverted ? invertedRegex(re) : re;
      if (t.startsWith('keep:')) out.keep.push(`!${invertedRegex(matches)}`);
      else out.tags.push(matches);
    } else out.tags.push(literalGlob(t));
  }
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
      const rule = (suffix: string, tags: string[], range?: string) => {
        if (range !== undefined && semver.validRange(range) === null) {
          b.warnings.push(
            input.warning([...mp, 'tags'], `the semver range "${range}" is not one ferry reads: left out`),
          );
          return;
        }
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
              resource: 'all',
            },
          },
          [
            ...comments,
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
      const keep = set.keep;
      if (set.semver.length && set.tags.length) {
        // dregsy ORs semver with the other filters; ferry ANDs them: one rule each.
        rule('', [...set.tags, ...keep]);
        rule('-semver', keep, set.semver.join(' || '));
      } else if (set.semver.length) rule('', keep, set.semver.join(' || '));
      else rule('', [...set.tags, ...keep]);
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
