import { describe, expect, test } from 'vitest';
import { buildReport } from '../../../src/report/json.js';
import type { Result, ResultStatus, RunReport } from '../../../src/replicate/result.js';
import { verdict } from '../../../src/report/outcome.js';
import { expectNoRawHtml, rendered } from './gfm.js';
import { COLLAPSE_UNCHANGED_AFTER, DEFAULT_SUMMARY_MAX_BYTES, renderSummary } from '../../../src/report/summary.js';

const DIGEST = `sha256:${'ab12cd34'.repeat(8)}`;

function result(tag: string, status: ResultStatus, extra: Partial<Result> = {}): Result {
  return {
    rule: 'nginx',
    source: `docker.io/library/nginx:${tag}`,
    destination: `ghcr.io/acme/nginx:${tag}`,
    tag,
    status,
    sourceDigest: DIGEST,
    bytes: status === 'copied' ? 1024 * 1024 : 0,
    blobs: { copied: 1, mounted: 0, present: 2 },
    durationMs: 1500,
    retries: 0,
    ...extra,
  };
}

function report(results: Result[], extra: Partial<Parameters<typeof buildReport>[0]> = {}): RunReport {
  return buildReport({
    command: 'run',
    dryRun: false,
    startedAt: new Date('2025-01-01T00:00:00Z'),
    finishedAt: new Date('2025-01-01T00:06:12Z'),
    results,
    ruleErrors: [],
    version: '0.1.0',
    ...extra,
  });
}

const failure = (tag: string, message: string, hint: string) =>
  result(tag, 'failed', { error: { kind: 'denied', status: 403, message, hint } });

/** Every GFM table row in `md` has the same number of unescaped pipes as its header. */
function expectWellFormedTables(md: string): void {
  const seps = (line: string) => line.replace(/\\\\/g, '').replace(/\\\|/g, '').split('|').length - 1;
  let expected: number | undefined;
  for (const line of md.split('\n')) {
    if (!line.startsWith('|')) {
      expected = undefined;
      continue;
    }
    expected ??= seps(line);
    expect(seps(line), line).toBe(expected);
  }
}

