/**
 * The job summary and the PR comment as GitHub shows them: rendered by a GFM renderer (marked),
 * read back through a DOM. With hostile names (pipes, backticks, `<script>`, line breaks,
 * 300-character tags), every table row keeps its header's cells, each name stays whole in its
 * own cell, and no HTML gets through but the renderers' own few tags.
 */
import { describe, expect, test } from 'vitest';
import type { Plan, PlanAction, PlanItem } from '../../../src/plan/types.js';
import { renderPlan } from '../../../src/report/plan-comment.js';
import { renderSummary } from '../../../src/report/summary.js';
import type { Result, ResultStatus } from '../../../src/replicate/result.js';
import { runReport } from './fixtures.js';
import { expectNoRawHtml, expectWholeRows, HOSTILE, rendered, shown } from './gfm.js';

function result(i: number, tag: string, status: ResultStatus): Result {
  return {
    rule: `rule ${HOSTILE[i % HOSTILE.length]}`,
    source: `harbor.example.com/team/app:${tag}`,
    destination: `ghcr.io/acme/app:${tag}`,
    tag,
    status,
    sourceDigest: `sha256:${'ab'.repeat(32)}`,
    bytes: 1024,
    blobs: { copied: 1, mounted: 0, present: 0 },
    durationMs: 10,
    retries: 0,
    ...(status === 'failed'
      ? { error: { kind: 'denied', message: `push of ${tag} refused`, hint: `check ${tag}`, status: 403 } }
      : status === 'skipped' || status === 'kept'
        ? { reason: `because ${tag}` }
        : {}),
  };
}

describe('the job summary through a GFM renderer', () => {
  const statuses: ResultStatus[] = ['copied', 'failed', 'skipped', 'kept', 'unchanged'];
  const results = HOSTILE.flatMap((tag, i) => statuses.map((s) => result(i, tag, s)));
  // Enough unchanged rows in one rule's repository that they fold into <details> (with its first one).
  for (let n = 0; n < 7; n++) results.push(result(0, `${HOSTILE[0]}-${n}`, 'unchanged'));
  const md = renderSummary(
    runReport(results, {
      ruleErrors: HOSTILE.map((h) => ({ rule: `rule ${h}`, message: `listing ${h} failed`, hint: `hint ${h}` })),
      warnings: HOSTILE.map((h) => ({ rule: `rule ${h}`, message: `warning ${h}` })),
    }),
    {
      // A reason is built from counts, but the summary escapes whatever it is given.
      verdict: { status: 'failed', failsStep: true, reason: `fail-on ${HOSTILE.join(' ')}` },
      reportPath: 'reports/<b>ferry|report`.json',
      reportUrl: 'https://github.com/acme/x/actions/runs/1#artifacts',
      rules: HOSTILE.map((h, i) => ({ name: `rule ${h}`, source: `src ${h}`, destination: `dst ${i}` })),
    },
  );
  const doc = rendered(md);

  test('every table row has its header cell count', () => {
    expect(expectWholeRows(md)).toBeGreaterThan(5);
  });

  test('no HTML gets through but the summary’s own tags', () => {
    expectNoRawHtml(doc);
    expect(doc.body.textContent).toContain('<script>alert(1)</script>');
  });

  test('each destination shows whole in its own cell, line breaks as spaces', () => {
    const cells = [...doc.querySelectorAll('td code')].map((c) => c.textContent);
    for (const tag of HOSTILE) expect(cells).toContain(shown(`ghcr.io/acme/app:${tag}`, 300));
  });

  test('reasons and errors stay in their cell', () => {
    const rows = [...doc.querySelectorAll('tr')].map((tr) => [...tr.children].map((c) => c.textContent ?? ''));
    const reasons = rows.filter((r) => r.length === 9).map((r) => r[8]);
    for (const tag of HOSTILE) expect(reasons).toContain(shown(`because ${tag}`, 200));
    const failures = rows.filter((r) => r.length === 3 && r[2]?.startsWith('check '));
    // A hint has 400 characters: it is what a reader acts on.
    for (const tag of HOSTILE) expect(failures.map((r) => r[2])).toContain(shown(`check ${tag}`, 400));
  });

  test('the folded unchanged rows sit in a <details> whose summary names the repository', () => {
    const summaries = [...doc.querySelectorAll('details > summary')].map((s) => s.textContent);
    expect(summaries).toEqual(['ghcr.io/acme/app: 8 unchanged']);
  });
});

