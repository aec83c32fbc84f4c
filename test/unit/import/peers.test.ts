/**
 * The peer-tool importers on fixtures taken from each tool's documented examples
 * (test/fixtures/import/<tool>/): what each documented feature becomes, that ferry's validator
 * accepts every output, and that bad input is refused with its file, line and field.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { type Config, parseConfig } from '../../../src/config/index.js';
import { importDregsy } from '../../../src/import/dregsy.js';
import { importImageSyncer } from '../../../src/import/image-syncer.js';
import { importList } from '../../../src/import/list.js';
import type { ImportResult } from '../../../src/import/model.js';
import { importRegsync } from '../../../src/import/regsync.js';
import { importSkopeo } from '../../../src/import/skopeo.js';
import { renderRulesFile } from '../../../src/import/yaml-writer.js';
import { compileTagFilter } from '../../../src/rules/index.js';

const fx = (p: string) => readFileSync(new URL(`../../fixtures/import/${p}`, import.meta.url), 'utf8');

/** The output as ferry reads it; fails the test on any validation error. */
function valid(r: ImportResult): Config {
  const { config, diagnostics } = parseConfig(renderRulesFile(r), 'replication.yaml');
  expect(diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  return config!;
}
const byName = (c: Config, name: string) => c.rules.find((r) => r.name === name)!;
const skopeoOpts = { dest: 'my-registry.local.lan/repo', scoped: false, all: true, destTlsVerify: true };

describe('regsync', () => {
  const docs = () => importRegsync('regsync.yml', fx('regsync/regsync.yml'));

  it('imports the documented example: image, repository with allow/deny, registry', () => {
    const c = valid(docs());
    expect(byName(c, 'busybox')).toMatchObject({
      source: 'dockerhub',
      destination: 'localhost-5000',
      filters: { name: ['library/busybox'], tag: ['latest'] },
      triggers: [{ kind: 'schedule', cron: '0 * * * *' }],
      concurrency: 2,
      referrers: false,
    });
    expect(byName(c, 'localreg-5000-to-localcopy-5000').filters.name).toEqual([]);
    // `tls: disabled` is plain HTTP.
    expect(c.registries.get('localhost-5000')!.url).toBe('http://localhost:5000');
    // The template credentials become references.
    expect(c.registries.get('dockerhub')!.credentials).toEqual({
      username: { env: 'HUB_USER' },
      password: { file: '/var/run/secrets/hub_token' },
    });
  });

  it('binds tag regexes to the whole tag, as regsync does, and denies after allowing', () => {
    const alpine = byName(valid(docs()), 'alpine');
    expect(alpine.triggers).toEqual([{ kind: 'schedule', cron: '15 01 * * *' }]);
    const pass = compileTagFilter(alpine.filters.tag);
    expect(['latest', 'edge', '3', '3.18', '3.1'].filter(pass)).toEqual(['latest', 'edge', '3', '3.18', '3.1']);
    expect(['3.0', '3.18.1', 'latest-x', 'x3'].filter(pass)).toEqual([]);
  });

  it('warns at the line of each setting ferry has no equivalent for', () => {
    const w = docs().warnings;
    expect(w).toContainEqual({
      where: 'regsync.yml:21',
      field: 'sync[0].backup',
      message: expect.stringMatching(/backup has no ferry equivalent/),
    });
    expect(w.some((x) => x.field === 'defaults.ratelimit')).toBe(true);
  });

  it('imports credHelper, insecure TLS, hostname, platform and referrers; leaves out a rename and a digest', () => {
    const r = importRegsync('features.yml', fx('regsync/features.yml'));
    const c = valid(r);
    expect(c.registries.get('123456789012.dkr.ecr.us-east-1.amazonaws.com')!.credentials?.password).toEqual({
      dockerConfig: true,
    });
    expect(c.registries.get('registry.example.org')).toMatchObject({
      url: 'https://mirror.example.org',
      tls: { verify: false },
    });
    expect(byName(c, 'regctl')).toMatchObject({
      platforms: ['linux/amd64'],
      referrers: true,
      destinationNamespace: 'tools',
      flattening: 1,
    });
    expect(byName(c, 'node-exporter')).toMatchObject({ destinationNamespace: 'mirror', flattening: 0 });
    expect(c.rules.map((x) => x.name)).toEqual(['regctl', 'node-exporter']);
    expect(r.warnings.map((w) => `${w.where} ${w.field}`)).toEqual(
      expect.arrayContaining([
        'features.yml:11 creds[1].pass',
        'features.yml:30 sync[2].target',
        'features.yml:32 sync[3].source',
      ]),
    );
    // The literal password stays in the regsync file only.
    expect(renderRulesFile(r)).not.toContain('not-a-real-secret');
  });

  it("speaks of regsync's cron, not Harbor's, and says when seconds are dropped", () => {
    const sync = (schedule: string) =>
      importRegsync(
        'r.yml',
        `sync:\n  - source: docker.io/library/alpine\n    target: my.reg/library/alpine\n    type: repository\n    schedule: "${schedule}"\n`,
      ).warnings.map((w) => w.message);
    expect(sync('not a cron')).toContainEqual(
      expect.stringMatching(
        /^regsync schedule "not a cron": regsync's cron "not a cron" has 3 fields \(expected 5, or 6 with seconds first\)/,
      ),
    );
    expect(sync('15 0 2 * * *')).toContainEqual(
      expect.stringMatching(/regsync's cron "15 0 2 \* \* \*" runs at second 15; GitHub schedules start on the minute/),
    );
  });

  it('names the file, line and field of what it cannot read', () => {
    expect(() => importRegsync('bad.yml', 'sync:\n  - source: a\n    target: b\n    type: mirror\n')).toThrow(
      'bad.yml:4: sync[0].type: unknown type "mirror"',
    );
    expect(() =>
      importRegsync('bad.yml', 'sync:\n  - source: alpine:Bad^Tag\n    target: b/alpine\n    type: repository\n'),
    ).toThrow(/^bad\.yml:2: sync\[0\]\.source: invalid reference/);
    expect(() => importRegsync('bad.yml', 'version: 2\nsync: []\n')).toThrow(
      'bad.yml:1: version: unsupported version 2',
    );
  });

  it('names the line of a YAML syntax error', () => {
    expect(() =>
      importRegsync('bad.yml', 'version: 1\nsync:\n  - source: docker.io/library/alpine\n    source: my.reg/alpine\n'),
    ).toThrow(/^bad\.yml:4: not valid YAML or JSON: Map keys must be unique/);
  });
});

describe('skopeo sync', () => {
  it('imports every documented selector: all tags, tags, tag regex, semver; digests left out', () => {
    const r = importSkopeo('sync.yml', fx('skopeo/sync.yml'), skopeoOpts);
    const c = valid(r);
    expect(c.rules.map((x) => x.name)).toEqual(['busybox', 'redis', 'nginx-regex', 'alpine-semver', 'etcd']);
    expect(byName(c, 'busybox').filters.tag).toEqual([]);
    expect(byName(c, 'redis').filters.tag).toEqual(['1.0', '2.0']);
    expect(byName(c, 'alpine-semver').filters.semver).toBe('>= 3.12.0');
    const nginx = compileTagFilter(byName(c, 'nginx-regex').filters.tag);
    expect(['1.13.1-alpine-perl', '1.13.2-alpine-perl', '1.13.3-alpine-perl'].filter(nginx)).toEqual([
      '1.13.1-alpine-perl',
      '1.13.2-alpine-perl',
    ]);
    expect(r.warnings).toContainEqual(
      expect.objectContaining({ where: 'sync.yml:6', field: 'registry.example.com.images.redis' }),
    );
    expect(c.registries.get('quay')!.tls.verify).toBe(false);
    expect(renderRulesFile(r)).not.toContain('this is a secret');
  });

  it('puts images where skopeo does: the last path component under --dest, or host/path with --scoped', () => {
    const plain = byName(valid(importSkopeo('sync.yml', fx('skopeo/sync.yml'), skopeoOpts)), 'etcd');
    expect(plain).toMatchObject({ destinationNamespace: 'repo', flattening: -1 });
    const scoped = byName(
      valid(importSkopeo('sync.yml', fx('skopeo/sync.yml'), { ...skopeoOpts, scoped: true })),
      'etcd',
    );
    expect(scoped).toMatchObject({ destinationNamespace: 'repo/quay.io', flattening: 0 });
  });

  it('warns that without --all skopeo copies one platform', () => {
    const r = importSkopeo('sync.yml', fx('skopeo/sync.yml'), { ...skopeoOpts, all: false });
    expect(r.warnings.some((w) => /without --all/.test(w.message))).toBe(true);
  });

  it('names the file, line and key of an unknown setting', () => {
    expect(() => importSkopeo('s.yml', 'quay.io:\n  image:\n    a: []\n', skopeoOpts)).toThrow(
      /^s\.yml:2: quay\.io\.image: unknown key/,
    );
  });
});

describe('image-syncer', () => {
  it('imports the README images file with its auth file: all tags, one tag, several tags', () => {
    const r = importImageSyncer('images.yaml', fx('image-syncer/images.yaml'), {
      auth: { file: 'auth.yaml', text: fx('image-syncer/auth.yaml') },
    });
    const c = valid(r);
    expect(c.rules.map((x) => x.filters.tag)).toEqual([[], ['v1.0'], ['v1.0', 'v2.0']]);
    expect(c.rules[0]).toMatchObject({
      source: 'quay',
      destination: 'quay',
      destinationNamespace: 'ruohe',
      flattening: 1,
    });
    expect(r.warnings).toContainEqual(expect.objectContaining({ where: 'auth.yaml:12', field: 'quay.io/coreos' }));
    expect(renderRulesFile(r)).not.toContain('xxxxxxxxx');
  });

  it('reads the combined config file the same way', () => {
    const a = valid(
      importImageSyncer('images.yaml', fx('image-syncer/images.yaml'), {
        auth: { file: 'auth.yaml', text: fx('image-syncer/auth.yaml') },
      }),
    );
    const b = valid(importImageSyncer('config.yaml', fx('image-syncer/config.yaml')));
    expect(b.rules).toEqual(a.rules.map((r) => ({ ...r, line: expect.any(Number) })));
  });

  it('reads JSON with comments, ${VAR} references, empty and listed destinations', () => {
    const r = importImageSyncer('images.json', fx('image-syncer/images.json'), {
      auth: { file: 'auth.json', text: fx('image-syncer/auth.json') },
      registry: 'registry.cn-beijing.aliyuncs.com',
      namespace: 'ruohe',
    });
    const c = valid(r);
    expect(c.registries.get('quay')!.credentials).toEqual({
      username: { env: 'QUAY_USER' },
      password: { env: 'QUAY_PASSWORD' },
    });
    expect(byName(c, 'agent')).toMatchObject({ destinationNamespace: 'ruohe', filters: { tag: ['v1', 'v2'] } });
    expect(c.rules.filter((x) => x.filters.name[0] === 'coreos/etcd').map((x) => x.destination)).toEqual([
      'registry.cn-beijing.aliyuncs.com',
      'quay',
    ]);
  });

  it('needs --registry and --namespace for an empty destination', () => {
    expect(() => importImageSyncer('i.yaml', 'quay.io/a/b: ""\n')).toThrow(
      /^i\.yaml:1: quay\.io\/a\/b: an empty destination needs/,
    );
  });
});

describe('dregsy', () => {
  const r = () => importDregsy('config.yaml', fx('dregsy/config.yaml'));

  it('imports mappings with to, without to, a regex from, and intervals', () => {
    const c = valid(r());
    expect(byName(c, 'task1-image')).toMatchObject({
      destinationNamespace: 'archive',
      flattening: 0,
      filters: { name: ['test/image'], tag: ['0.1.0', '0.1.1'] },
      triggers: [{ kind: 'schedule', cron: '* * * * *' }],
    });
    expect(byName(c, 'task1-another-image').destinationNamespace).toBeUndefined();
    expect(byName(c, 'ecr')).toMatchObject({
      filters: { name: ['regex:^myproject/.*$'] },
      destinationNamespace: 'ecr',
      flattening: 0,
    });
    expect(c.registries.get('dest-registry.acme.com')!.tls.verify).toBe(false);
    expect(c.registries.get('388518484766.dkr.ecr.eu-central-1.amazonaws.com')!.credentials?.password).toEqual({
      dockerConfig: true,
    });
  });

  it('ORs verbatim, regex and semver tags as dregsy does: semver in a rule of its own', () => {
    const c = valid(r());
    const tags = byName(c, 'tagfilter-busybox');
    const semver = byName(c, 'tagfilter-busybox-semver');
    expect(semver.filters.semver).toBe('>=1.31.0 <1.31.9');
    expect(tags.override).toBe(false);
    const pass = compileTagFilter(tags.filters.tag);
    expect(['1.26.1-glibc', '1.29.4', 'latest', '1.26.1-glibcx', 'x1.26.1-musl', '1.31.2'].filter(pass)).toEqual([
      '1.26.1-glibc',
      '1.29.4',
      'latest',
    ]);
  });

  it('leaves out a regex rename, with its line', () => {
    expect(r().warnings).toContainEqual(
      expect.objectContaining({ where: 'config.yaml:56', field: 'tasks[2].mappings[1].to' }),
    );
    expect(renderRulesFile(r())).not.toContain('eyJ1c2VybmFtZSI6');
  });

  it('refuses a task without a name at its line', () => {
    expect(() => importDregsy('d.yaml', 'tasks:\n  - source: {registry: a}\n')).toThrow(
      /^d\.yaml:2: tasks\[0\]\.name: a task needs a name/,
    );
  });
});

describe('a list of images', () => {
  it('keeps paths under the destination and groups tags per repository; no tag is latest', () => {
    const c = valid(importList('images.txt', fx('list/images.txt'), { dest: 'harbor-dc2.example.com' }));
    expect(c.rules.map((x) => [x.name, x.filters.name, x.filters.tag])).toEqual([
      ['api', ['myproject/api'], ['v1.2.0', 'v1.3.0']],
      ['web', ['myproject/web'], ['latest']],
      ['cli', ['myproject/tools/cli'], ['2024.06']],
      ['nginx', ['library/nginx'], ['1.27']],
    ]);
    expect(c.rules[0]!.destinationNamespace).toBeUndefined();
  });

  it('puts the whole path under a namespace given with --dest', () => {
    const c = valid(importList('images.txt', fx('list/images.txt'), { dest: 'harbor-dc2.example.com/mirror' }));
    expect(c.rules[2]).toMatchObject({ destinationNamespace: 'mirror', flattening: 0 });
  });

  it('names the line of a reference it cannot read', () => {
    expect(() => importList('l.txt', 'ok.io/a:1\n\nBAD REF\n', { dest: 'x.io' })).toThrow(
      /^l\.txt:3: invalid reference/,
    );
  });
});
