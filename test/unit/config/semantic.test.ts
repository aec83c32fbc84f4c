import { describe, expect, test } from 'vitest';
import { cronProblem, formatDiagnostic, parseConfig } from '../../../src/config/index.js';
import { TWO_REGISTRIES } from '../../support/rules-file.js';
import {
  compileNameFilter,
  compileTagFilter,
  filtersMatchEverything,
  MappingError,
  mapRepository,
} from '../../../src/rules/index.js';

describe('cron as GitHub Actions runs it', () => {
  test.each(['0 2 * * *', '*/15 * * * *', '0 0 * * MON-FRI', '30 1 1,15 * *'])('accepts %s', (cron) => {
    expect(cronProblem(cron)).toBeUndefined();
  });
  test.each([
    [
      // Harbor's cron: seconds first.
      '0 0 2 * * *',
      '"0 0 2 * * *" has 6 fields, seconds first as in Harbor; GitHub Actions cron has 5 (minute hour day-of-month month day-of-week): write "0 2 * * *"',
    ],
    [
      '*/5 * * * * *',
      'expected 5 cron fields (minute hour day-of-month month day-of-week) as GitHub Actions uses, got 6: "*/5 * * * * *"',
    ],
    ['61 * * * *', 'invalid cron "61 * * * *": invalid value for minute: 61'],
    ['0 0 L * *', 'GitHub Actions cron does not support "?", "L", "W" or "#": "0 0 L * *"'],
  ])('rejects %s', (cron, message) => {
    expect(cronProblem(cron)).toEqual({ message, severity: 'error' });
  });
});

const base = `version: 1
registries:
  harbor: { type: harbor, url: https://harbor.example.com }
  cluster1: { type: registry, url: https://cluster1.example.com }
`;

describe('two rules writing the same destination: no false positives', () => {
  const run = (rules: string) => parseConfig(`${base}rules:\n${rules}`, 'r.yaml').diagnostics.map(formatDiagnostic);

  test('different tag filters do not conflict', () => {
    expect(
      run(`  - { name: a, source: harbor, destination: cluster1, destination_namespace: m, filters: { name: x/app, tag: prod-* } }
  - { name: b, source: harbor, destination: cluster1, destination_namespace: m, filters: { name: x/app, tag: test-* } }
`),
    ).toEqual([]);
  });

  test('two rules with the same glob writing the same destination conflict (issue 11)', () => {
    expect(
      run(`  - { name: a, source: harbor, destination: cluster1, destination_namespace: m, filters: { name: "x/**" } }
  - { name: b, source: harbor, destination: cluster1, destination_namespace: m, filters: { name: "x/**" } }
`),
    ).toEqual([
      'r.yaml:7:98: rules[1].filters.name: rule "a" (line 6) can write every repository its name filter selects (the same patterns: x/**) on registry "cluster1" too, with the same tag filters; the two rules would overwrite each other',
    ]);
  });

  test("a literal of one rule matched by the other's glob conflicts, in either order", () => {
    const want = (line: number, col: number, repo: string, tail: string) =>
      `r.yaml:${line}:${col}: rules[1].filters.name: rule "a" (line 6) can write "${repo}" ${tail} on registry "cluster1" too, with the same tag filters; the two rules would overwrite each other`;
    expect(
      run(`  - { name: a, source: harbor, destination: cluster1, filters: { name: "apps/*" } }
  - { name: b, source: harbor, destination: cluster1, filters: { name: apps/web } }
`),
    ).toEqual([want(7, 72, 'apps/web', '(its name filter selects it)')]);
    expect(
      run(`  - { name: a, source: harbor, destination: cluster1, destination_namespace: m, flattening: 0, filters: { name: apps/web } }
  - { name: b, source: harbor, destination: cluster1, destination_namespace: m, flattening: 0, filters: { name: "apps/**" } }
`),
    ).toEqual([want(7, 113, 'm/apps/web', "(this rule's name filter selects it too)")]);
  });

  test('no false positives: rules that only share a registry, or whose globs differ, or map elsewhere', () => {
    expect(
      run(`  - { name: a, source: harbor, destination: cluster1, filters: { name: "apps/**" } }
  - { name: b, source: harbor, destination: cluster1, filters: { name: "tools/**" } }
  - { name: c, source: harbor, destination: cluster1, filters: { name: "tools/**", tag: "v*" } }
  - { name: d, source: harbor, destination: cluster1, destination_namespace: other, filters: { name: "apps/**" } }
  - { name: e, source: harbor, destination: cluster1, filters: { name: ops/web } }
  - { name: f, source: harbor, destination: harbor, destination_namespace: mirror, filters: { name: "apps/**" } }
`),
    ).toEqual([]);
  });

  test('a disabled rule writes nothing', () => {
    expect(
      run(`  - { name: a, source: harbor, destination: cluster1, destination_namespace: m, filters: { name: x/app } }
  - { name: b, enabled: false, source: harbor, destination: cluster1, destination_namespace: m, filters: { name: y/app } }
`),
    ).toEqual([]);
  });

  test('flattening that maps two names onto one repository is caught', () => {
    expect(
      run(`  - { name: a, source: harbor, destination: cluster1, destination_namespace: m, filters: { name: x/app } }
  - { name: b, source: harbor, destination: cluster1, destination_namespace: m, filters: { name: y/app } }
`),
    ).toEqual([
      'r.yaml:7:98: rules[1].filters.name: rule "a" (line 6) already writes "m/app" on registry "cluster1" with the same tag filters; the two rules would overwrite each other',
    ]);
  });
});

