/** `command: report`: merge the shard reports a sharded run uploaded into one job summary. */
import { glob, mkdir, readFile, stat } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import * as core from '@actions/core';
import { mergeReports, parseReport, redact, renderSummary, verdict, writeReport, counted } from '../index.js';
import { type GitHubContext, rulesFile } from './context.js';
import type { Inputs } from './inputs.js';
import { reportToIssue } from './issue.js';
import { notify } from './notify.js';
import { setReportOutputs, writeSummary } from './output.js';

/** Report files under a directory (recursively: one artifact folder per shard) or matching a glob. */
export async function findReports(pattern: string, cwd: string): Promise<string[]> {
  const abs = resolve(cwd, pattern);
  const isDir = await stat(abs).then(
    (s) => s.isDirectory(),
    () => false,
  );
  const files: string[] = [];
  for await (const f of glob(isDir ? join(abs, '**', '*.json') : pattern, { cwd })) files.push(resolve(cwd, f));
  return files.sort();
}

export async function mergeCommand(inputs: Inputs, ctx: GitHubContext): Promise<string | undefined> {
  const files = await findReports(inputs.reports, ctx.workspace);
  if (!files.length)
    throw new Error(`no report files found at ${inputs.reports}; download the shards' artifacts there first`);
  const reports = await Promise.all(
    files.map(async (f) => {
      try {
        return parseReport(await readFile(f, 'utf8'));
      } catch (e) {
        throw new Error(`${f}: ${(e as Error).message}`, { cause: e });
      }
    }),
  );
  const merged = mergeReports(reports);
  const out = resolve(
    ctx.workspace,
    inputs.reportPath || join(process.env.RUNNER_TEMP || ctx.workspace, 'ferry-report.json'),
  );
  await mkdir(dirname(out), { recursive: true });
  await writeReport(out, merged, redact);
  setReportOutputs(merged, out);
  core.info(`ferry: merged ${files.length} report(s) into ${out}`);
  // Judged as one unsharded run would be: the shards' warnings count under fail-on: warning. The
  // rules file's own warnings were each shard's to fail on (this job does not load the file).
  const v = verdict(merged, { failOn: inputs.failOn });
  await writeSummary(
    renderSummary(merged, {
      reportPath: out,
      title: `ferry ${merged.command} (${counted(files.length, 'shard')})`,
      verdict: v,
    }),
  );
  // The same name as the unsharded run's, so both find the same failure issue.
  const { file } = rulesFile(inputs.config, ctx.workspace);
  await notify(inputs, ctx, merged, { file, verdict: v });
  await reportToIssue(inputs, ctx, { report: merged, file, verdict: v });
  return v.failsStep ? `${v.reason}; see the job summary` : undefined;
}
