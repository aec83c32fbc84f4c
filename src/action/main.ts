/**
 * The action: read inputs and the event, call the library, leave a summary, outputs and
 * annotations. Everything else lives in the library; the helpers here only adapt it to a runner.
 */
import { mkdir } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import * as core from '@actions/core';
import {
  buildMatrix,
  buildReport,
  type Config,
  type ConfigDiagnostic,
  ConfigError,
  discoverUnits,
  escapeMarkdownCell,
  formatDiagnostic,
  garbageCollectionNote,
  loadConfig,
  neutralizeCommands,
  propagateDeletions,
  judgedPart,
  redact,
  registerSecret,
  planMarker,
  renderPlan,
  renderSummary,
  repositoryUrls,
  runConfig,
  runLog,
  type RunReport,
  setMasker,
  type Verdict,
  verdict,
  verdictMark,
  shardSelector,
  type Stop,
  stopOnSignalsOrTimeout,
  VERSION,
  workflowCrons,
  writeReport,
  counted,
} from '../index.js';
import {
  commandOf,
  copiesNothing,
  type GitHubContext,
  readContext,
  resolveScope,
  rulesFile,
  type Scope,
} from './context.js';
import { upsertComment } from './github.js';
import { type Inputs, readInputs } from './inputs.js';
import { reportToIssue } from './issue.js';
import { notify } from './notify.js';
import {
  annotate,
  annotateRun,
  diagnosticsMarkdown,
  MAX_ANNOTATIONS,
  notesMarkdown,
  setReportOutputs,
  writeSummary,
} from './output.js';
import { mergeCommand } from './report.js';

export async function run(): Promise<void> {
  setMasker((s) => core.setSecret(s));
  try {
    const inputs = readInputs();
    registerSecret(inputs.githubToken);
    // Its URL is the webhook's credential (Slack, Teams): masked before any output, not when posted.
    registerSecret(inputs.notifyWebhook);
    // `credentials: { token: { env: GITHUB_TOKEN } }` (GHCR) resolves to the github-token input.
    if (inputs.githubToken && !process.env.GITHUB_TOKEN) process.env.GITHUB_TOKEN = inputs.githubToken;
    const ctx = readContext();
    const failed = inputs.command === 'report' ? await mergeCommand(inputs, ctx) : await main(inputs, ctx);
    if (failed) core.setFailed(failed);
  } catch (e) {
    core.setFailed(neutralizeCommands(redact(`ferry: ${(e as Error).message}`)));
  }
}

/** The rule name under which the event's own problems are reported. */
const EVENT_RULE = '(event)';

/** The rules file as loaded, its warnings, and what the event asks for. */
interface Loaded {
  config: Config;
  file: string;
  diagnostics: ConfigDiagnostic[];
  scope: Scope;
  /** Markdown for annotations beyond GitHub's cap. */
  head: string;
}

/** Returns why the step fails, or undefined. */
async function main(inputs: Inputs, ctx: GitHubContext): Promise<string | undefined> {
  const loaded = await load(inputs, ctx);
  if (typeof loaded === 'string') return loaded;
  const { scope } = loaded;
  if (scope.command === 'validate') return validate(inputs, loaded);
  if (scope.command === 'matrix') return matrix(inputs, loaded.config, scope);
  // A shard job still writes its (empty) report, or the merging report job finds nothing and fails.
  if (scope.idle && !inputs.shard) return idle(inputs, loaded);
  const stop = stopOnSignalsOrTimeout(inputs.timeoutMs);
  try {
    return await replicate(inputs, ctx, loaded, stop);
  } finally {
    stop.dispose();
  }
}

/** Loads and checks the rules file; on errors, reports them and returns why the step fails. */
async function load(inputs: Inputs, ctx: GitHubContext): Promise<Loaded | string> {
  const { abs, file } = rulesFile(inputs.config, ctx.workspace);
  let config: Config;
  let diagnostics: ConfigDiagnostic[];
  // Validation and a pull request's plan also compare rule schedules with the workflows' crons.
  const crons =
    commandOf(inputs, ctx) === 'validate' || ctx.eventName === 'pull_request'
      ? await workflowCrons(ctx.workspace)
      : undefined;
  try {
    const loaded = await loadConfig(abs, crons ? { workflowCrons: crons } : {});
    config = loaded.config;
    diagnostics = loaded.warnings;
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    return invalid(
      inputs,
      ctx,
      file,
      e.diagnostics.map((d) => ({ ...d, file })),
    );
  }
  diagnostics = diagnostics.map((d) => ({ ...d, file }));
  const scope = await resolveScope(inputs, ctx, config);
  const head = annotate(diagnostics, file);
  for (const d of diagnostics) core.info(neutralizeCommands(redact(formatDiagnostic(d))));
  return { config, file, diagnostics, scope, head };
}

