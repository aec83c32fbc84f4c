import { describe, expect, test } from 'vitest';
import {
  formatProgress,
  formatResultLine,
  formatRunProgress,
  formatTable,
  planProgress,
  runLog,
} from '../../../src/report/console.js';
import { buildReport } from '../../../src/report/json.js';
import { renderSummary } from '../../../src/report/summary.js';
import type { Result, ResultStatus, RunReport } from '../../../src/replicate/result.js';

function result(status: ResultStatus, extra: Partial<Result> = {}): Result {
  return {
    rule: 'nginx',
    source: 'docker.io/library/nginx:1.27',
    destination: 'ghcr.io/acme/nginx:1.27',
    tag: '1.27',
    status,
    sourceDigest: `sha256:${'abcd1234'.repeat(8)}`,
    bytes: Math.round(12.3 * 1024 * 1024),
    blobs: { copied: 2, mounted: 0, present: 1 },
    durationMs: 2100,
    retries: 2,
    ...extra,
  };
}

const hostile = result('failed', {
  destination: 'ghcr.io/acme/nginx:a|b <img src=x> `t`',
  error: {
    kind: 'denied',
    status: 403,
    message: 'nope\n::add-mask::x\n::error::pwned',
    hint: '\n::warning::hint',
  },
  reason: '\r::notice::r',
});

describe('formatResultLine', () => {
  test('a copied image on one line', () => {
    expect(formatResultLine(result('copied'))).toBe(
      '✔ copied    docker.io/library/nginx:1.27 → ghcr.io/acme/nginx:1.27  sha256:abcd1234…  12.3 MiB in 2.1s (2 retries)',
    );
  });

  test('a row that did nothing says no time: "in 0ms" read as work done', () => {
    const line = formatResultLine(
      result('deferred', {
        bytes: 0,
        durationMs: 0,
        retries: 0,
        reason: 'not started: the run was cancelled (SIGINT)',
      }),
    );
    expect(line).toBe(
      '… deferred  docker.io/library/nginx:1.27 → ghcr.io/acme/nginx:1.27  sha256:abcd1234…  (not started: the run was cancelled (SIGINT))',
    );
  });

  test('a failure puts its hint on the next line', () => {
    const lines = formatResultLine(
      result('failed', {
        error: { kind: 'unauthorized', status: 401, message: 'bad token', hint: 'log in again' },
      }),
    ).split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/^✖ failed .* unauthorized: bad token \(HTTP 401\)$/);
    expect(lines[1]).toBe('    hint: log in again');
  });

  test('a registry error says its status once', () => {
    const line = formatResultLine(
      result('failed', {
        error: { kind: 'unsupported', status: 405, message: 'pushing r/app: unsupported (HTTP 405 UNSUPPORTED)' },
      }),
    );
    // Before: "unsupported 405: pushing r/app: unsupported (HTTP 405 UNSUPPORTED)".
    expect(line).toMatch(/ unsupported: pushing r\/app: unsupported \(HTTP 405 UNSUPPORTED\)$/);
  });

  test.each([
    [
      'deleted',
      result('deleted', { source: undefined, bytes: 0, retries: 0 }),
      '✔ deleted   ghcr.io/acme/nginx:1.27  sha256:abcd1234…  in 2.1s',
    ],
    ['one retry', result('unchanged', { bytes: 0, retries: 1 }), '(1 retry)'],
    ['a reason', result('kept', { bytes: 0, retries: 0, reason: 'override off' }), '(override off)'],
    [
      // What differs, as the plan comment shows it: before, only the destination's digest.
      'a kept tag shows both digests',
      result('kept', {
        bytes: 0,
        retries: 0,
        sourceDigest: `sha256:${'8'.repeat(64)}`,
        destinationDigest: `sha256:${'1'.repeat(64)}`,
      }),
      'sha256:11111111… (source sha256:88888888…)',
    ],
    [
      // The plan's row names the digest the run's row will: before, the one the update replaces.
      'a planned update shows the digest it writes, then what is there now',
      result('would-update', {
        bytes: 0,
        retries: 0,
        sourceDigest: `sha256:${'8'.repeat(64)}`,
        destinationDigest: `sha256:${'1'.repeat(64)}`,
      }),
      'sha256:88888888… (now sha256:11111111…)',
    ],
  ])('%s', (_name, r, expected) => {
    expect(formatResultLine(r)).toContain(expected);
  });

  test('colour only when asked', () => {
    expect(formatResultLine(result('copied'))).not.toContain('\x1b[');
    expect(formatResultLine(result('copied'), { color: true })).toContain('\x1b[32m');
  });
});

