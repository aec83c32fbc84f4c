/**
 * `ferry import list`: a plain list of image references, one per line (`host/repo:tag`, `#`
 * comments and blank lines ignored), as seed 003's sync-registries.sh keeps them: every image goes
 * to `--dest` under the same path (`docker tag $SOURCE/$IMAGE $DEST/$IMAGE`), or under
 * `--dest host/namespace` with the whole path kept below it. A reference without a tag means
 * `latest`, as `docker pull` reads it. One rule per repository, with its tags.
 */
import { parseReference } from '../oci/ref.js';
import { Builder } from './builder.js';
import { ImportError, type ImportResult, literalGlob } from './model.js';

export function importList(file: string, text: string, o: { dest: string }): ImportResult {
  const b = new Builder();
  const slash = o.dest.indexOf('/');
  const destHost = slash < 0 ? o.dest : o.dest.slice(0, slash);
  const ns = slash < 0 ? '' : o.dest.slice(slash + 1).replace(/\/+$/, '');
  if (!destHost) throw new ImportError('--dest', undefined, undefined, 'expected host[:port][/namespace]');
  const dst = b.registry(destHost);
  const repos = new Map<string, { host: string; repository: string; tags: string[]; line: number }>();
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.replace(/\s+#.*$/, '').trim();
    if (!line || line.startsWith('#')) return;
    let ref;
    try {
      ref = parseReference(line);
    } catch (e) {
      throw new ImportError(file, i + 1, undefined, (e as Error).message);
    }
    if (ref.digest && ref.tag === undefined) {
      b.warnings.push({
        where: `${file}:${i + 1}`,
        message: `${line}: a reference by digest; ferry selects tags: left out`,
      });
      return;
    }
    const key = `${ref.registry}/${ref.repository}`;
    const entry = repos.get(key) ?? { host: ref.registry, repository: ref.repository, tags: [], line: i + 1 };
    const tag = ref.tag ?? 'latest';
    if (!entry.tags.includes(tag)) entry.tags.push(tag);
    repos.set(key, entry);
  });
  if (repos.size === 0) throw new ImportError(file, undefined, undefined, 'no image references in the file');
  for (const r of repos.values()) {
    const src = b.registry(r.host);
    b.rule(
      r.repository.split('/').pop()!,
      {
        source: src.name,
        destination: dst.name,
        filters: { name: [r.repository], tag: r.tags.map(literalGlob), resource: 'all' },
        ...(ns ? { destination_namespace: ns, flattening: 0 } : {}),
        trigger: ['manual'],
      },
      [{ path: [], text: `${file}:${r.line}` }],
    );
  }
  return b.result([`Imported from ${file} (a list of images) by \`ferry import list\`.`]);
}
