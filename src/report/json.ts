/**
 * The JSON run report (the artifact the summary and PR comment point to): build it from
 * results, write it in a stable shape, and read it back with clear errors.
 */
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import {
  ALL_STATUSES,
  type BuildReportArgs,
  buildReport,
  countStatuses,
  type Result,
  type ResultError,
  type ResultStatus,
  type RunReport,
} from '../replicate/result.js';
import { TAG_STAGES } from '../plan/types.js';
import { counted } from '../util/units.js';

export { ALL_STATUSES, type BuildReportArgs, buildReport, countStatuses };

export const REPORT_SCHEMA_VERSION = 1;

/** JSON with a fixed key order and 2-space indent, so equal reports give equal text. */
export function serializeReport(r: RunReport): string {
  return JSON.stringify(normalizeReport(r), null, 2) + '\n';
}

/** Results serialized per chunk written: the report file is written without the whole text in memory. */
const ROWS_PER_WRITE = 256;

/**
 * Writes exactly what serializeReport returns, row by row: a run of 100,000 tags never holds its
 * report as one string (nor a normalized copy of every result). `transform` is applied to each
 * piece (the action's redaction); it must not change how pieces join.
 */
export async function writeReport(
  path: string,
  r: RunReport,
  transform: (text: string) => string = (t) => t,
): Promise<void> {
  // The report with an empty results list, split where the rows go.
  const frame = JSON.stringify(normalizeReport({ ...r, results: [] }), null, 2);
  const at = frame.indexOf('"results": []') + '"results": '.length;
  const out = createWriteStream(path);
  const done = new Promise<void>((resolve, reject) => {
    out.once('error', reject);
    out.once('finish', resolve);
  });
  const write = async (text: string) => {
    if (!out.write(transform(text))) await once(out, 'drain');
  };
  try {
    if (r.results.length === 0) await write(`${frame}\n`);
    else {
      await write(`${frame.slice(0, at)}[\n`);
      for (let i = 0; i < r.results.length; i += ROWS_PER_WRITE) {
        const rows = r.results.slice(i, i + ROWS_PER_WRITE).map((row, k) => {
          const text = JSON.stringify(normalizeResult(row), null, 2).replace(/\n/g, '\n    ');
          return `    ${text}${i + k === r.results.length - 1 ? '' : ','}\n`;
        });
        await write(rows.join(''));
      }
      // The totals in the frame were counted over no results: count them over the real ones.
      const rest = frame.slice(at + 2).replace(/"totals": \{[^}]*\}/, () => {
        const totals = JSON.stringify(countStatuses(r.results), null, 2).replace(/\n/g, '\n  ');
        return `"totals": ${totals}`;
      });
      await write(`  ]${rest}\n`);
    }
  } finally {
    out.end();
  }
  await done;
}

