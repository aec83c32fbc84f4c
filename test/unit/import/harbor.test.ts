/**
 * The Harbor import against policies as Harbor's API returns them (test/fixtures/import/harbor):
 * every field mapped the way Harbor applies it, checked against ports of Harbor's own code
 * (replaceNamespace in flow/stage.go, the artifact filters in pkg/reg/filter), the output accepted
 * by ferry's validator, stable, and free of secrets.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseBandwidth, parseConfig } from '../../../src/config/index.js';
import { harborDrift } from '../../../src/import/check.js';
import {
  harborCron,
  harborGlob,
  type HarborPolicy,
  type HarborRegistry,
  harborSpeed,
  importHarborPolicies,
} from '../../../src/import/harbor.js';
import { renderRulesFile } from '../../../src/import/yaml-writer.js';
import {
  compileGlob,
  compileNameFilter,
  compileTagFilter,
  mapRepository,
  matchLabels,
} from '../../../src/rules/index.js';

const dir = new URL('../../fixtures/import/harbor/', import.meta.url);
const policies = JSON.parse(readFileSync(new URL('policies.json', dir), 'utf8')) as HarborPolicy[];
const registries = JSON.parse(readFileSync(new URL('registries.json', dir), 'utf8')) as HarborRegistry[];
const URL_ = 'https://harbor.example.com';

const imported = () => importHarborPolicies({ policies, registries }, { url: URL_ });
const rule = (name: string) => {
  const { config } = parseConfig(renderRulesFile(imported()), 'replication.yaml');
  return config!.rules.find((r) => r.name === name)!;
};

/** Harbor's replaceNamespace (src/controller/replication/flow/stage.go), ported line by line. */
function harborReplaceNamespace(repository: string, namespace: string, replaceCount: number): string | Error {
  if (namespace.length === 0) return repository;
  const parts = repository.split('/');
  let prefix: string;
  if (replaceCount < 0) prefix = namespace;
  else if (replaceCount > parts.length - 1) return new Error('invalid replace count');
  else prefix = [namespace, parts.slice(replaceCount, parts.length - 1).join('/')].filter(Boolean).join('/');
  return `${prefix}/${parts[parts.length - 1]}`.replace(/\/+/g, '/');
}

/** Harbor's artifact filters: each filter in turn, tag filters keep the matching tags, untagged tested as "". */
function harborSelects(p: HarborPolicy, repo: string, tag: string, labels: string[]): boolean {
  for (const f of p.filters ?? []) {
    const v = f.value;
    if (f.type === 'name' && typeof v === 'string' && v && !compileGlob(v)(repo)) return false;
    if (f.type === 'tag' && typeof v === 'string' && v) {
      const m = compileGlob(v)(tag);
      if (f.decoration === 'excludes' ? m : !m) return false;
    }
    if (f.type === 'label' && Array.isArray(v) && v.length) {
      const all = v.every((l) => labels.includes(l as string));
      if (f.decoration === 'excludes' ? all : !all) return false;
    }
  }
  return true;
}

