import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { caAtBase, changedRules, formerFilters, untrustedRegistries } from '../../../src/action/compare.js';
import { parseList, readInputs } from '../../../src/action/inputs.js';
import { parseConfig } from '../../../src/config/index.js';

const base = `version: 1
registries:
  harbor:
    type: registry
    url: https://harbor.example.com
    credentials: { username: { env: U }, password: { env: P } }
  cluster: { type: registry, url: https://cluster.example.com }
rules:
  - { name: a, source: harbor, destination: cluster, destination_namespace: x }
  - { name: b, source: cluster, destination: harbor }
`;
const load = (text: string) => parseConfig(text, 'replication.yaml').config!;
const noCa = async () => undefined;

describe('untrustedRegistries (credentials never follow an edited endpoint)', () => {
  it.each([
    ['the same file', base, []],
    ['a new URL', base.replace('https://harbor.example.com', 'https://evil.example.com'), ['harbor']],
    [
      'TLS turned off',
      base.replace('url: https://harbor.example.com', 'url: https://harbor.example.com\n    tls: { verify: false }'),
      ['harbor'],
    ],
    ['another credentials variable', base.replace('env: P', 'env: Q'), ['harbor']],
    [
      'a new registry',
      base.replace('rules:', '  new: { type: registry, url: https://n.example.com }\nrules:'),
      ['new'],
    ],
    ['comments and moved lines only', `# moved\n${base}`, []],
  ])('%s', async (_name, head, expected) => {
    expect([...(await untrustedRegistries(load(base), load(head), noCa))]).toEqual(expected);
  });

  it('trusts nothing when the base is unavailable', async () => {
    expect([...(await untrustedRegistries(undefined, load(base), noCa))].sort()).toEqual(['cluster', 'harbor']);
  });

  it('compares a CA file by its text: inside the workspace as the base commit has it, outside as it is', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ferry-ca-'));
    try {
      const ca = join(dir, 'ca.pem');
      writeFileSync(ca, 'PEM now');
      const withCa = load(base.replace('credentials:', `tls: { ca: ${ca} }\n    credentials:`));
      const then = (text: string | undefined) => async () => text;
      expect([...(await untrustedRegistries(withCa, withCa, then('PEM now')))]).toEqual([]);
      expect([...(await untrustedRegistries(withCa, withCa, then('PEM then')))]).toEqual(['harbor']);
      expect([...(await untrustedRegistries(withCa, withCa, then(undefined)))]).toEqual(['harbor']);
      // A CA outside the workspace is the runner's: no pull request edits it.
      const workspace = join(dir, 'repo');
      expect(await caAtBase('a'.repeat(40), workspace)(ca)).toBe('PEM now');
      // In the workspace: the base commit's text; a file the repository does not hold (a step
      // wrote it) is the runner's too; one the pull request adds has no text at the base.
      mkdirSync(workspace);
      const git = (...args: string[]) =>
        execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@e', ...args], { cwd: workspace });
      git('init', '-q');
      writeFileSync(join(workspace, 'tracked.pem'), 'PEM base');
      git('add', 'tracked.pem');
      git('commit', '-qm', 'base');
      const baseSha = execFileSync('git', ['rev-parse', 'HEAD'], { cwd: workspace, encoding: 'utf8' }).trim();
      writeFileSync(join(workspace, 'tracked.pem'), 'PEM pr');
      writeFileSync(join(workspace, 'written.pem'), 'PEM from a secret');
      writeFileSync(join(workspace, 'added.pem'), 'PEM added');
      git('add', 'added.pem', 'tracked.pem');
      git('commit', '-qm', 'pr');
      const atBase = caAtBase(baseSha, workspace);
      expect(await atBase(join(workspace, 'tracked.pem'))).toBe('PEM base');
      // Before: undefined, so every pull request planned that registry without credentials.
      expect(await atBase(join(workspace, 'written.pem'))).toBe('PEM from a secret');
      expect(await atBase(join(workspace, 'added.pem'))).toBeUndefined();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('changedRules', () => {
  it('finds edited rules and rules using an edited registry', () => {
    expect(
      changedRules(load(base), load(base.replace('destination_namespace: x', 'destination_namespace: y'))),
    ).toEqual(['a']);
    expect(
      changedRules(load(base), load(base.replace('https://cluster.example.com', 'https://c2.example.com'))),
    ).toEqual(['a', 'b']);
    expect(changedRules(load(base), load(`# c\n${base}`))).toEqual([]);
    expect(changedRules(undefined, load(base))).toEqual(['a', 'b']);
  });

  it('a deleting rule changes with the other rules writing its destination registry', () => {
    // Rule keep's tags in m/app are no extras of rule prune while keep writes them: disabling,
    // removing or narrowing keep makes them prune's deletions, which the plan must show.
    const two = `version: 1
registries:
  harbor: { type: registry, url: https://harbor.example.com }
  cluster: { type: registry, url: https://cluster.example.com }
  cluster-ci: { type: registry, url: https://cluster.example.com }
  other: { type: registry, url: https://other.example.com }
rules:
  - { name: keep, source: harbor, destination: cluster, destination_namespace: m, filters: { name: team-a/app, tag: ["a-*"] } }
  - { name: prune, source: harbor, destination: cluster-ci, destination_namespace: m, filters: { name: team-b/app, tag: ["b-*"] }, delete_remote: true }
  - { name: elsewhere, source: harbor, destination: other, filters: { name: team-c/app }, delete_remote: true }
`;
    expect(parseConfig(two, 'r.yaml').diagnostics).toEqual([]);
    const disabled = two.replace('tag: ["a-*"] } }', 'tag: ["a-*"] }, enabled: false }');
    // Before: [] — "no rule runs on merge", and prune's deletions were shown as drift.
    expect(changedRules(load(two), load(disabled))).toEqual(['prune']);
    expect(changedRules(load(two), load(two.replace(/ {2}- \{ name: keep.*\n/, '')))).toEqual(['prune']);
    expect(changedRules(load(two), load(two.replace('team-a/app', 'team-a/api')))).toEqual(['keep', 'prune']);
    expect(changedRules(load(two), load(`# c\n${two}`))).toEqual([]);
  });
});

describe("formerFilters (what a change to a rule's filters leaves at the destination)", () => {
  it("gives a rule's old filters where only its filters changed", () => {
    const head = base.replace('destination_namespace: x }', "destination_namespace: x, filters: { tag: 'v2*' } }");
    const former = formerFilters(load(base), load(head));
    expect([...former.keys()]).toEqual(['a']);
    expect(former.get('a')).toMatchObject({ name: [], tag: [] });
  });

  it.each([
    ['the same file', base],
    // Its plan compares with nothing there: the old filters chose tags at another place.
    [
      'filters and namespace changed',
      base.replace('destination_namespace: x }', "destination_namespace: y, filters: { tag: 'v2*' } }"),
    ],
    [
      'filters changed and the destination registry moved',
      base
        .replace('https://cluster.example.com', 'https://elsewhere.example.com')
        .replace('destination_namespace: x }', "destination_namespace: x, filters: { tag: 'v2*' } }"),
    ],
  ])('none for %s', (_name, head) => {
    expect(formerFilters(load(base), load(head)).size).toBe(0);
  });

  it('none without the old file', () => {
    expect(formerFilters(undefined, load(base)).size).toBe(0);
  });
});

describe('inputs', () => {
  it('reads lists as newline or comma separated with comments', () => {
    expect(parseList('a, b\n# skip\nc # why\n\n')).toEqual(['a', 'b', 'c']);
  });
  it('reads deletion-shares into the shard, and only with a shard', () => {
    const get = (o: Record<string, string>) => (n: string) => o[n] ?? '';
    expect(readInputs(get({ shard: '2/3', 'deletion-shares': '{"shard":"2/3","max":{"app":4}}' })).shard).toEqual({
      index: 2,
      total: 3,
      shares: new Map([['app', 4]]),
    });
    expect(() => readInputs(get({ 'deletion-shares': '{"shard":"1/3","max":{"app":4}}' }))).toThrow(
      /input deletion-shares: it goes with shard/,
    );
    expect(() => readInputs(get({ shard: '1/2', 'deletion-shares': 'app=4' }))).toThrow(
      /input deletion-shares: expected the matrix entry's deletions/,
    );
  });
  it('rejects a bad shard and a bad command with the input name', () => {
    const get = (o: Record<string, string>) => (n: string) => o[n] ?? '';
    expect(() => readInputs(get({ shard: '3/2' }))).toThrow(/input shard/);
    expect(() => readInputs(get({ command: 'apply' }))).toThrow(/input command: expected one of auto/);
    expect(readInputs(get({ 'dry-run': 'true', shard: '2/3' }))).toMatchObject({
      dryRun: true,
      shard: { index: 2, total: 3 },
      command: 'auto',
      failOn: 'error',
    });
  });
});