describe('defaults', () => {
  test('a problem that comes from defaults is reported once, at defaults', () => {
    const lines = parseConfig(
      `${base}defaults:
  bandwidth: 0KiB/s
rules:
  - { name: a, source: harbor, destination: cluster1 }
  - { name: b, source: harbor, destination: cluster1, destination_namespace: b }
`,
      'r.yaml',
    ).diagnostics.map(formatDiagnostic);
    expect(lines).toEqual([
      'r.yaml:6:14: defaults.bandwidth: expected a rate from 1B/s to 1TiB/s, like 50MiB/s, 10MB/s or 500KiB/s, or -1 for unlimited',
    ]);
  });

  test('rules inherit defaults; their own values win; filters merge key by key', () => {
    const { config } = parseConfig(
      `${base}defaults:
  concurrency: 8
  override: false
  trigger: event
  filters: { resource: all, tag: prod-* }
rules:
  - { name: a, source: harbor, destination: cluster1, destination_namespace: a }
  - { name: b, source: harbor, destination: cluster1, destination_namespace: b, concurrency: 2, filters: { tag: v* } }
`,
      'r.yaml',
    );
    const [a, b] = config!.rules;
    expect([a!.concurrency, a!.override, a!.triggers, a!.filters.resource, a!.filters.tag]).toEqual([
      8,
      false,
      [{ kind: 'event' }],
      'all',
      ['prod-*'],
    ]);
    expect([b!.concurrency, b!.filters.resource, b!.filters.tag]).toEqual([2, 'all', ['v*']]);
  });
});

/** Diagnostics as `line: path: message` (the corpus pins columns). */
const rules = (text: string) =>
  parseConfig(`${base}  hub: { type: dockerhub }\nrules:\n${text}`, 'r.yaml').diagnostics.map((d) =>
    formatDiagnostic(d).replace(/^r\.yaml:(\d+):\d+: /, '$1: '),
  );