describe('the PR comment through a GFM renderer', () => {
  const item = (tag: string, action: PlanAction): PlanItem => ({
    rule: `rule ${tag}`,
    sourceRepository: `team/${tag}`,
    destinationRepository: `acme/${tag}`,
    tag,
    action,
    sourceDigest: `sha256:${'cd'.repeat(32)}`,
    destinationDigest: `sha256:${'ef'.repeat(32)}`,
    reason: `because ${tag}`,
  });
  const plan: Plan = {
    dryRun: true,
    rules: HOSTILE.map((h) => ({
      rule: `rule ${h}`,
      items: (['copy', 'update', 'delete', 'delete-blocked', 'kept', 'skip'] as const).map((a) => item(h, a)),
      warnings: [`warning ${h}`],
      deletionsRefused: `refused ${h}`,
    })),
  };
  const body = renderPlan(plan, {
    file: 'rules/<script>|`x`.yaml',
    sha: 'abcdef1234567',
    runUrl: 'https://github.com/acme/x/actions/runs/1',
    notes: HOSTILE.map((h) => `note ${h}`),
    validation: { errors: [], warnings: HOSTILE.map((h) => `validation ${h}`) },
    changedRules: HOSTILE.map((h) => `rule ${h}`),
    rules: HOSTILE.map((h, i) => ({ name: `rule ${h}`, source: `src ${h}`, destination: `dst ${i}` })),
  });
  const doc = rendered(body);

  test('no HTML gets through but the comment’s own tags, and it stays under the comment limit', () => {
    expectNoRawHtml(doc);
    expect(body.length).toBeLessThan(65_536);
    expect(expectWholeRows(body)).toBe(0);
  });

  test('one <details> per rule, its summary naming the rule as written', () => {
    const summaries = [...doc.querySelectorAll('details > summary b')].map((b) => b.textContent);
    expect(summaries).toEqual(HOSTILE.map((h) => shown(`rule ${h}`, 100)));
  });

  test('the diff blocks hold every tag, and no name closes its fence', () => {
    const diffs = [...doc.querySelectorAll('pre code.language-diff')].map((c) => c.textContent ?? '');
    expect(diffs).toHaveLength(HOSTILE.length);
    // In a code block a mention does nothing: the text is as written.
    for (const [i, h] of HOSTILE.entries())
      expect(diffs[i]).toContain(`because ${shown(h, 200).replace(/\u200B/g, '')}`.slice(0, 60));
  });

  test('rules not planned: each a list item with its error and hint, no HTML from them', () => {
    const failed = renderPlan(
      { dryRun: true, rules: [] },
      {
        ruleErrors: HOSTILE.map((h, i) => ({
          rule: `rule ${h}`,
          message: `listing ${h} failed`,
          hint: `hint ${h}`,
          ...(i % 2 ? { withheld: true } : {}),
        })),
      },
    );
    const d = rendered(failed);
    expectNoRawHtml(d);
    const items = [...d.querySelectorAll('h3 + ul > li')].map((li) => li.textContent ?? '');
    expect(items).toHaveLength(HOSTILE.length);
    for (const [i, h] of HOSTILE.entries()) expect(items[i]).toContain(`listing ${shown(h, 300)}`.slice(0, 40));
  });

  test('the hostile text reaches the reader as text', () => {
    const text = doc.body.textContent ?? '';
    expect(text).toContain('warning <script>alert(1)</script>');
    expect(text).toContain('note </details><details open>');
  });
});