/** Reads a report written by serializeReport (or by another ferry of the same schema). */
export function parseReport(text: string): RunReport {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (e) {
    throw new Error(`ferry report is not valid JSON: ${(e as Error).message}`, { cause: e });
  }
  if (!isObject(data)) throw new Error('ferry report must be a JSON object');
  if (data.schemaVersion !== REPORT_SCHEMA_VERSION) {
    throw new Error(
      `unsupported ferry report schemaVersion ${JSON.stringify(data.schemaVersion)}; ` +
        `this ferry reads schemaVersion ${REPORT_SCHEMA_VERSION}. Use the ferry version that wrote the report.`,
    );
  }
  const v = new Validator();
  v.check(isObject(data.tool) && data.tool.name === 'ferry', 'tool', 'expected {"name": "ferry", "version": …}');
  if (isObject(data.tool)) v.check(typeof data.tool.version === 'string', 'tool.version', 'expected a string');
  v.check(data.command === 'plan' || data.command === 'run', 'command', 'expected "plan" or "run"');
  v.check(typeof data.dryRun === 'boolean', 'dryRun', 'expected true or false');
  for (const key of ['startedAt', 'finishedAt'] as const) {
    const value = data[key];
    v.check(typeof value === 'string' && !Number.isNaN(Date.parse(value)), key, 'expected an ISO date');
  }
  if (data.shard !== undefined) {
    const s = data.shard;
    v.check(
      isObject(s) && isCount(s.total) && s.total >= 1 && isCount(s.index) && s.index >= 1 && s.index <= s.total,
      'shard',
      'expected {"index": n, "total": m} with 1 ≤ index ≤ total (shard n of m)',
    );
  }
  if (Array.isArray(data.results)) {
    for (const [i, r] of data.results.entries()) checkResult(v, r, `results[${i}]`);
  } else v.fail('results', 'expected an array');
  if (Array.isArray(data.ruleErrors)) {
    for (const [i, e] of data.ruleErrors.entries()) {
      const p = `ruleErrors[${i}]`;
      if (!isObject(e)) {
        v.fail(p, 'expected an object');
        continue;
      }
      v.check(typeof e.rule === 'string', `${p}.rule`, 'expected a string');
      v.check(typeof e.message === 'string', `${p}.message`, 'expected a string');
      v.check(e.hint === undefined || typeof e.hint === 'string', `${p}.hint`, 'expected a string');
      v.check(e.registry === undefined || typeof e.registry === 'string', `${p}.registry`, 'expected a string');
    }
  } else v.fail('ruleErrors', 'expected an array');
  if (data.warnings !== undefined) {
    if (Array.isArray(data.warnings)) {
      for (const [i, w] of data.warnings.entries()) {
        const ok = isObject(w) && typeof w.rule === 'string' && typeof w.message === 'string';
        v.check(ok, `warnings[${i}]`, 'expected { rule, message } strings');
      }
    } else v.fail('warnings', 'expected an array');
  }
  if (data.event !== undefined) {
    const e = data.event;
    const ok =
      isObject(e) &&
      typeof e.name === 'string' &&
      Array.isArray(e.artifacts) &&
      e.artifacts.every((a) => typeof a === 'string');
    v.check(ok, 'event', 'expected { name, artifacts } strings');
  }
  if (data.selection !== undefined) {
    if (isObject(data.selection))
      for (const [rule, sel] of Object.entries(data.selection)) {
        // A report of a ferry without the referrers or platforms stage (an older shard's, an older
        // run's): none left out there.
        if (isObject(sel) && isObject(sel.dropped))
          for (const stage of ['referrers', 'platforms']) if (sel.dropped[stage] === undefined) sel.dropped[stage] = 0;
        const counts = (o: unknown, keys: readonly string[]) => isObject(o) && keys.every((k) => isCount(o[k]));
        const ok =
          isObject(sel) &&
          counts(sel.repositories, ['listed', 'matched']) &&
          counts(sel.tags, ['listed', 'selected']) &&
          (!isObject(sel.tags) || sel.tags.signatures === undefined || isCount(sel.tags.signatures)) &&
          counts(sel.dropped, DROPPED);
        v.check(ok, `selection.${rule}`, 'expected { repositories, tags, dropped } counts');
      }
    else v.fail('selection', 'expected an object');
  }
  if (isObject(data.totals)) {
    for (const [k, n] of Object.entries(data.totals)) {
      v.check(ALL_STATUSES.includes(k as ResultStatus), `totals.${k}`, 'unknown status');
      v.check(isCount(n), `totals.${k}`, 'expected a whole number ≥ 0');
    }
  } else v.fail('totals', 'expected an object');
  v.throwIfAny();
  return normalizeReport(data as unknown as RunReport);
}

function checkResult(v: Validator, r: unknown, p: string): void {
  if (!isObject(r)) {
    v.fail(p, 'expected an object');
    return;
  }
  for (const key of ['rule', 'destination', 'tag'] as const) {
    v.check(typeof r[key] === 'string', `${p}.${key}`, 'expected a string');
  }
  for (const key of ['source', 'sourceDigest', 'destinationDigest', 'targetDigest', 'reason', 'why'] as const) {
    v.check(r[key] === undefined || typeof r[key] === 'string', `${p}.${key}`, 'expected a string');
  }
  v.check(
    typeof r.status === 'string' && ALL_STATUSES.includes(r.status as ResultStatus),
    `${p}.status`,
    `expected one of ${ALL_STATUSES.join(', ')}`,
  );
  for (const key of ['bytes', 'durationMs', 'retries'] as const) {
    v.check(isCount(r[key]) || (key === 'durationMs' && isNonNegative(r[key])), `${p}.${key}`, 'expected a number ≥ 0');
  }
  const b = r.blobs;
  v.check(
    isObject(b) && isCount(b.copied) && isCount(b.mounted) && isCount(b.present),
    `${p}.blobs`,
    'expected {"copied": n, "mounted": n, "present": n}',
  );
  if (r.error !== undefined) {
    const e = r.error;
    if (!isObject(e)) {
      v.fail(`${p}.error`, 'expected an object');
      return;
    }
    v.check(typeof e.kind === 'string', `${p}.error.kind`, 'expected a string');
    v.check(typeof e.message === 'string', `${p}.error.message`, 'expected a string');
    v.check(e.hint === undefined || typeof e.hint === 'string', `${p}.error.hint`, 'expected a string');
    v.check(e.status === undefined || isCount(e.status), `${p}.error.status`, 'expected an HTTP status');
    v.check(
      e.codes === undefined || (Array.isArray(e.codes) && e.codes.every((c) => typeof c === 'string')),
      `${p}.error.codes`,
      'expected an array of strings',
    );
  }
}

