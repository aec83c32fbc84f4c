import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, expect, test, vi } from 'vitest';
import { loadConfig } from '../../../src/config/index.js';
import { OciLayoutStore } from '../../../src/providers/oci-layout.js';
import { StoreSet } from '../../../src/providers/index.js';
import { propagateDeletions } from '../../../src/replicate/deletions.js';
import { putLayoutImage } from '../../support/layout-image.js';
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

test('a rule without delete_remote says so without opening either registry', async () => {
  const c = await config('false');
  const opened = vi.spyOn(StoreSet.prototype, 'open');
  const out = await propagateDeletions(c, [{ rule: c.rules[0]!, artifact: { repository: 'a', tag: 'gone' } }], {
    dryRun: false,
    log: () => {},
  });
  expect(opened).not.toHaveBeenCalled();
  expect(out.results).toMatchObject([{ status: 'skipped', reason: expect.stringMatching(/delete_remote is off/) }]);
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