describe('validation maps names with the engine (rules/mapping.ts), so a rule that validates can run', () => {
  test('a one-component name with destination_namespace and the default flattening is an error', () => {
    expect(
      rules(
        '  - { name: a, source: cluster1, destination: harbor, destination_namespace: m, filters: { name: nginx } }\n',
      ),
    ).toEqual([
      '7: rules[0].filters.name: cannot map repository "nginx": it has 0 path component(s) before the image name, but flattening is 1; use a flattening of at most 0, or -1 (all)',
    ]);
  });

  test('the same name maps with flattening 0 or all, and the run maps it the same way', () => {
    for (const flattening of ['0', 'all']) {
      const out = rules(
        `  - { name: a, source: cluster1, destination: harbor, destination_namespace: m, flattening: ${flattening}, filters: { name: nginx } }\n`,
      );
      expect(out).toEqual([]);
    }
    expect(mapRepository('nginx', { namespace: 'm', flattening: 0 })).toBe('m/nginx');
    expect(() => mapRepository('nginx', { namespace: 'm', flattening: 1 })).toThrow(MappingError);
  });

  test('flattening deeper than the path is an error for each literal name', () => {
    expect(
      rules(
        '  - { name: a, source: harbor, destination: cluster1, destination_namespace: m, flattening: 3, filters: { name: [a/b/c/img, a/img] } }\n',
      ),
    ).toEqual([
      '7: rules[0].filters.name[1]: cannot map repository "a/img": it has 1 path component(s) before the image name (a), but flattening is 3; use a flattening of at most 1, or -1 (all)',
    ]);
  });

  test('Docker Hub: the engine’s two-component rule', () => {
    expect(
      rules(
        '  - { name: a, source: harbor, destination: hub, destination_namespace: me, filters: { name: [team/app, x/y/z] } }\n',
      ),
    ).toEqual([
      '7: rules[0].filters.name[1]: cannot map repository "x/y/z": the destination "me/y/z" has 3 path component(s) but this destination accepts only namespace/name; set flattening to 2 or -1 (all)',
    ]);
  });

  test('two rules mapping different sources onto one destination repository still conflict', () => {
    expect(
      rules(`  - { name: a, source: harbor, destination: cluster1, destination_namespace: m, filters: { name: team1/app } }
  - { name: b, source: harbor, destination: cluster1, destination_namespace: m, filters: { name: team2/app } }
`),
    ).toEqual([
      '8: rules[1].filters.name: rule "a" (line 7) already writes "m/app" on registry "cluster1" with the same tag filters; the two rules would overwrite each other',
    ]);
  });

  test('two registry entries for one address: the message names the one the other rule writes', () => {
    const twice = (filters: [string, string]) =>
      parseConfig(
        `${base}  cluster1-ci: { type: registry, url: https://cluster1.example.com }
rules:
  - { name: a, source: harbor, destination: cluster1, destination_namespace: m, filters: { name: ${filters[0]} } }
  - { name: b, source: harbor, destination: cluster1-ci, destination_namespace: m, filters: { name: ${filters[1]} } }
`,
        'r.yaml',
      ).diagnostics.map((d) => d.message);
    // Before: 'on registry "cluster1-ci"', which rule a does not write.
    expect(twice(['team1/app', 'team2/app'])).toEqual([
      'rule "a" (line 7) already writes "m/app" on registry "cluster1" (same address as "cluster1-ci") with the same tag filters; the two rules would overwrite each other',
    ]);
    expect(twice(['"x/**"', '"x/**"'])).toEqual([
      expect.stringContaining('on registry "cluster1" (same address as "cluster1-ci") too, with the same tag filters'),
    ]);
  });
});

describe('match-everything: validation and the engine give one answer (rules/filter.ts)', () => {
  const matchAllWarning = (filters: string) =>
    rules(
      `  - { name: a, source: harbor, destination: cluster1, destination_namespace: m, delete_remote: true, filters: ${filters} }\n`,
    ).some((l) => l.includes('the filters match everything'));

  test.each([
    ['{ name: ["**", "!internal/**"] }', { name: ['**', '!internal/**'], tag: [] }],
    ['{ name: "**", tag: ["*", "!*-rc"] }', { name: ['**'], tag: ['*', '!*-rc'] }],
    ['{ name: "**" }', { name: ['**'], tag: [] }],
    ['{ name: "regex:.*", tag: "**" }', { name: ['regex:.*'], tag: ['**'] }],
    ['{ name: "team/**" }', { name: ['team/**'], tag: [] }],
    ['{}', { name: [], tag: [] }],
  ])('%s', (yaml, f) => {
    const engine = filtersMatchEverything({ ...f, labels: {}, resource: 'image' });
    expect(matchAllWarning(yaml)).toBe(engine);
  });

  test('an exclusion means the filters do not match everything', () => {
    expect(matchAllWarning('{ name: ["**", "!internal/**"] }')).toBe(false);
  });

  // Before, only "**", "regex:" and "regex:.*" counted: a rule written `name: { regex: ".*" }` with
  // delete_remote deleted without acknowledge_match_all, which "**" is refused without.
  test.each([
    ['{ name: { regex: ".*" } }', true],
    ['{ name: "regex:.+" }', true],
    ['{ name: "regex:^.*$", tag: { regex: ".+" } }', true],
    // Unanchored, as Harbor tests it: matches the empty string inside every name.
    ['{ name: "regex:x*" }', true],
    ['{ name: "**/*" }', true],
    // Every Harbor, GHCR and Docker Hub repository is project/repo: this selects all of them.
    ['{ name: "*/**" }', true],
    ['{ tag: { regex: "[A-Za-z0-9_][A-Za-z0-9_.-]*" } }', true],
    ['{ name: { regex: "team/.*" } }', false],
    ['{ name: "regex:^[a-z]+$" }', false],
    ['{ tag: { regex: "v.*" } }', false],
    ['{ name: "*" }', false],
  ])('%s matches everything: %s, in validation and in the run', (yaml, everything) => {
    const config = parseConfig(
      `${base}rules:\n  - { name: a, source: harbor, destination: cluster1, destination_namespace: m, delete_remote: true, filters: ${yaml} }\n`,
      'r.yaml',
    ).config!;
    expect(filtersMatchEverything(config.rules[0]!.filters)).toBe(everything);
    expect(matchAllWarning(yaml)).toBe(everything);
  });
});

