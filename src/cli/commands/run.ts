import { writeFile } from 'node:fs/promises';
import { loadOrReport } from '../load.js';
import { progressBar } from '../progress-bar.js';
import {
  garbageCollectionNote,
  neutralizeCommands,
  parseDuration,
  renderSummary,
  repositoryUrls,
  runConfig,
  runLog,
  STATUS,
  stopOnSignalsOrTimeout,
  verdict,
  writeReport,
} from '../../index.js';

export interface RunCommandOptions {
  config: string;
  rule: string[];
  dryRun?: boolean;
  concurrency?: number;
  report?: string;
  summary?: string;
  /** Stop after this long (`30m`): what was done is reported, the rest is left for the next run. */
  timeout?: string;
}

/** Exit code 0/1, and whether the run wrote (or would write) anything at a destination. */
export async function runCommand(opts: RunCommandOptions): Promise<number> {
  return (await run(opts)).code;
}

export async function run(opts: RunCommandOptions): Promise<{ code: number; changed: boolean }> {
  const loaded = await loadOrReport(opts.config);
  if (!loaded) return { code: 1, changed: false };
  const color = process.stdout.isTTY === true && !process.env.NO_COLOR;
  const stop = stopOnSignalsOrTimeout(opts.timeout ? parseDuration(opts.timeout) : undefined);
  // One line per image as it ends, a heading per rule, totals last; progress as a live bar on a
  // terminal, else a line every 10 s.
  const bar = process.stdout.isTTY ? progressBar(process.stdout) : undefined;
  const log = runLog({
    write: (line) => (bar ? bar.write(line) : console.log(line)),
    color,
    ...(bar ? { live: (p) => bar.update(p) } : {}),
  });
  const { report, plan } = await runConfig(loaded.config, {
    signal: stop.signal,
    dryRun: opts.dryRun ?? false,
    rules: opts.rule,
    ...(opts.concurrency ? { concurrency: opts.concurrency } : {}),
    log: log.log,
    onProgress: log.onProgress,
  }).finally(() => {
    stop.dispose();
    bar?.stop();
  });
  const gc = report.dryRun ? undefined : garbageCollectionNote(report, loaded.config);
  log.finish(report, gc ? [gc] : []);
  for (const w of report.warnings ?? []) console.error(neutralizeCommands(`warning: rule ${w.rule}: ${w.message}`));
  for (const e of report.ruleErrors)
    console.error(neutralizeCommands(`error: rule ${e.rule}: ${e.message}${e.hint ? `\n  hint: ${e.hint}` : ''}`));
  // The CLI has no fail-on: it fails as the action does by default (failed images, rule errors).
  const v = verdict(report, { failOn: 'error' });
  // Row by row: a report of many thousand tags is never one string in memory.
  if (opts.report) await writeReport(opts.report, report);
  if (opts.summary)
    await writeFile(
      opts.summary,
      renderSummary(report, {
        verdict: v,
        ...(opts.report ? { reportPath: opts.report } : {}),
        selection: Object.fromEntries(plan.rules.flatMap((r) => (r.selection ? [[r.rule, r.selection] as const] : []))),
        repositoryUrl: repositoryUrls(loaded.config),
        rules: loaded.config.rules,
      }),
    );
  const changed = report.results.some((r) => STATUS[r.status].change);
  return { code: v.failsStep ? 1 : 0, changed };
}
