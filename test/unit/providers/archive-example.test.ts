/**
 * The air-gap example (issue 13 item 4): the workflow pair and the rules file agree, so a user who
 * copies both gets a job that writes the archive where the other job finds it.
 */
import { readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { expect, test } from 'vitest';
import { parse } from 'yaml';
import { loadConfig } from '../../../src/config/index.js';

const dir = join(import.meta.dirname, '../../../examples/air-gap');

interface Step {
  uses?: string;
  with?: Record<string, unknown>;
  env?: Record<string, string>;
}
interface Job {
  needs?: string;
  'runs-on': string | string[];
  steps: Step[];
}

test('job 1 exports into the archive it uploads; job 2 downloads it where the import rule reads it', async () => {
  const { config } = await loadConfig(join(dir, 'replication.yaml'));
  const workflow = parse(readFileSync(join(dir, 'workflows/air-gap.yml'), 'utf8')) as { jobs: Record<string, Job> };
  const { export: out, import: into } = workflow.jobs;
  const ferry = (job: Job) => job.steps.find((s) => s.uses?.startsWith('acme/ferry@'))!;
  const step = (job: Job, action: string) => job.steps.find((s) => s.uses?.startsWith(action))!;

  const exportRule = config.rules.find((r) => r.name === ferry(out!).with?.rules)!;
  const importRule = config.rules.find((r) => r.name === ferry(into!).with?.rules)!;
  const archive = config.registries.get(exportRule.destination)!;
  expect(archive.type).toBe('oci-archive');
  expect(importRule.source, 'the import reads what the export wrote').toBe(exportRule.destination);

  const archivePath = relative(dir, archive.path!);
  expect(step(out!, 'actions/upload-artifact@').with?.path).toBe(archivePath);
  const download = step(into!, 'actions/download-artifact@').with!;
  expect(download.name).toBe(step(out!, 'actions/upload-artifact@').with?.name);
  expect(download.path).toBe(dirname(archivePath));

  expect(into!.needs).toBe('export');
  expect(into!['runs-on']).toContain('self-hosted');
  // The private registry's credentials are given to the job that writes to it, and only to it.
  const creds = config.registries.get(importRule.destination)!.credentials!;
  const envNames = [creds.username, creds.password].map((c) => (c && 'env' in c ? c.env : undefined));
  expect(Object.keys(ferry(into!).env ?? {}).sort()).toEqual(envNames.sort());
  expect(ferry(out!).env).toBeUndefined();
});
