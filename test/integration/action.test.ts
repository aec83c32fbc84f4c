/**
 * The built action (dist/index.js) run as a runner runs it: INPUT_* variables, an event payload
 * file, GITHUB_STEP_SUMMARY and GITHUB_OUTPUT files, against real registries on loopback and a
 * local stand-in for the GitHub REST API. Every captured byte is swept for secrets at the end (T26).
 */
import { execFile, spawn } from 'node:child_process';
import { createServer } from 'node:http';
import { mkdir, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { dirname, join, relative, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type GitHubApi, startGitHubApi } from '../support/github-api.js';
import { createLayout, type FixtureImage, type Layout } from '../support/oci-fixtures.js';
import { type RecordingServer, startRecordingServer } from '../support/recording-server.js';
import { type RunningRegistry, startRegistry } from '../support/registry-process.js';
import { dockerRef, listTags, refOptions, runSkopeo, seedImage } from '../support/skopeo.js';
import { getTestTls } from '../support/tls.js';
import { createTempDir, type TempDir } from '../support/tmp.js';

const git = promisify(execFile);
const ROOT = resolve(import.meta.dirname, '../..');
const DIST = join(ROOT, 'dist/index.js');
const EVENTS = join(ROOT, 'test/fixtures/events');
const SRC_PASSWORD = 'src-Pa55-7c1e9d';
const DST_PASSWORD = 'dst-Pa55-4b8a2f';

let tmp: TempDir;
let ws: string;
let src: RunningRegistry; // token auth: issues bearer tokens
let dst: RunningRegistry; // basic auth
let pub: RunningRegistry; // anonymous
let api: GitHubApi;
let layout: Layout;
const images: Record<string, FixtureImage> = {};
/** Everything a user or a log reader could see, for the leak sweep. */
const captured: { where: string; text: string }[] = [];

interface Run {
  code: number;
  stdout: string;
  stderr: string;
  summary: string;
  outputs: Record<string, string>;
  report?: {
    results: { rule: string; tag: string; status: string; destination: string }[];
    totals: Record<string, number>;
    ruleErrors: { rule: string; message: string }[];
    event?: { name: string; artifacts: string[] };
  };
}

function config(o: { dstUrl?: string; publicTags?: string } = {}): string {
  return `version: 1
registries:
  harbor:
    type: registry
    url: ${src.url}
    credentials: { username: { env: SRC_USER }, password: { env: SRC_PASSWORD } }
    tls: { ca: ${src.caFile} }
  cluster:
    type: registry
    url: ${o.dstUrl ?? dst.url}
    credentials: { username: { env: DST_USER }, password: { env: DST_PASSWORD } }
    tls: { ca: ${src.caFile} }
  public:
    type: registry
    url: ${pub.url}
rules:
  - name: app
    source: harbor
    destination: cluster
    filters: { name: "team/**", tag: ["v*", "!*-rc*"] }
    trigger: [manual, event, { schedule: "0 2 * * *" }]
    delete_remote: { enabled: true, max: 5 }
  - name: public
    source: public
    destination: public
    filters: { name: "lib/**"${o.publicTags ? `, tag: ${o.publicTags}` : ''} }
    destination_namespace: mirror
`;
}

/** A port nothing listens on. */
async function closedPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

/** Spawns `node dist/index.js` the way the runner does. */
async function runAction(o: {
  event: string;
  fixture?: string;
  replace?: Record<string, string>;
  inputs?: Record<string, string>;
  env?: Record<string, string>;
}): Promise<Run> {
  const dir = join(tmp.path, `run-${captured.length}`);
  await mkdir(dir, { recursive: true });
  let payload = o.fixture ? await readFile(join(EVENTS, o.fixture), 'utf8') : '{}';
  for (const [k, v] of Object.entries({ 'harbor.example.com': src.host, ...o.replace }))
    payload = payload.split(k).join(v);
  const files = { event: join(dir, 'event.json'), summary: join(dir, 'summary.md'), output: join(dir, 'output.txt') };
  await writeFile(files.event, payload);
  await writeFile(files.summary, '');
  await writeFile(files.output, '');
  const inputs: Record<string, string> = {
    config: 'replication.yaml',
    'github-token': 'ghs_fakeInstallationToken0123456789',
    ...o.inputs,
  };
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    HOME: dir,
    DOCKER_CONFIG: join(dir, 'docker'), // no runner credentials leak in
    RUNNER_TEMP: dir,
    GITHUB_ACTIONS: 'true',
    GITHUB_EVENT_NAME: o.event,
    GITHUB_EVENT_PATH: files.event,
    GITHUB_STEP_SUMMARY: files.summary,
    GITHUB_OUTPUT: files.output,
    GITHUB_WORKSPACE: ws,
    GITHUB_REPOSITORY: 'acme/platform-mirrors',
    GITHUB_API_URL: api.url,
    GITHUB_SERVER_URL: 'https://github.com',
    GITHUB_RUN_ID: '4242',
    GITHUB_SHA: '0'.repeat(40),
    SRC_USER: 'ferry',
    SRC_PASSWORD,
    DST_USER: 'ferry',
    DST_PASSWORD,
    ...o.env,
  };
  // GitHub uppercases the name and turns spaces into underscores; dashes stay (INPUT_DRY-RUN).
  for (const [k, v] of Object.entries(inputs)) env[`INPUT_${k.replace(/ /g, '_').toUpperCase()}`] = v;
  const child = spawn(process.execPath, [DIST], { cwd: ws, env });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const code = await new Promise<number>((r) => child.on('close', (c) => r(c ?? -1)));
  const summary = await readFile(files.summary, 'utf8');
  const outputs = parseOutputs(await readFile(files.output, 'utf8'));
  const report = outputs.report ? JSON.parse(await readFile(outputs.report, 'utf8')) : undefined;
  captured.push(
    { where: `${o.event} stdout`, text: stdout },
    { where: `${o.event} stderr`, text: stderr },
    { where: `${o.event} summary`, text: summary },
  );
  if (outputs.report) captured.push({ where: `${o.event} report`, text: await readFile(outputs.report, 'utf8') });
  return { code, stdout, stderr, summary, outputs, report };
}

function parseOutputs(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  const re = /^([^<\n]+)<<(\S+)\n([\s\S]*?)\n\2$/gm;
  for (const m of text.matchAll(re)) out[m[1]!] = m[3]!;
  return out;
}

