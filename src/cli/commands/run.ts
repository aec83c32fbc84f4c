import { fstatSync } from 'node:fs';
import { access, constants, mkdir, stat, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
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
  STOP_GRACE_MS,
  stopOnSignalsOrTimeout,
  suggest,
  verdict,
  writeReport,
  type Config,
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

/**
 * `--rule` names the file does not define, as a usage error (exit 2, as the README says): why,
 * what the file defines, and the rule a typo most likely meant. Undefined when every name is known.
 */
export function unknownRules(config: Config, names: readonly string[]): string | undefined {
  const defined = config.rules.map((r) => r.name);
  const unknown = names.filter((n) => !defined.includes(n));
  if (!unknown.length) return undefined;
  const guesses = unknown.flatMap((n) => {
    // The guess `ferry validate` makes for a mistyped key.
    const hint = suggest(n, defined);
    return hint ? [{ n, hint }] : [];
  });
  const guess = !guesses.length
    ? ''
    : unknown.length === 1
      ? ` (did you mean "${guesses[0]!.hint}"?)`
      : ` (did you mean ${guesses.map((g) => `"${g.hint}" for "${g.n}"`).join(', ')}?)`;
  const list = unknown.map((n) => `"${n}"`).join(', ');
  return neutralizeCommands(
    `ferry: --rule: no rule named ${list} in the file${guess}; it defines: ${defined.join(', ') || 'no rules'}`,
  );
}

/** Exit code 0/1 (2 for an unknown --rule), and whether the run wrote (or would write) anything at a destination. */
export async function runCommand(opts: RunCommandOptions): Promise<number> {
  return (await run(opts)).code;
}

export async function run(opts: RunCommandOptions): Promise<{ code: number; changed: boolean }> {
  const loaded = await loadOrReport(opts.config);
  if (!loaded) return { code: 1, changed: false };
  const unknown = unknownRules(loaded.config, opts.rule);
  if (unknown) {
    console.error(unknown);
    return { code: 2, changed: false };
  }
  // Where the report and summary go is checked before anything is copied: found afterwards, the run
  // was done and its record lost.
  for (const [flag, file] of [
    ['--report', opts.report],
    ['--summary', opts.summary],
  ] as const) {
    const problem = file === undefined ? undefined : await unwritable(file);
    if (problem) {
      console.error(`ferry: ${flag} ${file}: ${problem}`);
      return { code: 2, changed: false };
    }
  }
  const color = process.stdout.isTTY === true && !process.env.NO_COLOR;
  const stop = stopOnSignalsOrTimeout(opts.timeout ? parseDuration(opts.timeout) : undefined, {
    onSignal: (name, count) => {
      // At a terminal a second Ctrl-C ends ferry at once; in CI, a runner's SIGINT then SIGTERM
      // must not cut the report the first one is waiting to write.
      if (count > 1 && name === 'SIGINT' && process.stderr.isTTY) process.exit(130);
      if (count === 1)
        console.error(
          `ferry: stopping (${name}): nothing new starts; transfers in flight get up to ${STOP_GRACE_MS / 1000} s, then the report is written${process.stderr.isTTY ? '. Press Ctrl-C again to end now, without a report' : ''}`,
        );
    },
  });
  // One line per image as it ends, a heading per rule, totals last; progress as a live bar on a
  // terminal, else a line every 10 s.
  const bar = process.stdout.isTTY ? progressBar(process.stdout) : undefined;
  const log = runLog({
    write: (line) => (bar ? bar.write(line) : console.log(line)),
    color,
    ...(bar ? { live: (p) => bar.update(p) } : {}),
  });
  const { report } = await runConfig(loaded.config, {
    signal: stop.signal,
    hurry: stop.hurry,
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
  // A rule error told inside its rule, with its hint, on stdout is told again on stderr only where
  // stdout does not go (redirected to a file while stderr stays on screen): not twice on one
  // terminal or in one `2>&1` log. (A CI runner reads the two as separate pipes: there it is.)
  // Errors no rule told (a store failing to close, a rule a stop never started) always are.
  const both = oneOutput();
  for (const e of report.ruleErrors)
    if (!both || !log.told(e))
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
        repositoryUrl: repositoryUrls(loaded.config),
        rules: loaded.config.rules,
      }),
    );
  const changed = report.results.some((r) => STATUS[r.status].change);
  return { code: v.failsStep ? 1 : 0, changed };
}

/** Why `file` cannot be written (its folder is made if missing), or undefined when it can. */
async function unwritable(file: string): Promise<string | undefined> {
  if ((await stat(file).catch(() => undefined))?.isDirectory()) return 'is a directory; give a file name';
  const folder = dirname(file);
  const parent = await stat(folder).catch(() => undefined);
  if (parent && !parent.isDirectory()) return `${folder} is a file, not a folder`;
  try {
    await mkdir(folder, { recursive: true });
    await access(folder, constants.W_OK);
  } catch (e) {
    return `cannot write in ${folder} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`;
  }
  return undefined;
}

/** stdout and stderr are one terminal, file or pipe (a terminal, `2>&1`). */
function oneOutput(): boolean {
  try {
    const out = fstatSync(1);
    const err = fstatSync(2);
    return out.dev === err.dev && out.ino === err.ino;
  } catch {
    return false;
  }
}