test('a trigger listed twice gets one warning, and a repeated cron is not checked twice', () => {
  // Before: accepted without a word.
  expect(
    rules(
      `  - { name: a, source: harbor, destination: cluster1, destination_namespace: m, trigger: [manual, event, manual, { schedule: "0 2 * * *" }, { schedule: "0  2 * * *" }] }\n`,
    ),
  ).toEqual([
    '7: warning: rules[0].trigger[2]: "manual" is listed twice; once is enough',
    '7: warning: rules[0].trigger[4]: schedule "0 2 * * *" is listed twice; once is enough',
  ]);
});

describe('filters that can never match get a warning', () => {
  const warn = (filters: string) =>
    // From a Distribution registry: names without "/" are fine there (on Harbor they select nothing).
    rules(`  - { name: a, source: cluster1, destination: harbor, destination_namespace: m, filters: ${filters} }\n`);

  test('uppercase in a name (repository names are lowercase)', () => {
    expect(warn('{ name: [Team/App, "!Internal/**", "team/[A-Z]*"] }')).toEqual([
      '7: warning: rules[0].filters.name[0]: "Team/App" never matches: repository names are lowercase (distribution spec); write "team/app"',
      '7: warning: rules[0].filters.name[1]: "!Internal/**" never excludes anything: repository names are lowercase (distribution spec); write "internal/**"',
    ]);
  });

  test.each([
    ['../x/**', 'repository paths have no "." or ".." components'],
    ['/x/**', 'repository paths do not start with "/"'],
    ['x//y', 'repository paths have no empty components ("//" or a trailing "/")'],
    ['x/', 'repository paths have no empty components ("//" or a trailing "/")'],
    // An image reference as skopeo and regsync write it: before, accepted without a word.
    [
      'library/nginx:latest',
      'a repository name has no ":": the tag goes in the tag filter, like name: "library/nginx" and tag: "latest" (the tag filter applies to every repository of the rule)',
    ],
    [
      'library/nginx@sha256:abc',
      'a repository name has no "@": ferry selects tags, not digests; name the repository ("library/nginx") and its tags in the tag filter',
    ],
  ])('name %s', (pattern, why) => {
    expect(warn(`{ name: "${pattern}" }`)).toContainEqual(
      `7: warning: rules[0].filters.name: "${pattern}" never matches: ${why}`,
    );
  });

  test('a character range written backwards', () => {
    // Before: accepted without a word, and the rule selected nothing.
    expect(warn('{ name: "team/**", tag: "v[9-0]*" }')).toEqual([
      '7: warning: rules[0].filters.tag: "v[9-0]*" never matches: the range "9-0" runs backwards and matches no character; write "0-9"',
    ]);
  });

  test('an image reference in an exclusion: the advice is a tag exclusion, not a name and tag to select', () => {
    expect(warn('{ name: ["**", "!library/nginx:latest"] }')).toEqual([
      '7: warning: rules[0].filters.name[1]: "!library/nginx:latest" never excludes anything: a repository name has no ":": to leave out a tag, exclude it in the tag filter ("!latest"), which applies to every repository of the rule',
    ]);
  });

  test('an exclusion of every tag or repository: the rule selects nothing', () => {
    // Before, `tag: ["!*"]` passed validate without a word, and the rule selected nothing.
    expect(warn('{ name: "team/**", tag: ["!*"] }')).toEqual([
      '7: warning: rules[0].filters.tag[0]: "!*" excludes every tag, so the rule selects nothing; exclusions name what to leave out (like "!*-rc*"), and an empty list selects everything',
    ]);
    expect(warn('{ name: ["team/**", "!**"] }')).toEqual([
      '7: warning: rules[0].filters.name[1]: "!**" excludes every repository, so the rule selects nothing; exclusions name what to leave out (like "!internal/**"), and an empty list selects everything',
    ]);
    // "!*" of a name leaves out only names of one component.
    expect(warn('{ name: ["team/**", "!*"] }')).toEqual([]);
  });

  test('a literal tag longer than 128 characters', () => {
    const tag = 'v'.repeat(300);
    expect(warn(`{ name: "**", tag: ["${tag}"] }`)).toEqual([
      `7: warning: rules[0].filters.tag[0]: "${'v'.repeat(57)}..." never matches: a tag is at most 128 characters, and this needs 300`,
    ]);
  });

  test('a glob that needs more than 128 characters', () => {
    expect(warn(`{ name: "**", tag: "${'?'.repeat(100)}*${'x'.repeat(29)}" }`)).toHaveLength(1);
    expect(warn(`{ name: "**", tag: "${'?'.repeat(100)}*${'x'.repeat(28)}" }`)).toEqual([]);
  });

  test.each([
    ['release/1.0', 'a tag is letters, digits, "_", "." and "-", and does not start with "." or "-"'],
    ['.hidden', 'a tag is letters, digits, "_", "." and "-", and does not start with "." or "-"'],
    [
      'release/*',
      'a tag is letters, digits, "_", "." and "-", and does not start with "." or "-"; it cannot contain "/"',
    ],
    ['v1:*', 'a tag is letters, digits, "_", "." and "-", and does not start with "." or "-"; it cannot contain ":"'],
  ])('tag %s', (pattern, why) => {
    expect(warn(`{ name: "**", tag: "${pattern}" }`)).toEqual([
      `7: warning: rules[0].filters.tag: "${pattern}" never matches: ${why}`,
    ]);
  });

  test.each(['prod-*', 'v[0-9]*', '!*-rc*', '{v1,v2}.*', 'regex:^V[0-9]+$', 'V1.0', '_x', '**'])(
    'no warning for the valid tag pattern %j',
    (pattern) => {
      expect(warn(`{ name: "**", tag: ${JSON.stringify(pattern)} }`)).toEqual([]);
    },
  );

  test.each(['team/**', '**/app', 'a.b/c_d/e--f', '{team,ops}/**', 'regex:^Team/', 'x/[a-z]*', '*'])(
    'no warning for the valid name pattern %j',
    (pattern) => {
      expect(warn(`{ name: ${JSON.stringify(pattern)} }`)).toEqual([]);
    },
  );

  test('warnings do not stop the file from loading', () => {
    const { config } = parseConfig(
      `${base}rules:\n  - { name: a, source: harbor, destination: cluster1, filters: { name: Team/App } }\n`,
      'r.yaml',
    );
    expect(config?.rules[0]!.filters.name).toEqual(['Team/App']);
  });
});

