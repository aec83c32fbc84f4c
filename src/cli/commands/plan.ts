import { ConfigError, formatDiagnostic, loadConfig } from '../../config/index.js';
import { runConfig } from '../../replicate/run.js';
import { neutralizeCommands } from '../../report/escape.js';
import { renderPlanText } from '../../report/plan-comment.js';

export async function planCommand(opts: {
  config: string;
  rule: string[];
  json?: boolean;
  concurrency?: number;
}): Promise<number> {
  let loaded: Awaited<ReturnType<typeof loadConfig>>;
  try {
    loaded = await loadConfig(opts.config);
  } catch (e) {
    if (e instanceof ConfigError) {
      for (const d of e.diagnostics) console.error(formatDiagnostic(d));
      return 1;
    }
    throw e;
  }
  const { plan, report } = await runConfig(loaded.config, {
    dryRun: true,
    rules: opts.rule,
    command: 'plan',
    ...(opts.concurrency ? { concurrency: opts.concurrency } : {}),
  });
  if (opts.json) console.log(JSON.stringify({ plan, ruleErrors: report.ruleErrors }, null, 2));
  else {
    console.log(renderPlanText(plan));
    for (const e of report.ruleErrors)
      console.error(
        neutralizeCommands(`error: rule ${e.rule}: ${e.message}${e.hint ? `\n  hint: ${e.hint}` : ''}`),
      );
  }
  return report.ruleErrors.length ? 1 : 0;
}