/** `::error file=…,line=…::message` lines. */
function annotations(stdout: string, level = 'error'): (Record<string, string | undefined> & { message: string })[] {
  return stdout
    .split('\n')
    .filter((l) => l.startsWith(`::${level} `))
    .map((l) => {
      const m = /^::\w+ (.*?)::(.*)$/.exec(l)!;
      const props = Object.fromEntries(m[1]!.split(',').map((p) => p.split('=') as [string, string]));
      return { ...props, message: m[2]! };
    });
}

async function commit(message: string, text: string): Promise<string> {
  await writeFile(join(ws, 'replication.yaml'), text);
  await git('git', ['add', 'replication.yaml'], { cwd: ws });
  await git('git', ['-c', 'user.name=t', '-c', 'user.email=t@e', 'commit', '-qm', message], { cwd: ws });
  return (await git('git', ['rev-parse', 'HEAD'], { cwd: ws })).stdout.trim();
}

const tagsOf = (reg: RunningRegistry, repo: string) =>
  listTags(dockerRef(reg, repo), refOptions(reg)).then((t) => t.sort());

beforeAll(async () => {
  await ensureBuilt();
  tmp = await createTempDir('ferry-action-');
  ws = join(tmp.path, 'repo');
  await mkdir(ws);
  [src, dst, pub, api] = await Promise.all([
    startRegistry({ mode: 'token', users: { ferry: SRC_PASSWORD } }),
    startRegistry({ mode: 'basic', users: { ferry: DST_PASSWORD } }),
    startRegistry({ mode: 'anonymous' }),
    startGitHubApi(),
  ]);
  layout = await createLayout(join(tmp.path, 'layout'));
  for (const t of ['app-v1', 'app-v2', 'app-v1-rc1', 'app-v3', 'web-v1', 'web-v2', 'tool-1.0', 'gh-v1', 'broken-v1'])
    images[t] = layout.addImage({ tag: t, layers: [512], seed: `action-${t}` });
  layout.write();
  const seeds: [string, RunningRegistry, string][] = [
    ['app-v1', src, 'team/app:v1'],
    ['app-v2', src, 'team/app:v2'],
    ['app-v1-rc1', src, 'team/app:v1-rc1'],
    ['web-v1', src, 'team/web:v1'],
    ['web-v2', src, 'team/web:v2'],
    ['tool-1.0', pub, 'lib/tool:1.0'],
  ];
  for (const [tag, reg, target] of seeds) await seedImage(layout.dir, tag, reg, target);
  await git('git', ['init', '-q', '-b', 'main'], { cwd: ws });
  await commit('rules', config());
  await mkdir(join(ws, '.github/workflows'), { recursive: true });
  await writeFile(join(ws, '.github/workflows/replicate.yml'), 'on:\n  schedule:\n    - cron: "0 2 * * *"\njobs: {}\n');
}, 120_000);

afterAll(async () => {
  await Promise.all([src?.stop(), dst?.stop(), pub?.stop(), api?.stop()]);
  await tmp?.remove();
});

describe('validate', () => {
  it('annotates the offending lines, fails the step and says so in the PR comment', async () => {
    await writeFile(
      join(ws, 'broken.yaml'),
      'version: 1\nregistries:\n  a: { type: registry, url: https://a.example.com }\nrules:\n  - name: r\n    source: a\n    destination: nowhere\n',
    );
    const r = await runAction({
      event: 'pull_request',
      fixture: 'pull_request.json',
      inputs: { config: 'broken.yaml' },
    });
    expect(r.code).toBe(1);
    const errors = annotations(r.stdout);
    expect(errors).toContainEqual(expect.objectContaining({ file: 'broken.yaml', line: '7' }));
    expect(errors[0]!.message).toMatch(/nowhere/);
    expect(r.summary).toMatch(/❌ `broken.yaml` has 1 error/);
    const posted = api.requests.filter((q) => q.method === 'POST');
    expect(posted).toHaveLength(1);
    expect(posted[0]!.body!.body).toMatch(/ferry plan: ❌ invalid/);
    expect(posted[0]!.body!.body).toContain('<!-- ferry:plan path=broken.yaml -->');
    api.comments.length = 0;
    api.requests.length = 0;
  });

  it('warns about a rule schedule that no workflow fires', async () => {
    await writeFile(join(ws, 'cron.yaml'), config().replace('"0 2 * * *"', '"30 4 * * 1"'));
    const r = await runAction({ event: 'workflow_dispatch', inputs: { config: 'cron.yaml', command: 'validate' } });
    expect(r.code).toBe(0);
    expect(annotations(r.stdout, 'warning')).toContainEqual(
      expect.objectContaining({ file: 'cron.yaml', message: expect.stringContaining('30 4 * * 1') }),
    );
    expect(r.summary).toMatch(/⚠️ `cron.yaml` is valid \(2 rules, 3 registries\) · warnings \(1 config warning\)/);
    // Under fail-on: warning the same file fails the step, and the headline says so.
    const strict = await runAction({
      event: 'workflow_dispatch',
      inputs: { config: 'cron.yaml', command: 'validate', 'fail-on': 'warning' },
    });
    expect(strict.code).toBe(1);
    expect(strict.summary).toMatch(/^## ferry validate: ❌ `cron.yaml` is valid \(2 rules, 3 registries\) · warnings/);
  });
});

describe('workflow_dispatch (manual Replicate)', () => {
  it('plans only when the dispatch asks for a dry run, and writes nothing', async () => {
    const r = await runAction({ event: 'workflow_dispatch', fixture: 'workflow_dispatch.json' });
    expect(r.code).toBe(0);
    expect(r.outputs).toMatchObject({ 'would-copy': '5', copied: '0', changed: 'true' });
    expect(r.summary).toContain('would copy');
    await expect(tagsOf(dst, 'team/app')).rejects.toThrow();
  });

  it('replicates every enabled rule, then finds nothing to change', async () => {
    const r = await runAction({
      event: 'workflow_dispatch',
      fixture: 'workflow_dispatch.json',
      inputs: { 'dry-run': 'false' },
    });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.outputs).toMatchObject({ copied: '5', failed: '0', changed: 'true' });
    expect(await tagsOf(dst, 'team/app')).toEqual(['v1', 'v2']);
    expect(await tagsOf(pub, 'mirror/tool')).toEqual(['1.0']);
    const again = await runAction({
      event: 'workflow_dispatch',
      fixture: 'workflow_dispatch.json',
      inputs: { 'dry-run': 'false' },
    });
    expect(again.outputs).toMatchObject({ copied: '0', unchanged: '5', changed: 'false' });
  });
});