describe('max_blob_size', () => {
  test('defaults, rule values and bytes', () => {
    const { config } = parseConfig(
      `${base}defaults: { max_blob_size: 2GiB }\nrules:\n  - { name: a, source: harbor, destination: cluster1, destination_namespace: m }\n  - { name: b, source: harbor, destination: cluster1, destination_namespace: n, max_blob_size: 1048576 }\n`,
      'r.yaml',
    );
    expect(config!.rules.map((r) => r.maxBlobSize)).toEqual([2 * 1024 ** 3, 1024 * 1024]);
  });

  test.each([
    ['10 gigabytes', 'expected a size like 10GiB or 500MB, or a number of bytes'],
    ['0MB', 'expected a size from 1 byte to 1TiB (1099511627776 bytes), like 10GiB or 500MB, or a number of bytes'],
    ['0', 'expected a size from 1 byte to 1TiB (1099511627776 bytes), like 10GiB or 500MB, or a number of bytes'],
    [0, 'expected a size from 1 byte to 1TiB (1099511627776 bytes), like 10GiB or 500MB, or a number of bytes'],
    [true, 'expected a size like 10GiB or 500MB, or a number of bytes, got true'],
  ])('rejects %j', (value, message) => {
    const out = rules(
      `  - { name: a, source: harbor, destination: cluster1, destination_namespace: m, max_blob_size: ${JSON.stringify(value)} }\n`,
    );
    expect(out).toEqual([`7: rules[0].max_blob_size: ${message}`]);
  });
});

