import {
  buildMatrix,
  type Config,
  discoverUnits,
  MAX_CONCURRENCY,
  neutralizeCommands,
  planProgress,
  renderPlanText,
  runConfig,
  verdict,
  counted,
} from '../../index.js';
import { loadOrReport } from '../load.js';
import { unknownRules } from './run.js';

export async function planCommand(opts: {
  config: string;
  rule: string[];
  json?: boolean;
  concurrency?: number;
  matrix?: number;
}): Promise<number> {
  const loaded = await loadOrReport(opts.config);
  if (!loaded) return 1;
  const unknown = unknownRules(loaded.config, opts.rule);
  if (unknown) {
    console.error(unknown);
    return 2;
  }
  if (opts.matrix !== undefined) return matrixCommand(loaded.config, opts.rule, opts.matrix, opts.json ?? false);
  const { plan, report } = await runConfig(loaded.config, {
    dryRun: true,
    rules: opts.rule,
    command: 'plan',
    ...(opts.concurrency ? { concurrency: opts.concurrency } : {}),
    // The plan is printed when it is whole; a long listing says how far it is on stderr meanwhile.
    onProgress: planProgress({ write: (line) => console.error(line) }),
  });
  if (opts.json) console.log(JSON.stringify({ plan, ruleErrors: report.ruleErrors }, null, 2));
  // Each error inside its rule, with its hint: on stderr after the plan, a rule that failed read
  // as one with nothing to do.
  else console.log(renderPlanText(plan, { ruleErrors: report.ruleErrors }));
  // The one verdict `ferry run` and the action use: a tag that cannot be read fails a plan too.
  const v = verdict(report, { failOn: 'error' });
  // The last line says why the exit code is 1: the plan's own last line is its totals.
  if (v.failsStep) {
    // In the plan's words: a failed row of a plan is a tag it could not read.
    const unread = report.results.filter((r) => r.status === 'failed').length;
    const errors = report.ruleErrors.length;
    const what = [
      unread ? `${counted(unread, 'tag')} unreadable` : '',
      errors ? counted(errors, 'rule error') : '',
    ].filter(Boolean);
    // With --json there is no rule above: the JSON on stdout has them (ruleErrors, failed items).
    const where = opts.json
      ? 'see ruleErrors and the listing-failed items in the JSON'
      : 'each is shown in its rule above';
    console.error(`ferry plan: a run would fail: ${what.join(', ')} (${where})`);
  }
  return v.failsStep ? 1 : 0;
}

/**
 * `ferry plan --matrix N`: `{"include":[{"shard":"1/N",…}]}` on stdout, one line, ready for
 * `echo "matrix=$(ferry plan --matrix 4)" >> "$GITHUB_OUTPUT"`; the units per shard (destination
 * groups with their sources) go to stderr (or, with --json, into the JSON as `shards`).
 */
async function matrixCommand(config: Config, rules: string[], total: number, json: boolean): Promise<number> {
  if (!Number.isInteger(total) || total < 1 || total > MAX_CONCURRENCY) {
    console.error(`ferry: --matrix expects a whole number of shards between 1 and ${MAX_CONCURRENCY}, got ${total}`);
    return 2;
  }
  const { units, errors } = await discoverUnits(config, { rules });
  const { matrix, shards } = buildMatrix(units, total, config.rules);
  const detail = shards.map((s) => ({ shard: `${s.index}/${total}`, units: s.units }));
  console.log(JSON.stringify(json ? { ...matrix, shards: detail } : matrix));
  if (!json)
    for (const s of detail)
      console.error(
        neutralizeCommands(
          `shard ${s.shard}: ${s.units.map((u) => `${u.rule}:${u.destination} ← ${u.repositories.join(' ')} (${u.weight})`).join(', ') || 'no units'}`,
        ),
      );
  for (const e of errors) console.error(neutralizeCommands(`error: rule ${e.rule}: ${e.message}`));
  return errors.length ? 1 : 0;
}
