/**
 * `ferry import image-syncer`: image-syncer's rules (AliyunContainerService/image-syncer README and
 * example/): an images file (`source: destination`, YAML or JSON) with an auth file, or one config
 * file with `auth` and `images`. A source is `registry/namespace/repository[:tag1,tag2]` (no tag:
 * every tag); a destination is a repository (the tags stay), an empty string (the default
 * registry and namespace, `--registry`/`--namespace`), or a list of destinations. Auth entries are
 * keyed by registry (or registry/namespace); `${VAR}`/`$VAR` values are environment references,
 * `insecure: true` means plain HTTP.
 */
import { parseReference, type Reference } from '../oci/ref.js';
import { Builder, dollarRef, mappingFields, targetMapping } from './builder.js';
import { envCredentials, ImportError, type ImportResult, literalGlob, type SecretRefOut } from './model.js';
import { InputFile, isObj } from './source.js';

export interface ImageSyncerOptions {
  auth?: { file: string; text: string };
  registry?: string;
  namespace?: string;
}

export function importImageSyncer(file: string, text: string, o: ImageSyncerOptions = {}): ImportResult {
  const input = new InputFile(file, text);
  const doc = input.data;
  if (!isObj(doc)) throw input.error([], 'expected a map of source: destination (or auth and images)');
  const combined = isObj(doc.images) && Object.keys(doc).every((k) => k === 'auth' || k === 'images');
  const images = (combined ? doc.images : doc) as Record<string, unknown>;
  const imagesPath = combined ? ['images'] : [];
  let authInput: InputFile | undefined;
  let auth: Record<string, unknown> = {};
  let authPath: string[] = [];
  if (combined && doc.auth !== undefined) {
    if (!isObj(doc.auth)) throw input.error(['auth'], 'expected a map of registry: { username, password, insecure }');
    auth = doc.auth;
    authInput = input;
    authPath = ['auth'];
  } else if (o.auth) {
    authInput = new InputFile(o.auth.file, o.auth.text);
    if (!isObj(authInput.data))
      throw authInput.error([], 'expected a map of registry: { username, password, insecure }');
    auth = authInput.data;
  }
  const b = new Builder();
  const insecureHosts = new Set<string>();
  for (const [key, v] of Object.entries(auth))
    if (isObj(v) && v.insecure === true) insecureHosts.add(key.split('/')[0]!.toLowerCase());
  for (const [key, v] of Object.entries(auth)) {
    const p = [...authPath, key];
    if (!isObj(v)) throw authInput!.error(p, 'expected { username, password, insecure }');
    const [host, ...ns] = key.split('/');
    const reg = b.registry(host!, { insecure: insecureHosts.has(host!.toLowerCase()) });
    if (ns.length)
      b.warnings.push(
        authInput!.warning(
          p,
          `credentials for the namespace ${ns.join('/')} only: ferry has one login per registry, ${reg.name}'s`,
        ),
      );
    if (v.username !== undefined || v.password !== undefined) {
      const env = envCredentials(reg.name);
      const user = dollarRef(v.username);
      const pass = dollarRef(v.password);
      reg.value.credentials = {
        username: (user ?? env.username) as SecretRefOut,
        password: (pass ?? env.password) as SecretRefOut,
      };
      if (v.password !== undefined && !pass) {
        reg.comments.push({
          path: ['credentials'],
          text: 'image-syncer held the password in the file: set the variable instead',
        });
        b.warnings.push(
          authInput!.warning(
            [...p, 'password'],
            `a password in the file is not copied: set ${(env.password as { env: string }).env}`,
          ),
        );
      }
    }
  }

  const parse = (s: string, p: (string | number)[]): Reference => {
    try {
      return parseReference(s);
    } catch (e) {
      throw input.error(p, (e as Error).message);
    }
  };
  for (const [source, value] of Object.entries(images)) {
    const p = [...imagesPath, source];
    // "repo:/regex/": the tags the regex finds anywhere in them (GenerateRepoURLs splits at the
    // first ":/" and tests regexp.MatchString, unanchored, as ferry's regex: form does).
    const regexAt = source.indexOf(':/');
    if (regexAt >= 0 && !source.endsWith('/'))
      throw input.error(p, 'a tag regex must start and end with "/" (repository:/regex/)');
    const tagRegex = regexAt >= 0 ? source.slice(regexAt + 2, -1) : undefined;
    const named = tagRegex !== undefined ? source.slice(0, regexAt) : source;
    // "repo:tag1,tag2": several tags after one colon.
    const colon = named.lastIndexOf(':');
    const slash = named.lastIndexOf('/');
    const tagPart = colon > slash ? named.slice(colon + 1) : undefined;
    const tags = tagPart?.split(',').map((t) => t.trim()) ?? [];
    const src = parse(tagPart !== undefined ? `${named.slice(0, colon)}${tags[0] ? `:${tags[0]}` : ''}` : named, p);
    if (src.digest) {
      b.warnings.push(input.warning(p, 'a copy by digest: ferry selects tags; left out'));
      continue;
    }
    const dests = Array.isArray(value) ? value : [value];
    dests.forEach((d, k) => {
      const dp = Array.isArray(value) ? [...p, k] : p;
      if (typeof d !== 'string') throw input.error(dp, 'expected a destination repository (a string)');
      let target = d;
      if (target === '') {
        const registry = o.registry ?? process.env.DEFAULT_REGISTRY;
        const namespace = o.namespace ?? process.env.DEFAULT_NAMESPACE;
        if (!registry || !namespace)
          throw new ImportError(
            input.file,
            input.line(dp),
            InputFile.field(dp),
            'an empty destination needs the default registry and namespace: give --registry and --namespace',
          );
        target = `${registry}/${namespace}/${src.repository.split('/').pop()}`;
      }
      const dst = parse(target, dp);
      if (dst.tag !== undefined && (tags.length !== 1 || dst.tag !== tags[0])) {
        b.warnings.push(input.warning(dp, `copies to the tag "${dst.tag}"; ferry keeps tags: left out`));
        return;
      }
      const m = targetMapping(src.repository, dst.repository);
      if ('problem' in m) {
        b.warnings.push(input.warning(dp, `${m.problem}: left out`));
        return;
      }
      const from = b.registry(src.registry, { insecure: insecureHosts.has(src.registry.toLowerCase()) });
      const to = b.registry(dst.registry, { insecure: insecureHosts.has(dst.registry.toLowerCase()) });
      b.rule(
        src.repository.split('/').pop()!,
        {
          source: from.name,
          destination: to.name,
          filters: {
            name: [src.repository],
            ...(tagRegex !== undefined
              ? { tag: [`regex:${tagRegex}`] }
              : tags.length
                ? { tag: tags.map(literalGlob) }
                : {}),
            resource: 'all',
          },
          ...mappingFields(m),
          trigger: ['manual'],
        },
        [],
      );
    });
  }
  return b.result([
    `Imported from ${file}${o.auth ? ` and ${o.auth.file}` : ''} (image-syncer) by \`ferry import image-syncer\`.`,
  ]);
}