describe('explicit regular expressions: { regex } (issue 11)', () => {
  const load = (tag: string) =>
    parseConfig(
      `${base}rules:\n  - { name: a, source: cluster1, destination: harbor, destination_namespace: m, filters: { name: x/app, tag: ${tag} } }\n`,
      'r.yaml',
    );

  test('the object form is anchored at both ends, as regsync anchors its regexes', () => {
    const { config, diagnostics } = load(String.raw`{ regex: 'v\d+\.\d+' }`);
    expect(diagnostics).toEqual([]);
    const keep = compileTagFilter(config!.rules[0]!.filters.tag);
    expect(['v1.2', 'v1.2.3', 'xv1.2', 'v10.20'].filter(keep)).toEqual(['v1.2', 'v10.20']);
  });

  test('exclude: true leaves out what matches; Harbor\'s "regex:" string stays unanchored', () => {
    const { config } = load(String.raw`[{ regex: 'v.*' }, { regex: '.*-rc\d*', exclude: true }, "regex:^nightly"]`);
    const keep = compileTagFilter(config!.rules[0]!.filters.tag);
    expect(['v1', 'v1-rc1', 'nightly-2024', 'xnightly'].filter(keep)).toEqual(['v1', 'nightly-2024']);
  });
});

describe('no name filter selects every repository, as "**" does (overwrite conflicts)', () => {
  const run = (rules: string) =>
    parseConfig(
      `${base}  other: { type: harbor, url: https://other.example.com }\nrules:\n${rules}`,
      'r.yaml',
    ).diagnostics.map(formatDiagnostic);

  test('two rules without a name filter from different sources into one destination overwrite each other', () => {
    expect(
      run(`  - { name: a, source: harbor, destination: cluster1 }
  - { name: b, source: other, destination: cluster1, delete_remote: { enabled: true, acknowledge_match_all: true } }
`),
    ).toEqual([
      'r.yaml:8:5: rules[1]: rule "a" (line 7) can write every repository (this rule has no name filter, which selects them all, as "**" does) on registry "cluster1" too, with the same tag filters; the two rules would overwrite each other',
    ]);
  });

  test('as with name: "**" on either side, and a literal the other rule writes', () => {
    expect(
      run(`  - { name: a, source: harbor, destination: cluster1, filters: { name: "**" } }
  - { name: b, source: other, destination: cluster1 }
`),
    ).toHaveLength(1);
    expect(
      run(`  - { name: a, source: harbor, destination: cluster1, filters: { name: apps/web } }
  - { name: b, source: other, destination: cluster1 }
`),
    ).toEqual([
      'r.yaml:8:5: rules[1]: rule "a" (line 7) can write "apps/web" (this rule\'s name filter selects it too) on registry "cluster1" too, with the same tag filters; the two rules would overwrite each other',
    ]);
  });

  test('still no conflict when the tag filters differ or the namespaces do', () => {
    expect(
      run(`  - { name: a, source: harbor, destination: cluster1 }
  - { name: b, source: other, destination: cluster1, filters: { tag: "v*" } }
  - { name: c, source: other, destination: cluster1, destination_namespace: mirror }
`),
    ).toEqual([]);
  });
});

