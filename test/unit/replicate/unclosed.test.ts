import { expect, test } from 'vitest';
import { failUnclosed, type Result } from '../../../src/replicate/result.js';

const row = (rule: string, status: Result['status']): Result => ({
  rule,
  source: `src/app:${rule}`,
  destination: `out/app:${rule}`,
  tag: rule,
  status,
  bytes: 0,
  blobs: { copied: 0, mounted: 0, present: 0 },
  durationMs: 0,
  retries: 0,
});

const rules = [
  { name: 'wrote', source: 'reg', destination: 'out' },
  { name: 'idle', source: 'reg', destination: 'out' },
  { name: 'elsewhere', source: 'reg', destination: 'other' },
];
const unwritable = [{ registry: 'out', message: 'images.tar could not be written (EEXIST)' }];

test('an archive that could not be written is the error of the rules whose copies did not land', () => {
  const results = [row('wrote', 'copied'), row('idle', 'unchanged'), row('elsewhere', 'copied')];
  expect(failUnclosed(unwritable, rules, results)).toEqual([
    { rule: 'wrote', message: 'out: images.tar could not be written (EEXIST)' },
  ]);
  expect(results.map((r) => r.status)).toEqual(['failed', 'unchanged', 'copied']);
});

test('with nothing written into it, every rule that uses it carries the error: none is lost', () => {
  const errors = failUnclosed(unwritable, rules, [row('idle', 'unchanged')]);
  expect(errors.map((e) => e.rule)).toEqual(['wrote', 'idle']);
});