/** Whether the step fails and why, for the run's (or, without a run, an empty) report. */
function judge(
  inputs: Inputs,
  report: Pick<RunReport, 'results' | 'ruleErrors' | 'warnings'>,
  diagnostics: ConfigDiagnostic[] = [],
): Verdict {
  return verdict(report, {
    failOn: inputs.failOn,
    configWarnings: diagnostics.filter((d) => d.severity === 'warning').length,
  });
}

/** The step's failure line: why, and where to read more. */
function failure(v: Verdict, where: string): string | undefined {
  return v.failsStep ? `${v.reason}; ${where}` : undefined;
}

async function validate(
  inputs: Inputs,
  { config, file, diagnostics, scope, head }: Loaded,
): Promise<string | undefined> {
  setReportOutputs(undefined, undefined);
  const word = `${counted(config.rules.length, 'rule')}, ${counted(config.registries.size, 'registry', 'registries')}`;
  // The headline's mark is the step's result: warnings fail it under fail-on: warning.
  const v = judge(inputs, { results: [], ruleErrors: [] }, diagnostics);
  const mark = verdictMark(v.status);
  await writeSummary(
    `## ferry validate: ${mark} \`${file}\` is valid (${word})${v.reason ? ` · ${v.reason}` : ''}\n\n${notesMarkdown(scope.notes)}${head}${diagnosticsMarkdown(diagnostics, file)}`,
  );
  return failure(v, 'see the annotations');
}

async function idle(inputs: Inputs, { scope, head }: Loaded): Promise<string | undefined> {
  setReportOutputs(undefined, undefined);
  core.info(`ferry: nothing to do: ${scope.idle}`);
  // A payload ferry could not read, or from a registry no rule reads from, is a relay or a url to
  // fix, not nothing to do: a warning, so fail-on: warning fails the step instead of a green run on
  // every push.
  const problems = scope.payloadProblems ?? [];
  // A run annotates them among its warnings (annotateRun); here there is no run.
  for (const problem of problems) core.warning(neutralizeCommands(`ferry: the event's payload: ${problem}`));
  const mark = problems.length ? '⚠️ ' : '';
  await writeSummary(
    `## ferry ${scope.command}: ${mark}nothing to do\n\n${notesMarkdown([scope.idle!, ...problems, ...scope.notes])}${head}`,
  );
  return problems.length && inputs.failOn === 'warning'
    ? `the event could not be used (${counted(problems.length, 'problem')}); see the job summary`
    : undefined;
}