describe('every independent problem of a rule at once (README: "reports every problem at once")', () => {
  const run = (text: string) => parseConfig(text, 'r.yaml').diagnostics.map(formatDiagnostic);
  const head = `version: 1
registries:
  harbor: { type: harbor, url: https://harbor.example.com }
  hub: { type: dockerhub }
rules:
`;

  test('a bad semver range is reported beside a broken filter of the same rule', () => {
    expect(
      run(`${head}  - name: a
    source: harbor
    destination: hub
    destination_namespace: acme
    filters:
      semver: "not a range"
      latest: 0
`),
    ).toEqual([
      'r.yaml:11:15: rules[0].filters.semver: not a semver range: "not a range"; expected something like ">=1.2 <2" or "^3.0.0"',
      'r.yaml:12:15: rules[0].filters.latest: expected a whole number of tags from 1 to 1000000 (the most ferry reads from one tag list)',
    ]);
  });

  test('Docker Hub without destination_namespace is reported beside a broken filter or any other broken field', () => {
    const hub = (line: number) =>
      `r.yaml:${line}:18: rules[0].destination: Docker Hub accepts only namespace/name repositories: set destination_namespace to your Docker Hub user or organisation (without it pushes fail with "denied: requested access to the resource is denied")`;
    expect(
      run(`${head}  - name: a
    source: harbor
    destination: hub
    filters:
      latest: 0
`),
    ).toEqual([
      hub(8),
      'r.yaml:10:15: rules[0].filters.latest: expected a whole number of tags from 1 to 1000000 (the most ferry reads from one tag list)',
    ]);
    expect(
      run(`${head}  - name: a
    source: harbor
    destination: hub
    concurrency: 0
`),
    ).toEqual([hub(8), 'r.yaml:9:18: rules[0].concurrency: expected a whole number from 1 to 64']);
  });

  test('a check that reads the broken value is still skipped (no follow-on message)', () => {
    // Both map onto acme/app, but rule b's tag filter is misspelt: whether the two select the same
    // tags is unknown, so the overwrite check (it compares every filter) does not run for b.
    expect(
      run(`${head}  - { name: a, source: harbor, destination: hub, destination_namespace: acme, filters: { name: x/app } }
  - { name: b, source: harbor, destination: hub, destination_namespace: acme, filters: { name: y/app, tags: "v*" } }
`),
    ).toEqual(['r.yaml:7:103: rules[1].filters.tags: unknown key "tags", did you mean "tag"?']);
  });
});

describe('a misspelt or misplaced key stands for the key it was meant as: no follow-on message', () => {
  const run = (rules: string) =>
    parseConfig(
      `version: 1\nregistries:\n  harbor: { type: harbor, url: https://harbor.example.com }\n  hub: { type: dockerhub }\nrules:\n${rules}`,
      'r.yaml',
    ).diagnostics.map(formatDiagnostic);

  test('destination_namspace: only the typo, not "set destination_namespace"', () => {
    expect(run(`  - { name: a, source: harbor, destination: hub, destination_namspace: acme }\n`)).toEqual([
      'r.yaml:6:50: rules[0].destination_namspace: unknown key "destination_namspace", did you mean "destination_namespace"?',
    ]);
  });

  test('a tag filter beside filters: is not taken as "no tag filter" by the overwrite check', () => {
    const out =
      run(`  - { name: a, source: harbor, destination: hub, destination_namespace: acme, filters: { name: x/app } }
  - { name: b, source: harbor, destination: hub, destination_namespace: acme, filters: { name: y/app }, tag: "v*" }
`);
    expect(out).toHaveLength(1);
    expect(out[0]).toMatch(/rules\[1\]\.tag: unknown key "tag" here/);
  });
});

