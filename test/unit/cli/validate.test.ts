/** `ferry validate` runs the action's checks, the workflow-cron check included, with the field's line. */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { validateCommand } from '../../../src/cli/commands/validate.js';
import { captureConsole } from '../../support/console.js';
import { createTempDir, type TempDir } from '../../support/tmp.js';

let tmp: TempDir;
let repo: string;

/** One rule, scheduled at `cron`, written in flow style on line 6. */
const rules = (cron: string) =>
  [
    'version: 1',
    'registries:',
    '  src: { type: registry, url: https://src.example.com }',
    '  dst: { type: registry, url: https://dst.example.com }',
    'rules:',
    `  - { name: nightly, source: src, destination: dst, trigger: [manual, { schedule: "${cron}" }] }`,
    '',
  ].join('\n');

beforeAll(async () => {
  tmp = await createTempDir('ferry-cli-validate-');
  repo = join(tmp.path, 'rules-repo');
  await mkdir(join(repo, '.git'), { recursive: true });
  await mkdir(join(repo, '.github', 'workflows'), { recursive: true });
  await writeFile(join(repo, '.github', 'workflows', 'replicate.yml'), 'on:\n  schedule:\n    - cron: "0 2 * * *"\n');
});
afterAll(() => tmp?.remove());

/** Runs `ferry validate -c file`; exit code, stdout and stderr. */
async function validate(file: string): Promise<{ code: number; out: string; err: string }> {
  const { result: code, out, err } = await captureConsole(() => validateCommand({ config: file }));
  return { code, out, err };
}

describe('ferry validate and the workflows', () => {
  test('warns at the schedule field when no workflow fires that cron, and stays valid', async () => {
    const file = join(repo, 'config', 'replication.yaml');
    await mkdir(join(repo, 'config'), { recursive: true });
    await writeFile(file, rules('30 4 * * 1'));
    const r = await validate(file);
    expect(r.code).toBe(0);
    expect(r.err).toBe(
      `${file}:6:83: warning: rules[0].trigger[1].schedule: schedule "30 4 * * 1" appears in no workflow's on.schedule, so the rule never runs on its own; add \`- cron: "30 4 * * 1"\` to a workflow`,
    );
    expect(r.out).toMatch(
      /valid \(1 rule, 2 registries; schedules checked against .*rules-repo\/\.github\/workflows; 1 warning above\)$/,
    );
  });

  test('says nothing when a workflow schedules the cron', async () => {
    const file = join(repo, 'replication.yaml');
    await writeFile(file, rules('0 2 * * *'));
    const r = await validate(file);
    expect(r.code).toBe(0);
    expect(r.err).toBe('');
  });
});

test('a file with errors ends by counting them, and its warnings', async () => {
  const file = join(tmp.path, 'broken.yaml');
  await writeFile(
    file,
    [
      'version: 1',
      'registries:',
      '  src: { type: registry, url: https://src.example.com }',
      'rules:',
      '  - { name: a, source: src, destination: nowhere, bandwidth: 50MBps }',
      '',
    ].join('\n'),
  );
  const r = await validate(file);
  expect(r.code).toBe(1);
  // Before, the list simply stopped: no line said how many problems there were.
  expect(r.err.trimEnd().split('\n').at(-1)).toMatch(
    new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: not valid: \\d+ errors?`),
  );
});