describe('ferry import harbor (policies → rules)', () => {
  it('writes a file that passes ferry validate, with a rule per policy and only the registries they use', () => {
    const r = imported();
    const text = renderRulesFile(r);
    const { config, diagnostics } = parseConfig(text, 'replication.yaml');
    expect(diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    expect(config!.rules.map((x) => x.name)).toEqual([
      'approximate-rule',
      'cluster1-registry-replication',
      'prod-to-aliyun',
      'pull-from-dc1',
      'sync-to-aliyun',
      'to-dockerhub-auto',
    ]);
    // The unused GitLab endpoint is left out; this Harbor comes first.
    expect([...config!.registries.keys()]).toEqual([
      'harbor',
      'aliyun-acr',
      'cluster1-registry',
      'dockerhub-public',
      'harbor-dc1',
    ]);
  });

  it('writes credential references named after each registry, never a secret', () => {
    const text = renderRulesFile(imported());
    const { config } = parseConfig(text, 'replication.yaml');
    expect(config!.registries.get('dockerhub-public')!.credentials).toEqual({
      username: { env: 'DOCKERHUB_PUBLIC_USERNAME' },
      password: { env: 'DOCKERHUB_PUBLIC_PASSWORD' },
    });
    expect(config!.registries.get('harbor')!.credentials?.password).toEqual({ env: 'HARBOR_PASSWORD' });
    expect(text).not.toContain('*****');
    expect(text).not.toContain('BEGIN CERTIFICATE');
  });

  it('is stable: the same policies in another order give the same bytes', () => {
    const a = renderRulesFile(imported());
    const b = renderRulesFile(
      importHarborPolicies({ policies: [...policies].reverse(), registries: [...registries].reverse() }, { url: URL_ }),
    );
    expect(b).toBe(a);
  });

  it('maps pull mode (a remote source) and push mode (this Harbor as source)', () => {
    expect(rule('pull-from-dc1')).toMatchObject({ source: 'harbor-dc1', destination: 'harbor' });
    expect(rule('to-dockerhub-auto')).toMatchObject({ source: 'harbor', destination: 'dockerhub-public' });
  });

  it.each([
    ['to-dockerhub-auto', 'myorg', -1],
    ['prod-to-aliyun', 'production', 0],
    ['sync-to-aliyun', 'lgy-images', 1],
    ['approximate-rule', 'flat2', 2],
    ['pull-from-dc1', 'mirror', 3],
  ])('%s: namespace %s with replace count %d maps names as Harbor does', (name, ns, count) => {
    const r = rule(name);
    expect(r.destinationNamespace).toBe(ns);
    for (const repo of ['img', 'a/img', 'a/b/img', 'a/b/c/img', 'a/b/c/d/img']) {
      const harbor = harborReplaceNamespace(repo, ns, count);
      let ferry: string | Error;
      try {
        ferry = mapRepository(repo, { namespace: r.destinationNamespace!, flattening: r.flattening });
      } catch (e) {
        ferry = e as Error;
      }
      if (harbor instanceof Error) expect(ferry).toBeInstanceOf(Error);
      else expect(ferry).toBe(harbor);
    }
  });

  it('keeps the source path without a namespace, as Harbor ignores the replace count then', () => {
    const r = rule('cluster1-registry-replication');
    expect(r.destinationNamespace).toBeUndefined();
    expect(harborReplaceNamespace('a/b/img', '', 1)).toBe('a/b/img');
  });

  const samples = {
    repos: ['backend/api', 'backend/x/api', 'team/web', 'myproject/a/b', 'nms4cloud-x/gw', 'other/img'],
    tags: ['', 'v1', 'v1.2', 'prod-1', 'release-2', 'v2-rc1', 'latest', '!odd'],
    labels: [[], ['production'], ['deprecated', 'legacy'], ['deprecated']],
  };

  it.each(['to-dockerhub-auto', 'cluster1-registry-replication', 'prod-to-aliyun', 'pull-from-dc1'])(
    '%s selects exactly the repositories, tags and labels Harbor selects',
    (name) => {
      const p = policies.find((x) => x.name === name)!;
      const r = rule(name);
      const byName = compileNameFilter(r.filters.name);
      const byTag = compileTagFilter(r.filters.tag);
      for (const repo of samples.repos)
        for (const tag of samples.tags)
          for (const labels of samples.labels) {
            const have = Object.fromEntries(labels.map((l) => [l, '']));
            const ferry = byName(repo) && byTag(tag) && matchLabels(r.filters.labels, have);
            expect([repo, tag, labels, ferry]).toEqual([repo, tag, labels, harborSelects(p, repo, tag, labels)]);
          }
    },
  );

  it('approximates what it cannot express, selecting more than Harbor, with a comment and a warning each', () => {
    const r = imported();
    const p = policies.find((x) => x.name === 'approximate rule')!;
    const fr = rule('approximate-rule');
    const byTag = compileTagFilter(fr.filters.tag);
    let more = 0;
    for (const tag of samples.tags)
      for (const labels of samples.labels) {
        const harbor = harborSelects(p, 'team/web', tag, labels);
        const ferry = byTag(tag);
        if (harbor) expect(ferry).toBe(true); // never less than Harbor
        if (ferry && !harbor) more++;
      }
    expect(more).toBeGreaterThan(0);
    const fields = r.warnings.filter((w) => w.where.includes('"approximate rule"')).map((w) => w.field);
    expect(fields).toEqual(
      expect.arrayContaining(['filters[4]', 'filters', 'trigger.trigger_settings.cron', 'speed', 'copy_by_chunk']),
    );
    const text = renderRulesFile(r);
    expect(text).toMatch(/tag: \[v\*, "\*\.\*", "!\*-rc\*"\] # Harbor requires every tag filter to match/);
    expect(text).toMatch(/# Harbor leaves out artifacts that carry all of the labels deprecated, legacy/);
  });

  it("reads a tag list typed into Harbor's form as the list it meant, and says Harbor matches nothing with it", () => {
    const r = imported();
    expect(rule('sync-to-aliyun').filters.tag).toEqual(['prod-*', 'v*']);
    expect(compileGlob('prod-*, v*')('prod-1')).toBe(false);
    expect(
      r.warnings.some((w) => w.field === 'filters[1]' && /one pattern, which no tag matches/.test(w.message)),
    ).toBe(true);
  });

  it("selects every artifact type, as Harbor's replication flow ignores the resource filter", () => {
    expect(rule('sync-to-aliyun').filters.resource).toBe('all');
    expect(renderRulesFile(imported())).toMatch(/resource: all # Harbor's resource filter "image" is not applied/);
  });

  it('maps triggers: manual, scheduled (6 fields to 5), event based with a note on the relay', () => {
    expect(rule('prod-to-aliyun').triggers).toEqual([{ kind: 'manual' }]);
    expect(rule('sync-to-aliyun').triggers).toEqual([{ kind: 'schedule', cron: '0 2 * * *' }]);
    expect(rule('pull-from-dc1').triggers).toEqual([{ kind: 'schedule', cron: '0 */6 * * *' }]);
    expect(rule('to-dockerhub-auto').triggers).toEqual([{ kind: 'event' }]);
    expect(renderRulesFile(imported())).toMatch(/trigger: \[event\] # .*repository_dispatch/);
  });

  it('maps override, deletion, enabled and speed', () => {
    const a = rule('approximate-rule');
    expect(a).toMatchObject({ enabled: false, override: false, bandwidth: 1024 * 128 });
    expect(rule('cluster1-registry-replication').deleteRemote).toMatchObject({ enabled: true, max: 50 });
    expect(rule('to-dockerhub-auto').deleteRemote.enabled).toBe(false);
    expect(rule('to-dockerhub-auto').bandwidth).toBeUndefined();
  });

  it('carries deletion over only where Harbor deletes: an event-based push policy, with a warning', () => {
    // Harbor deletes only on a delete event, which reaches enabled event-based push policies
    // (event/handler/replication getRelatedPolicies); a scheduled or manual run only copies.
    const withDeletion = policies.map((p) => ({ ...p, deletion: true, replicate_deletion: true }));
    const r = importHarborPolicies({ policies: withDeletion, registries }, { url: URL_ });
    const { config } = parseConfig(renderRulesFile(r), 'replication.yaml');
    const deleting = config!.rules.filter((x) => x.deleteRemote.enabled).map((x) => x.name);
    expect(deleting.sort()).toEqual(['cluster1-registry-replication', 'to-dockerhub-auto']);
    // Before: every policy with the flag deleted, scheduled, manual and pull-based alike.
    expect(config!.rules.find((x) => x.name === 'sync-to-aliyun')!.deleteRemote.enabled).toBe(false);
    expect(config!.rules.find((x) => x.name === 'pull-from-dc1')!.deleteRemote.enabled).toBe(false);
    const said = (name: string) =>
      r.warnings.filter((w) => w.where.includes(`"${name}"`) && w.field === 'deletion').map((w) => w.message);
    expect(said('sync-to-aliyun')).toEqual([
      expect.stringMatching(/^Harbor deletes only on a delete event, which this scheduled policy never gets: left out/),
    ]);
    expect(said('to-dockerhub-auto')).toEqual([
      expect.stringMatching(/every run of this rule .* deletes destination tags the source lacks/),
    ]);
  });

  it('marks an insecure endpoint and keeps the pull-mode Harbor as type harbor', () => {
    const { config } = parseConfig(renderRulesFile(imported()), 'r.yaml');
    expect(config!.registries.get('cluster1-registry')!.tls.verify).toBe(false);
    expect(config!.registries.get('harbor-dc1')).toMatchObject({
      type: 'harbor',
      url: 'https://harbor-dc1.example.com',
    });
    expect(config!.registries.get('dockerhub-public')!.url).toBe('https://hub.docker.com');
  });

  it('refuses a --policy Harbor does not have, naming the ones it has', () => {
    expect(() => importHarborPolicies({ policies, registries }, { url: URL_, policies: ['nope'] })).toThrow(
      /--policy: no policy named "nope"; Harbor has "to-dockerhub-auto"/,
    );
    const only = importHarborPolicies({ policies, registries }, { url: URL_, policies: ['sync-to-aliyun'] });
    expect(only.rules.map((r) => r.name)).toEqual(['sync-to-aliyun']);
    expect(only.registries.map((r) => r.name)).toEqual(['harbor', 'aliyun-acr']);
  });
});

describe('Harbor values', () => {
  it.each([
    ['0 0 2 * * *', '0 2 * * *', false],
    ['0 */15 * * * *', '*/15 * * * *', false],
    ['30 15 3 * * 1', '15 3 * * 1', true],
    ['0 0 2 * * ?', '0 2 * * *', false],
    ['0 0 2 * *', '0 2 * * *', false],
    ['@daily', '0 0 * * *', false],
  ])('cron %s → %s', (cron, five, commented) => {
    const c = harborCron(cron);
    expect(c.schedule).toBe(five);
    expect(c.comment !== undefined).toBe(commented);
  });

  it('reports a cron it cannot carry over', () => {
    expect(harborCron('@every 1h').problem).toMatch(/no cron equivalent/);
    expect(harborCron('0 61 * * * *').problem).toMatch(/as 5 fields is "61 \* \* \* \*"/);
  });

  it.each([1, 8, 1024, 8192, 1000])('speed %d Kb/s is exactly %d × 128 bytes per second', (kb) => {
    expect(parseBandwidth(harborSpeed(kb))).toBe(kb * 128);
  });

  it('escapes what doublestar takes literally and ferry would not', () => {
    expect(compileGlob(harborGlob('!odd'))('!odd')).toBe(true);
    expect(compileGlob(harborGlob('regex:.*'))('regex:.*')).toBe(true);
    expect(compileGlob(harborGlob('regex:.*'))('anything')).toBe(false);
  });
});

describe('drift', () => {
  const text = renderRulesFile(imported());
  it('finds none between Harbor and its own import', () => {
    expect(harborDrift(imported(), text, 'replication.yaml', false)).toEqual([]);
  });

  it('reports changed fields, missing rules and extra rules on this Harbor, rule by rule', () => {
    const edited = text
      .replace('tag: [prod-*, v*]', 'tag: [prod-*]')
      .replace(/ {2}- name: prod-to-aliyun\n( {4}.*\n)+\n/, '')
      .replace(
        'rules:\n',
        'rules:\n  - name: extra\n    source: harbor\n    destination: aliyun-acr\n    destination_namespace: extra\n\n',
      );
    const drifts = harborDrift(imported(), edited, 'replication.yaml', false);
    expect(drifts.map((d) => [d.rule, d.field, d.harbor, d.file])).toEqual([
      ['prod-to-aliyun', 'rule', 'a policy', '(missing)'],
      ['sync-to-aliyun', 'filters.tag', '[prod-*, v*]', '[prod-*]'],
      ['extra', 'rule', '(no policy)', 'a rule'],
    ]);
    expect(drifts[1]!.line).toBeGreaterThan(0);
  });

  it('an exclusion next to a match-all pattern is drift: the file no longer selects everything', () => {
    const narrowed = text
      .replace('name: ["**"]', 'name: ["**", "!internal/**"]')
      .replace('name: [backend/**]', 'name: [backend/**]\n      tag: ["*", "!*-rc*"]');
    const drifts = harborDrift(imported(), narrowed, 'replication.yaml', false);
    expect(drifts.map((d) => [d.rule, d.field, d.harbor, d.file])).toEqual([
      ['prod-to-aliyun', 'filters.name', '[]', '[!internal/**, **]'],
      ['to-dockerhub-auto', 'filters.tag', '[]', '[!*-rc*, *]'],
    ]);
    // Spelling "everything" out is not drift.
    const spelled = text.replace('name: [backend/**]', 'name: [backend/**]\n      tag: ["**"]');
    expect(harborDrift(imported(), spelled, 'replication.yaml', false)).toEqual([]);
  });

  it('is not drift to write the same rule another way', () => {
    const rewritten = text.replace('tag: [prod-*, v*]', 'tag: [v*, prod-*]').replace(/\n {4}override: true/g, '');
    expect(harborDrift(imported(), rewritten, 'replication.yaml', false)).toEqual([]);
  });
});