describe('a registry with a schema error is still checked, and so are the rules using it', () => {
  const run = (text: string) => parseConfig(text, 'r.yaml').diagnostics.map(formatDiagnostic);

  test('a misspelt key hides neither the URL path, nor Docker Hub without a namespace, nor a copy onto itself', () => {
    expect(
      run(`version: 1
registries:
  src:
    type: registry
    url: https://src.example.com/v2
    credentails: { docker_config: true }
  hub:
    type: dockerhub
    tls: { verify: nope }
rules:
  - { name: r1, source: src, destination: hub }
  - { name: r2, source: src, destination: src }
`),
    ).toEqual([
      'r.yaml:5:10: registries.src.url: expected only scheme and host, like https://src.example.com; remove "/v2"',
      'r.yaml:6:5: registries.src.credentails: unknown key "credentails", did you mean "credentials"?',
      'r.yaml:9:20: registries.hub.tls.verify: expected true or false, got a string',
      'r.yaml:11:43: rules[0].destination: Docker Hub accepts only namespace/name repositories: set destination_namespace to your Docker Hub user or organisation (without it pushes fail with "denied: requested access to the resource is denied")',
      'r.yaml:12:43: rules[1].destination: source and destination are the same registry ("src") and no destination_namespace is set: the rule would replicate onto itself',
    ]);
  });

  test('the broken field itself causes no follow-on message (no "missing url", no default address)', () => {
    expect(
      run(`version: 1
registries:
  a: { type: registry, ulr: https://a.example.com }
  b: { type: registry, url: 123 }
  c: { type: oci-layout, paht: ./x }
  d: { type: oci-archive, url: "https://d.example.com/i.tar", sha256: nope }
  e: { tpye: registry, url: https://e.example.com }
  h: { type: dockerhub, url: 5 }
rules:
  - { name: r1, source: a, destination: b }
  - { name: r2, source: e, destination: h, destination_namespace: x }
  - { name: r3, source: c, destination: d }
`),
    ).toEqual([
      'r.yaml:3:24: registries.a.ulr: unknown key "ulr", did you mean "url"?',
      'r.yaml:4:29: registries.b.url: expected a URL starting with https:// or http://, like https://registry.example.com, got a whole number',
      'r.yaml:5:26: registries.c.paht: unknown key "paht", did you mean "path"?',
      'r.yaml:6:71: registries.d.sha256: expected 64 lowercase hex digits, as `sha256sum images.tar` prints them',
      'r.yaml:7:8: registries.e.tpye: unknown key "tpye", did you mean "type"?',
      'r.yaml:8:30: registries.h.url: expected a URL starting with https:// or http://, like https://registry.example.com, got a whole number',
    ]);
  });
});

describe('a regular expression written as a glob: the glob suggested selects what the regex does', () => {
  const warn = (filters: string) =>
    parseConfig(
      `${TWO_REGISTRIES}  - { name: r, source: src, destination: dst, filters: ${filters} }\n`,
      'r.yaml',
    ).diagnostics.map((d) => d.message);
  const suggested = (message: string) => /or a glob like "([^"]+)"$/.exec(message)?.[1];

  test('in a name, ".*" crosses "/": "^demo/.*$" suggests demo/**, which selects demo/app/web', () => {
    const [message] = warn(`{ name: "^demo/.*$" }`);
    expect(message).toBe(
      `"^demo/.*$" looks like a regular expression, but it is a glob here ("^", "$", ".*" are not regex syntax in a glob); write the regex form name: { regex: '^demo/.*$' } or a glob like "demo/**"`,
    );
    const select = compileNameFilter([suggested(message!)!]);
    expect(['demo/app', 'demo/app/web'].map(select)).toEqual([true, true]);
  });

  test.each([
    ['^.*/app$', '**/app'],
    ['^demo/.+', 'demo/**'],
    ['^demo/[a-z]+$', 'demo/[a-z]*'],
  ])('name %s suggests %s', (regex, glob) => {
    expect(suggested(warn(`{ name: "${regex}" }`)[0]!)).toBe(glob);
  });

  test('a name ".*" inside a segment has no glob that means it: only the regex form is suggested', () => {
    expect(warn(`{ name: "^demo/app.*$" }`)).toEqual([
      `"^demo/app.*$" looks like a regular expression, but it is a glob here ("^", "$", ".*" are not regex syntax in a glob); write the regex form name: { regex: '^demo/app.*$' }`,
    ]);
  });

  test('a tag cannot contain "/": ".*" stays "*"', () => {
    expect(suggested(warn(`{ tag: "^v.*$" }`)[0]!)).toBe('v*');
  });
});

describe('"no rules" is said of an empty rules: only', () => {
  const run = (text: string) => parseConfig(text, 'r.yaml').diagnostics.map(formatDiagnostic);
  const registries = 'registries:\n  a: { type: registry, url: https://a.example.com }\n';

  test('a misspelt rule: is its own error, with no "no rules" warning at 1:1', () => {
    expect(run(`version: 1\n${registries}rule: []\n`)).toEqual([
      'r.yaml:4:1: rule: unknown key "rule", did you mean "rules"?',
    ]);
  });

  test('rules: [] beside a broken registry still says the file replicates nothing', () => {
    expect(run(`version: 1\n${registries}  b: { type: registry, url: 5 }\nrules: []\n`)).toEqual([
      'r.yaml:4:29: registries.b.url: expected a URL starting with https:// or http://, like https://registry.example.com, got a whole number',
      'r.yaml:5:8: warning: rules: no rules: nothing will be replicated',
    ]);
  });
});
