import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, expect, test, vi } from 'vitest';
import { loadConfig } from '../../../src/config/index.js';
import { OciLayoutStore } from '../../../src/providers/oci-layout.js';
import { StoreSet } from '../../../src/providers/index.js';
import { propagateDeletions } from '../../../src/replicate/deletions.js';
import { runConfig } from '../../../src/replicate/run.js';
import { putLayoutImage, putLayoutSignature } from '../../support/layout-image.js';
import { dirPerTest } from '../../support/engine.js';

const tmp = dirPerTest('ferry-deletions-');
afterEach(() => {
  vi.restoreAllMocks();
});

async function config(deleteRemote: string) {
  const file = join(tmp(), 'replication.yaml');
  await writeFile(
    file,
    `version: 1
registries:
  src: { type: oci-layout, path: ./src }
  dst: { type: oci-layout, path: ./dst }
rules:
  - name: mirror
    source: src
    destination: dst
    filters: { resource: all }
    delete_remote: ${deleteRemote}
`,
  );
  return (await loadConfig(file)).config;
}

test('the deletions of one rule are planned together: its repositories are listed once', async () => {
  const src = new OciLayoutStore('src', join(tmp(), 'src'));
  const dst = new OciLayoutStore('dst', join(tmp(), 'dst'));
  for (const repo of ['a', 'b']) {
    await putLayoutImage(src, repo, 'keep');
    await putLayoutImage(dst, repo, 'keep');
    await putLayoutImage(dst, repo, 'gone'); // deleted at the source
  }
  const c = await config('{ enabled: true, max: 10, acknowledge_match_all: true }');
  const rule = c.rules[0]!;
  const listings = vi.spyOn(OciLayoutStore.prototype, 'listRepositories');
  const out = await propagateDeletions(
    c,
    [
      { rule, artifact: { repository: 'a', tag: 'gone' } },
      { rule, artifact: { repository: 'b', tag: 'gone' } },
    ],
    { dryRun: false, log: () => {} },
  );
  expect(out.ruleErrors).toEqual([]);
  expect(out.results.map((r) => `${r.destination.split('/').pop()}:${r.status}`).sort()).toEqual([
    'a:gone:deleted',
    'b:gone:deleted',
  ]);
  expect(listings).toHaveBeenCalledTimes(1);
  expect(await dst.listTags('a')).toEqual(['keep']);
});

test('a delete event in a repository the source does not list deletes nothing, and says so', async () => {
  const src = new OciLayoutStore('src', join(tmp(), 'src'));
  const dst = new OciLayoutStore('dst', join(tmp(), 'dst'));
  await putLayoutImage(src, 'a', 'keep');
  await putLayoutImage(dst, 'gone-repo', 'gone');
  await putLayoutImage(dst, 'a', 'keep');
  await putLayoutImage(dst, 'a', 'old');
  const c = await config('{ enabled: true, max: 10, acknowledge_match_all: true }');
  const rule = c.rules[0]!;
  // One batch: an event in a repository the source lists, and one in a repository it does not.
  const out = await propagateDeletions(
    c,
    [
      { rule, artifact: { repository: 'gone-repo', tag: 'gone' } },
      { rule, artifact: { repository: 'a', tag: 'old' } },
    ],
    { dryRun: false, log: () => {} },
  );
  // Before, the run was green with no row and no word about why the tag stayed.
  expect(out.results.map((r) => `${r.destination.split('/').pop()}:${r.status}`)).toEqual(['a:old:deleted']);
  expect(out.warnings.map((w) => w.message)).toEqual([
    'rule "mirror" deletes under filters that match everything (acknowledged)',
    expect.stringMatching(
      /^the delete event names tag gone in gone-repo, which the source does not list: nothing deleted\./,
    ),
  ]);
  expect(await dst.listTags('gone-repo')).toEqual(['gone']);
});

test('a rule without delete_remote deletes nothing, without opening either registry', async () => {
  const c = await config('false');
  const opened = vi.spyOn(StoreSet.prototype, 'open');
  const out = await propagateDeletions(c, [{ rule: c.rules[0]!, artifact: { repository: 'a', tag: 'gone' } }], {
    dryRun: false,
    log: () => {},
  });
  expect(opened).not.toHaveBeenCalled();
  // The action says it in a note; a row named the source's repository as the destination's.
  expect(out).toEqual({ results: [], ruleErrors: [], warnings: [] });
});

test('a stopped run deletes nothing more', async () => {
  const src = new OciLayoutStore('src', join(tmp(), 'src'));
  const dst = new OciLayoutStore('dst', join(tmp(), 'dst'));
  await putLayoutImage(src, 'a', 'keep');
  await putLayoutImage(dst, 'a', 'keep');
  await putLayoutImage(dst, 'a', 'gone');
  const c = await config('{ enabled: true, max: 10, acknowledge_match_all: true }');
  const stop = new AbortController();
  stop.abort(new Error('the job was cancelled'));
  const out = await propagateDeletions(c, [{ rule: c.rules[0]!, artifact: { repository: 'a', tag: 'gone' } }], {
    dryRun: false,
    log: () => {},
    signal: stop.signal,
  });
  expect(out.results.filter((r) => r.status === 'deleted')).toEqual([]);
  expect((await dst.listTags('a')).sort()).toEqual(['gone', 'keep']);
});