describe('formatTable', () => {
  const rows = [result('copied'), result('unchanged', { bytes: 0 }), result('deleted', { source: undefined })];

  test('columns line up and totals follow', () => {
    const lines = formatTable(rows).trimEnd().split('\n');
    const header = lines[0]!;
    const col = header.indexOf('DESTINATION');
    for (const line of lines.slice(1, 1 + rows.length)) expect(line.slice(col)).toMatch(/^ghcr\.io/);
    expect(lines.at(-1)).toBe(`Total: 1 copied, 1 deleted, 1 unchanged; ${'24.6 MiB'} moved`);
  });

  test('a row that did nothing shows dashes for size, time and retries, as the summary does', () => {
    const idle = result('unchanged', { bytes: 0, durationMs: 0, retries: 0 });
    const line = formatTable([idle]).split('\n')[1]!;
    // Before: "0ms  0", which read as work done.
    expect(line.trimEnd()).toMatch(/ - +- +-$/);
  });

  test.each([
    [false, false],
    [true, true],
  ])('color=%s emits ANSI: %s', (color, ansi) => {
    expect(formatTable(rows, { color }).includes('\x1b[')).toBe(ansi);
  });

  test('coloured columns still line up', () => {
    const plain = formatTable(rows).split('\n');
    const coloured = formatTable(rows, { color: true }).split('\n');
    expect(coloured.map((l) => l.replace(/\x1b\[[0-9;]*m/g, ''))).toEqual(plain);
  });
});

describe('injection (T25)', () => {
  test.each([
    ['formatResultLine', formatResultLine(hostile)],
    ['formatTable', formatTable([hostile, result('copied')])],
    ['formatProgress', formatProgress({ ref: '\n::error::x', bytes: 1, total: 2, elapsedMs: 1 })],
  ])('no line of %s starts a workflow command', (_name, out) => {
    for (const line of out.split(/\r\n|\r|\n/)) expect(line.trimStart().startsWith('::')).toBe(false);
  });
});

describe('formatProgress', () => {
  test.each([
    [
      { bytes: 12.3 * 1024 * 1024, total: 45.6 * 1024 * 1024, elapsedMs: 3000 },
      'x  12.3 MiB / 45.6 MiB (26%)  4.1 MiB/s',
    ],
    [{ bytes: 1024, total: 0, elapsedMs: 0 }, 'x  1.0 KiB'],
    [{ bytes: 2048, total: 1024, elapsedMs: 1000 }, 'x  2.0 KiB / 1.0 KiB (100%)  2.0 KiB/s'],
  ])('%j', (p, expected) => {
    expect(formatProgress({ ref: 'x', ...p })).toBe(expected);
  });
});

describe('runLog (the Actions log)', () => {
  const report = (results: Result[], extra: { ruleErrors?: RunReport['ruleErrors']; dryRun?: boolean } = {}) =>
    buildReport({
      command: 'run',
      dryRun: false,
      startedAt: new Date('2025-01-01T00:00:00Z'),
      finishedAt: new Date('2025-01-01T00:06:12Z'),
      results,
      ruleErrors: [],
      version: '0.1.0',
      ...extra,
    });

  function capture(progressEveryMs = 10_000) {
    const out: string[] = [];
    const debug: string[] = [];
    let clock = 0;
    const log = runLog({
      write: (l) => out.push(l),
      debug: (l) => debug.push(l),
      group: { start: (t) => out.push(`::group::${t}`), end: () => out.push('::endgroup::') },
      progressEveryMs,
      now: () => clock,
    });
    return { out, debug, log, tick: (ms: number) => (clock += ms) };
  }

  test('one group per rule: a line per change, failure and skip, a count of the unchanged, totals last', () => {
    const { out, debug, log } = capture();
    const copied = result('copied', { tag: 'v2', destination: 'ghcr.io/acme/nginx:v2', retries: 0 });
    const failed = result('failed', {
      tag: 'v3',
      destination: 'ghcr.io/acme/nginx:v3',
      error: { kind: 'denied', status: 403, message: 'denied', hint: 'grant push' },
    });
    const skipped = result('skipped', { tag: 'v4', reason: 'deletion refused: over max' });
    const unchanged = [result('unchanged', { tag: 'v0' }), result('unchanged', { tag: 'v1' })];
    log.onProgress({ kind: 'rule-start', rule: 'nginx', source: 'hub', destination: 'ghcr', index: 1, of: 2 });
    log.log('rule nginx: hub → ghcr');
    log.log('→ copy docker.io/library/nginx:v2 → ghcr.io/acme/nginx:v2');
    // The engine's line as it deletes (src/replicate/execute.ts): the result line says it again.
    log.log('✔ deleted ghcr.io/acme/nginx:old');
    log.onProgress({ kind: 'planned', rule: 'nginx', tags: 5, writes: 2 });
    log.onProgress({ kind: 'result', result: copied });
    log.onProgress({ kind: 'result', result: failed });
    const all = [...unchanged, skipped, copied, failed];
    log.onProgress({ kind: 'rule-end', rule: 'nginx', results: all, errors: [] });
    log.onProgress({
      kind: 'rule-start',
      rule: 'empty',
      source: 'hub',
      destination: 'ghcr',
      index: 2,
      of: 2,
      bandwidth: 50 * 1024 * 1024,
    });
    log.onProgress({
      kind: 'rule-end',
      rule: 'empty',
      results: [],
      errors: [{ message: 'listing failed', hint: 'check' }],
    });
    log.finish(report(all, { ruleErrors: [{ rule: 'empty', message: 'listing failed' }] }));

    expect(out[0]).toBe('::group::rule nginx: hub → ghcr (1 of 2)');
    expect(out.filter((l) => l.startsWith('::group::'))).toEqual([
      '::group::rule nginx: hub → ghcr (1 of 2)',
      // A rule held to its bandwidth cap says so where it starts: a slow copy is not a stuck one.
      '::group::rule empty: hub → ghcr (2 of 2, at most 50.0 MiB/s)',
    ]);
    expect(out.filter((l) => l === '::endgroup::')).toHaveLength(2);
    const first = out.slice(0, out.indexOf('::endgroup::'));
    expect(first.filter((l) => /^ {2}✔ copied {4}.*nginx:v2/.test(l))).toHaveLength(1);
    expect(first.filter((l) => /^ {2}✖ failed .*nginx:v3.*denied/.test(l))).toHaveLength(1);
    expect(first.join('\n')).toMatch(/\n {6}hint: grant push/);
    expect(first.filter((l) => /^ {2}↷ skipped .*\(deletion refused: over max\)/.test(l))).toHaveLength(1);
    expect(first).toContain('  = 2 unchanged');
    expect(first.some((l) => l.includes('nginx:v0'))).toBe(false);
    expect(out).toContain('  ✖ rule error: listing failed\n    hint: check');
    expect(out.at(-1)).toBe(
      'Total: 1 failed · 1 copied · 1 skipped · 2 unchanged; 61.5 MiB moved in 6m12s; 1 rule error (rule empty was not carried out)',
    );
    // The group title already names the rule, and results say what the start lines said.
    expect(debug).toEqual([
      'rule nginx: hub → ghcr',
      '→ copy docker.io/library/nginx:v2 → ghcr.io/acme/nginx:v2',
      '✔ deleted ghcr.io/acme/nginx:old',
    ]);
  });

  test('a run whose rules failed says nothing was done and which rules, not "nothing to do"', () => {
    const { out, log } = capture();
    log.finish(report([], { ruleErrors: [{ rule: 'to-c', message: 'unauthorized' }] }));
    expect(out.at(-1)).toBe('Total: nothing done in 6m12s; 1 rule error (rule to-c was not carried out)');
    const partly = capture();
    partly.log.finish(
      report([result('copied', { rule: 'a' })], {
        ruleErrors: [
          { rule: 'a', message: 'deletions refused' },
          { rule: 'b', message: 'unreachable' },
          { rule: 'c', message: 'unreachable' },
        ],
      }),
    );
    expect(partly.out.at(-1)).toBe(
      'Total: 1 copied; 12.3 MiB moved in 6m12s; 3 rule errors (rules b, c were not carried out; rule a was carried out in part)',
    );
    // A dry run carries nothing out: its rule errors say what was not planned.
    const dry = capture();
    dry.log.finish(
      report([result('would-copy', { rule: 'a' })], {
        dryRun: true,
        ruleErrors: [
          { rule: 'a', message: 'unreachable' },
          { rule: 'b', message: 'unreachable' },
        ],
      }),
    );
    expect(dry.out.at(-2)).toMatch(/; 2 rule errors \(rule b was not planned; rule a was planned in part\)$/);
    // In sync: still "nothing to do".
    const quiet = capture();
    quiet.log.finish(report([]));
    expect(quiet.out.at(-1)).toBe('Total: nothing to do in 6m12s');
  });

  test('an overall progress line at most every 10 s, with tags, bytes, rate and ETA', () => {
    const { out, log, tick } = capture();
    log.onProgress({ kind: 'rule-start', rule: 'r', source: 'a', destination: 'b', index: 1, of: 1 });
    log.onProgress({ kind: 'planned', rule: 'r', tags: 5000, writes: 4 });
    const blob = (bytes: number) =>
      log.onProgress({ kind: 'blob', ref: 'b/x:1', digest: 'sha256:aa', bytes, total: 2 ** 40, elapsedMs: 0 });
    tick(5_000);
    blob(100 * 2 ** 20);
    expect(out.filter((l) => l.startsWith('…'))).toEqual([]);
    tick(5_000);
    blob(200 * 2 ** 20);
    log.onProgress({ kind: 'result', result: result('copied', { bytes: 200 * 2 ** 20 }) });
    tick(1_000);
    blob(300 * 2 ** 20);
    const lines = out.filter((l) => l.startsWith('…'));
    expect(lines).toEqual(['… 4,996 / 5,000 tags, 200 MiB, 20.0 MiB/s']);
    tick(10_000);
    log.onProgress({ kind: 'result', result: result('copied') });
    expect(out.filter((l) => l.startsWith('…')).at(-1)).toBe('… 4,998 / 5,000 tags, 300 MiB, 14.3 MiB/s, ETA 21 s');
  });

  test('a long listing shows how far it is before anything is written, and no ETA while the writes are not all known', () => {
    const { out, log, tick } = capture();
    log.onProgress({ kind: 'rule-start', rule: 'r', source: 'a', destination: 'b', index: 1, of: 2 });
    log.onProgress({ kind: 'listed', rule: 'r', repositories: 1, of: 1000 });
    log.onProgress({ kind: 'planned', rule: 'r', tags: 10, writes: 0 });
    tick(10_000);
    log.onProgress({ kind: 'listed', rule: 'r', repositories: 340, of: 1000 });
    expect(out.filter((l) => l.startsWith('…'))).toEqual([
      '… listing 340 / 1,000 repositories, 10 / 10 tags (rule 1 of 2)',
    ]);
    log.onProgress({ kind: 'planned', rule: 'r', tags: 10, writes: 4 });
    log.onProgress({ kind: 'result', result: result('copied', { bytes: 2 ** 20 }) });
    tick(10_000);
    log.onProgress({ kind: 'listed', rule: 'r', repositories: 700, of: 1000 });
    expect(out.filter((l) => l.startsWith('…')).at(-1)).toBe(
      '… listing 700 / 1,000 repositories, 17 / 20 tags, 0 B, 0 B/s (rule 1 of 2)',
    );
    // Listed: every write is planned, so the ETA is told.
    tick(10_000);
    log.onProgress({ kind: 'listed', rule: 'r', repositories: 1000, of: 1000 });
    expect(out.filter((l) => l.startsWith('…')).at(-1)).toBe('… 17 / 20 tags, 0 B, 0 B/s, ETA 1 min (rule 1 of 2)');
  });

  test('ferry plan says every 10 s which rule it plans and how far its listing is', () => {
    const out: string[] = [];
    let clock = 0;
    const on = planProgress({ write: (l) => out.push(l), now: () => clock });
    on({ kind: 'rule-start', rule: 'mirror', source: 'a', destination: 'b', index: 1, of: 3 });
    on({ kind: 'listed', rule: 'mirror', repositories: 1, of: 1000 });
    on({ kind: 'planned', rule: 'mirror', tags: 10, writes: 0 });
    expect(out).toEqual([]);
    clock += 10_000;
    on({ kind: 'listed', rule: 'mirror', repositories: 340, of: 1000 });
    on({ kind: 'planned', rule: 'mirror', tags: 3390, writes: 0 });
    clock += 10_000;
    on({ kind: 'rule-start', rule: '::error::x', source: 'a', destination: 'b', index: 2, of: 3 });
    on({ kind: 'planned', rule: '::error::x', tags: 1, writes: 0 });
    expect(out[0]).toBe('… planning rule mirror (1 of 3): listing 340 / 1,000 repositories, 10 tags planned');
    expect(out[1]).toMatch(/^… planning rule .*x \(2 of 3\): 1 tag planned$/);
    expect(out[1]).not.toContain('::error::');
    expect(out).toHaveLength(2);
  });

  test('formatRunProgress reads like a sentence', () => {
    expect(
      formatRunProgress({
        tags: 5000,
        done: 1204,
        writes: 3000,
        written: 600,
        bytes: 3.1 * 2 ** 30,
        elapsedMs: 75_000,
        index: 2,
        of: 3,
      }),
    ).toBe('1,204 / 5,000 tags, 3.1 GiB, 42.3 MiB/s, ETA 5 min (rule 2 of 3)');
  });

  test('registry strings cannot start a workflow command, and nothing is percent-encoded', () => {
    const { out, log } = capture();
    log.onProgress({ kind: 'rule-start', rule: 'r', source: 'a', destination: 'b', index: 1, of: 1 });
    log.onProgress({ kind: 'result', result: hostile });
    log.onProgress({
      kind: 'result',
      result: result('skipped', { reason: 'quota at 44% of the limit' }),
    });
    log.log('warning: 100% of\n::error::x');
    const lines = out.join('\n').split('\n');
    expect(lines.filter((l) => l.trimStart().startsWith('::') && !/^::(end)?group::/.test(l))).toEqual([]);
    expect(out.join('\n')).toContain('(quota at 44% of the limit)');
    expect(out.join('\n')).not.toMatch(/%25|%0A|%0D/);
  });
});

test('a dry run’s log ends by saying nothing was written, in the words the summary uses', () => {
  const out: string[] = [];
  const log = runLog({ write: (l) => out.push(l) });
  const r = buildReport({
    command: 'run',
    dryRun: true,
    startedAt: new Date('2025-01-01T00:00:00Z'),
    finishedAt: new Date('2025-01-01T00:00:01Z'),
    results: [],
    ruleErrors: [],
    version: '0.1.0',
  });
  log.finish(r);
  // Before, only the CLI added it (the action's log ended on the totals), in words of its own.
  expect(out.at(-1)).toBe('Dry run: nothing was copied or deleted.');
  expect(renderSummary(r)).toContain('> Dry run: nothing was copied or deleted.');
});
