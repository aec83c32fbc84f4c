import { describe, expect, test } from 'vitest';
import type { Plan, PlanAction, PlanItem, RulePlan } from '../../../src/plan/types.js';
import { countPlan, planMarker, renderPlan, renderPlanText } from '../../../src/report/plan-comment.js';
import { expectNoRawHtml, HOSTILE, rendered } from './gfm.js';

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
    // nginx's kept tag is a warning of its own, not a change.
    expect(lines[0]).toBe('## ferry plan: ✅ valid · 2 rules changed, 1 with warnings');
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
    expect(md).toContain('1 rule with no changes (1 tag unchanged).');
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

  test('an invalid rules file has no counts line: nothing was planned (defect 5)', () => {
    // As the action renders it: no plan, only the validation errors.
    const md = renderPlan(plan(), { validation: { errors: ['a', 'b', 'c'], warnings: [] } });
    expect(md.split('\n')[0]).toBe('## ferry plan: ❌ invalid · 3 errors');
    expect(md).not.toMatch(/copy · .* unchanged/);
    expect(md).toContain('### ❌ Validation errors\n\n- a\n- b\n- c\n');
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
    // The fence's opening line and the item's, besides the repository's `@@ source → destination @@`.
    expect(
      md
        .slice(open.index, close)
        .split('\n')
        .filter((l) => !l.startsWith('@@')).length,
    ).toBe(2);
  });

  test('a rule that renames repositories shows where each destination repository is read from', () => {
    const p = plan({
      rule: 'ns',
      items: [
        item('ns', 'v1', 'copy', { sourceRepository: 'demo/app/web', destinationRepository: 'acme/app/web' }),
        item('ns', 'v2', 'copy', { sourceRepository: 'demo/app/web', destinationRepository: 'acme/app/web' }),
        // Only a deletion is shown for this one; its unchanged tag says where it comes from.
        item('ns', 'keep', 'unchanged', { sourceRepository: 'demo/cli', destinationRepository: 'acme/cli' }),
        item('ns', 'old', 'delete', { destinationRepository: 'acme/cli' }),
        item('ns', 'gone', 'delete', { destinationRepository: 'acme/orphan' }),
      ],
      warnings: [],
    });
    const md = renderPlan(p);
    const diff = md.slice(md.indexOf('```diff'), md.lastIndexOf('```'));
    // Before, only acme/app/web:v1 and so on: the reviewer could not see what is read where.
    expect(diff.split('\n').filter((l) => l.startsWith('@@'))).toEqual([
      '@@ demo/app/web → acme/app/web @@',
      '@@ demo/cli → acme/cli @@',
      '@@ (no source) → acme/orphan @@',
    ]);
    expect(diff.indexOf('@@ demo/app/web')).toBeLessThan(diff.indexOf('+ acme/app/web:v1'));
    const text = renderPlanText(p);
    expect(text).toContain('  from demo/app/web → acme/app/web\n  copy');
    expect(text).toContain('  from demo/cli → acme/cli\n  delete');
  });

  test('a rule that keeps repository names gets no source lines', () => {
    const same = { sourceRepository: 'team/app', destinationRepository: 'team/app' };
    const p = plan({
      rule: 'r',
      items: [item('r', 'v1', 'copy', same), item('r', 'v2', 'update', same)],
      warnings: [],
    });
    expect(renderPlan(p)).not.toContain('@@');
    expect(renderPlanText(p)).not.toContain(' from ');
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
    const m = /truncated: (\d+) rules? not shown in full(?: \(\d+ not at all\))?, see the job summary/.exec(md);
    expect(m).not.toBeNull();
    expect(Number(m![1])).toBeGreaterThan(0);
    expect(Number(m![1])).toBeLessThanOrEqual(n);
    expect(md).toContain(`**+${countPlan(plan(...rules)).copy} copy`);
    expect(md.trimEnd().endsWith('<!-- ferry:plan path=replication.yaml -->')).toBe(true);
  });

  test('cut to one line each, the note counts only the rules not shown whole', () => {
    // Five rules with a warning and no diff lines come first, so they keep their whole block;
    // 300 rules of copies after them are cut to one line each.
    const quiet = Array.from({ length: 5 }, (_, i) => rule(`quiet-${i}`, [], { warnings: [`note ${i}`] }));
    const busy = Array.from({ length: 300 }, (_, i) => rule(`busy-${i}`, ['copy', 'copy']));
    const md = renderPlan(plan(...quiet, ...busy), { maxChars: 30_000 });
    expect(md.length).toBeLessThanOrEqual(30_000);
    expect(md).toContain('note 0');
    // Before: "305 rules not shown in full", the five shown whole among them.
    const m = /truncated: (\d+) rules? not shown in full/.exec(md);
    expect(m).not.toBeNull();
    const cut = Number(m![1]);
    const whole = quiet.filter((r) => md.includes(`note ${r.rule.slice(6)}`)).length;
    expect(whole).toBe(5);
    expect(cut).toBe(300);
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

  test('says a refusal once, and a long warning whole', () => {
    const long = `deletions under filters that match everything: ${'x'.repeat(300)} and override is off`;
    const refused = plan(
      {
        rule: 'a',
        items: [],
        warnings: [long],
        deletionsRefused: '3 deletions refused: more than delete_remote.max (2)',
      },
      { rule: 'b', items: [], warnings: [], deletionsRefused: 'the source could not be listed' },
    );
    const lines = renderPlanText(refused).split('\n');
    expect(lines).toContain('  3 deletions refused: more than delete_remote.max (2)');
    expect(lines).toContain('  deletions refused: the source could not be listed');
    expect(lines.find((l) => l.startsWith('  warning: '))).toMatch(/and override is off$/);
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
    dropped: { name: 3, referrers: 0, tag: 2, semver: 0, latest: 0, labels: 0, resource: 0, platforms: 0 },
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
    expect(md).toContain('1 rule with no changes (1 tag unchanged).');
  });

  test('a rule planned in part keeps its block, which opens with what is missing', () => {
    const partly = rule('half', ['copy']);
    const md = renderPlan(plan(partly), { ruleErrors: [{ ...error, rule: 'half' }] });
    expect(md).not.toContain('Rules not planned');
    expect(md).toContain(
      '<details open><summary><b>half</b> · +1 · not fully planned</summary>\n\n' +
        '> ❌ Not fully planned: listing repositories of 127.0.0.1:6001: internal error (HTTP 500)<br>hint: the registry is failing; check its logs\n\n',
    );
  });

  test('a refusal of deletions, also a rule error, is said once and is not "not planned"', () => {
    const refused = rule('r', ['delete-blocked'], { deletionsRefused: 'over max' });
    const md = renderPlan(plan(refused), { ruleErrors: [{ rule: 'r', message: 'over max' }] });
    expect(md).not.toContain('not planned');
    expect(md).not.toContain('fully planned');
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
    dropped: { name: 3, referrers: 0, tag: 5, semver: 1, latest: 0, labels: 0, resource: 0, platforms: 0 },
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
    // "selects nothing" once: the warning's own opening words are not repeated after the bold ones.
    const callout =
      '> 🔎 **Rule `new-rule` selects nothing** (new or changed in this pull request): of 6 tags, the tag filter left out 6';
    expect(md).toContain(callout);
    // Before the rule details, where a reviewer looks first.
    expect(md.indexOf(callout)).toBeLessThan(md.indexOf('<details'));
    // A rule the pull request did not touch gets its warning, not the call-out.
    expect(renderPlan(plan(empty), { changedRules: ['other'] })).not.toContain('🔎');
  });
});