test('a delete event deletes only a destination tag still at the digest the source deleted', async () => {
  const src = new OciLayoutStore('src', join(tmp(), 'src'));
  const dst = new OciLayoutStore('dst', join(tmp(), 'dst'));
  await putLayoutImage(src, 'a', 'keep');
  await putLayoutImage(dst, 'a', 'keep');
  const mirrored = await putLayoutImage(dst, 'a', 'v1'); // what the mirror holds as a:v1
  await putLayoutImage(dst, 'a', 'v2');
  const c = await config('{ enabled: true, max: 10, acknowledge_match_all: true }');
  const rule = c.rules[0]!;
  const other = `sha256:${'e'.repeat(64)}`; // the source's a:v1 was other content
  const out = await propagateDeletions(
    c,
    [
      { rule, artifact: { repository: 'a', tag: 'v1', digest: other } },
      { rule, artifact: { repository: 'a', tag: 'v2' } }, // no digest in the payload: not compared
    ],
    { dryRun: false, log: () => {} },
  );
  const row = (tag: string) => out.results.find((r) => r.tag === tag);
  expect(row('v1')?.status).toBe('refused');
  expect(row('v1')?.reason).toBe(`the destination tag holds ${mirrored}, not ${other}, which the source deleted`);
  expect(row('v2')?.status).toBe('deleted');
  expect((await dst.listTags('a')).sort()).toEqual(['keep', 'v1']);
});

test('a delete event on a rule with platforms: is decided as a scheduled run decides it, not by digest', async () => {
  const src = new OciLayoutStore('src', join(tmp(), 'src'));
  const dst = new OciLayoutStore('dst', join(tmp(), 'dst'));
  await putLayoutImage(src, 'a', 'keep');
  await putLayoutImage(dst, 'a', 'keep');
  await putLayoutImage(dst, 'a', 'v1'); // the subset index the rule wrote: never the source's digest
  const c = await config('{ enabled: true, max: 10, acknowledge_match_all: true }');
  const rule = { ...c.rules[0]!, platforms: ['linux/amd64'] };
  const deletedIndex = `sha256:${'e'.repeat(64)}`;
  const out = await propagateDeletions(c, [{ rule, artifact: { repository: 'a', tag: 'v1', digest: deletedIndex } }], {
    dryRun: false,
    log: () => {},
  });
  // Before: refused on every Harbor DELETE_ARTIFACT, "the destination tag holds …, not …".
  expect(out.results.map((r) => `${r.tag}:${r.status}`)).toEqual(['v1:deleted']);
  expect(await dst.listTags('a')).toEqual(['keep']);
});

test('a delete event for a tag the source still lists says why it is not deleted', async () => {
  const src = new OciLayoutStore('src', join(tmp(), 'src'));
  const dst = new OciLayoutStore('dst', join(tmp(), 'dst'));
  await putLayoutImage(src, 'a', 'v1');
  await putLayoutImage(src, 'a', 'v2');
  await putLayoutImage(dst, 'a', 'v1');
  const c = await config('{ enabled: true, max: 10, acknowledge_match_all: true }');
  const rule = c.rules[0]!;
  // A stale event (v1 is back at the source), and one for a tag the destination lacks.
  const out = await propagateDeletions(
    c,
    [
      { rule, artifact: { repository: 'a', tag: 'v1' } },
      { rule, artifact: { repository: 'a', tag: 'v2' } },
    ],
    { dryRun: false, log: () => {} },
  );
  // Before: "unchanged" and "copied" without a word, in answer to a delete event.
  const why = 'the delete event names it, but the source still lists it: not deleted';
  expect(out.results.map((r) => [r.tag, r.status, r.reason])).toEqual([
    ['v1', 'unchanged', why],
    ['v2', 'copied', why],
  ]);
});

test('a delete event deletes only the repository and tag pairs it names', async () => {
  const src = new OciLayoutStore('src', join(tmp(), 'src'));
  const dst = new OciLayoutStore('dst', join(tmp(), 'dst'));
  for (const repo of ['a', 'b']) {
    await putLayoutImage(src, repo, 'keep');
    await putLayoutImage(dst, repo, 'keep');
    for (const tag of ['t1', 't2']) await putLayoutImage(dst, repo, tag);
  }
  const c = await config('{ enabled: true, max: 10, acknowledge_match_all: true }');
  const rule = c.rules[0]!;
  const out = await propagateDeletions(
    c,
    [
      { rule, artifact: { repository: 'a', tag: 't1' } },
      { rule, artifact: { repository: 'b', tag: 't2' } },
    ],
    { dryRun: false, log: () => {} },
  );
  expect(out.results.map((r) => `${r.destination.split('/').pop()}:${r.status}`).sort()).toEqual([
    'a:t1:deleted',
    'b:t2:deleted',
  ]);
  expect((await dst.listTags('a')).sort()).toEqual(['keep', 't2']);
  expect((await dst.listTags('b')).sort()).toEqual(['keep', 't1']);
});