/** `run` and `plan` (a pull request's plan included): carry out or plan the selected rules. */
async function replicate(
  inputs: Inputs,
  ctx: GitHubContext,
  { config, file, diagnostics, scope, head }: Loaded,
  { signal, hurry }: Pick<Stop, 'signal' | 'hurry'>,
): Promise<string | undefined> {
  const started = new Date();
  // Rules that could not be read without credentials on a pull request are not failures (G1).
  const needsSecrets = (rule: string) => {
    const r = config.rules.find((x) => x.name === rule);
    return (
      !!r && [r.source, r.destination].some((n) => scope.anonymous.has(n) && config.registries.get(n)?.credentials)
    );
  };
  const rl = runLog({
    // Their errors are told as what they are, not as "✖ rule error" beside a green check.
    withheld: (rule) =>
      !scope.pullRequest || !needsSecrets(rule)
        ? undefined
        : scope.pullRequest.fork
          ? 'a pull request from a fork gets no secrets'
          : 'a registry it uses is new or changed in this pull request, so its credentials are withheld until the merge',
    write: (line) => core.info(redact(line)),
    debug: (line) => core.debug(redact(line)),
    group: { start: (title) => core.startGroup(redact(title)), end: () => core.endGroup() },
  });
  const log = rl.log;
  if (scope.idle) scope.notes.push(scope.idle);
  let discoveryErrors: { rule: string; message: string }[] = [];
  if (inputs.shard && !copiesNothing(scope)) {
    const { units, errors } = await discoverUnits(config, {
      ...(scope.rules ? { rules: scope.rules } : {}),
      ...(scope.named ? { named: scope.named } : {}),
      anonymousRegistries: scope.anonymous,
      // Which units are this shard's depends on their names only: no tag needs counting.
      weights: false,
    });
    // A rule this shard could not list would silently run over nothing: report it.
    discoveryErrors = errors;
    scope.select = shardSelector(units, inputs.shard.index, inputs.shard.total);
  }
  const ran = copiesNothing(scope)
    ? undefined
    : await runConfig(config, {
        dryRun: scope.dryRun,
        ...(scope.rules ? { rules: scope.rules } : {}),
        ...(inputs.concurrency ? { concurrency: inputs.concurrency } : {}),
        ...(scope.select ? { select: scope.select } : {}),
        ...(scope.named ? { named: scope.named } : {}),
        ...(scope.tags ? { tags: scope.tags } : {}),
        ...(scope.formerFilters?.size ? { formerFilters: scope.formerFilters } : {}),
        ...(scope.pullRequest && scope.changedRules ? { mergeRules: new Set(scope.changedRules) } : {}),
        anonymousRegistries: scope.anonymous,
        ...(inputs.shard ? { shard: inputs.shard } : {}),
        command: scope.dryRun ? 'plan' : 'run',
        log,
        debug: (line) => core.debug(redact(line)),
        onProgress: rl.onProgress,
        signal,
        hurry,
      });
  // A delete event names its tags; every shard would plan the same deletions and race for them.
  const deleted =
    scope.deletions.length && (!inputs.shard || inputs.shard.index === 1)
      ? await propagateDeletions(config, scope.deletions, {
          dryRun: scope.dryRun,
          log,
          onProgress: rl.onProgress,
          anonymousRegistries: scope.anonymous,
          signal,
        })
      : undefined;
  let report: RunReport =
    ran?.report ??
    buildReport({
      command: scope.dryRun ? 'plan' : 'run',
      dryRun: scope.dryRun,
      startedAt: started,
      finishedAt: new Date(),
      results: [],
      ruleErrors: [],
      version: VERSION,
      ...(inputs.shard ? { shard: inputs.shard } : {}),
    });
  if (deleted)
    report = buildReport({
      ...report,
      startedAt: new Date(report.startedAt),
      finishedAt: new Date(),
      version: VERSION,
      results: [...report.results, ...deleted.results],
      ruleErrors: [...report.ruleErrors, ...deleted.ruleErrors],
      warnings: [...(report.warnings ?? []), ...deleted.warnings],
      ...(report.shard ? { shard: report.shard } : {}),
    });

  // A rule discovery could not list usually fails again in the run, which reports it: said once.
  // One the run did not report (the listing worked the second time, the shard ran none of it)
  // would otherwise end green over nothing.
  const reported = new Set(report.ruleErrors.map((e) => e.rule));
  const unreported = discoveryErrors.filter((e) => !reported.has(e.rule));
  if (unreported.length) report = { ...report, ruleErrors: [...report.ruleErrors, ...unreported] };
  // Parts of the event's payload that could not be read are warnings of the run, as on the idle
  // path: shown in the summary and judged by fail-on (only shard 1 tells them, or N shards would).
  const payload = (scope.payloadProblems ?? []).map((message) => ({ rule: EVENT_RULE, message }));
  if (payload.length && (!inputs.shard || inputs.shard.index === 1))
    report = { ...report, warnings: [...(report.warnings ?? []), ...payload] };
  // The report says the run looked at the event's artifacts only: its selection is not the rule's.
  if (scope.event) report = { ...report, event: scope.event };

  // They are shown in the plan comment among the rules not planned (a pull request's run is a plan).
  const withheld = scope.pullRequest ? report.ruleErrors.filter((e) => needsSecrets(e.rule)) : [];
  report = { ...report, ruleErrors: report.ruleErrors.filter((e) => !withheld.includes(e)) };

  const reportPath = resolve(
    ctx.workspace,
    inputs.reportPath || join(process.env.RUNNER_TEMP || ctx.workspace, 'ferry-report.json'),
  );
  await mkdir(dirname(reportPath), { recursive: true });
  await writeReport(reportPath, report, redact);
  // A pull request's check is about what its merge runs (the comment's headline rules): drift in
  // a rule it leaves alone is shown under "Other rules", and fails that rule's own next run, not
  // every pull request until someone mends the source. From a fork, every rule counts. The
  // outputs and the log's totals count the same part as the comment's "On merge" line.
  const judged = scope.pullRequest ? judgedPart(report, scope.changedRules) : report;
  setReportOutputs(judged, reportPath);
  const gc = scope.dryRun ? undefined : garbageCollectionNote(report, config);
  if (gc) scope.notes.push(gc);
  // Rows of the rules the merge leaves alone that are not in sync: drift, told apart from the totals.
  const drift = report.results.filter(
    (r) => !judged.results.includes(r) && r.status !== 'unchanged' && r.status !== 'skipped',
  ).length;
  rl.finish(judged, [
    ...(drift
      ? [
          `The totals count what the merge runs (${counted(scope.changedRules?.length ?? 0, 'rule')}); ${counted(drift, 'row')} of rules it leaves alone ${drift === 1 ? 'is' : 'are'} drift in the registries, not counted (shown under Other rules in the plan).`,
        ]
      : []),
    ...(gc ? [gc] : []),
  ]);

  const v = judge(inputs, judged, diagnostics);
  let failed = failure(v, 'see the job summary');
  const over = annotateRun(report, config, file, {
    warningsUsed: Math.min(MAX_ANNOTATIONS, diagnostics.filter((d) => d.severity === 'warning').length),
    failing: v.failsStep,
    ...(scope.pullRequest && scope.changedRules ? { judged: scope.changedRules } : {}),
  });
  if (failed && over.errorsOver)
    failed += `; ${over.errorsOver} more not annotated (GitHub shows ${MAX_ANNOTATIONS} per step)`;
  if (over.warningsOver)
    scope.notes.push(
      `${counted(over.warningsOver, 'warning')} not annotated (GitHub shows ${MAX_ANNOTATIONS} per step); all are listed under Warnings below.`,
    );

  if (scope.pullRequest && ran) {
    const planOpts = {
      file,
      sha: scope.pullRequest.headSha,
      ...(ctx.runUrl ? { runUrl: ctx.runUrl } : {}),
      notes: scope.notes,
      // Each with its hint, in the comment's "Rules not planned" or in its rule's block: as notes
      // they had no hint, and the rule itself read as having nothing to do.
      ruleErrors: [...report.ruleErrors, ...withheld.map((e) => ({ ...e, withheld: true }))],
      validation: { errors: [], warnings: diagnostics.map(formatDiagnostic) },
      // A refusal of a rule's deletions is a rule error of a rule planned in full.
      partial: [
        ...new Set(
          [...withheld, ...report.ruleErrors]
            .filter((e) => e.message !== ran.plan.rules.find((r) => r.rule === e.rule)?.deletionsRefused)
            .map((e) => e.rule),
        ),
      ],
      ...(scope.changedRules ? { changedRules: scope.changedRules } : {}),
      rules: config.rules,
      verdict: v,
    };
    const body = redact(renderPlan(ran.plan, planOpts));
    await writeSummary(head + redact(renderPlan(ran.plan, { ...planOpts, maxChars: 900_000 })));
    await comment(inputs, ctx, scope, file, body);
  } else {
    // Headline first, then why this run did what it did.
    const md = renderSummary(report, {
      reportPath,
      ...(ctx.runUrl ? { reportUrl: `${ctx.runUrl}#artifacts` } : {}),
      verdict: v,
      repositoryUrl: repositoryUrls(config),
      rules: config.rules,
    });
    const cut = md.indexOf('\n\n') + 2;
    await writeSummary(md.slice(0, cut) + notesMarkdown(scope.notes) + head + md.slice(cut));
  }
  // A shard's report is one part of the run: the job that merges the shards notifies (command: report).
  if (!inputs.shard && !scope.pullRequest) {
    await notify(inputs, ctx, report, { file, verdict: v });
    await reportToIssue(inputs, ctx, { report, file, verdict: v });
  }
  return failed;
}

