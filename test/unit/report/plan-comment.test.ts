import { describe, expect, test } from 'vitest';
import type { Plan, PlanAction, PlanItem, RulePlan } from '../../../src/plan/types.js';
import { countPlan, planMarker, renderPlan, renderPlanText } from '../../../src/report/plan-comment.js';

const digest = (c: string) => `sha256:${c.repeat(64)}`;

function item(rule: string, tag: string, action: PlanAction, extra: Partial<PlanItem> = {}): PlanItem {
  return {
    rule,
    sourceRepository: action === 'delete' ? undefined : `library/${rule}`,
    destinationRepository: `mirror/${rule}`,
    tag,
    action,
    sourceDigest: action === 'delete' ? undefined : digest('a'),
    destinationDigest: action === 'copy' ? undefined : digest('b'),
    ...extra,
  };
}

function rule(name: string, actions: PlanAction[], extra: Partial<RulePlan> = {}): RulePlan {
  return { rule: name, items: actions.map((a, i) => item(name, `${a}-${i}`, a)), warnings: [], ...extra };
}

const plan = (...rules: RulePlan[]): Plan => ({ dryRun: true, rules });

describe('renderPlan', () => {
  test('first lines: verdict, then counts for every action', () => {
    const p = plan(
      rule('redis', ['copy', 'copy', 'delete', 'unchanged']),
      rule('nginx', ['update', 'kept', 'unchanged', 'unchanged']),
      rule('quiet', ['unchanged']),
    );
    const lines = renderPlan(p).split('\n');
    expect(lines[0]).toBe('## ferry plan: ✅ valid · 2 rules changed');
    expect(lines).toContain('**+2 copy · ~1 update · −1 delete · =4 unchanged · !1 kept**');
  });

  test('counts are computed from the items', () => {
    const p = plan(
      rule('a', ['copy', 'delete', 'delete', 'kept', 'skip', 'listing-failed']),
      rule('b', ['delete-blocked'], { deletionsRefused: 'cap' }),
    );
    expect(countPlan(p)).toEqual({
      copy: 1,
      update: 0,
      delete: 2,
      unchanged: 0,
      kept: 1,
      skip: 1,
      refused: 1,
      failed: 1,
    });
  });

  test.each([
    ['deleted', rule('redis', ['delete', 'delete', 'copy']), '⚠️ **2 tags will be deleted** from `mirror/redis`'],
    ['overwritten', rule('redis', ['update']), '⚠️ **1 tag will be overwritten** in `mirror/redis`'],
  ])('warns when tags will be %s', (_name, r, warning) => {
    expect(renderPlan(plan(r))).toContain(warning);
  });

  test('no warning block when nothing is deleted or overwritten', () => {
    expect(renderPlan(plan(rule('a', ['copy', 'kept'])))).not.toContain('⚠️');
  });

  test('refused deletions are shown with the reason, not announced as deletions', () => {
    const md = renderPlan(
      plan(rule('a', ['delete-blocked'], { deletionsRefused: 'would delete 80% of tags (cap 50%)' })),
    );
    expect(md).toContain('Deletions refused');
    expect(md).toContain('would delete 80% of tags (cap 50%)');
    expect(md).not.toContain('will be deleted');
    expect(md).toContain('**+0 copy · ~0 update · −0 delete · =0 unchanged · !0 kept · 1 deletion refused**');
  });

  test.each([
    ['deletes', ['delete'], true],
    ['keeps', ['kept'], true],
    ['only copies', ['copy'], false],
  ] as const)('a rule that %s is open: %s', (_name, actions, open) => {
    const md = renderPlan(plan(rule('r', [...actions])));
    expect(md.includes('<details open><summary><b>r</b>')).toBe(open);
  });

  test('one diff line per changed tag, unchanged rules only counted', () => {
    const md = renderPlan(
      plan(rule('redis', ['copy', 'update', 'delete', 'kept', 'unchanged']), rule('quiet', ['unchanged'])),
    );
    const diff = md.slice(md.indexOf('```diff'), md.lastIndexOf('```'));
    expect(diff).toMatch(/^\+ mirror\/redis:copy-0 +sha256:aaaaaaaaaaaa…$/m);
    expect(diff).toMatch(/^~ mirror\/redis:update-1 +sha256:bbbbbbbbbbbb… → sha256:aaaaaaaaaaaa…$/m);
    expect(diff).toMatch(/^- mirror\/redis:delete-2 +sha256:bbbbbbbbbbbb…$/m);
    expect(diff).toMatch(/^! mirror\/redis:kept-3 /m);
    expect(diff).not.toContain('unchanged-4');
    expect(md).not.toContain('<b>quiet</b>');
    expect(md).toContain('1 rule with no changes (1 tags unchanged).');
  });

  test('marker defaults from the file and ends the comment', () => {
    const md = renderPlan(plan(rule('a', ['copy'])), { file: 'mirrors/prod.yaml' });
    expect(md.trimEnd().split('\n').at(-1)).toBe('<!-- ferry:plan path=mirrors/prod.yaml -->');
    expect(md).toContain('nothing was copied');
  });

  test('a marker cannot close the HTML comment early', () => {
    const md = renderPlan(plan(), { file: 'x --> <img src=x>' });
    const last = md.trimEnd().split('\n').at(-1)!;
    expect(last.indexOf('-->')).toBe(last.length - 3);
  });

  test('notes, validation and run link are shown', () => {
    const md = renderPlan(plan(rule('a', ['copy'])), {
      notes: ['rule a planned without credentials: registry URL changed in this PR'],
      validation: { errors: ['replication.yaml:3:5 unknown key'], warnings: ['w1'] },
      sha: '4f2a9c1deadbeef',
      runUrl: 'https://github.com/acme/repo/actions/runs/812',
    });
    expect(md.split('\n')[0]).toBe('## ferry plan: ❌ invalid · 1 error');
    expect(md).toContain('> ℹ️ rule a planned without credentials: registry URL changed in this PR');
    expect(md).toContain('- replication.yaml:3:5 unknown key');
    expect(md).toContain(
      '`replication.yaml` @ `4f2a9c1` · [workflow run](https://github.com/acme/repo/actions/runs/812)',
    );
  });

  test('a run URL that is not plain http(s) is left out', () => {
    expect(renderPlan(plan(), { runUrl: 'javascript:alert(1)' })).not.toContain('javascript');
  });

  test.each([
    ['a backtick fence in a reason', { reason: '```\n# closed' }],
    ['a tag with html', { tag: '<img src=x>' }],
  ])('the diff fence survives %s', (_name, extra) => {
    const md = renderPlan(plan({ rule: 'r', items: [item('r', 't', 'copy', extra)], warnings: [] }));
    const open = /^(`{3,})diff$/m.exec(md)!;
    const close = md.indexOf(`\n${open[1]}\n`, open.index);
    expect(close).toBeGreaterThan(open.index);
    expect(md.slice(open.index, close).split('\n').length).toBe(2);
  });

  test.each([10, 200])('truncates %d big rules under maxChars with a note', (n) => {
    const rules = Array.from({ length: n }, (_, i) =>
      rule(
        `rule-${i}`,
        Array.from({ length: 50 + i }, () => 'copy' as const),
      ),
    );
    const maxChars = 5000;
    const md = renderPlan(plan(...rules), { maxChars });
    expect(md.length).toBeLessThanOrEqual(maxChars);
    const m = /truncated: (\d+) rules? not shown in full, see the job summary/.exec(md);
    expect(m).not.toBeNull();
    expect(Number(m![1])).toBeGreaterThan(0);
    expect(Number(m![1])).toBeLessThanOrEqual(n);
    expect(md).toContain(`**+${countPlan(plan(...rules)).copy} copy`);
    expect(md.trimEnd().endsWith('<!-- ferry:plan path=replication.yaml -->')).toBe(true);
  });

  test('the largest rule loses its detail first', () => {
    const small = rule('small', ['copy']);
    const big = rule(
      'big',
      Array.from({ length: 300 }, () => 'copy' as const),
    );
    const full = renderPlan(plan(small, big));
    const md = renderPlan(plan(small, big), { maxChars: full.length - 100 });
    expect(md).toContain('truncated: 1 rule not shown');
    expect(md).toContain('copy-0');
    expect(md).not.toContain('copy-299');
  });
});

describe('renderPlanText', () => {
  const p = plan(rule('redis', ['copy', 'delete', 'unchanged']), rule('nginx', ['update']));
  const text = renderPlanText(p);

  test('has a header and aligned columns per rule', () => {
    const lines = text.split('\n');
    const header = lines.find((l) => l.includes('ACTION'))!;
    expect(header.trim().split(/\s{2,}/)).toEqual(['ACTION', 'REPOSITORY:TAG', 'SOURCE-DIGEST', 'DEST-DIGEST']);
    const col = header.indexOf('REPOSITORY:TAG');
    for (const l of lines.filter((x) => /^ {2}(copy|delete|update) /.test(x)))
      expect(l.slice(col)).toMatch(/^mirror\//);
    expect(lines).toContain('rule redis  (+1 -1 =1)');
  });

  test('ends with totals and hides unchanged tags unless asked', () => {
    expect(text).toContain('Total: +1 copy · ~1 update · -1 delete · =1 unchanged · !0 kept');
    expect(text).toContain('= 1 unchanged');
    expect(renderPlanText(p, { showUnchanged: true })).toContain('unchanged  mirror/redis:unchanged-2');
  });

  test('registry strings cannot start a workflow command', () => {
    const hostile = plan({
      rule: 'r',
      items: [item('r', 'x', 'copy', { reason: '\n::error::pwned' })],
      warnings: ['\n::add-mask::x'],
    });
    for (const line of renderPlanText(hostile).split('\n')) expect(line.trimStart().startsWith('::')).toBe(false);
  });
});

describe('partial plans', () => {
  test('a plan missing rules says so in its verdict instead of "no changes"', () => {
    const md = renderPlan({ dryRun: true, rules: [] }, { partial: ['app'] });
    const first = md.split('\n')[0]!;
    expect(first).toContain('partial plan');
    expect(first).toContain('app');
    expect(first).not.toContain('no changes');
  });
});

describe('rules that were not planned (their listing failed, credentials withheld)', () => {
  const selection = {
    repositories: { listed: 4, matched: 1 },
    tags: { listed: 5, selected: 3 },
    dropped: { name: 3, tag: 2, semver: 0, latest: 0, labels: 0, resource: 0 },
  };
  // As the engine leaves them: no items, and the source's failed listing also refuses deletions.
  const down = rule('from-down', [], { deletionsRefused: 'the source could not be listed' });
  const locked = rule('to-locked', [], { selection });
  const error = {
    rule: 'from-down',
    message: 'listing repositories of 127.0.0.1:6001: internal error (HTTP 500)',
    hint: 'the registry is failing; check its logs',
  };
  const withheld = {
    rule: 'to-locked',
    message: 'listing 127.0.0.1:6103/app/web: authentication required (HTTP 401 UNAUTHORIZED)',
    hint: 'check registries.locked.credentials',
    withheld: true,
  };

  test('the PR comment lists them with the error and hint, not as "deletions refused" or "no changes"', () => {
    const md = renderPlan(plan(rule('ok', ['unchanged']), down, locked), {
      ruleErrors: [error, withheld],
      partial: ['from-down', 'to-locked'],
    });
    expect(md).toContain(
      '### ❌ Rules not planned (2)\n\n' +
        '- ❌ rule from-down: listing repositories of 127.0.0.1:6001: internal error (HTTP 500)<br>hint: the registry is failing; check its logs\n' +
        '- 🔒 rule to-locked: skipped: credentials unavailable for this event (listing 127.0.0.1:6103/app/web: authentication required (HTTP 401 UNAUTHORIZED))\n',
    );
    // Read without credentials: a hint about the credentials would point the wrong way.
    expect(md).not.toContain('check registries.locked.credentials');
    expect(md).not.toContain('Deletions refused');
    expect(md).not.toContain('<b>from-down</b>');
    expect(md).not.toContain('<b>to-locked</b>');
    expect(md).toContain('1 rule with no changes (1 tags unchanged).');
  });

  test('a rule planned in part keeps its block, which opens with what is missing', () => {
    const partly = rule('half', ['copy']);
    const md = renderPlan(plan(partly), { ruleErrors: [{ ...error, rule: 'half' }] });
    expect(md).not.toContain('Rules not planned');
    expect(md).toContain(
      '<details open><summary><b>half</b> · +1 · planned in part</summary>\n\n' +
        '> ❌ Not planned in full: listing repositories of 127.0.0.1:6001: internal error (HTTP 500)<br>hint: the registry is failing; check its logs\n\n',
    );
  });

  test('a refusal of deletions, also a rule error, is said once and is not "not planned"', () => {
    const refused = rule('r', ['delete-blocked'], { deletionsRefused: 'over max' });
    const md = renderPlan(plan(refused), { ruleErrors: [{ rule: 'r', message: 'over max' }] });
    expect(md).not.toContain('not planned');
    expect(md).not.toContain('planned in part');
    expect(renderPlanText(plan(refused), { ruleErrors: [{ rule: 'r', message: 'over max' }] })).not.toContain('✖');
  });

  test('a rule block never ends its summary in an empty `·`', () => {
    const md = renderPlan(
      plan(rule('typo', [], { selection: { ...selection, tags: { listed: 0, selected: 0 } }, warnings: ['w'] })),
    );
    expect(md).toContain('<summary><b>typo</b> · nothing selected</summary>');
  });

  test('`ferry plan` text shows such a rule as not planned, with its error and hint inside its block', () => {
    const text = renderPlanText(plan(down, rule('ok', ['copy'])), { ruleErrors: [error] });
    expect(text.split('\n').slice(0, 3)).toEqual([
      'rule from-down  ✖ not planned: listing repositories of 127.0.0.1:6001: internal error (HTTP 500)',
      '  hint: the registry is failing; check its logs',
      '',
    ]);
    expect(text).not.toContain('(nothing)');
    expect(text).not.toContain('deletions refused');
    expect(text).toContain(
      'Total: +1 copy · ~0 update · -0 delete · =0 unchanged · !0 kept; 1 rule not planned (from-down)',
    );
  });
});

describe('selection counts (issue 11)', () => {
  const selection = {
    repositories: { listed: 5, matched: 2 },
    tags: { listed: 10, selected: 4 },
    dropped: { name: 3, tag: 5, semver: 1, latest: 0, labels: 0, resource: 0 },
  };
  const nothing = 'the rule selects nothing: of 6 tags, the tag filter left out 6';
  const empty = rule('new-rule', [], {
    selection: { ...selection, tags: { listed: 6, selected: 0 }, dropped: { ...selection.dropped, tag: 6, semver: 0 } },
    warnings: [nothing],
  });

  test('`ferry plan` text shows what each rule listed and selected, and which stage left how many out', () => {
    const text = renderPlanText(plan(rule('a', ['copy'], { selection })));
    expect(text.split('\n')[1]).toBe(
      '  selected: 2 of 5 repositories (3 left out by name) · 4 of 10 tags (left out: 5 by tag, 1 by semver)',
    );
  });

  test('the PR comment shows the selection inside each rule', () => {
    expect(renderPlan(plan(rule('a', ['copy'], { selection })))).toContain(
      'Selected: 2 of 5 repositories (3 left out by name) · 4 of 10 tags (left out: 5 by tag, 1 by semver)',
    );
  });

  test('a rule changed in the pull request that selects nothing is called out at the top', () => {
    const md = renderPlan(plan(rule('old', ['unchanged']), empty), { changedRules: ['new-rule'] });
    const callout = `> 🔎 **Rule \`new-rule\` selects nothing** (new or changed in this pull request): ${nothing}`;
    expect(md).toContain(callout);
    // Before the rule details, where a reviewer looks first.
    expect(md.indexOf(callout)).toBeLessThan(md.indexOf('<details'));
    // A rule the pull request did not touch gets its warning, not the call-out.
    expect(renderPlan(plan(empty), { changedRules: ['other'] })).not.toContain('🔎');
  });
});

test('the marker the action looks for is the one the comment carries, even for a path with `--` or `>`', () => {
  // The action searched for the path as written, the comment carried it escaped: every push of a
  // pull request on such a path posted a new comment instead of editing the sticky one.
  for (const file of ['replication.yaml', 'rules--prod.yaml', 'a>b/replication.yaml']) {
    const body = renderPlan(plan(rule('a', ['copy'])), { file });
    expect(body).toContain(planMarker(file));
  }
  expect(planMarker('rules--prod.yaml')).toBe('<!-- ferry:plan path=rules- -prod.yaml -->');
});
