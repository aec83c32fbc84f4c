/** A listed source tag ferry could not read: its failed row says what to do, for the cause it had. */
import { expect, test } from 'vitest';
import { RegistryError } from '../../../src/registry/errors.js';
import { renderPlanText } from '../../../src/report/plan-comment.js';
import { runRule } from '../../../src/replicate/rule.js';
import { intercept, testRule } from '../../support/engine.js';
import { MemoryStore } from '../../support/memory-store.js';

const once = { dryRun: false, concurrency: 1, blobConcurrency: 1 };

test('a read refused with 403 keeps its own hint, not the advice for a manifest that is gone', async () => {
  const src = new MemoryStore('src');
  src.putImage('team/app', [Buffer.from('v1')], { tag: 'v1' });
  const denied = new RegistryError({
    kind: 'denied',
    registry: 'src.example',
    repository: 'team/app',
    operation: 'fetching manifest of',
    method: 'HEAD',
    status: 403,
    hint: 'grant the robot account pull on team/app',
  });
  const refuse = async () => {
    throw denied;
  };
  // A registry listing without digests: each tag is read, and the read is refused.
  const refusing = intercept(src, { listTagDetails: undefined, manifestHead: refuse, manifestGet: refuse });
  const run = await runRule(testRule(), refusing, new MemoryStore('dst'), once);
  const row = run.results.find((r) => r.tag === 'v1')!;
  expect(row.status).toBe('failed');
  // Before: every unread tag got "the tag was deleted or pushed again at the source…", wrong here;
  // then the 403's hint rode inside the message, and the summary's hint column stayed empty.
  expect(row.error?.hint).toBe('grant the robot account pull on team/app');
  expect(row.error?.message).not.toContain('hint:');
});

test('a tag whose manifest the source says is gone: the plan a reviewer reads gives the hint the run row gives', async () => {
  const src = new MemoryStore('src');
  src.putImage('team/app', [Buffer.from('v1')], { tag: 'v1' });
  // Listed, then gone when read (deleted at the source while ferry ran).
  const gone = intercept(src, {
    listTagDetails: undefined,
    manifestHead: async () => undefined,
    manifestGet: async () => undefined,
  });
  const dry = await runRule(testRule(), gone, new MemoryStore('dst'), { ...once, dryRun: true, resolveDelays: [] });
  const text = renderPlanText({ dryRun: true, rules: [dry.plan] });
  // Before: the plan said only "could not be read"; the hint was made up later, from the reason's words.
  expect(text).toMatch(
    /could not be read \(the registry answers that the manifest does not exist.*; hint: the tag was deleted or pushed again at the source/,
  );
  const row = dry.results.find((r) => r.tag === 'v1')!;
  expect(row.error?.hint).toMatch(/^the tag was deleted or pushed again at the source/);
});
