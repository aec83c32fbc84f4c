/** A listed source tag ferry could not read: its failed row says what to do, for the cause it had. */
import { expect, test } from 'vitest';
import { RegistryError } from '../../../src/registry/errors.js';
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
  // Before: every unread tag got "the tag was deleted or pushed again at the source…", wrong here.
  expect(row.error?.hint).toBeUndefined();
  expect(row.error?.message).toContain('hint: grant the robot account pull on team/app');
});