/** Invalid config: annotations on the offending lines, the summary, and on a pull request the comment. */
async function invalid(
  inputs: Inputs,
  ctx: GitHubContext,
  file: string,
  diagnostics: ConfigDiagnostic[],
): Promise<string> {
  const note = annotate(diagnostics, file);
  for (const d of diagnostics) core.info(neutralizeCommands(redact(formatDiagnostic(d))));
  const errors = diagnostics.filter((d) => d.severity === 'error');
  setReportOutputs(undefined, undefined);
  await writeSummary(
    `## ferry: ❌ \`${file}\` has ${counted(errors.length, 'error')}\n\n${note}${diagnosticsMarkdown(diagnostics, file)}`,
  );
  if (ctx.eventName === 'pull_request') {
    const pr = (ctx.payload.pull_request ?? {}) as { number?: number; head?: { sha?: string } };
    const body = renderPlan(
      { dryRun: true, rules: [] },
      {
        file,
        ...(pr.head?.sha ? { sha: pr.head.sha } : {}),
        ...(ctx.runUrl ? { runUrl: ctx.runUrl } : {}),
        validation: {
          errors: errors.map(formatDiagnostic),
          warnings: diagnostics.filter((d) => d.severity === 'warning').map(formatDiagnostic),
        },
      },
    );
    await comment(
      inputs,
      ctx,
      { pullRequest: { number: Number(ctx.payload.number ?? pr.number), headSha: '', fork: false } } as Scope,
      file,
      redact(body),
    );
  }
  return `${file}: ${counted(errors.length, 'error')}; see the annotations`;
}