/** Rebuilds the report with the declared key order, no unknown keys, and totals recounted. */
function normalizeReport(r: RunReport): RunReport {
  return {
    schemaVersion: 1,
    tool: { name: 'ferry', version: r.tool.version },
    command: r.command,
    dryRun: r.dryRun,
    startedAt: r.startedAt,
    finishedAt: r.finishedAt,
    ...(r.shard ? { shard: { index: r.shard.index, total: r.shard.total } } : {}),
    ...(r.event ? { event: { name: r.event.name, artifacts: [...r.event.artifacts] } } : {}),
    results: r.results.map(normalizeResult),
    ruleErrors: r.ruleErrors.map((e) =>
      defined({ rule: e.rule, message: e.message, hint: e.hint, registry: e.registry }),
    ),
    ...(r.warnings?.length ? { warnings: r.warnings.map((w) => ({ rule: w.rule, message: w.message })) } : {}),
    ...(r.selection && Object.keys(r.selection).length
      ? {
          selection: Object.fromEntries(
            Object.entries(r.selection).map(([rule, s]) => [
              rule,
              {
                repositories: { listed: s.repositories.listed, matched: s.repositories.matched },
                tags: {
                  listed: s.tags.listed,
                  selected: s.tags.selected,
                  ...(s.tags.signatures ? { signatures: s.tags.signatures } : {}),
                },
                dropped: Object.fromEntries(DROPPED.map((k) => [k, s.dropped[k]])) as Record<
                  (typeof DROPPED)[number],
                  number
                >,
              },
            ]),
          ),
        }
      : {}),
    totals: countStatuses(r.results),
  };
}

/** The stages a Selection counts as leaving tags (or, `name`, repositories) out. */
const DROPPED = ['name', ...TAG_STAGES] as const;

function normalizeResult(r: Result): Result {
  return defined({
    rule: r.rule,
    source: r.source,
    destination: r.destination,
    tag: r.tag,
    status: r.status,
    sourceDigest: r.sourceDigest,
    destinationDigest: r.destinationDigest,
    targetDigest: r.targetDigest,
    bytes: r.bytes,
    blobs: { copied: r.blobs.copied, mounted: r.blobs.mounted, present: r.blobs.present },
    durationMs: r.durationMs,
    retries: r.retries,
    reason: r.reason,
    // The verdict reads it (a tag a filter leaves out is not a warning): a merged report needs it too.
    why: r.why,
    error: r.error ? normalizeError(r.error) : undefined,
  }) as Result;
}

function normalizeError(e: ResultError): ResultError {
  return defined({
    kind: e.kind,
    message: e.message,
    hint: e.hint,
    status: e.status,
    codes: e.codes ? [...e.codes] : undefined,
  }) as ResultError;
}

/** Drops keys whose value is undefined (JSON.stringify would too, but equality checks would not). */
function defined<T extends Record<string, unknown>>(o: T): T {
  for (const k of Object.keys(o)) if (o[k] === undefined) delete o[k];
  return o;
}

function isObject(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

function isCount(x: unknown): x is number {
  return typeof x === 'number' && Number.isInteger(x) && x >= 0;
}

function isNonNegative(x: unknown): x is number {
  return typeof x === 'number' && Number.isFinite(x) && x >= 0;
}

const MAX_LISTED_PROBLEMS = 10;

class Validator {
  private readonly problems: string[] = [];

  check(ok: boolean, path: string, expected: string): void {
    if (!ok) this.fail(path, expected);
  }

  fail(path: string, expected: string): void {
    this.problems.push(`${path}: ${expected}`);
  }

  throwIfAny(): void {
    if (this.problems.length === 0) return;
    const shown = this.problems.slice(0, MAX_LISTED_PROBLEMS);
    const more = this.problems.length - shown.length;
    throw new Error(
      `invalid ferry report (${counted(this.problems.length, 'problem')}):\n` +
        shown.map((p) => `  - ${p}`).join('\n') +
        (more > 0 ? `\n  - … and ${more} more` : ''),
    );
  }
}
