/** Which rules a scheduled workflow run carries out: those whose cron fires at the same times. */
import { expect, test } from 'vitest';
import { normalizeCron, parseConfig } from '../../../src/config/index.js';
import { rulesForCron } from '../../../src/events/schedule.js';

const config = parseConfig(
  `version: 1
registries:
  src: { type: registry, url: https://src.example.com }
  dst: { type: registry, url: https://dst.example.com }
rules:
  - { name: sundays, source: src, destination: dst, filters: { name: a/** }, destination_namespace: a, trigger: [{ schedule: "0 2 * * SUN" }] }
  - { name: january, source: src, destination: dst, filters: { name: b/** }, destination_namespace: b, trigger: [{ schedule: "30  4 1 JAN *" }] }
  - { name: weekdays, source: src, destination: dst, filters: { name: c/** }, destination_namespace: c, trigger: [{ schedule: "0 6 * * MON-FRI" }] }
`,
  'r.yaml',
).config!;

test.each([
  // Before: compared as text, a workflow's "0 2 * * 0" never ran the rule written "0 2 * * SUN".
  ['0 2 * * 0', ['sundays']],
  ['0 2 * * 7', ['sundays']],
  ['0 2 * * sun', ['sundays']],
  ['30 4 1 1 *', ['january']],
  ['0 6 * * 1-5', ['weekdays']],
  ['0 3 * * 0', []],
])('the workflow fires "%s": %j run', (cron, rules) => {
  expect(rulesForCron(config, cron)).toEqual(rules);
});

test('a range ending in 7 keeps its 7 (Monday to Sunday), a lone 7 is Sunday', () => {
  expect(normalizeCron('0 0 * * 1-7')).toBe('0 0 * * 1-7');
  expect(normalizeCron('0 0 * * 5,7')).toBe('0 0 * * 5,0');
});