describe('schedule', () => {
  it('runs the rules whose schedule trigger fired, and only those', async () => {
    const r = await runAction({ event: 'schedule', fixture: 'schedule.json' });
    expect(r.code).toBe(0);
    expect(new Set(r.report!.results.map((x) => x.rule))).toEqual(new Set(['app']));
    expect(r.summary).toMatch(/Scheduled run for .*0 2 .*: app\./);
  });

  it('does nothing for a cron no rule uses', async () => {
    const r = await runAction({ event: 'schedule', fixture: 'schedule.json', replace: { '0 2 * * *': '15 5 * * *' } });
    expect(r.code).toBe(0);
    expect(r.summary).toMatch(/nothing to do/);
    expect(r.outputs.changed).toBe('false');
  });
});

describe('registry events', () => {
  it('replicates just the artifact of a Harbor PUSH_ARTIFACT webhook', async () => {
    await seedImage(layout.dir, 'app-v3', src, 'team/app:v3');
    const logged = (await readFile(src.logFile, 'utf8')).length;
    const r = await runAction({
      event: 'repository_dispatch',
      fixture: 'repository_dispatch-harbor-push.json',
      replace: { DIGEST: images['app-v3']!.digest },
    });
    expect(r.code, r.stdout).toBe(0);
    expect(r.report!.results.map((x) => `${x.rule} ${x.tag} ${x.status}`)).toEqual(['app v3 copied']);
    // The pushed repository's tags are listed; the source's catalog is not (one push, one repository).
    const asked = (await readFile(src.logFile, 'utf8')).slice(logged);
    expect(asked).toMatch(/GET \/v2\/team\/app\/tags\/list/);
    expect(asked).not.toMatch(/_catalog/);
    expect(r.outputs.copied).toBe('1');
    expect(await tagsOf(dst, 'team/app')).toEqual(['v1', 'v2', 'v3']);
    // The report says the run was narrowed to the event's artifact.
    expect(r.report!.event).toEqual({
      name: 'repository_dispatch',
      artifacts: [`push ${src.host}/team/app:v3@${images['app-v3']!.digest}`],
    });
  });

  it('a payload part it cannot read is a warning of the run that reads the rest', async () => {
    const event = JSON.parse(await readFile(join(EVENTS, 'repository_dispatch-harbor-push.json'), 'utf8')) as {
      client_payload: { event_data: { resources: Record<string, string>[] } };
    };
    // A second resource whose host a relay dropped.
    event.client_payload.event_data.resources.push({ digest: 'DIGEST', tag: 'v2' });
    const file = join(tmp.path, 'events-half-read.json');
    await writeFile(file, JSON.stringify(event));
    const r = await runAction({
      event: 'repository_dispatch',
      fixture: relative(EVENTS, file),
      replace: { DIGEST: images['app-v3']!.digest },
      inputs: { 'fail-on': 'warning' },
    });
    expect(r.report!.results.map((x) => `${x.tag} ${x.status}`)).toEqual(['v3 unchanged']);
    // One annotation for it, among the run's warnings.
    expect(r.stdout.match(/^::warning.*event_data\.resources\[1\]\.resource_url: missing/gm)).toHaveLength(1);
    expect(r.summary).toMatch(/\| \(event\) \| event\\_data\.resources\\\[1\\\]\.resource\\_url: missing/);
    // Told once, as the run's warning, not again among the notes.
    expect(r.summary.match(/resource\\_url: missing/g)).toHaveLength(1);
    expect(r.code).toBe(1);
  });

  it('takes a plain {registry, repository, tag} payload', async () => {
    const r = await runAction({ event: 'repository_dispatch', fixture: 'repository_dispatch-plain.json' });
    expect(
      r.report!.results.map((x) => `${x.rule} ${x.destination.split('/').slice(1).join('/')} ${x.status}`),
    ).toEqual(['app team/web:v2 unchanged']);
  });

  it('refuses payload strings that are not references, and runs nothing', async () => {
    const before = await readFile(dst.logFile, 'utf8');
    const r = await runAction({ event: 'repository_dispatch', fixture: 'repository_dispatch-injection.json' });
    expect(r.code).toBe(0);
    expect(r.summary).toMatch(/invalid tag/);
    expect(r.stdout).not.toMatch(/^::error::pwned/m);
    expect(r.summary).not.toMatch(/\n::error/);
    expect((await readFile(dst.logFile, 'utf8')).length).toBe(before.length); // not one request
  });

  it('a payload it cannot read warns, and fails the step under fail-on: warning', async () => {
    // A relay that lost the registry host: before, a green "nothing to do" on every push.
    const payload = join(tmp.path, 'events-broken-relay.json');
    await writeFile(payload, JSON.stringify({ action: 'x', client_payload: { repository: 'team/app', tag: 'v9' } }));
    const fixture = relative(EVENTS, payload);
    const quiet = await runAction({ event: 'repository_dispatch', fixture });
    expect(quiet.code, quiet.stdout).toBe(0);
    expect(quiet.stdout).toMatch(/::warning::ferry: the event's payload: registry: missing/);
    expect(quiet.summary).toMatch(/⚠️ nothing to do/);
    expect(quiet.summary).toMatch(/payload names no artifact ferry can read/);
    const strict = await runAction({ event: 'repository_dispatch', fixture, inputs: { 'fail-on': 'warning' } });
    expect(strict.code).toBe(1);
    expect(strict.stdout).toMatch(/::error::.*the event could not be used \(1 problem\)/);
  });

  it('an event from a registry no rule reads from warns, and names the hosts the rules read from', async () => {
    // A Harbor whose webhook names another host than replication.yaml's url: before, a green
    // "no rule with an event trigger matches this artifact" on every push.
    const r = await runAction({
      event: 'repository_dispatch',
      fixture: 'repository_dispatch-harbor-push.json',
      replace: { [src.host]: 'harbor.internal:8443', DIGEST: images['app-v3']!.digest },
    });
    expect(r.code, r.stdout).toBe(0);
    expect(r.stdout).toMatch(
      new RegExp(
        `::warning::ferry: the event's payload: harbor\\.internal:8443 is the source registry of no enabled rule \\(they read from ${src.host.replace(/\./g, '\\.')}`,
      ),
    );
    expect(r.summary).toMatch(/⚠️ nothing to do/);
    expect(r.summary).toMatch(
      /no rule with an event trigger takes this artifact: no rule reads from harbor\.internal:8443/,
    );
  });

  it('propagates a Harbor DELETE_ARTIFACT where the rule has delete_remote', async () => {
    await runSkopeo([
      'delete',
      '--creds',
      `ferry:${SRC_PASSWORD}`,
      '--cert-dir',
      src.certDir!,
      dockerRef(src, 'team/app:v3'),
    ]);
    // Sharded, the event's deletions are shard 1's alone: the others would race it for the same tags.
    const second = await runAction({
      event: 'repository_dispatch',
      fixture: 'repository_dispatch-harbor-delete.json',
      replace: { DIGEST: images['app-v3']!.digest },
      inputs: { shard: '2/2' },
    });
    expect(second.code, second.stdout).toBe(0);
    expect(second.outputs).toMatchObject({ deleted: '0' });
    expect(await tagsOf(dst, 'team/app')).toContain('v3');
    const r = await runAction({
      event: 'repository_dispatch',
      fixture: 'repository_dispatch-harbor-delete.json',
      replace: { DIGEST: images['app-v3']!.digest },
      inputs: { shard: '1/2' },
    });
    expect(r.code, r.stdout).toBe(0);
    expect(r.outputs).toMatchObject({ deleted: '1', changed: 'true' });
    expect(await tagsOf(dst, 'team/app')).toEqual(['v1', 'v2']);
    // Before: the deletion was only a debug line, with no group for its rule.
    expect(r.stdout).toMatch(/^::group::rule app: harbor → cluster\n(.*\n)*?.*deleted .*team\/app:v3/m);
  });

  it('a deletion for a rule without delete_remote is a note, not a skipped row that fails fail-on: warning', async () => {
    await writeFile(
      join(ws, 'no-delete.yaml'),
      config().replace(
        /rules:\n[\s\S]*$/,
        'rules:\n  - name: keep\n    source: harbor\n    destination: cluster\n    filters: { name: "team/**" }\n' +
          '    destination_namespace: kept\n    trigger: event\n',
      ),
    );
    const r = await runAction({
      event: 'repository_dispatch',
      fixture: 'repository_dispatch-harbor-delete.json',
      replace: { DIGEST: images['app-v3']!.digest },
      inputs: { config: 'no-delete.yaml', 'fail-on': 'warning' },
    });
    // Before: a "skipped" row for cluster/team/app:v3 (not the rule's kept/app) and a failed step.
    expect(r.code, r.stdout + r.summary).toBe(0);
    expect(r.summary).toMatch(
      /nothing to do\n\n> ℹ️ rule keep does not propagate deletions \(delete\\_remote is off\): its copy of team\/app:v3 stays\n/,
    );
    expect(r.summary.match(/does not propagate/g)).toHaveLength(1);
  });

  it('replicates a GHCR package version from the registry_package event', async () => {
    await seedImage(layout.dir, 'gh-v1', pub, 'acme/app:v1');
    await writeFile(
      join(ws, 'ghcr.yaml'),
      `version: 1\nregistries:\n  ghcr: { type: ghcr, url: ${pub.url}, repositories: [acme/app] }\n  public: { type: registry, url: ${pub.url} }\nrules:\n  - name: from-ghcr\n    source: ghcr\n    destination: public\n    destination_namespace: gh\n    filters: { name: "acme/*" }\n    trigger: event\n`,
    );
    const r = await runAction({
      event: 'registry_package',
      fixture: 'registry_package.json',
      inputs: { config: 'ghcr.yaml' },
      replace: { DIGEST: images['gh-v1']!.digest },
    });
    expect(r.code, r.stdout + r.summary).toBe(0);
    expect(r.report!.results.map((x) => `${x.rule} ${x.tag} ${x.status}`)).toEqual(['from-ghcr v1 copied']);
    expect(await tagsOf(pub, 'gh/app')).toEqual(['v1']);
  });
});

describe('push to the default branch', () => {
  it('reconciles only the rules the push changed', async () => {
    const before = (await git('git', ['rev-parse', 'HEAD'], { cwd: ws })).stdout.trim();
    const after = await commit('public: only 1.x', config({ publicTags: '["1.*"]' }));
    const r = await runAction({
      event: 'push',
      fixture: 'push.json',
      replace: { BEFORE_SHA: before, AFTER_SHA: after },
    });
    expect(r.code).toBe(0);
    expect(r.summary).toContain('Reconciling the rules this push changed: public.');
    expect(new Set(r.report!.results.map((x) => x.rule))).toEqual(new Set(['public']));
  });
});

describe('pull_request', () => {
  let recorder: RecordingServer;
  let base: string;
  beforeAll(async () => {
    base = (await git('git', ['rev-parse', 'HEAD'], { cwd: ws })).stdout.trim();
    const tls = await getTestTls();
    recorder = await startRecordingServer({
      host: '127.0.0.2',
      tls: { cert: tls.certPem, key: tls.keyPem },
      status: 401,
      headers: { 'www-authenticate': 'Basic realm="evil"', 'content-type': 'application/json' },
      body: '{"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]}',
    });
  });
  afterAll(async () => {
    await writeFile(join(ws, 'replication.yaml'), config({ publicTags: '["1.*"]' })); // back to the base's file
    await recorder?.stop();
  });

  it('plans with no credentials for a registry whose URL the PR changed, in one comment updated in place', async () => {
    await writeFile(join(ws, 'replication.yaml'), config({ dstUrl: recorder.url, publicTags: '["1.*"]' }));
    const event = { fixture: 'pull_request.json', replace: { BASE_SHA: base, HEAD_SHA: 'f'.repeat(40) } };
    const r = await runAction({ event: 'pull_request', ...event });
    expect(r.code, r.stdout).toBe(0);
    expect(recorder.requests.length).toBeGreaterThan(0);
    expect(recorder.requests.filter((q) => q.headers.authorization)).toEqual([]);
    const [comment] = api.comments;
    expect(api.comments).toHaveLength(1);
    expect(comment!.body).toContain('<!-- ferry:plan path=replication.yaml -->');
    expect(comment!.body).toMatch(
      /Registry cluster is new or changed its URL, TLS or credentials in this pull request/,
    );
    expect(comment!.body).toMatch(/rule app: skipped: credentials unavailable/);
    // The log says why the rule was not planned; before, "✖ rule error" beside a green check.
    expect(r.stdout).toMatch(
      /^ {2}⚠ not planned \(a registry it uses is new or changed in this pull request, so its credentials are withheld until the merge\): /m,
    );
    expect(r.stdout).not.toMatch(/✖ rule error/);
    expect(comment!.body.split('\n')[0]).toMatch(
      /partial plan: 1 rule not planned .*on merge: .*1 not planned \(credentials withheld\)/,
    );
    // The plan's picture names the rule that could not be planned on its edge.
    expect(comment!.body).toMatch(/ {2}r0\["harbor"\] -->\|"rule app: not planned"\| r1\["cluster"\]\n/);
    expect(r.summary).toContain('ferry plan');

    const again = await runAction({ event: 'pull_request', ...event });
    expect(again.code).toBe(0);
    expect(api.comments).toHaveLength(1);
    expect(api.requests.map((q) => `${q.method} ${q.path.replace(/\?.*/, '')}`)).toEqual([
      'GET /repos/acme/platform-mirrors/issues/7/comments',
      'POST /repos/acme/platform-mirrors/issues/7/comments',
      'GET /repos/acme/platform-mirrors/issues/7/comments',
      ...(api.requests.at(-1)!.method === 'PATCH'
        ? [`PATCH /repos/acme/platform-mirrors/issues/comments/${comment!.id}`]
        : []),
    ]);
    expect(
      api.requests.every((q) => /^(Bearer|token) ghs_fakeInstallationToken0123456789$/.test(q.authorization ?? '')),
    ).toBe(true);
    captured.push(...api.comments.map((c) => ({ where: 'comment', text: c.body })));
  });

  it('plans with no credentials for a registry whose CA file the PR rewrote under the same path', async () => {
    // The base trusts a CA that does not sign the endpoint; the pull request swaps in one that
    // does, at the same path. Before, the path compared equal and the password went along.
    const tls = await getTestTls();
    const rules = config({ dstUrl: recorder.url, publicTags: '["1.*"]' }).replace(
      new RegExp(`(url: ${recorder.url.replace(/[.:/]/g, '\\$&')}\n.*\n    tls: \\{ ca: )[^ ]+`),
      '$1certs/ca.pem',
    );
    expect(rules).toContain('tls: { ca: certs/ca.pem }');
    await mkdir(join(ws, 'certs'), { recursive: true });
    await writeFile(join(ws, 'certs/ca.pem'), await readFile(tls.tokenSigning.certFile, 'utf8'));
    await git('git', ['add', 'certs/ca.pem'], { cwd: ws });
    const before = await commit('cluster behind its own CA', rules);
    try {
      await writeFile(join(ws, 'certs/ca.pem'), tls.caPem);
      const seen = recorder.requests.length;
      const r = await runAction({
        event: 'pull_request',
        fixture: 'pull_request.json',
        replace: { BASE_SHA: before, HEAD_SHA: 'c'.repeat(40) },
      });
      expect(r.code, r.stdout).toBe(0);
      expect(recorder.requests.length).toBeGreaterThan(seen);
      expect(recorder.requests.slice(seen).filter((q) => q.headers.authorization)).toEqual([]);
      expect(r.summary).toMatch(/Registry cluster is new or changed its URL, TLS or credentials in this pull request/);
    } finally {
      await git('git', ['rm', '-q', '-f', 'certs/ca.pem'], { cwd: ws });
      await commit('back to the rules before', config({ publicTags: '["1.*"]' }));
    }
  });

  it('fails the check on the rules the merge runs, not on drift in a rule it leaves alone', async () => {
    const port = await closedPort();
    // Rule to-down writes to a registry that is down: it cannot be planned.
    const rules = (downTags: string) =>
      config({ publicTags: '["1.*"]' }).replace(
        '  public:\n',
        `  down:\n    type: registry\n    url: http://127.0.0.1:${port}\n  public:\n`,
      ) +
      `  - name: to-down\n    source: public\n    destination: down\n    filters: { name: "lib/**", tag: ${downTags} }\n`;
    const withDown = await commit('a rule into a registry that is down', rules('["1.*"]'));
    const event = { fixture: 'pull_request.json', replace: { BASE_SHA: withDown, HEAD_SHA: 'd'.repeat(40) } };
    try {
      // The pull request edits rule public only: to-down's failure is drift, shown apart.
      await writeFile(
        join(ws, 'replication.yaml'),
        rules('["1.*"]').replace(
          'filters: { name: "lib/**", tag: ["1.*"] }\n    destination_namespace',
          'filters: { name: "lib/**", tag: ["1.*", "2.*"] }\n    destination_namespace',
        ),
      );
      const drift = await runAction({ event: 'pull_request', ...event });
      expect(drift.code, drift.stdout).toBe(0);
      // The outputs count what the merge runs (rule public), as the comment's "On merge" line does;
      // before, they counted every rule's rows, drift included.
      const onMerge = drift.report!.results.filter((x) => x.rule === 'public');
      expect(drift.report!.results.length).toBeGreaterThan(onMerge.length);
      for (const status of ['unchanged', 'would-copy', 'would-delete'])
        expect(drift.outputs[status], status).toBe(String(onMerge.filter((x) => x.status === status).length));
      // The other rule's rows are in sync (unchanged): no drift is claimed of them.
      expect(drift.stdout).toMatch(/^Total: 1 (unchanged|would copy);/m);
      expect(drift.stdout).not.toMatch(/are drift in the registries|is drift in the registries/);
      const first = api.comments.at(-1)!.body.split('\n')[0];
      expect(first).toMatch(/^## ferry plan: ✅ valid · on merge: 1 rule runs/);
      expect(api.comments.at(-1)!.body).toMatch(/Other rules[\s\S]*to-down/);
      // Its annotations agree with the check: a warning on the rule, not an error.
      const titled = (stdout: string, level?: string) =>
        annotations(stdout, level).map((a) => ({ ...a, title: decodeURIComponent(a.title ?? '') }));
      expect(titled(drift.stdout).filter((a) => a.title === 'ferry: rule to-down')).toEqual([]);
      expect(titled(drift.stdout, 'warning')).toContainEqual(
        expect.objectContaining({
          title: 'ferry: rule to-down',
          message: expect.stringMatching(/^not run on merge \(this pull request does not change the rule\): /),
        }),
      );

      // Edited by the pull request, the same failure is the merge's: the check fails, and says so first.
      await writeFile(join(ws, 'replication.yaml'), rules('["1.*", "2.*"]'));
      const mine = await runAction({ event: 'pull_request', ...event });
      expect(mine.code, mine.stdout).toBe(1);
      expect(titled(mine.stdout)).toContainEqual(expect.objectContaining({ title: 'ferry: rule to-down' }));
      expect(api.comments.at(-1)!.body.split('\n')[0]).toMatch(/^## ferry plan: ❌ valid · 1 rule error · /);
      expect(mine.summary).toMatch(/ferry plan: ❌ valid · 1 rule error/);
    } finally {
      await commit('back to the rules before', config({ publicTags: '["1.*"]' }));
    }
  });

  it('names the tags a narrowed tag filter leaves at the destination', async () => {
    const before = await commit('the public rule copies every tag', config());
    try {
      const copied = await runAction({ event: 'workflow_dispatch', inputs: { rules: 'public' } });
      expect(copied.code, copied.stdout).toBe(0);
      await writeFile(join(ws, 'replication.yaml'), config({ publicTags: '["2.*"]' }));
      const r = await runAction({
        event: 'pull_request',
        fixture: 'pull_request.json',
        replace: { BASE_SHA: before, HEAD_SHA: 'c'.repeat(40) },
      });
      expect(r.code, r.stdout).toBe(0);
      // Before, the comment said nothing of the tag the merge leaves behind.
      expect(api.comments.at(-1)!.body).toMatch(
        /the filters before this change selected 1 tag still at the destination that these filters do not \(mirror\/tool:1\.0\): it stays as it is/,
      );
    } finally {
      await commit('back to the rules before', config({ publicTags: '["1.*"]' }));
    }
  });

  it('from a fork: plans what anonymous access can read, and a refused comment still leaves the summary', async () => {
    api.readOnly = true;
    try {
      const r = await runAction({
        event: 'pull_request',
        fixture: 'pull_request-fork.json',
        replace: { BASE_SHA: base, HEAD_SHA: 'e'.repeat(40) },
        env: { SRC_PASSWORD: '', DST_PASSWORD: '' },
      });
      expect(r.code, r.stdout).toBe(0);
      expect(r.stdout).toMatch(/::warning::ferry: could not comment on the pull request \(POST .*403/);
      expect(r.summary).toMatch(/comes from a fork/);
      expect(r.stdout).toMatch(/^ {2}⚠ not planned \(a pull request from a fork gets no secrets\): /m);
      expect(r.summary).toMatch(/rule app: skipped: credentials unavailable/);
      expect(r.summary).toMatch(/=1 unchanged/); // the public rule planned anonymously
    } finally {
      api.readOnly = false;
    }
  });
});

describe('sharding over a matrix', () => {
  it('splits the units, runs each shard, and merges the shard reports into one summary', async () => {
    const m = await runAction({ event: 'workflow_dispatch', inputs: { command: 'matrix', shards: '2' } });
    expect(m.code).toBe(0);
    const matrix = JSON.parse(m.outputs.matrix!) as {
      include: { shard: string; units: number; deletions: string }[];
    };
    expect(matrix.include.map((e) => e.shard)).toEqual(['1/2', '2/2']);
    expect(matrix.include.reduce((n, e) => n + e.units, 0)).toBe(3); // team/app, team/web, lib/tool
    // Rule app (delete_remote.max 5) has its shares dealt once, adding up to max; public deletes nothing.
    const shares = matrix.include.map((e) => (JSON.parse(e.deletions) as { max: Record<string, number> }).max);
    expect(shares.reduce((n, s) => n + (s.app ?? 0), 0)).toBe(5);
    expect(shares.every((s) => s.public === undefined)).toBe(true);
    // The matrix job's summary shows them, shard by shard.
    expect(m.summary).toMatch(/\| Shard \| Units \| Tags \| Deletions allowed \(of delete_remote\.max\) \|/);
    expect(m.summary).toMatch(/\| 1\/2 \| \d+ \| \d+ \| (app \d+|—) \|/);

    const whole = await runAction({ event: 'workflow_dispatch', inputs: { 'dry-run': 'true' } });
    const shards: Run[] = [];
    for (const { shard, deletions } of matrix.include) {
      const i = shard.split('/')[0];
      shards.push(
        await runAction({
          event: 'workflow_dispatch',
          inputs: {
            shard,
            'deletion-shares': deletions,
            'dry-run': 'true',
            'report-path': `reports/shard-${i}/ferry-report.json`,
          },
        }),
      );
    }
    expect(shards.map((s) => s.code)).toEqual([0, 0]);
    const keys = (rs: Run[]) => rs.flatMap((s) => s.report!.results.map((x) => x.destination)).sort();
    expect(keys(shards)).toEqual(keys([whole]));
    expect(
      shards.map((s) => s.report!.results.length),
      shards.map((s) => s.stdout).join('\n'),
    ).not.toContain(0);

    const merged = await runAction({ event: 'workflow_dispatch', inputs: { command: 'report', reports: 'reports' } });
    expect(merged.code, merged.stdout).toBe(0);
    expect(merged.outputs.unchanged).toBe(whole.outputs.unchanged);
    expect(merged.summary).toMatch(/2 shards/);
  });
});

describe('a sharded run whose source cannot be listed', () => {
  it('still shards the other rules, and the merged report fails with the rule error once', async () => {
    await writeFile(
      join(ws, 'half-gone.yaml'),
      config().replace(
        'rules:\n',
        '  gone: { type: oci-layout, path: ./no-such-layout }\n  out: { type: oci-layout, path: ./out-missing }\n' +
          'rules:\n  - name: from-gone\n    source: gone\n    destination: out\n',
      ),
    );
    const m = await runAction({
      event: 'workflow_dispatch',
      inputs: { config: 'half-gone.yaml', command: 'matrix', shards: '2' },
    });
    // One rule's source failing is not every rule's: the matrix is made, and the error is the shards' to report.
    expect(m.code, m.stdout).toBe(0);
    expect(m.stdout).toMatch(/::warning::.*from-gone.*no-such-layout/);
    const matrix = JSON.parse(m.outputs.matrix!) as { include: { shard: string; units: number }[] };
    expect(matrix.include.reduce((n, e) => n + e.units, 0)).toBe(3);
    for (const { shard } of matrix.include)
      await runAction({
        event: 'workflow_dispatch',
        inputs: {
          config: 'half-gone.yaml',
          shard,
          'dry-run': 'true',
          'report-path': `half-gone-reports/shard-${shard.split('/')[0]}/ferry-report.json`,
        },
      });
    const merged = await runAction({
      event: 'workflow_dispatch',
      inputs: { config: 'half-gone.yaml', command: 'report', reports: 'half-gone-reports' },
    });
    expect(merged.code).toBe(1);
    expect(merged.report!.ruleErrors.filter((e) => e.rule === 'from-gone')).toHaveLength(1);
  });

  it('a delete event is not failed by a rule it does not name', async () => {
    // An unrelated, manual-only rule whose source is gone: the event names a tag of rule app only.
    await writeFile(
      join(ws, 'delete-sharded.yaml'),
      config().replace(
        'rules:\n',
        '  gone: { type: oci-layout, path: ./no-such-layout }\n  out: { type: oci-layout, path: ./out-missing }\n' +
          'rules:\n  - name: from-gone\n    source: gone\n    destination: out\n',
      ),
    );
    const event = {
      event: 'repository_dispatch',
      fixture: 'repository_dispatch-harbor-delete.json',
      replace: { DIGEST: images['app-v3']!.digest },
    };
    const m = await runAction({ ...event, inputs: { config: 'delete-sharded.yaml', command: 'matrix', shards: '2' } });
    // Before: the matrix listed every rule, and warned about from-gone.
    expect(m.code, m.stdout).toBe(0);
    expect(m.stdout).not.toMatch(/from-gone/);
    const r = await runAction({ ...event, inputs: { config: 'delete-sharded.yaml', shard: '1/2' } });
    // Before: "1 rule error (rule from-gone was not carried out)", exit code 1.
    expect(r.code, r.stdout + r.summary).toBe(0);
    expect(r.report!.ruleErrors).toEqual([]);
  });

  it('reports the failure once, not once from discovery and again from the run', async () => {
    await writeFile(
      join(ws, 'missing-source.yaml'),
      'version: 1\nregistries:\n  gone: { type: oci-layout, path: ./no-such-layout }\n' +
        '  out: { type: oci-layout, path: ./out-missing }\nrules:\n' +
        '  - name: from-gone\n    source: gone\n    destination: out\n',
    );
    const r = await runAction({
      event: 'workflow_dispatch',
      inputs: { config: 'missing-source.yaml', shard: '1/2', 'dry-run': 'true' },
    });
    expect(r.code).toBe(1);
    expect(r.report!.ruleErrors.filter((e) => e.rule === 'from-gone')).toHaveLength(1);
    expect(r.report!.ruleErrors[0]!.message).toMatch(/no-such-layout.*does not exist/);
    // The step outputs say it too: before, every count was 0 and changed false, as for a rule in sync.
    expect(r.outputs['rule-errors']).toBe('1');
  });
});

describe('the log, annotations and summary of a run that fails', () => {
  it('groups per rule, one annotation per failed image, hints that say where to look, a webhook message', async () => {
    // A source repository whose layer is gone (garbage-collected under the tag): BLOB_UNKNOWN.
    await seedImage(layout.dir, 'broken-v1', src, 'team/broken:v1');
    const layer = images['broken-v1']!.blobs.at(-1)!.replace('sha256:', '');
    const data = join(dirname(src.logFile), 'data/docker/registry/v2');
    await rm(join(data, 'blobs/sha256', layer.slice(0, 2), layer), { recursive: true, force: true });
    await rm(join(data, 'repositories/team/broken/_layers/sha256', layer), { recursive: true, force: true });
    const port = await closedPort();
    await writeFile(
      join(ws, 'failing.yaml'),
      config()
        .replace(
          '  public:\n',
          `  closed:\n    type: registry\n    url: http://127.0.0.1:${port}\n  plainhttp:\n    type: registry\n    url: ${dst.url.replace('https:', 'http:')}\n  public:\n`,
        )
        .replace('filters: { name: "team/**", tag: ["v*", "!*-rc*"] }', 'filters: { name: "team/broken" }') +
        '  - name: to-closed\n    source: public\n    destination: closed\n    filters: { name: "lib/**" }\n' +
        '  - name: to-plain-http\n    source: public\n    destination: plainhttp\n    filters: { name: "lib/**" }\n',
    );
    const hook: string[] = [];
    const server = createServer((req, res) => {
      let body = '';
      req.on('data', (d: Buffer) => (body += d.toString()));
      req.on('end', () => (hook.push(body), res.end()));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const r = await runAction({
        event: 'workflow_dispatch',
        inputs: {
          config: 'failing.yaml',
          'dry-run': 'false',
          'notify-webhook': `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`,
          'issue-on-failure': 'true',
        },
      });
      expect(r.code, r.stdout).toBe(1);
      const lines = r.stdout.split('\n');
      // One group per rule, each closed.
      expect(lines.filter((l) => l.startsWith('::group::rule '))).toEqual([
        '::group::rule app: harbor → cluster (1 of 4)',
        '::group::rule public: public → public (2 of 4)',
        '::group::rule to-closed: public → closed (3 of 4)',
        '::group::rule to-plain-http: public → plainhttp (4 of 4)',
      ]);
      expect(lines.filter((l) => l === '::endgroup::')).toHaveLength(4);
      expect(lines.some((l) => /^ {2}✖ failed +.*team\/broken:v1/.test(l))).toBe(true);
      expect(lines.some((l) => /^ {2}= 1 unchanged$/.test(l))).toBe(true);
      expect(lines.some((l) => /^Total: 1 failed · 1 unchanged; .*; 2 rule errors/.test(l))).toBe(true);
      // Plain lines are never percent-encoded; only command data is.
      expect(lines.filter((l) => !l.startsWith('::') && /%25|%0A|%0D/.test(l))).toEqual([]);

      // The toolkit encodes property values (`:` as %3A); the runner decodes them.
      const errors = annotations(r.stdout).map((a) => ({ ...a, title: decodeURIComponent(a.title ?? '') }));
      const image = errors.find((a) => a.title === `ferry: ${dst.host}/team/broken:v1 failed`);
      expect(image, r.stdout).toBeDefined();
      // With its blob cache, this registry cuts the connection instead of answering BLOB_UNKNOWN.
      expect(image!.message).toContain(`blob sha256:${layer}`);
      const closed = errors.find((a) => a.title === 'ferry: rule to-closed');
      expect(closed).toMatchObject({ file: 'failing.yaml' });
      expect(closed!.message).toMatch(
        /ECONNREFUSED.*%0Ahint: nothing accepts connections at 127\.0\.0\.1:\d+ on each of \d+ attempts over [\d.]+ s: check the port in registries\.closed\.url/,
      );
      const plain = errors.find((a) => a.title === 'ferry: rule to-plain-http');
      expect(plain!.message).toContain(`${dst.host} speaks HTTPS: set registries.plainhttp.url to https://${dst.host}`);

      expect(r.summary.split('\n')[0]).toMatch(/— ❌ 2 rule errors · 1 failed · 1 unchanged/);
      expect(r.summary).toContain(`blob sha256:${layer}`);
      expect(r.summary).toMatch(/Selected: 1 of \d+ repositories/);

      expect(hook).toHaveLength(1);
      const message = JSON.parse(hook[0]!) as { text: string; ferry: { status: string } };
      expect(message.ferry.status).toBe('failed');
      expect(message.text).toMatch(
        /^❌ ferry run failed in acme\/platform-mirrors · failing\.yaml: 1 failed · 1 unchanged/,
      );
      expect(message.text).toContain('https://github.com/acme/platform-mirrors/actions/runs/4242');
      captured.push({ where: 'webhook', text: hook[0]! });

      // The run's picture: one edge per rule, with what happened on it.
      expect(r.summary).toContain('```mermaid\nflowchart LR\n');
      expect(r.summary).toMatch(/-->\|"rule to-closed: 1 rule error"\| r\d+\["closed"\]/);

      // issue-on-failure: the failing run opens one issue for the rules file...
      const opened = api.issues.filter((i) => i.body.includes('<!-- ferry:failing path=failing.yaml -->'));
      expect(opened).toHaveLength(1);
      expect(opened[0]).toMatchObject({ state: 'open', title: 'ferry: replication with failing.yaml is failing' });
      expect(opened[0]!.body).toContain(
        '(https://github.com/acme/platform-mirrors/actions/runs/4242) failed: 1 failed',
      );
      captured.push({ where: 'issue', text: opened[0]!.body });
      // ...and a run of the same file that succeeds closes it.
      const fixed = await runAction({
        event: 'workflow_dispatch',
        inputs: { config: 'failing.yaml', rules: 'public', 'dry-run': 'false', 'issue-on-failure': 'true' },
      });
      expect(fixed.code, fixed.stdout).toBe(0);
      expect(opened[0]).toMatchObject({ state: 'closed', state_reason: 'completed' });
      expect(api.comments.filter((c) => c.issue === opened[0]!.number).map((c) => c.body)).toEqual([
        expect.stringMatching(/^✅ \[This run\]\(https:\/\/github\.com\/.*\) succeeded: 1 unchanged/),
      ]);
    } finally {
      await new Promise<void>((r) => server.close(() => r()));
    }
  });

  it('fail-on: warning fails the step on a rule that selects nothing, and the headline says so', async () => {
    await writeFile(
      join(ws, 'warn.yaml'),
      config() +
        '  - name: empty\n    source: public\n    destination: public\n    filters: { name: "nothing/**" }\n    destination_namespace: mirror\n',
    );
    const r = await runAction({
      event: 'workflow_dispatch',
      inputs: { config: 'warn.yaml', rules: 'empty', 'dry-run': 'true', 'fail-on': 'warning' },
    });
    expect(r.code, r.stdout).toBe(1);
    const line = (await readFile(join(ws, 'warn.yaml'), 'utf8')).split('\n').indexOf('  - name: empty') + 1;
    expect(annotations(r.stdout, 'warning')).toContainEqual(
      expect.objectContaining({ file: 'warn.yaml', line: String(line), title: 'ferry%3A rule empty' }),
    );
    expect(r.summary.split('\n')[0]).toMatch(/ — ❌ /);
    expect(r.summary).toMatch(/> ❌ The step failed: warnings .*fail-on is warning/);
    expect(r.summary).toMatch(/### ⚠️ Warnings \(1\)/);
  });
});

describe('secret-leak sweep (T26)', () => {
  it('finds no password, basic blob or issued token in anything a user sees', () => {
    const tokens = src.tokenServer!.requests.map((q) => q.token).filter((t): t is string => !!t);
    expect(tokens.length).toBeGreaterThan(0);
    const secrets = [
      SRC_PASSWORD,
      DST_PASSWORD,
      Buffer.from(`ferry:${SRC_PASSWORD}`).toString('base64'),
      Buffer.from(`ferry:${DST_PASSWORD}`).toString('base64'),
      'ghs_fakeInstallationToken0123456789',
      ...tokens,
    ];
    expect(captured.length).toBeGreaterThan(40);
    const hits = captured.flatMap(({ where, text }) =>
      secrets
        // `::add-mask::` is how the runner learns a secret; it never shows that line.
        .filter((s) => text.split('\n').some((l) => l.includes(s) && !l.startsWith('::add-mask::')))
        .map((s) => `${where}: ${s.slice(0, 6)}…`),
    );
    expect(hits).toEqual([]);
    const masked = captured
      .filter((c) => c.where.endsWith('stdout'))
      .some((c) => c.text.includes(`::add-mask::${SRC_PASSWORD}`));
    expect(masked).toBe(true);
  });
});

/** Builds dist/ when any source file is newer than dist/index.js, so the suite runs what it tests. */
async function ensureBuilt(): Promise<void> {
  const built = await stat(DIST).then(
    (s) => s.mtimeMs,
    () => 0,
  );
  const newest = async (dir: string): Promise<number> => {
    let m = 0;
    for (const e of await readdir(dir, { withFileTypes: true })) {
      const p = join(dir, e.name);
      m = Math.max(m, e.isDirectory() ? await newest(p) : (await stat(p)).mtimeMs);
    }
    return m;
  };
  if ((await newest(join(ROOT, 'src'))) > built)
    await git('npm', ['run', 'build'], { cwd: ROOT, maxBuffer: 64 * 1024 * 1024 });
}