async function comment(inputs: Inputs, ctx: GitHubContext, scope: Scope, file: string, body: string): Promise<void> {
  const pr = scope.pullRequest;
  if (!inputs.comment || !pr || !Number.isInteger(pr.number)) return;
  if (!inputs.githubToken) return core.notice('ferry: no github-token; the plan is in the job summary only');
  try {
    const r = await upsertComment(
      { apiUrl: ctx.apiUrl, token: inputs.githubToken, repository: ctx.repository, issue: pr.number },
      planMarker(file),
      body,
    );
    core.info(`ferry: plan comment ${r.action} (#${r.id})`);
  } catch (e) {
    // Fork PRs get a read-only token (403): the job summary still has the plan (G5).
    core.warning(
      neutralizeCommands(
        redact(
          `ferry: could not comment on the pull request (${(e as Error).message}); the plan is in the job summary`,
        ),
      ),
    );
  }
}

async function matrix(inputs: Inputs, config: Config, scope: Scope): Promise<string | undefined> {
  // An event that selects no rule still gets its shards (each idle), so the workflow stays green.
  const { units, errors } = copiesNothing(scope)
    ? { units: [], errors: [] }
    : await discoverUnits(config, {
        ...(scope.rules ? { rules: scope.rules } : {}),
        ...(scope.named ? { named: scope.named } : {}),
        anonymousRegistries: scope.anonymous,
      });
  const { matrix, shards, shares } = buildMatrix(units, inputs.shards, config.rules);
  core.setOutput('matrix', JSON.stringify(matrix));
  setReportOutputs(undefined, undefined);
  // Each shard's share of each deleting rule's delete_remote.max, as its entry carries it.
  const dealt = (i: number) =>
    shares
      ? ` ${
          Object.entries(shares[i]!)
            .map(([rule, n]) => `${escapeMarkdownCell(rule, 100)} ${n}`)
            .join(', ') || '—'
        } |`
      : '';
  const deleting = shares !== undefined;
  const rows = shards.map(
    (s, i) =>
      `| ${s.index}/${inputs.shards} | ${s.units.length} | ${s.units.reduce((n, u) => n + u.weight, 0)} |${dealt(i)}`,
  );
  await writeSummary(
    `## ferry matrix: ${units.length} units over ${inputs.shards} shards\n\n${notesMarkdown([...scope.notes, ...errors.map((e) => `rule ${e.rule}: ${e.message}`)])}| Shard | Units | Tags |${deleting ? ' Deletions allowed (of delete_remote.max) |' : ''}\n|---|---:|---:|${deleting ? '---|' : ''}\n${rows.join('\n')}\n`,
  );
  for (const s of shards)
    core.info(
      neutralizeCommands(
        `shard ${s.index}/${inputs.shards}: ${s.units.map((u) => `${u.rule}:${u.destination} ← ${u.repositories.join(' ')}`).join(', ') || 'no units'}`,
      ),
    );
  // A rule that could not be listed is not every rule's failure: the shards run the others, and
  // each shard, listing it again, reports it as a rule error, which fails the merged report (and
  // notifies, and opens the issue). Failing here skipped every shard and the report found nothing.
  for (const e of errors)
    core.warning(
      neutralizeCommands(
        `rule ${e.rule}: ${e.message}; its units are unknown, so no shard runs it: each reports the error, and the merged report fails with it`,
      ),
    );
  return undefined;
}
