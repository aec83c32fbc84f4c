/**
 * What each imported rules file selects, compared with what the source tool itself would have
 * replicated: ports of the tools' own selection code (named at each port) run side by side with
 * ferry's filters on the imported rules. Where ferry cannot select the same, the import must say
 * so in a warning; these tests hold both halves.
 */
import { RE2JS } from 're2js';
import semver from 'semver';
import { describe, expect, it } from 'vitest';
import { type Config, parseConfig, type Rule } from '../../../src/config/index.js';
import type { ImportResult } from '../../../src/import/model.js';
import { importDregsy } from '../../../src/import/dregsy.js';
import { importImageSyncer } from '../../../src/import/image-syncer.js';
import { importRegsync } from '../../../src/import/regsync.js';
import { importSkopeo } from '../../../src/import/skopeo.js';
import { renderRulesFile } from '../../../src/import/yaml-writer.js';
import { compileNameFilter, compileTagScope } from '../../../src/rules/index.js';

/** The output as ferry reads it; fails the test on any validation error. */
function valid(r: ImportResult): Config {
  const { config, diagnostics } = parseConfig(renderRulesFile(r), 'replication.yaml');
  expect(diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  return config!;
}
/** The tags of `tags` that any of the rules selects (ferry copies the union of its rules). */
const selectedTags = (rules: Rule[], tags: string[]) =>
  tags.filter((t) => rules.some((r) => compileTagScope(r.filters)(t)));

/** Port of regsync's filterRegexAllow/filterRegexDeny (cmd/regsync/root.go): `"^" + pattern + "$"`, MatchString. */
const regsyncMatch = (pattern: string, s: string) => RE2JS.compile(`^${pattern}$`).matcher(s).find();
const regsyncAllowDeny = (allow: string[], deny: string[], s: string) =>
  (allow.length === 0 || allow.some((p) => regsyncMatch(p, s))) && !deny.some((p) => regsyncMatch(p, s));

const repoEntry = (tags: string) =>
  `sync:\n  - source: docker.io/library/alpine\n    target: my.reg/library/alpine\n    type: repository\n${tags}`;

describe('regsync: allow/deny regexes anchored as regsync compiles them', () => {
  const table: { allow: string[]; deny: string[] }[] = [
    { allow: ['v1|v2'], deny: [] },
    { allow: ['latest', '3\\.\\d+'], deny: ['3\\.0'] },
    { allow: ['.*'], deny: ['.*-rc.*|dev'] },
    { allow: ['(a|b)c'], deny: [] },
    { allow: ['^x.*'], deny: ['.*y$'] },
  ];
  const tags = ['v1', 'v2', 'v1.5.0', 'dev-v2', 'v3', 'latest', '3.18', '3.0', '3.0.1', 'ac', 'bc', 'xac', 'x1', 'xy'];
  tags.push('1.0-rc1', 'dev', 'devel', 'a-dev');
  for (const { allow, deny } of table)
    it(`allow ${JSON.stringify(allow)} deny ${JSON.stringify(deny)} selects the tags regsync selects`, () => {
      const list = (k: string, v: string[]) => (v.length ? `      ${k}: ${JSON.stringify(v)}\n` : '');
      const c = valid(importRegsync('r.yml', repoEntry(`    tags:\n${list('allow', allow)}${list('deny', deny)}`)));
      expect(selectedTags(c.rules, tags)).toEqual(tags.filter((t) => regsyncAllowDeny(allow, deny, t)));
    });

  it('selects v1.5.0 and dev-v2 for `v1|v2`, as regsync does', () => {
    const c = valid(importRegsync('r.yml', repoEntry('    tags:\n      allow: ["v1|v2"]\n')));
    expect(selectedTags(c.rules, ['v1.5.0', 'dev-v2', 'v3'])).toEqual(['v1.5.0', 'dev-v2']);
  });
});

/**
 * Port of regsync's filterTagList and of regclient's internal/semver for plain versions (no
 * prerelease): a set's semverRange (ORed, comparators ANDed, short versions padded with zeros),
 * then allow, then deny; processRepo copies the tags any set selects.
 */
interface RegsyncSet {
  allow?: string[];
  deny?: string[];
  semverRange?: string[];
}
const parts = (v: string) => {
  const p = v.replace(/^v/, '').split('.').map(Number);
  return p.some(Number.isNaN) ? undefined : p;
};
const cmp = (a: number[], b: number[]) => {
  for (let i = 0; i < Math.max(a.length, b.length); i++)
    if ((a[i] ?? 0) !== (b[i] ?? 0)) return (a[i] ?? 0) - (b[i] ?? 0);
  return 0;
};
const regclientCheck = (constraint: string, tag: string) => {
  const v = parts(tag);
  if (!v) return false;
  return constraint
    .trim()
    .split(/\s+/)
    .every((f) => {
      const m = /^(>=|<=|>|<|=)?(.*)$/.exec(f)!;
      const c = cmp(v, parts(m[2]!)!);
      return { '>=': c >= 0, '<=': c <= 0, '>': c > 0, '<': c < 0, '=': c === 0 }[m[1] ?? '=']!;
    });
};
const regsyncSet = (set: RegsyncSet, tag: string) =>
  (!set.semverRange?.length || set.semverRange.some((c) => regclientCheck(c, tag))) &&
  regsyncAllowDeny(set.allow ?? [], set.deny ?? [], tag);
const regsyncTags = (sets: RegsyncSet[], tags: string[]) =>
  sets.length === 0 ? tags : tags.filter((t) => sets.some((set) => regsyncSet(set, t)));

describe('regsync: every sync-entry field that selects is carried over, or said', () => {
  const repos = ['library/alpine', 'library/nginx', 'team/app', 'team/app-dev', 'other/alpine'];
  const tags = ['1.2.0', '1.2.3', '1.9.9', '2.0.0', '2.1.0', '3.0.0', 'latest', 'edge', '1.2.3-debug', 'v1.4.0'];

  it('a registry entry selects the repositories repos.allow/deny let through, and the tags of its tags', () => {
    const r = importRegsync(
      'r.yml',
      [
        'sync:',
        '  - source: reg.example.com',
        '    target: mirror.example.com',
        '    type: registry',
        '    repos:',
        '      allow: ["library/.*", "team/app.*"]',
        '      deny: [".*-dev"]',
        '    tags:',
        "      allow: ['1\\..*', latest]",
        '      deny: [".*-debug"]',
        '',
      ].join('\n'),
    );
    const [rule, ...rest] = valid(r).rules;
    expect(rest).toEqual([]);
    expect(repos.filter(compileNameFilter(rule!.filters.name))).toEqual(
      repos.filter((n) => regsyncAllowDeny(['library/.*', 'team/app.*'], ['.*-dev'], n)),
    );
    expect(selectedTags([rule!], tags)).toEqual(
      regsyncTags([{ allow: ['1\\..*', 'latest'], deny: ['.*-debug'] }], tags),
    );
  });

  const sets: [string, RegsyncSet[], string][] = [
    [
      'semverRange',
      [{ semverRange: ['>=1.2.0 <2.0.0', '>=3'] }],
      'tags:\n      semverRange: [">=1.2.0 <2.0.0", ">=3"]\n',
    ],
    [
      'semverRange with allow',
      [{ semverRange: ['<2'], allow: ['1\\.2\\..*'] }],
      'tags:\n      semverRange: ["<2"]\n      allow: ["1\\\\.2\\\\..*"]\n',
    ],
    [
      'tagSets and tags, ORed',
      [{ allow: ['latest'] }, { semverRange: ['>=2.0.0'], deny: ['2\\.1\\..*'] }, { allow: ['edge'] }],
      'tagSets:\n      - allow: [latest]\n      - semverRange: [">=2.0.0"]\n        deny: ["2\\\\.1\\\\..*"]\n    tags:\n      allow: [edge]\n',
    ],
    [
      'tagSets of allow lists only',
      [{ allow: ['latest'] }, { allow: ['1\\.2\\..*'] }],
      'tagSets:\n      - allow: [latest]\n      - allow: ["1\\\\.2\\\\..*"]\n',
    ],
    ['an empty tag set', [{ allow: ['latest'] }, {}], 'tagSets:\n      - allow: [latest]\n      - {}\n'],
  ];
  for (const [what, regsyncSets, yaml] of sets)
    it(`${what}: selects the tags regsync selects`, () => {
      const c = valid(importRegsync('r.yml', repoEntry(`    ${yaml}`)));
      expect(selectedTags(c.rules, tags)).toEqual(regsyncTags(regsyncSets, tags));
    });

  it('writes a short version in a range out in full, as regsync pads it', () => {
    const c = valid(importRegsync('r.yml', repoEntry('    tags:\n      semverRange: ["=1.2", ">1.9 <=2.0"]\n')));
    const list = ['1.2.0', '1.2.3', '1.9.9', '2.0.0', '2.0.1'];
    expect(selectedTags(c.rules, list)).toEqual(regsyncTags([{ semverRange: ['=1.2', '>1.9 <=2.0'] }], list));
  });

  it('says which tags regsync selects by semverRange that ferry does not', () => {
    const r = importRegsync('r.yml', repoEntry('    tags:\n      semverRange: [">=3"]\n'));
    expect(r.warnings).toContainEqual({
      where: 'r.yml:6',
      field: 'sync[0].tags.semverRange',
      message: expect.stringMatching(/^regsync also selects tags like 3\.19 .*prereleases like 2\.1\.4-buster/),
    });
    expect(renderRulesFile(r)).toMatch(/semver: ">=3.0.0" # regsync also selects tags like 3\.19/);
  });

  it('copies only the platforms `platforms` lists', () => {
    const c = valid(importRegsync('r.yml', repoEntry('    platforms: [linux/amd64, linux/arm64]\n')));
    expect(c.rules[0]!.platforms).toEqual(['linux/amd64', 'linux/arm64']);
  });

  it('warns about a key regsync does not read, and about settings ferry has no equivalent for', () => {
    const r = importRegsync('r.yml', repoEntry('    tagz:\n      allow: [latest]\n    hooks: {post: {type: cmd}}\n'));
    expect(r.warnings).toEqual([
      { where: 'r.yml:7', field: 'sync[0].hooks', message: 'regsync hooks has no ferry equivalent: not carried over' },
      {
        where: 'r.yml:6',
        field: 'sync[0].tagz',
        message: 'regsync has no setting "tagz" for a sync entry: not carried over',
      },
    ]);
  });
});

const skopeo = (yaml: string, o: Partial<Parameters<typeof importSkopeo>[2]> = {}) =>
  importSkopeo('s.yml', yaml, { dest: 'mirror.example.com/hub', scoped: false, all: true, destTlsVerify: true, ...o });
const dregsy = (mapping: string, target = 'mirror.example.com') =>
  importDregsy(
    'd.yaml',
    `tasks:\n  - name: t\n    source: {registry: registry.hub.docker.com}\n    target: {registry: ${target}}\n    mappings:\n${mapping}`,
  );

describe("Docker Hub's official images are library/<name>, as skopeo and docker read them", () => {
  it('skopeo: busybox under docker.io selects library/busybox', () => {
    const c = valid(skopeo('docker.io:\n  images:\n    busybox: [latest]\n'));
    expect(c.rules.map((r) => r.filters.name)).toEqual([['library/busybox']]);
    expect(c.registries.get('dockerhub')!.repositories).toEqual(['library/busybox']);
  });

  it('skopeo --scoped puts it under docker.io/library/busybox, as skopeo does', () => {
    const c = valid(skopeo('docker.io:\n  images-by-tag-regex:\n    busybox: ^1\\.36\n', { scoped: true }));
    expect(c.rules[0]).toMatchObject({
      filters: { name: ['library/busybox'] },
      destinationNamespace: 'hub/docker.io',
      flattening: 0,
    });
  });

  it('dregsy: from busybox selects library/busybox, and `to` is read at the target', () => {
    const c = valid(dregsy('      - from: busybox\n        to: mirror/busybox\n'));
    expect(c.rules[0]).toMatchObject({
      filters: { name: ['library/busybox'] },
      destinationNamespace: 'mirror',
      flattening: 1,
    });
  });

  it('dregsy: library/busybox copied to busybox elsewhere is said to be left out', () => {
    const r = dregsy('      - from: busybox\n');
    expect(r.rules).toEqual([]);
    expect(r.warnings).toEqual([
      expect.objectContaining({ where: 'd.yaml:6', message: expect.stringMatching(/"library\/busybox" to "busybox"/) }),
    ]);
  });
});

describe('unquoted numeric tags are the text written, as Go reads them into strings', () => {
  const tags = ['1.1', '1.10', '2', '2.0', '1.0'];
  it('skopeo: redis: [1.10, 2.0] selects 1.10 and 2.0', () => {
    const c = valid(skopeo('registry.example.com:\n  images:\n    redis: [1.10, 2.0]\n'));
    expect(selectedTags(c.rules, tags)).toEqual(['1.10', '2.0']);
  });

  it('dregsy: tags: [1.10, 2.0] selects 1.10 and 2.0', () => {
    const c = valid(dregsy('      - from: library/redis\n        tags: [1.10, 2.0]\n'));
    expect(selectedTags(c.rules, tags)).toEqual(['1.10', '2.0']);
  });
});

describe("dregsy: without platform only the machine's platform is copied", () => {
  it('says so on the rule and once for the file, as the skopeo import does without --all', () => {
    const r = dregsy('      - from: library/redis\n      - from: library/nginx\n        platform: linux/arm64\n');
    expect(r.warnings.filter((w) => /platform/.test(w.message))).toEqual([
      {
        where: 'd.yaml',
        message:
          "dregsy without platform copies one platform of a multi-platform image (the machine's); ferry copies every platform (add platforms: to narrow)",
      },
    ]);
    const yaml = renderRulesFile(r);
    expect(yaml.match(/dregsy without platform copies one platform \(the machine's\)/g)).toHaveLength(1);
    expect(valid(r).rules.map((x) => x.platforms)).toEqual([[], ['linux/arm64']]);
  });

  it('says nothing with platform: all', () => {
    const r = dregsy('      - from: library/redis\n        platform: all\n');
    expect(r.warnings).toEqual([]);
  });
});

/**
 * Port of dregsy's TagSet.Expand (internal/pkg/tags/tagset.go) without `keep: latest N`: regexes
 * anchored where they lack `^`/`$` (util.CompileRegex), `!` inverting; semver and regex matches
 * ORed (every tag when there are neither, nor verbatim tags); then every keep filter must pass;
 * verbatim tags are added after keep, exempt from it. Semver ranges are checked on plain versions
 * only, where blang's and ferry's readings agree.
 */
function dregsyExpand(entries: string[], all: string[]): string[] {
  const re = (r: string) => {
    let e = r.trim();
    const inverted = e.startsWith('!');
    if (inverted) e = e.slice(1);
    if (!e.startsWith('^')) e = `^${e}`;
    if (!e.endsWith('$')) e = `${e}$`;
    const c = RE2JS.compile(e);
    return (t: string) => c.matcher(t).find() !== inverted;
  };
  const verbatim: string[] = [];
  const ranges: string[] = [];
  const regexes: ((t: string) => boolean)[] = [];
  const keeps: ((t: string) => boolean)[] = [];
  for (const t of entries.map((x) => x.trim())) {
    if (t.startsWith('semver:')) ranges.push(t.slice(7).trim());
    else if (t.startsWith('regex:')) regexes.push(re(t.slice(6)));
    else if (t.startsWith('keep:')) keeps.push(re(t.slice(5)));
    else verbatim.push(t);
  }
  const expanded =
    ranges.length || regexes.length
      ? all.filter((t) => ranges.some((r) => semver.satisfies(t, r)) || regexes.some((m) => m(t)))
      : verbatim.length
        ? []
        : all;
  const out = new Set([...expanded.filter((t) => keeps.every((k) => k(t))), ...verbatim]);
  return all.filter((t) => out.has(t));
}

const dregsyTags = (tags: string[]) =>
  `      - from: library/redis\n        platform: all\n        tags: ${JSON.stringify(tags)}\n`;

describe('dregsy: inverted regexes and keep filters select what dregsy selects', () => {
  const all = [
    '1.0',
    '1.0-rc1',
    '1.0-debug',
    '2.0.0',
    '2.1.0',
    '2.1.0-alpine',
    '3.0.0',
    'v1',
    'v1.1',
    'v2',
    'v2-alpine',
  ];
  all.push('old-1', 'old-alpine', 'latest', 'edge-alpine');
  const table: string[][] = [
    ['regex: !.*-rc.*'],
    ['1.0', 'regex: !.*-rc.*', 'keep: !.*-debug'],
    ['regex: v.*', 'keep: !v1.*'],
    ['keep: .*-alpine'],
    ['semver: >=2.0.0', 'keep: !2\\.1\\..*', 'latest'],
    ['regex: !old.*', 'keep: .*-alpine'],
    ['1.0-debug', 'regex: .*', 'keep: !.*-debug'],
    ['regex: !v.*', 'regex: !old.*'],
  ];
  for (const entries of table)
    it(`${JSON.stringify(entries)}`, () => {
      const r = dregsy(dregsyTags(entries));
      expect(r.warnings.filter((w) => !/semver/.test(w.message))).toEqual([]);
      expect(selectedTags(valid(r).rules, all)).toEqual(dregsyExpand(entries, all));
    });

  it('says which keep filter it cannot carry over, and then selects more, never less', () => {
    const entries = ['regex: v.*', 'keep: .*-alpine'];
    const r = dregsy(dregsyTags(entries));
    expect(r.warnings).toEqual([
      {
        where: 'd.yaml:8',
        field: 'tasks[0].mappings[0].tags[1]',
        message: expect.stringMatching(/^"keep: \.\*-alpine" is left out where other tag patterns select/),
      },
    ]);
    const selected = selectedTags(valid(r).rules, all);
    expect(selected).toEqual(expect.arrayContaining(dregsyExpand(entries, all)));
  });

  it('keep: latest N is filters.latest N, with a warning where dregsy counts differently', () => {
    const c = valid(dregsy(dregsyTags(['semver: >=2.0.0', 'keep: latest 2'])));
    expect(c.rules.map((x) => x.filters.latest)).toEqual([2]);
    const r = dregsy(dregsyTags(['regex: v.*', 'keep: latest 3']));
    expect(valid(r).rules.map((x) => x.filters.latest)).toEqual([3]);
    expect(r.warnings).toEqual([
      expect.objectContaining({
        field: 'tasks[0].mappings[0].tags[1]',
        message: expect.stringMatching(/^dregsy keeps the newest 3 versions and every tag that is not a version/),
      }),
    ]);
  });
});

describe('dregsy: tags with digests', () => {
  const d1 = `sha256:${'1'.repeat(64)}`;
  const d2 = `sha256:${'2'.repeat(64)}`;
  it('keeps the tag of tag@digest and leaves a bare digest out, saying so', () => {
    const r = dregsy(dregsyTags([`1.36.0-uclibc@${d1}`, d2, 'latest']));
    expect(selectedTags(valid(r).rules, ['1.36.0-uclibc', 'latest', '1.36.0', d2])).toEqual([
      '1.36.0-uclibc',
      'latest',
    ]);
    expect(r.warnings.map((w) => [w.field, w.message])).toEqual([
      [
        'tasks[0].mappings[0].tags[0]',
        `"1.36.0-uclibc@${d1}": the digest is left out: ferry selects tags, not digests, so it copies what the tag 1.36.0-uclibc points to`,
      ],
      ['tasks[0].mappings[0].tags[1]', `"${d2}" is left out: ferry selects tags, not digests`],
    ]);
    expect(renderRulesFile(r)).toContain('# "1.36.0-uclibc@sha256:1111');
  });

  it('leaves out a mapping of digests only, rather than selecting every tag', () => {
    const r = dregsy(dregsyTags([d1, 'keep: all.+']));
    expect(r.rules).toEqual([]);
    expect(r.warnings).toHaveLength(1);
  });
});

describe('image-syncer: repository:/regex/ selects the tags the regex finds', () => {
  it('is an unanchored regex, as GenerateRepoURLs tests regexp.MatchString', () => {
    const r = importImageSyncer(
      'images.yaml',
      'quay.io/coreos/kube-rbac-proxy:/v1\\.1[0-9]/: quay.io/ruohe/kube-rbac-proxy\n',
    );
    const c = valid(r);
    const find = RE2JS.compile('v1\\.1[0-9]');
    const all = ['v1.10', 'v1.12.0', 'xv1.15', 'v1.9', 'v2.1'];
    expect(selectedTags(c.rules, all)).toEqual(all.filter((t) => find.matcher(t).find()));
    expect(c.rules[0]!.filters.name).toEqual(['coreos/kube-rbac-proxy']);
  });
});

describe('semver filters say which tags the source tool selects and ferry does not', () => {
  it('skopeo images-by-semver: two-component tags', () => {
    const r = skopeo('registry.example.com:\n  images-by-semver:\n    alpine: ">= 3.12.0"\n');
    expect(valid(r).rules[0]!.filters.semver).toBe('>= 3.12.0');
    expect(r.warnings).toContainEqual({
      where: 's.yml:3',
      field: 'registry.example.com.images-by-semver.alpine',
      message: expect.stringMatching(/^skopeo also selects tags like 3\.19 \(two components, read as 3\.19\.0\)/),
    });
    expect(renderRulesFile(r)).toMatch(/semver: ">= 3.12.0" # skopeo also selects tags like 3\.19/);
  });

  it('dregsy semver: two-component tags and prereleases', () => {
    const r = dregsy(dregsyTags(['semver: >=1.31.0 <1.31.9']));
    expect(r.warnings).toEqual([
      {
        where: 'd.yaml:8',
        field: 'tasks[0].mappings[0].tags[0]',
        message: expect.stringMatching(/^dregsy also selects tags like 3\.19 .* and prereleases like 2\.1\.4-buster/),
      },
    ]);
    expect(renderRulesFile(r)).toMatch(/semver: ">=1.31.0 <1.31.9" # dregsy also selects/);
  });
});