test('a push event copies what it names and deletes nothing, even a named tag the source lacks', async () => {
  const src = new OciLayoutStore('src', join(tmp(), 'src'));
  const dst = new OciLayoutStore('dst', join(tmp(), 'dst'));
  await putLayoutImage(src, 'a', 'v2');
  await putLayoutImage(dst, 'a', 'v1');
  const c = await config('{ enabled: true, max: 10, acknowledge_match_all: true }');
  // What the action runs for a push event naming a:v1 (stale) and a:v2.
  const ran = await runConfig(c, {
    dryRun: false,
    rules: ['mirror'],
    select: (_rule, repo) => repo === 'a',
    tags: ['v1', 'v2'],
  });
  expect(ran.report.results.map((r) => `${r.tag}:${r.status}`)).toEqual(['v2:copied']);
  expect((await dst.listTags('a')).sort()).toEqual(['v1', 'v2']);
});

test('a push event naming a tag the source does not list warns that nothing was copied for it', async () => {
  const src = new OciLayoutStore('src', join(tmp(), 'src'));
  await putLayoutImage(src, 'a', 'v2');
  const c = await config('false');
  const ran = await runConfig(c, {
    dryRun: false,
    rules: ['mirror'],
    select: (_rule, repo) => repo === 'a',
    tags: ['v2', 'v9'],
  });
  expect(ran.report.results.map((r) => `${r.tag}:${r.status}`)).toEqual(['v2:copied']);
  expect(ran.report.warnings).toEqual([
    {
      rule: 'mirror',
      message: expect.stringMatching(
        /^the event names tag v9, which the source repositories it names \(a\) do not list: nothing copied for it/,
      ),
    },
  ]);
  // Before: "a scheduled run copies it once it is listed", for a rule without a schedule.
  expect(ran.report.warnings![0]!.message).toMatch(/the rule has no schedule: run it once the tag is listed$/);
});

test('a push event naming a tag the filters leave out says which filter', async () => {
  const src = new OciLayoutStore('src', join(tmp(), 'src'));
  for (const tag of ['1.0.0', '3.0.0']) await putLayoutImage(src, 'a', tag);
  const c = await config('false');
  const rule = { ...c.rules[0]!, filters: { ...c.rules[0]!.filters, latest: 1 } };
  const ran = await runConfig(
    { ...c, rules: [rule] },
    {
      dryRun: false,
      rules: ['mirror'],
      select: (_rule, repo) => repo === 'a',
      tags: ['1.0.0'],
    },
  );
  // Before: nothing copied, nothing said ("nothing selected").
  expect(ran.report.results).toEqual([]);
  expect(ran.report.warnings).toEqual([
    {
      rule: 'mirror',
      message: expect.stringMatching(
        /^the event names oci:.*\/a:1\.0\.0, which is not among the 1 newest tag the rule keeps \(latest: 1\): not copied$/,
      ),
    },
  ]);
});

test('a pushed signature tag of a kept image is copied with it, without a "not copied" warning', async () => {
  const src = new OciLayoutStore('src', join(tmp(), 'src'));
  await putLayoutImage(src, 'a', '1.0.0');
  const subject = await putLayoutImage(src, 'a', '3.0.0');
  const sig = await putLayoutSignature(src, 'a', subject);
  const m = (await src.manifestGet('a', sig.digest))!;
  const tag = `sha256-${subject.slice('sha256:'.length)}.sig`;
  await src.manifestPut('a', tag, m.bytes, m.mediaType);
  const c = await config('false');
  const rule = { ...c.rules[0]!, filters: { ...c.rules[0]!.filters, latest: 1 } };
  const ran = await runConfig(
    { ...c, rules: [rule] },
    { dryRun: true, rules: ['mirror'], select: () => true, tags: [tag] },
  );
  // Before: "…sha256-….sig, which is not among the 1 newest tag the rule keeps (latest: 1): not copied".
  expect(ran.report.warnings ?? []).toEqual([]);
  expect(ran.report.results.map((r) => `${r.tag}:${r.status}`)).toContain(`${tag}:would-copy`);
});

test('a push event for a repository the source does not list warns that nothing was copied', async () => {
  const src = new OciLayoutStore('src', join(tmp(), 'src'));
  await putLayoutImage(src, 'a', 'v1');
  const c = await config('false');
  // A GHCR package the token cannot see, or a Harbor project outside the robot account's.
  const ran = await runConfig(c, {
    dryRun: false,
    rules: ['mirror'],
    select: (_rule, repo) => repo === 'new',
    tags: ['v1'],
  });
  expect(ran.report.results).toEqual([]);
  expect(ran.report.warnings).toEqual([
    {
      rule: 'mirror',
      message: expect.stringMatching(/^the event names tag v1 in a repository the source does not list/),
    },
  ]);
});
