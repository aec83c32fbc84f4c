/**
 * `ferry import skopeo`: the YAML file of `skopeo sync --src yaml` (skopeo docs/skopeo-sync.1.md)
 * as rules. The file names only sources; the destination is `skopeo sync`'s own argument, given
 * here as `--dest`. Without `--scoped` skopeo puts every image directly under the destination
 * (its last path component): `destination_namespace` with flattening `all`. With `--scoped` it
 * keeps `host/path`: the host becomes part of the namespace, flattening 0.
 * Per registry: `images` (a repository with no tags = every tag), `images-by-tag-regex` (Go regex,
 * unanchored like ferry's `regex:`), `images-by-semver`, `credentials`, `tls-verify`, `cert-dir`.
 */
import semver from 'semver';
import { isRepository, isTag, normalizeRepository } from '../oci/ref.js';
import { Builder } from './builder.js';
import {
  type FieldComment,
  type FiltersOut,
  ImportError,
  type ImportResult,
  literalGlob,
  type RuleOut,
} from './model.js';
import { mastermindsRange, semverLeniency } from './shared.js';
import { InputFile, isObj } from './source.js';

export interface SkopeoOptions {
  /** `skopeo sync`'s destination, `host[:port][/path]`. */
  dest: string;
  scoped: boolean;
  /** `--all`: every platform of a multi-platform image. */
  all: boolean;
  destTlsVerify: boolean;
}