describe('headline', () => {
  test('states the verdict and the non-zero totals with time and bytes', () => {
    const results = [
      failure('1.0', 'nope', 'grant access'),
      ...Array.from({ length: 14 }, (_, i) => result(`2.${i}`, 'copied')),
      ...Array.from({ length: 3 }, (_, i) => result(`3.${i}`, 'deleted', { source: undefined })),
      ...Array.from({ length: 140 }, (_, i) => result(`4.${i}`, 'unchanged')),
    ];
    const first = renderSummary(report(results)).split('\n')[0];
    expect(first).toBe('## ferry run — ❌ 1 failed · 14 copied · 3 deleted · 140 unchanged (6m12s, 14.0 MiB)');
  });

  test('❌ and the reason when the step failed on warnings (fail-on: warning)', () => {
    const run = report([result('1', 'kept')], { warnings: [{ rule: 'nginx', message: 'kept nginx:1' }] });
    const md = renderSummary(run, { verdict: verdict(run, { failOn: 'warning' }) });
    expect(md.split('\n')[0]).toBe('## ferry run — ❌ 1 kept (6m12s)');
    expect(md).toContain('> ❌ The step failed: warnings (1 kept tag, 1 run warning) and fail-on is warning\n');
    expect(md).toContain('### ⚠️ Warnings (1)');
  });

  test('❌ under fail-on: never too, with why and that the step passes', () => {
    const run = report([result('1', 'copied'), failure('2', 'x', 'y')]);
    const md = renderSummary(run, { verdict: verdict(run, { failOn: 'never' }) });
    expect(md.split('\n')[0]).toContain('— ❌ 1 failed · 1 copied');
    expect(md).toContain('> ❌ 1 image failed; the step passes (fail-on: never)\n');
  });

  test('⚠️ when the run raised warnings', () => {
    const md = renderSummary(report([result('1', 'copied')], { warnings: [{ rule: 'nginx', message: 'kept x' }] }));
    expect(md.split('\n')[0]).toContain('— ⚠️ 1 copied');
  });

  test.each([
    ['a clean run', [result('1', 'copied')], '✅'],
    ['a failed image', [result('1', 'copied'), failure('2', 'x', 'y')], '❌'],
    ['deferred work', [result('1', 'deferred')], '⚠️'],
    // What fail-on: warning fails on is what the headline warns about.
    ['a kept tag', [result('1', 'copied'), result('2', 'kept')], '⚠️'],
    ['a skipped tag', [result('1', 'copied'), result('2', 'skipped')], '⚠️'],
  ])('marks %s with %s', (_name, results, emoji) => {
    const md = renderSummary(report([...results, result('3', 'copied', { rule: 'other' })]));
    expect(md.split('\n')[0]).toContain(`— ${emoji} `);
    // The rule's own row says the same (before: ✅ beside a kept, skipped or deferred tag); the
    // other rule, with nothing to look at, stays ✅.
    expect(md).toContain(`| ${emoji} nginx |`);
    expect(md).toContain('| ✅ other |');
  });

  test('a rule error fails the verdict even with no failed image', () => {
    const md = renderSummary(report([result('1', 'copied')], { ruleErrors: [{ rule: 'nginx', message: 'x' }] }));
    expect(md.split('\n')[0]).toMatch(/— ❌ 1 rule error · 1 copied/);
  });

  test('a dry run says "would copy" and that nothing was written', () => {
    const results = [result('1', 'would-copy'), result('2', 'would-delete'), result('3', 'unchanged')];
    const md = renderSummary(report(results, { dryRun: true }));
    expect(md.split('\n')[0]).toBe('## ferry run (dry run) — ✅ 1 would copy · 1 would delete · 1 unchanged (6m12s)');
    expect(md).toContain('> Dry run: nothing was copied or deleted.');
  });
});

