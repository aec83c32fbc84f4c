/** Rule schedules against the workflows' crons: one check, at the `schedule` field, for action and CLI. */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { findWorkflowsRoot, formatDiagnostic, parseConfig, workflowCrons } from '../../../src/config/index.js';
import { createTempDir, type TempDir } from '../../support/tmp.js';

const rules = `version: 1
registries:
  a: { type: registry, url: https://a.example.com }
  b: { type: registry, url: https://b.example.com }
defaults:
  trigger: [{ schedule: "15 3 * * 0" }]
rules:
  - name: nightly
    source: a
    destination: b
    trigger:
      - manual
      - schedule: "0 2 * * *"
      - schedule: "30  4 * * 1"
  - name: off
    enabled: false
    source: a
    destination: b
    filters: { name: other/** }
    trigger: [{ schedule: "45 5 * * *" }]
  - name: weekly
    source: a
    destination: b
    filters: { name: weekly/** }
  - name: harbor-cron
    source: a
    destination: b
    filters: { name: harbor/** }
    trigger: { schedule: "0 0 2 * * *" }
  - name: too-often
    source: a
    destination: b
    filters: { name: often/** }
    trigger: { schedule: "*/2 * * * *" }
`;

const check = (crons?: string[]) =>
  parseConfig(rules, 'r.yaml', crons ? { workflowCrons: new Set(crons) } : {}).diagnostics.map(formatDiagnostic);

describe('schedules no workflow fires', () => {
  test('are warned about at the schedule field itself, not at the rule', () => {
    const found = check(['0 2 * * *', '*/2 * * * *']).filter((d) => d.includes('no workflow'));
    expect(found).toEqual([
      // From defaults: the one line that sets it, once for every rule that takes it.
      'r.yaml:6:25: warning: defaults.trigger[0].schedule: schedule "15 3 * * 0" appears in no workflow\'s on.schedule, so the rules taking it from defaults never run on their own; add `- cron: "15 3 * * 0"` to a workflow',
      // Spacing does not matter; the second schedule of the rule is the one at fault.
      'r.yaml:14:19: warning: rules[0].trigger[2].schedule: schedule "30 4 * * 1" appears in no workflow\'s on.schedule, so the rule never runs on its own; add `- cron: "30 4 * * 1"` to a workflow',
    ]);
  });

  test('a cron some workflow schedules, a disabled rule and an invalid cron (its own error) are not', () => {
    const all = check(['0 2 * * *', '30 4 * * 1', '15 3 * * 0', '*/2 * * * *']);
    expect(all.filter((d) => d.includes('no workflow'))).toEqual([]);
    // The Harbor-style cron is an error at its line; no second message about workflows.
    expect(all.filter((d) => d.startsWith('r.yaml:29:'))).toHaveLength(1);
  });

  test('a cron no workflow fires gets that warning only, not also a contradicting one about its frequency', () => {
    // Before: "will run less often than this says" and "never runs on its own" at one line.
    expect(check(['0 2 * * *', '30 4 * * 1', '15 3 * * 0']).filter((d) => d.startsWith('r.yaml:34:'))).toEqual([
      'r.yaml:34:26: warning: rules[4].trigger.schedule: schedule "*/2 * * * *" appears in no workflow\'s on.schedule, so the rule never runs on its own; add `- cron: "*/2 * * * *"` to a workflow',
    ]);
    // Scheduled by a workflow: the frequency warning is the one left.
    expect(
      check(['0 2 * * *', '30 4 * * 1', '15 3 * * 0', '*/2 * * * *']).filter((d) => d.startsWith('r.yaml:34:')),
    ).toEqual([
      'r.yaml:34:26: warning: rules[4].trigger.schedule: "*/2 * * * *" runs more often than GitHub Actions schedules can (every 5 minutes at most); the rule will run less often than this says',
    ]);
  });

  test('nothing is said without workflows to compare with', () => {
    expect(check().filter((d) => d.includes('no workflow'))).toEqual([]);
  });
});

describe('finding the workflows', () => {
  let tmp: TempDir;
  let repo: string;
  beforeAll(async () => {
    tmp = await createTempDir('ferry-workflows-');
    repo = join(tmp.path, 'repo');
    await mkdir(join(repo, '.git'), { recursive: true });
    await mkdir(join(repo, '.github', 'workflows'), { recursive: true });
    await mkdir(join(repo, 'mirror', 'rules'), { recursive: true });
    await writeFile(
      join(repo, '.github', 'workflows', 'replicate.yml'),
      'on:\n  schedule:\n    - cron: "0  2 * * *"\n    - cron: "30 4 * * 1"\n  workflow_dispatch:\njobs: {}\n',
    );
    await writeFile(join(repo, '.github', 'workflows', 'ci.yaml'), 'on: [push]\njobs: {}\n');
    await writeFile(join(repo, '.github', 'workflows', 'broken.yml'), 'on: [\n');
    // A rules repository inside another checkout: its own root ends the search.
    await mkdir(join(repo, 'vendor', 'rules', '.git'), { recursive: true });
  });
  afterAll(() => tmp?.remove());

  test('reads every on.schedule cron, skipping files that are not YAML it understands', async () => {
    expect(await workflowCrons(repo)).toEqual(new Set(['0 2 * * *', '30 4 * * 1']));
    expect(await workflowCrons(join(repo, 'mirror'))).toBeUndefined();
  });

  test('looks from the rules file up to the repository root, then in the current directory', async () => {
    const elsewhere = join(tmp.path, 'elsewhere');
    await mkdir(elsewhere, { recursive: true });
    expect(await findWorkflowsRoot(join(repo, 'mirror', 'rules', 'replication.yaml'), elsewhere)).toBe(repo);
    expect(await findWorkflowsRoot('mirror/rules/replication.yaml', repo)).toBe(repo);
    // Not above the nested repository's root; the current directory is the fallback.
    expect(await findWorkflowsRoot(join(repo, 'vendor', 'rules', 'replication.yaml'), elsewhere)).toBeUndefined();
    expect(await findWorkflowsRoot(join(repo, 'vendor', 'rules', 'replication.yaml'), repo)).toBe(repo);
  });
});