describe('a pull request: the rules it changes (run on merge) apart from the others (drift)', () => {
  // The merge's push reconciles only the rules the pull request changes; the pull request plans
  // every enabled rule. The comment read "1 rule changed" and "1 tag will be deleted (rule
  // `untouched`)" for a pull request that edited only `edited`, folded into "no changes".
  const edited = rule('edited', ['unchanged']);
  const untouched = rule('untouched', ['delete', 'copy']);
  const OTHERS = '### Other rules — not run on merge';

  test('the headline, counts and alerts are the merge’s; the untouched rule is drift, under its own heading', () => {
    const md = renderPlan(plan(edited, untouched), { changedRules: ['edited'] });
    const lines = md.split('\n');
    expect(lines[0]).toBe('## ferry plan: ✅ valid · on merge: 1 rule runs, no changes');
    expect(lines).toContain('**On merge: +0 copy · ~0 update · −0 delete · =1 unchanged · !0 kept**');
    expect(md).not.toContain('will be deleted');
    // The rule the reviewer edited is named in its group, not folded into a count.
    expect(md).toContain(
      '### Rules this pull request changes — run on merge (1)\n\n1 rule with no changes: `edited` (1 tag unchanged).',
    );
    const drift = md.slice(md.indexOf(OTHERS));
    expect(md.indexOf(OTHERS)).toBeGreaterThan(md.indexOf('run on merge (1)'));
    expect(drift).toContain('merging it does not run them');
    expect(drift).toContain('If run now: +1 copy · ~0 update · −1 delete · =0 unchanged · !0 kept');
    // Closed, even with a deletion in it: nothing there happens on merge.
    expect(drift).toContain('<details><summary><b>untouched</b> · +1 −1</summary>');
    expect(md.slice(0, md.indexOf(OTHERS))).not.toContain('untouched');
  });

  test('alerts of the rules the pull request changes stay; the drift’s never reach the top', () => {
    const mine = rule('mine', ['delete', 'update']);
    const refused = rule('other', ['delete-blocked'], { deletionsRefused: 'over max' });
    const md = renderPlan(plan(mine, refused), { changedRules: ['mine'] });
    expect(md.split('\n')[0]).toBe('## ferry plan: ✅ valid · on merge: 1 rule runs, 1 with changes');
    const top = md.slice(0, md.indexOf(OTHERS));
    expect(top).toContain('⚠️ **1 tag will be deleted** from `mirror/mine` (rule `mine`).');
    expect(top).toContain('⚠️ **1 tag will be overwritten** in `mirror/mine` (rule `mine`).');
    expect(top).toContain('<details open><summary><b>mine</b>');
    expect(top).not.toContain('Deletions refused');
    expect(top).not.toContain('refused ·');
    expect(md.slice(md.indexOf(OTHERS))).toContain('🛑 Deletions refused: over max');
  });

  test('every rule new (the file is new, or the base unreadable): one group, no drift section', () => {
    const md = renderPlan(plan(edited, untouched), { changedRules: ['edited', 'untouched'] });
    expect(md.split('\n')[0]).toBe('## ferry plan: ✅ valid · on merge: 2 rules run, 1 with changes');
    expect(md).toContain('⚠️ **1 tag will be deleted** from `mirror/untouched` (rule `untouched`).');
    expect(md).not.toContain('Other rules');
  });

  test('which rules the merge runs unknown (a fork): the comment is the plan of every rule, as before', () => {
    const md = renderPlan(plan(edited, untouched));
    expect(md.split('\n')[0]).toBe('## ferry plan: ✅ valid · 1 rule changed');
    expect(md).toContain('**+1 copy · ~0 update · −1 delete · =1 unchanged · !0 kept**');
    expect(md).toContain('⚠️ **1 tag will be deleted** from `mirror/untouched` (rule `untouched`).');
    expect(md).not.toContain('on merge');
  });

  test('a pull request that changes no rule says the merge runs nothing, and the rest is drift', () => {
    const md = renderPlan(plan(edited, untouched), { changedRules: [] });
    expect(md.split('\n')[0]).toBe('## ferry plan: ✅ valid · on merge: no rule runs (this pull request changes none)');
    expect(md).toContain('**On merge: +0 copy · ~0 update · −0 delete · =0 unchanged · !0 kept**');
    expect(md).toContain('so merging it runs nothing');
    expect(md).not.toContain('will be deleted');
    expect(md).toContain(`${OTHERS} (2)`);
    expect(md).toContain('1 rule with no changes (1 tag unchanged).');
  });

  test('a rule not planned counts where it belongs: the verdict names only the merge’s', () => {
    const down = rule('down', []);
    const error = { rule: 'down', message: 'listing failed (HTTP 500)', hint: 'check the registry' };
    const md = renderPlan(plan(edited, down), { changedRules: ['edited'], ruleErrors: [error], partial: ['down'] });
    expect(md.split('\n')[0]).toBe('## ferry plan: ✅ valid · on merge: 1 rule runs, no changes');
    const drift = md.slice(md.indexOf(OTHERS));
    expect(drift).toContain(
      '#### ❌ Rules not planned (1)\n\n- ❌ rule down: listing failed (HTTP 500)<br>hint: check the registry\n',
    );
    const mine = renderPlan(plan(edited, down), { changedRules: ['down'], ruleErrors: [error], partial: ['down'] });
    expect(mine.split('\n')[0]).toBe(
      '## ferry plan: ⚠️ valid · partial plan: 1 rule not planned (`down`) · on merge: 1 rule runs, 1 not planned',
    );
    expect(mine.slice(0, mine.indexOf(OTHERS))).toContain('#### ❌ Rules not planned (1)');
  });

  test('the picture is of the merge’s run', () => {
    const ends = [
      { name: 'edited', source: 'hub', destination: 'harbor' },
      { name: 'untouched', source: 'quay', destination: 'harbor' },
    ];
    const md = renderPlan(plan(edited, untouched), { changedRules: ['edited'], rules: ends });
    const picture = md.slice(md.indexOf('```mermaid'), md.indexOf('```', md.indexOf('```mermaid') + 3));
    expect(picture).toContain('rule edited');
    expect(picture).not.toContain('untouched');
  });

  test('many drifting rules fold under one line', () => {
    const drifting = Array.from({ length: 8 }, (_, i) => rule(`d${i}`, ['copy']));
    const md = renderPlan(plan(edited, ...drifting), { changedRules: ['edited'] });
    expect(md).toContain('<details><summary>8 rules with drift</summary>');
    expect(renderPlan(plan(edited, ...drifting.slice(0, 2)), { changedRules: ['edited'] })).not.toContain(
      'with drift</summary>',
    );
  });

  test('over the size cap the drift loses its detail before the merge’s rules do', () => {
    const mine = rule(
      'mine',
      Array.from({ length: 100 }, () => 'copy' as const),
    );
    const drift = rule(
      'drift',
      Array.from({ length: 300 }, () => 'copy' as const),
    );
    const full = renderPlan(plan(mine, drift), { changedRules: ['mine'] });
    const md = renderPlan(plan(mine, drift), { changedRules: ['mine'], maxChars: full.length - 100 });
    expect(md.length).toBeLessThanOrEqual(full.length - 100);
    expect(md).toContain('truncated: 1 rule not shown in full');
    expect(md).toContain('mirror/mine:copy-99');
    // The drift keeps its block and its first lines; what is left out is counted.
    const shown = md.split('\n').filter((l) => l.startsWith('+ mirror/drift:')).length;
    expect(shown).toBeGreaterThan(0);
    expect(md).toContain(`<details><summary><b>drift</b> · +300</summary>`);
    expect(md).toContain(`… and ${300 - shown} more lines: see the job summary for the whole plan.`);
    expect(md.trimEnd().endsWith('<!-- ferry:plan path=replication.yaml -->')).toBe(true);
  });

  test('names in both groups are escaped', () => {
    const rules = HOSTILE.map((h, i) => rule(`rule ${h}`, i % 2 ? ['unchanged'] : ['copy']));
    const md = renderPlan(plan(...rules), { changedRules: HOSTILE.slice(0, 4).map((h) => `rule ${h}`) });
    expect(md).toContain(OTHERS);
    expectNoRawHtml(rendered(md));
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

describe('the headline says what the merge does, rule by rule (defects 1 and 2)', () => {
  const ends = (name: string) => [{ name, source: 'hub', destination: 'dr' }];
  // The label on the picture's one edge, as the reviewer reads it.
  const edge = (md: string) => /^ {2}r\d+\["hub"\] -->\|"(.*)"\| r\d+\["dr"\]$/m.exec(md)?.[1];

  test('a rule whose credentials are withheld is "not planned (credentials withheld)", never "no changes"', () => {
    // As a pull request leaves it: the destination could not be listed, so not one item is planned.
    const withheld = { rule: 'team-app', message: 'listing x: authentication required (HTTP 401)', withheld: true };
    const md = renderPlan(plan(rule('team-app', [])), {
      changedRules: ['team-app'],
      ruleErrors: [withheld],
      partial: ['team-app'],
      rules: ends('team-app'),
    });
    expect(md.split('\n')[0]).toBe(
      '## ferry plan: ⚠️ valid · partial plan: 1 rule not planned (`team-app`) · on merge: 1 rule runs, 1 not planned (credentials withheld)',
    );
    expect(md).not.toContain('no changes');
    expect(edge(md)).toBe('rule team-app: not planned');
  });

  test('a registry that is down: headline, picture and body all say "not planned"', () => {
    const down = { rule: 'to-dr', message: 'listing repositories of dr: internal error (HTTP 500)' };
    const md = renderPlan(plan(rule('to-dr', [], { deletionsRefused: 'the source could not be listed' })), {
      changedRules: ['to-dr'],
      ruleErrors: [down],
      partial: ['to-dr'],
      rules: ends('to-dr'),
      verdict: { status: 'failed', reason: '1 rule error', failsStep: true },
    });
    expect(md.split('\n')[0]).toBe(
      '## ferry plan: ❌ valid · 1 rule error · partial plan: 1 rule not planned (`to-dr`) · on merge: 1 rule runs, 1 not planned',
    );
    expect(edge(md)).toBe('rule to-dr: not planned');
    expect(md).toContain('#### ❌ Rules not planned (1)');
    expect(md).not.toContain('fully planned');
    expect(md).not.toContain('no changes');
  });

  test('a rule planned in part is "not fully planned", its changes counted beside it', () => {
    const error = { rule: 'half', message: 'listing mirror/b: internal error (HTTP 500)' };
    const md = renderPlan(plan(rule('half', ['copy', 'unchanged'])), {
      changedRules: ['half'],
      ruleErrors: [error],
      partial: ['half'],
      rules: ends('half'),
    });
    expect(md.split('\n')[0]).toBe(
      '## ferry plan: ⚠️ valid · partial plan: 1 rule not fully planned (`half`) · on merge: 1 rule runs, 1 with changes, 1 not fully planned',
    );
    expect(edge(md)).toBe('rule half: 1 to copy, 1 unchanged, not fully planned');
  });

  test('a rule whose name filter selects nothing is not a rule "with changes"', () => {
    const selection = {
      repositories: { listed: 4, matched: 0 },
      tags: { listed: 0, selected: 0 },
      dropped: { name: 4, referrers: 0, tag: 0, semver: 0, latest: 0, labels: 0, resource: 0, platforms: 0 },
    };
    const why = 'the rule selects nothing: its name filter matches none of the 4 repositories the source lists';
    const md = renderPlan(plan(rule('typo', [], { selection, warnings: [why] })), { changedRules: ['typo'] });
    expect(md.split('\n')[0]).toBe('## ferry plan: ✅ valid · on merge: 1 rule runs, 1 selecting nothing');
    expect(md).toContain('**On merge: +0 copy · ~0 update · −0 delete · =0 unchanged · !0 kept**');
  });

  test('deletions all refused by max are counted as refused, not as changes', () => {
    const refused = '4 deletions refused: more than delete_remote.max (2) for rule "prune"; none is made';
    const r = rule('prune', ['delete-blocked', 'delete-blocked', 'delete-blocked', 'delete-blocked'], {
      deletionsRefused: refused,
    });
    const md = renderPlan(plan(r), { changedRules: ['prune'] });
    expect(md.split('\n')[0]).toBe('## ferry plan: ✅ valid · on merge: 1 rule runs, 4 deletions refused');
    // Without changedRules (a fork) the same words, never "1 rule changed".
    expect(renderPlan(plan(r)).split('\n')[0]).toBe('## ferry plan: ✅ valid · 4 deletions refused');
  });
});

describe('a `platforms:` rule (defect 3)', () => {
  // The run writes a subset index of the source's multi-platform index: its own digest.
  const subset = digest('c');
  const r = {
    rule: 'x86',
    items: [
      item('x86', '1.0', 'copy', { destinationRepository: 'x86/multi', targetDigest: subset }),
      item('x86', '2.0', 'update', { destinationRepository: 'x86/multi', targetDigest: subset }),
    ],
    warnings: [],
  };

  test('each line shows the digest the run writes, and what it is a subset of', () => {
    const md = renderPlan(plan(r), {
      rules: [{ name: 'x86', source: 'hub', destination: 'dr', platforms: ['linux/amd64'] }],
    });
    const diff = md.slice(md.indexOf('```diff'), md.lastIndexOf('```'));
    expect(diff).toMatch(
      /^\+ x86\/multi:1\.0 +sha256:cccccccccccc… {2}platform subset \(linux\/amd64\) of sha256:aaaaaaaaaaaa…$/m,
    );
    expect(diff).toMatch(
      /^~ x86\/multi:2\.0 +sha256:bbbbbbbbbbbb… → sha256:cccccccccccc… {2}platform subset \(linux\/amd64\) of sha256:aaaaaaaaaaaa…$/m,
    );
    // Without the rule's config the line still says it is a subset.
    expect(renderPlan(plan(r))).toMatch(/^\+ x86\/multi:1\.0 +sha256:cccccccccccc… {2}platform subset of sha256:aaaa/m);
  });

  test('`ferry plan` text says which digest the run writes', () => {
    const line = renderPlanText(plan(r))
      .split('\n')
      .find((l) => l.includes('x86/multi:1.0'))!;
    expect(line).toMatch(/ sha256:aaaaaaaaaaaa… .* writes sha256:cccccccccccc… \(platform subset\)$/);
  });
});

describe('each thing said once (defect 6)', () => {
  test('a refusal that names itself is not prefixed with "Deletions refused"', () => {
    const refused = '4 deletions refused: more than delete_remote.max (2) for rule "prune"; none is made';
    const r = rule('prune', ['delete-blocked', 'delete-blocked', 'delete-blocked', 'delete-blocked'], {
      deletionsRefused: refused,
    });
    const md = renderPlan(plan(r), { changedRules: ['prune'] });
    expect(md.match(/deletions refused/gi)).toHaveLength(
      // The headline's count, the counts line, the alert and the rule block: once each.
      4,
    );
    expect(md).toContain(
      '> 🛑 **4 deletions refused** for rule `prune`: more than delete\\_remote.max (2) for rule "prune"; none is made',
    );
    expect(md).toContain('🛑 4 deletions refused: more than delete\\_remote.max (2) for rule "prune"; none is made\n');
  });

  test('a rule that selects nothing, without details, is called out in one sentence', () => {
    const selection = {
      repositories: { listed: 1, matched: 1 },
      tags: { listed: 3, selected: 0 },
      dropped: { name: 0, referrers: 0, tag: 3, semver: 0, latest: 0, labels: 0, resource: 0, platforms: 0 },
    };
    const md = renderPlan(plan(rule('r', [], { selection })), { changedRules: ['r'] });
    expect(md).toContain('> 🔎 **Rule `r` selects nothing** (new or changed in this pull request).\n');
  });
});

describe('a comment over the size cap (defect 4)', () => {
  const selection = {
    repositories: { listed: 2, matched: 2 },
    tags: { listed: 906, selected: 903 },
    dropped: { name: 0, referrers: 0, tag: 3, semver: 0, latest: 0, labels: 0, resource: 0, platforms: 0 },
  };
  // 903 tags over two repositories, as a plan sorts them: repository, then tag.
  const bulk: RulePlan = {
    rule: 'bulk',
    selection,
    warnings: [],
    items: Array.from({ length: 903 }, (_, i) =>
      item('bulk', `v${String(i).padStart(4, '0')}`, 'copy', {
        destinationRepository: `mirror/bulk-${i < 900 ? 'a' : 'b'}`,
      }),
    ),
  };
  const tools = rule('tools', ['copy', 'copy', 'copy']);

  test('a big rule shows its first lines and counts the rest; a small one stays whole', () => {
    const full = renderPlan(plan(bulk, tools));
    const maxChars = Math.floor(full.length / 3);
    const md = renderPlan(plan(bulk, tools), { maxChars });
    expect(md.length).toBeLessThanOrEqual(maxChars);
    // tools whole: its block and its three lines, not "(detail omitted)".
    for (const tag of ['copy-0', 'copy-1', 'copy-2']) expect(md).toContain(`+ mirror/tools:${tag}`);
    expect(md).not.toContain('detail omitted');
    // bulk keeps its summary, its selection and what each repository gets.
    expect(md).toContain('<summary><b>bulk</b> · +903</summary>');
    expect(md).toContain('Selected: 2 of 2 repositories · 903 of 906 tags (left out: 3 by tag)');
    expect(md).toContain('Per repository: `mirror/bulk-a` +900 · `mirror/bulk-b` +3');
    const shown = md.split('\n').filter((l) => l.startsWith('+ mirror/bulk-')).length;
    expect(shown).toBeGreaterThan(100);
    expect(md).toContain(`… and ${903 - shown} more lines: see the job summary for the whole plan.`);
    expect(md).toContain('> ✂️ truncated: 1 rule not shown in full');
  });

  test('a comment that fits is not cut', () => {
    const md = renderPlan(plan(bulk, tools));
    expect(md.length).toBeLessThan(60_000);
    expect(md).not.toContain('truncated');
    expect(md.split('\n').filter((l) => l.startsWith('+ mirror/')).length).toBe(906);
  });

  const long = (s: string) => `${s}-${'x'.repeat(400)}`;
  test.each([
    [
      '10 rules of 1,000 tags with long names',
      Array.from({ length: 10 }, (_, r) => ({
        rule: long(`rule-${r}`),
        warnings: Array.from({ length: 50 }, (_w, i) => long(`warning ${i}`)),
        items: Array.from({ length: 1000 }, (_i, i) =>
          item(long(`rule-${r}`), long(`t${i}`), i % 3 ? 'copy' : 'delete', {
            destinationRepository: long(`repo-${i % 40}`),
            reason: long('why'),
          }),
        ),
      })),
    ],
    ['3,000 rules of one deletion each', Array.from({ length: 3000 }, (_, r) => rule(long(`r${r}`), ['delete']))],
  ])('%s: under GitHub’s 65,536 characters, marker last', (_name, rules) => {
    const names = rules.map((r) => r.rule);
    for (const changedRules of [undefined, names.slice(0, names.length / 2)]) {
      const md = renderPlan(plan(...rules), changedRules ? { changedRules } : {});
      expect(md.length).toBeLessThanOrEqual(60_000);
      expect(md.split('\n')[0]).toMatch(/^## ferry plan: /);
      // Every rule is accounted for: those left out altogether are counted apart.
      expect(md).toMatch(new RegExp(`truncated: ${rules.length} rules not shown in full`));
      expect(md.trimEnd().endsWith('<!-- ferry:plan path=replication.yaml -->')).toBe(true);
    }
  });
});

describe('a rule’s description (defect 7)', () => {
  const about = 'Mirror of the **team** images <img src=x> for\nthe DR site';
  const ends = { name: 'team', source: 'hub', destination: 'dr', description: about };

  test('is shown in the rule’s block, as text', () => {
    const md = renderPlan(plan(rule('team', ['copy'])), { rules: [ends] });
    const block = rendered(md).querySelector('details')!;
    // What the reviewer reads: the words, on one line, no markup of their own.
    expect(block.textContent).toContain('📝 Mirror of the **team** images <img src=x> for the DR site');
    expectNoRawHtml(rendered(md));
  });

  test('hostile or long descriptions stay text, cut', () => {
    for (const h of HOSTILE) {
      const md = renderPlan(plan(rule('team', ['copy'])), { rules: [{ ...ends, description: h.repeat(30) }] });
      expectNoRawHtml(rendered(md));
      const line = md.split('\n').find((l) => l.startsWith('📝 '))!;
      expect(line.length).toBeLessThan(700);
    }
  });
});