export function importSkopeo(file: string, text: string, o: SkopeoOptions): ImportResult {
  const input = new InputFile(file, text);
  const doc = input.data;
  if (!isObj(doc)) throw input.error([], 'expected a map of registry hosts');
  const b = new Builder();
  const slash = o.dest.indexOf('/');
  const destHost = slash < 0 ? o.dest : o.dest.slice(0, slash);
  const destPath = slash < 0 ? '' : o.dest.slice(slash + 1).replace(/\/+$/, '');
  if (!destHost) throw new ImportError('--dest', undefined, undefined, 'expected host[:port][/path]');
  const dst = b.registry(destHost, { insecure: !o.destTlsVerify });
  dst.comments.push({
    path: [],
    text: 'skopeo sync --dest; without credentials ferry reads the Docker config, as skopeo reads auth.json',
  });

  for (const [host, settings] of Object.entries(doc)) {
    const at = [host];
    if (!isObj(settings))
      throw input.error(
        at,
        'expected a map with images, images-by-tag-regex, images-by-semver, credentials, tls-verify',
      );
    const src = b.registry(host, {});
    if (settings['tls-verify'] === false) src.value.tls = { verify: false };
    if (isObj(settings.credentials)) {
      b.credentials(src, undefined, 'skopeo held these in the file: set the variables instead');
      b.warnings.push(
        input.warning(
          [host, 'credentials'],
          'credentials in the file are not copied: set the environment variables the rules file names',
        ),
      );
    }
    if (settings['cert-dir'] !== undefined) {
      const t = `skopeo cert-dir ${String(settings['cert-dir'])}: set tls: { ca: <its ca.crt> }`;
      src.comments.push({ path: [], text: t });
      b.warnings.push(input.warning([host, 'cert-dir'], t));
    }
    for (const k of Object.keys(settings))
      if (!['images', 'images-by-tag-regex', 'images-by-semver', 'credentials', 'tls-verify', 'cert-dir'].includes(k))
        throw new ImportError(
          input.file,
          input.keyLine([host, k]),
          InputFile.field([host, k]),
          `unknown key; skopeo sync reads images, images-by-tag-regex, images-by-semver, credentials, tls-verify, cert-dir`,
        );

    const mapping = (
      repo: string,
      path: (string | number)[],
    ): Pick<RuleOut, 'destination_namespace' | 'flattening'> | undefined => {
      if (o.scoped) {
        const ns = [destPath, host.toLowerCase()].filter(Boolean).join('/');
        if (/:/.test(host)) {
          b.warnings.push(
            input.warning(path, `--scoped puts images under "${host}", and a namespace cannot hold ":": left out`),
          );
          return undefined;
        }
        return { destination_namespace: ns, flattening: 0 };
      }
      if (destPath) return { destination_namespace: destPath, flattening: 'all' };
      if (repo.includes('/')) {
        b.warnings.push(
          input.warning(
            path,
            `skopeo puts "${repo}" at "${repo.split('/').pop()}" directly under the destination; ferry needs a namespace for that (give --dest host/namespace): left out`,
          ),
        );
        return undefined;
      }
      return {};
    };
    const add = (
      kind: string,
      named: string,
      filters: FiltersOut,
      path: (string | number)[],
      comments: FieldComment[] = [],
    ) => {
      // skopeo reads `host/repo` with ParseNormalizedNamed: Docker Hub's `busybox` is `library/busybox`.
      const repo = normalizeRepository(host, named);
      if (!isRepository(repo)) throw input.error(path, `invalid repository name ${JSON.stringify(named)}`);
      const m = mapping(repo, path);
      if (!m) return;
      const rule: Omit<RuleOut, 'name'> = {
        source: src.name,
        destination: dst.name,
        filters: { name: [repo], ...filters, resource: 'all' },
        ...m,
        trigger: ['manual'],
      };
      if (!o.all) {
        comments.push({
          path: ['platforms'],
          text: "skopeo sync without --all copies one platform (the machine's); ferry copies every platform unless platforms: says which",
        });
      }
      b.rule(`${repo.split('/').pop()}${kind}`, rule, comments);
    };
    const images = settings.images;
    if (images !== undefined) {
      if (!isObj(images)) throw input.error([host, 'images'], 'expected a map of repository: [tags]');
      for (const [repo, tags] of Object.entries(images)) {
        const p = [host, 'images', repo];
        if (tags !== null && !Array.isArray(tags)) throw input.error(p, 'expected a list of tags or digests');
        // By their text, as Go reads them into strings: an unquoted 1.10 is the tag "1.10", not 1.1.
        const list = (tags ?? []).map((t, k) => input.text([...p, k]) ?? String(t));
        const digests = list.filter((t) => t.includes(':'));
        if (digests.length)
          b.warnings.push(input.warning(p, `${digests.length} digest(s) left out: ferry selects tags`));
        for (const t of list)
          if (!t.includes(':') && !isTag(t)) throw input.error(p, `invalid tag ${JSON.stringify(t)}`);
        const named = list.filter((t) => !t.includes(':'));
        if (list.length > 0 && named.length === 0) continue;
        add('', repo, named.length ? { tag: named.map(literalGlob) } : {}, p);
      }
    }
    const byRegex = settings['images-by-tag-regex'];
    if (byRegex !== undefined) {
      if (!isObj(byRegex)) throw input.error([host, 'images-by-tag-regex'], 'expected a map of repository: regex');
      for (const [repo, re] of Object.entries(byRegex)) {
        const p = [host, 'images-by-tag-regex', repo];
        if (typeof re !== 'string') throw input.error(p, 'expected a regex');
        try {
          new RegExp(re, 'u');
        } catch (e) {
          throw input.error(p, `not a regex: ${(e as Error).message}`);
        }
        // skopeo tests the regex unanchored (Go's MatchString), as ferry's regex: form does.
        add('-regex', repo, { tag: [`regex:${re}`] }, p);
      }
    }
    const bySemver = settings['images-by-semver'];
    if (bySemver !== undefined) {
      if (!isObj(bySemver)) throw input.error([host, 'images-by-semver'], 'expected a map of repository: constraint');
      for (const [repo, c] of Object.entries(bySemver)) {
        const p = [host, 'images-by-semver', repo];
        if (typeof c !== 'string') throw input.error(p, 'expected a semver constraint');
        const range = mastermindsRange(c);
        if (semver.validRange(range) === null)
          throw input.error(p, `the constraint "${c}" is not one ferry's semver filter reads`);
        // skopeo's NewVersion reads 3.19 as 3.19.0; ferry's filter skips such tags: said.
        const text = semverLeniency('skopeo', false);
        b.warnings.push(input.warning(p, text));
        add('-semver', repo, { semver: range }, p, [{ path: ['filters', 'semver'], text }]);
      }
    }
  }
  if (!o.all)
    b.warnings.push({
      where: file,
      message:
        "skopeo sync without --all copies one platform of a multi-platform image (the machine's); ferry copies every platform (add platforms: to narrow)",
    });
  return b.result([
    `Imported from ${file} (skopeo sync --src yaml ... ${o.dest}${o.scoped ? ' --scoped' : ''}) by \`ferry import skopeo\`.`,
  ]);
}
