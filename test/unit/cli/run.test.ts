/** `ferry run`: its exit code and its summary's headline are the one verdict the action uses. */
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { planCommand } from '../../../src/cli/commands/plan.js';
import { run } from '../../../src/cli/commands/run.js';
import { OciLayoutStore } from '../../../src/providers/oci-layout.js';
import { captureConsole } from '../../support/console.js';
import { putLayoutImage } from '../../support/layout-image.js';
import { createTempDir, type TempDir } from '../../support/tmp.js';

let tmp: TempDir;

beforeAll(async () => {
  tmp = await createTempDir('ferry-cli-run-');
});
afterAll(() => tmp?.remove());

/** A rules file with one rule, `mirror`, from an OCI layout at `source` into an empty one. */
async function rulesFrom(source: string): Promise<string> {
  const file = join(tmp.path, 'replication.yaml');
  await writeFile(
    file,
    [
      'version: 1',
      'registries:',
      `  src: { type: oci-layout, path: ${source} }`,
      `  dst: { type: oci-layout, path: ${join(tmp.path, 'dst')} }`,
      'rules:',
      '  - { name: mirror, source: src, destination: dst }',
      '',
    ].join('\n'),
  );
  return file;
}

/** Runs one rule from an OCI layout at `source` into an empty one: exit code and the summary. */
async function runFrom(source: string): Promise<{ code: number; err: string; summary: string }> {
  const file = await rulesFrom(source);
  const summary = join(tmp.path, 'summary.md');
  const { result, err } = await captureConsole(() => run({ config: file, rule: [], summary }));
  return { code: result.code, err, summary: await readFile(summary, 'utf8') };
}

describe('ferry run', () => {
  test('a rule that cannot list its source exits 1, and the summary says the run failed and why', async () => {
    // A file where a layout directory should be: the listing fails (a rule error).
    const r = await runFrom(join(tmp.path, 'replication.yaml'));
    expect(r.code, r.err).toBe(1);
    expect(r.summary.split('\n')[0]).toMatch(/^## ferry run — ❌ 1 rule error /);
    expect(r.summary).toContain('> ❌ The step failed: 1 rule error\n');
  });

  test('warnings alone exit 0, as fail-on: error leaves the action’s step green; the headline warns', async () => {
    // An empty layout: the rule selects nothing, which is a warning. (A layout that does not exist
    // is a rule error: a source that is not there is no empty source.)
    await mkdir(join(tmp.path, 'empty'), { recursive: true });
    const r = await runFrom(join(tmp.path, 'empty'));
    expect(r.code, r.err).toBe(0);
    expect(r.err).toContain('warning: rule mirror: the rule selects nothing');
    expect(r.summary.split('\n')[0]).toMatch(/^## ferry run — ⚠️ nothing to do /);
    expect(r.summary).not.toContain('The step failed');
  });
});

test('`ferry run --dry-run` ends by saying nothing was written', async () => {
  const source = join(tmp.path, 'dry-src');
  await putLayoutImage(new OciLayoutStore('src', source), 'team/app', 'v1');
  const file = await rulesFrom(source);
  const { result, out } = await captureConsole(() => run({ config: file, rule: [], dryRun: true }));
  expect(result.code, out).toBe(0);
  expect(out).toMatch(/\+ would-copy .*team\/app:v1/);
  // Before, only the rows' would- said so, and the log ended with its totals.
  expect(out.trimEnd().split('\n').at(-1)).toBe('Dry run: nothing was copied or deleted.');
  expect(existsSync(join(tmp.path, 'dst'))).toBe(false);
});

describe('--rule', () => {
  test.each([
    ['run', (config: string, rule: string[]) => run({ config, rule }).then((r) => r.code)],
    ['plan', (config: string, rule: string[]) => planCommand({ config, rule })],
  ])(
    '`ferry %s --rule` with a name the file lacks is a usage error (exit 2) with a "did you mean"',
    async (_c, cmd) => {
      const file = await rulesFrom(join(tmp.path, 'missing'));
      const typo = await captureConsole(() => cmd(file, ['mirorr']));
      expect(typo.result).toBe(2);
      expect(typo.err).toBe(
        'ferry: --rule: no rule named "mirorr" in the file (did you mean "mirror"?); it defines: mirror',
      );
      // Nothing close: no guess.
      const other = await captureConsole(() => cmd(file, ['nope']));
      expect(other.result).toBe(2);
      expect(other.err).toBe('ferry: --rule: no rule named "nope" in the file; it defines: mirror');
    },
  );
});

describe('ferry plan', () => {
  test('a rule that cannot be listed is shown as not planned with its error, not as "nothing"', async () => {
    // A file where a layout directory should be: the listing fails (a rule error).
    const file = await rulesFrom(join(tmp.path, 'replication.yaml'));
    const r = await captureConsole(() => planCommand({ config: file, rule: [] }));
    expect(r.result).toBe(1);
    const lines = r.out.split('\n');
    expect(lines[0]).toMatch(/^rule mirror {2}✖ not planned: \S/);
    expect(r.out).not.toContain('(nothing)');
    expect(r.out).toContain(
      'Total: +0 copy · ~0 update · -0 delete · =0 unchanged · !0 kept; 1 rule not planned (mirror)',
    );
    // Said once, in the rule's block; stderr only says why the exit code is 1.
    expect(r.err).toBe('ferry plan: a run would fail: 1 rule error (each is shown in its rule above)');
  });

  test('with --json, the last line points at the JSON, not at a rule block there is none of', async () => {
    const file = await rulesFrom(join(tmp.path, 'replication.yaml'));
    const r = await captureConsole(() => planCommand({ config: file, rule: [], json: true }));
    expect(r.result).toBe(1);
    expect(JSON.parse(r.out).ruleErrors).toHaveLength(1);
    // Before: "(each is shown in its rule above)", above being JSON.
    expect(r.err).toBe(
      'ferry plan: a run would fail: 1 rule error (see ruleErrors and the listing-failed items in the JSON)',
    );
  });
});

test('a report path that cannot be written is a usage error before anything is copied', async () => {
  const source = join(tmp.path, 'unwritable-src');
  const file = await rulesFrom(source);
  await writeFile(join(tmp.path, 'a-file'), 'not a folder\n');
  const report = join(tmp.path, 'a-file', 'report.json');
  const { result, err } = await captureConsole(() => run({ config: file, rule: [], report }));
  expect(result.code).toBe(2);
  expect(err).toMatch(/^ferry: --report .*a-file\/report\.json: .*a-file is a file, not a folder$/m);
  expect(err).not.toMatch(/rule mirror/);
  // And a directory given as the file.
  const dir = await run({ config: file, rule: [], summary: tmp.path }).catch((e: Error) => e);
  expect(dir).toEqual({ code: 2, changed: false });
});