describe('body', () => {
  test('the totals table counts every status per rule and overall', () => {
    const results = [
      result('1', 'copied'),
      result('2', 'unchanged'),
      result('3', 'copied', { rule: 'redis' }),
      result('4', 'kept', { rule: 'redis' }),
    ];
    const md = renderSummary(report(results));
    expect(md).toContain('| Rule | ✅ copied | 📌 kept | ➖ unchanged | Size moved |');
    expect(md).toContain('| ✅ nginx | 1 | 0 | 1 | 1.0 MiB |');
    expect(md).toContain('| ⚠️ redis | 1 | 1 | 0 | 1.0 MiB |');
    expect(md).toContain('| **Total** | 2 | 1 | 1 | 2.0 MiB |');
  });

  test('failures come before the rule sections, each with its hint', () => {
    const results = [
      result('1', 'copied'),
      failure('2', 'no push', 'add packages: write'),
      failure('3', 'gone', 'check'),
    ];
    const md = renderSummary(report(results));
    const failures = md.indexOf('### ❌ Failures (2)');
    expect(failures).toBeGreaterThan(0);
    expect(failures).toBeLessThan(md.indexOf('### nginx'));
    for (const r of results.filter((x) => x.error)) {
      const row = md.split('\n').find((l) => l.startsWith(`| <code>${r.destination}</code> |`) && l.includes('denied'));
      expect(row).toContain(r.error!.hint);
      expect(row).toContain(r.error!.message);
    }
  });

  test('rule-level errors get their own table', () => {
    const md = renderSummary(
      report([], { ruleErrors: [{ rule: 'redis', message: 'listing failed', hint: 'check credentials' }] }),
    );
    expect(md).toContain('### ❌ Rule errors (1)');
    expect(md).toContain('| redis | listing failed | check credentials |');
  });

  test('in a dry run, a rule that errored says it was not planned: a dry run carries nothing out', () => {
    const md = renderSummary(
      report([], { dryRun: true, ruleErrors: [{ rule: 'to-dr', message: 'checking the registry API: ECONNREFUSED' }] }),
    );
    expect(md).toContain('### to-dr · ❌ not planned\n\n> ❌ **Not planned**: checking the registry API: ECONNREFUSED');
    expect(md).not.toMatch(/carried out/);
  });

  test('a rule that errored says under its heading that it was not carried out, and why', () => {
    // Was `### to-locked · ` with nothing after it, then its selection as if it had been carried out.
    const md = renderSummary(
      report([result('1', 'copied')], {
        ruleErrors: [
          {
            rule: 'to-locked',
            message: 'listing 127.0.0.1:6103/app/web: authentication required (HTTP 401 UNAUTHORIZED)',
            hint: 'check registries.locked.credentials',
          },
          { rule: 'from-down', message: 'listing repositories of 127.0.0.1:6001: internal error (HTTP 500)' },
        ],
        selection: {
          'to-locked': {
            repositories: { listed: 4, matched: 1 },
            tags: { listed: 5, selected: 3 },
            dropped: { name: 3, referrers: 0, tag: 2, semver: 0, latest: 0, labels: 0, resource: 0, platforms: 0 },
          },
        },
      }),
    );
    expect(md).toContain(
      '### to-locked · ❌ not carried out\n\n' +
        '> ❌ **Not carried out**: listing 127.0.0.1:6103/app/web: authentication required (HTTP 401 UNAUTHORIZED)' +
        '<br>hint: check registries.locked.credentials\n\n' +
        'Selected: 1 of 4 repositories',
    );
    // A rule without a selection (its source could not be listed) gets its section too.
    expect(md).toContain(
      '### from-down · ❌ not carried out\n\n> ❌ **Not carried out**: listing repositories of 127.0.0.1:6001: internal error (HTTP 500)\n\n',
    );
    expect(md).not.toMatch(/^### .* · $/m);
  });

  test('a run of rule errors only says in its headline that nothing was done', () => {
    const md = renderSummary(report([], { ruleErrors: [{ rule: 'to-c', message: 'unauthorized' }] }));
    expect(md.split('\n')[0]).toBe('## ferry run — ❌ 1 rule error · nothing done (6m12s)');
  });

  test('the Error cell says the HTTP status and registry code once', () => {
    const md = renderSummary(
      report([
        result('1', 'failed', {
          error: {
            kind: 'not-found',
            status: 404,
            codes: ['BLOB_UNKNOWN'],
            message: 'fetching blob from src/app: blob unknown to registry (HTTP 404 BLOB_UNKNOWN)',
          },
        }),
        result('2', 'failed', { error: { kind: 'denied', status: 403, codes: ['DENIED'], message: 'no push' } }),
      ]),
    );
    expect(md).toContain(
      '| **not-found**: fetching blob from src/app: blob unknown to registry (HTTP 404 BLOB\\_UNKNOWN) | — |',
    );
    // A message that does not carry them still gets them.
    expect(md).toContain('| **denied**: no push (HTTP 403) \\[DENIED\\] | — |');
  });

  test('a long hint is cut before its closing registries.<name> part, which stays', () => {
    const hint =
      `127.0.0.1:6101/app/broken lists a manifest whose blob sha256:${'49e336f0'.repeat(8)} it does not have: ` +
      'the source repository is broken, or its garbage collection removed the blob; push the image there again ' +
      '(or delete the tag), then run again. '.repeat(8) +
      '(registries.src, 127.0.0.1:6101)';
    const md = renderSummary(report([failure('1', 'blob unknown', hint)]));
    const row = md.split('\n').find((l) => l.includes('blob unknown'))!;
    expect(row).toMatch(/… \(registries.src, 127.0.0.1:6101\) \|$/);
    expect(row).toContain('127.0.0.1:6101/app/broken lists a manifest');
  });

  test.each([
    [COLLAPSE_UNCHANGED_AFTER, false],
    [COLLAPSE_UNCHANGED_AFTER + 1, true],
    [100, true],
  ])('%d unchanged rows folded per repository: %s; changed rows come first', (n, folded) => {
    const results = [
      result('a', 'copied'),
      ...Array.from({ length: n }, (_, i) => result(`u${i}`, 'unchanged')),
      result('b', 'copied'),
    ];
    const md = renderSummary(report(results));
    expect(md.includes(`<details><summary>ghcr.io/acme/nginx: ${n} unchanged</summary>`)).toBe(folded);
    // Every row is still there, inside or outside the fold, the changed ones above all unchanged.
    for (const r of results) expect(md).toContain(`<code>${r.destination}</code>`);
    expect(md.indexOf('<code>ghcr.io/acme/nginx:b</code>')).toBeLessThan(
      md.indexOf('<code>ghcr.io/acme/nginx:u0</code>'),
    );
    expectWellFormedTables(md);
  });

  test('unchanged rows fold per destination repository', () => {
    const results = [
      ...Array.from({ length: 12 }, (_, i) => result(`a${i}`, 'unchanged', { destination: `ghcr.io/acme/api:a${i}` })),
      ...Array.from({ length: 3 }, (_, i) => result(`w${i}`, 'unchanged', { destination: `ghcr.io/acme/web:w${i}` })),
      result('v9', 'copied'),
    ];
    const md = renderSummary(report(results));
    expect(md).toContain('<details><summary>ghcr.io/acme/api: 12 unchanged</summary>');
    expect(md).toContain('<details><summary>ghcr.io/acme/web: 3 unchanged</summary>');
    expect(md.indexOf('nginx:v9')).toBeLessThan(md.indexOf('<details>'));
  });

  test('a row that moved nothing shows dashes, not zeros, for blobs, time and retries', () => {
    const idle = { bytes: 0, blobs: { copied: 0, mounted: 0, present: 0 }, durationMs: 0, retries: 0 };
    const md = renderSummary(
      report([result('1', 'copied', { retries: 2 }), result('2', 'unchanged', idle), result('3', 'copied')]),
    );
    const row = (tag: string) => md.split('\n').find((l) => l.includes(`<code>ghcr.io/acme/nginx:${tag}</code> |`))!;
    // Before: "| 0/0/0 | 0ms | 0 |", which read as work done.
    expect(row('2')).toMatch(/\| — \| — \| — \| — \| — \|$/);
    expect(row('1')).toMatch(/\| 1\.0 MiB \| 1\/0\/2 \| 1\.5s \| 2 \| — \|$/);
  });

  test('a Reason column says why a row was skipped, kept or failed', () => {
    const md = renderSummary(
      report([
        result('1', 'skipped', { reason: 'deletion refused: 7 over delete_remote.max 5' }),
        result('2', 'kept', { reason: 'differs and override is off', destinationDigest: `sha256:${'1'.repeat(64)}` }),
        failure('3', 'no push', 'add packages: write'),
        result('4', 'copied'),
      ]),
    );
    expect(md).toContain(
      '| Status | Source | Destination | Digest | Size moved | Blobs (copied/mounted/present) | Time | Retries | Reason |',
    );
    const row = (tag: string) =>
      md
        .split('\n')
        .find(
          (l) =>
            l.includes(`<code>ghcr.io/acme/nginx:${tag}</code> | <code>`) ||
            l.includes(`| <code>ghcr.io/acme/nginx:${tag}</code> | <code>sha`),
        )!;
    expect(row('1')).toMatch(/\| deletion refused: 7 over delete\\_remote.max 5 \|$/);
    expect(row('2')).toMatch(/\| differs and override is off \|$/);
    // A kept tag's Digest cell shows what differs: the destination's, and the source's beside it.
    expect(row('2')).toContain(`| <code>sha256:11111111… (source ${DIGEST.slice(0, 15)}…)</code> |`);
    expect(row('3')).toMatch(/\| denied: no push \|$/);
    expect(row('4')).toMatch(/\| — \|$/);
    expectWellFormedTables(md);
  });

  test('the selection counts of each rule, a rule that selected nothing included', () => {
    const md = renderSummary(
      report([result('1', 'copied')], {
        selection: {
          nginx: {
            repositories: { listed: 40, matched: 2 },
            tags: { listed: 303, selected: 12 },
            dropped: { name: 38, referrers: 3, tag: 280, semver: 0, latest: 8, labels: 0, resource: 0, platforms: 0 },
          },
          empty: {
            repositories: { listed: 5, matched: 0 },
            tags: { listed: 0, selected: 0 },
            dropped: { name: 5, referrers: 0, tag: 0, semver: 0, latest: 0, labels: 0, resource: 0, platforms: 0 },
          },
        },
      }),
    );
    expect(md).toContain(
      'Selected: 2 of 40 repositories (38 left out by name) · 12 of 303 tags (left out: 3 by referrers: false, 280 by tag, 8 by latest)',
    );
    // The heading says what the empty rule did, not `### empty · ` with nothing after it.
    expect(md).toMatch(
      /### empty · nothing selected\n\nSelected: 0 of 5 repositories \(5 left out by name\) · 0 of 0 tags/,
    );
  });

  test('links to each destination repository where the registry has a page, and to the report', () => {
    const md = renderSummary(report([result('1', 'copied'), result('2', 'unchanged')]), {
      repositoryUrl: (repo) => (repo === 'ghcr.io/acme/nginx' ? 'https://ghcr.io/acme/nginx' : undefined),
      reportPath: 'ferry-report.json',
      reportUrl: 'https://github.com/acme/m/actions/runs/1#artifacts',
    });
    expect(md).toContain('Open: [ghcr.io/acme/nginx](https://ghcr.io/acme/nginx)');
    expect(md).toContain("[this run's artifacts](https://github.com/acme/m/actions/runs/1#artifacts)");
  });

  test('a link never carries a script or breaks out of its parentheses', () => {
    const md = renderSummary(
      report([result('1', 'copied'), result('2', 'copied', { destination: 'x.io/a:2', tag: '2' })]),
      {
        repositoryUrl: (repo) => (repo === 'x.io/a' ? 'javascript:alert(1)' : 'https://h.io/a) [x](https://evil'),
      },
    );
    expect(md).not.toContain('javascript:');
    expect(md).not.toContain('a) [x]');
    expect(md).toContain('(https://h.io/a%29%20%5Bx%5D%28https://evil)');
  });

  test('row cells: status word, short digest, size, blobs, time, retries', () => {
    const md = renderSummary(report([result('1', 'copied', { retries: 2 })]));
    expect(md).toContain(
      '| ✅ copied | <code>docker.io/library/nginx:1</code> | <code>ghcr.io/acme/nginx:1</code> | <code>sha256:ab12cd34…</code> | 1.0 MiB | 1/0/2 | 1.5s | 2 | — |',
    );
  });
});

describe('injection (T25)', () => {
  const hostile = '\n::add-mask::x\n::error::pwned';
  const label = 'a|b <img src=x> `tick`';
  const results = [
    failure(label, `denied${hostile}`, `fix ${label}`),
    result(label, 'copied', { rule: `rule ${label}`, reason: label }),
  ];
  const md = renderSummary(report(results, { ruleErrors: [{ rule: label, message: hostile, hint: label }] }));

  test('tables stay well-formed', () => expectWellFormedTables(md));
  test('no raw HTML tag from registry text survives', () => expect(md).not.toContain('<img'));
  test('no line starts a workflow command', () => {
    for (const line of md.split('\n')) expect(line.trimStart().startsWith('::')).toBe(false);
  });
});

describe('size cap', () => {
  const many = (n: number) =>
    Array.from({ length: n }, (_, i) => {
      const rule = `rule-${i % 20}`;
      if (i % 1000 === 7) return { ...failure(`f${i}`, 'x'.repeat(200), 'hint'), rule };
      return result(`t${i}`, i % 10 === 0 ? 'copied' : 'unchanged', { rule });
    });

  test('a small report is not cut', () => {
    expect(renderSummary(report(many(50)))).not.toContain('rows omitted');
  });

  test.each([
    ['default cap', 20_000, DEFAULT_SUMMARY_MAX_BYTES],
    ['tight cap', 20_000, 64 * 1024],
    ['very tight cap', 2_000, 8 * 1024],
  ])('%s: %d results stay under %d bytes with an omitted-rows line', (_name, n, maxBytes) => {
    const results = many(n);
    const r = report(results);
    const md = renderSummary(r, { maxBytes, reportPath: 'ferry-report.json' });
    expect(Buffer.byteLength(md)).toBeLessThanOrEqual(maxBytes);
    // Cut no more than needed: most of the budget is used.
    expect(Buffer.byteLength(md)).toBeGreaterThan(maxBytes * 0.8);
    const omitted = /> ⚠️ (\d+) rows omitted .* see the JSON report \(<code>ferry-report\.json<\/code>\)/.exec(md);
    expect(omitted).not.toBeNull();
    const failed = results.filter((x) => x.status === 'failed').length;
    expect(md.split('\n')[0]).toContain(`${failed} failed`);
    expect(md).toContain(`### ❌ Failures (${failed})`);
    expectWellFormedTables(md);
  });

  test('unchanged rows are dropped before changed ones', () => {
    const results = many(20_000);
    const md = renderSummary(report(results), { maxBytes: 512 * 1024 });
    const changed = results.filter((x) => x.status !== 'unchanged');
    for (const r of changed) expect(md).toContain(`<code>${r.destination}</code>`);
  });
});

test('thousands of rules: per-rule totals rows go before failures, headline kept', () => {
  const results = Array.from({ length: 20_000 }, (_, i) =>
    i % 500 === 0
      ? { ...failure(`f${i}`, 'boom', 'fix it'), rule: `rule-${i}` }
      : result(`t${i}`, 'copied', { rule: `rule-${i}` }),
  );
  const maxBytes = 64 * 1024;
  const md = renderSummary(report(results), { maxBytes });
  expect(Buffer.byteLength(md)).toBeLessThanOrEqual(maxBytes);
  expect(Buffer.byteLength(md)).toBeGreaterThan(maxBytes * 0.8);
  expect(md).toMatch(/^## ferry run — ❌ 40 failed · 19960 copied/);
  expect(md).toMatch(/rules not shown/);
  expect(md).toContain('| **Total** |');
  for (const r of results.filter((x) => x.status === 'failed')) expect(md).toContain(`<code>${r.destination}</code>`);
  expectWellFormedTables(md);
  // 20,000 rules rendered several times over: seconds on a busy 2-core machine.
}, 20_000);

describe('a rule’s description (defect 7)', () => {
  test('is shown in the rule’s heading, as text', () => {
    const md = renderSummary(report([result('1.0', 'copied')]), {
      rules: [
        { name: 'nginx', source: 'hub', destination: 'ghcr', description: 'Public **nginx** <b>images</b>\nfor CI' },
      ],
    });
    const doc = rendered(md);
    const heading = [...doc.querySelectorAll('h3')].find((h) => h.textContent!.startsWith('nginx'))!;
    expect(heading.textContent).toBe('nginx · 1 copied — Public **nginx** <b>images</b> for CI');
    expectNoRawHtml(doc);
  });
});
