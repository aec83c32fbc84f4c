import { writeFile } from 'node:fs/promises';
import { loadOrReport } from '../load.js';
import {
  formatResultLine,
  formatTable,
  neutralizeCommands,
  parseDuration,
  progressLogger,
  renderSummary,
  runConfig,
  serializeReport,
  stopOnSignalsOrTimeout,
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

export async function runCommand(opts: RunCommandOptions): Promise<number> {
  const loaded = await loadOrReport(opts.config);
  if (!loaded) return 1;
  const color = process.stdout.isTTY === true;
  const stop = stopOnSignalsOrTimeout(opts.timeout ? parseDuration(opts.timeout) : undefined);
  const { report } = await runConfig(loaded.config, {
    signal: stop.signal,
    dryRun: opts.dryRun ?? false,
    rules: opts.rule,
    ...(opts.concurrency ? { concurrency: opts.concurrency } : {}),
    log: (line) => console.log(neutralizeCommands(line)),
    onProgress: progressLogger((line) => console.log(line)),
  }).finally(() => stop.dispose());
  for (const r of report.results) if (r.status !== 'unchanged') console.log(formatResultLine(r, { color }));
  for (const w of report.warnings ?? []) console.error(neutralizeCommands(`warning: rule ${w.rule}: ${w.message}`));
  for (const e of report.ruleErrors)
    console.error(neutralizeCommands(`error: rule ${e.rule}: ${e.message}${e.hint ? `\n  hint: ${e.hint}` : ''}`));
  console.log(formatTable(report.results, { color }));
  if (opts.report) await writeFile(opts.report, serializeReport(report));
  if (opts.summary)
    await writeFile(opts.summary, renderSummary(report, { ...(opts.report ? { reportPath: opts.report } : {}) }));
  return report.totals.failed > 0 || report.ruleErrors.length > 0 ? 1 : 0;
}
