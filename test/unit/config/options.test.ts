import { describe, expect, test } from 'vitest';
import { formatDiagnostic, parseConfig } from '../../../src/config/index.js';
import { optionAliases } from '../../../src/config/schema.js';

const run = (registries: string) =>
  parseConfig(
    `version: 1
registries:
${registries}rules:
  - { name: r1, source: a, destination: b, destination_namespace: acme }
`,
    'r.yaml',
  ).diagnostics.map(formatDiagnostic);

describe('registry options are the ones the providers read, checked like the rest of the file', () => {
  test('a misspelt option gets a "did you mean"', () => {
    expect(
      run(`  a: { type: ghcr, options: { organisation: acme } }
  b: { type: harbor, url: https://h.example.com, options: { create_projcet: true } }
`),
    ).toEqual([
      'r.yaml:3:31: registries.a.options.organisation: unknown key "organisation", did you mean "organization"?',
      'r.yaml:4:61: registries.b.options.create_projcet: unknown key "create_projcet", did you mean "create_project"?',
    ]);
  });

  test('wrong types, and an api_url that is not one, are errors before any run', () => {
    expect(
      run(`  a: { type: dockerhub, options: { rate_limit_reserve: lots } }
  b: { type: harbor, url: https://h.example.com, options: { api_url: "not a url" } }
`),
    ).toEqual([
      "r.yaml:3:56: registries.a.options.rate_limit_reserve: expected a whole number of pulls to leave unused from 0 to 10000 (a reserve at or above Docker Hub's quota defers every pull), got a string",
      "r.yaml:4:70: registries.b.options.api_url: expected the API's URL, scheme and host only, like https://api.example.com",
    ]);
  });

  test('options written as a string: the example is one the registry type accepts', () => {
    expect(
      run(`  a: { type: harbor, url: https://h.example.com, options: acme }
  b: { type: dockerhub, options: acme }
  c: { type: ghcr, options: acme }
`),
    ).toEqual([
      'r.yaml:3:59: registries.a.options: expected a map of options, like { create_project: true }, got a string',
      'r.yaml:4:34: registries.b.options: expected a map of options, like { namespace: acme }, got a string',
      'r.yaml:5:29: registries.c.options: expected a map of options, like { owner: acme }, got a string',
    ]);
    // And each example, written as the option, is one.
    expect(
      run(`  a: { type: harbor, url: https://h.example.com, options: { create_project: true } }
  b: { type: dockerhub, options: { namespace: acme } }
  c: { type: ghcr, options: { owner: acme } }
`),
    ).toEqual([]);
  });

  test('an option of another registry type says which type takes it', () => {
    expect(
      run(`  a: { type: ghcr, options: { namespace: acme } }
  b: { type: quay, options: { owner: acme } }
`),
    ).toEqual([
      'r.yaml:3:31: registries.a.options.namespace: "namespace" is an option of dockerhub registries; this one takes owner, organization, org, user, owner_type or api_url',
      'r.yaml:4:29: registries.b.options: this registry type takes no options (options are for dockerhub, harbor and ghcr); remove them',
    ]);
  });

  test('the options the providers read load', () => {
    const { config, diagnostics } = parseConfig(
      `version: 1
registries:
  a: { type: ghcr, options: { owner: acme, owner_type: org, api_url: "https://api.github.example.com" } }
  b: { type: harbor, url: https://h.example.com, options: { projects: [library], create_project: true, project_public: false } }
  c: { type: dockerhub, options: { namespace: acme, rate_limit_reserve: 10 } }
rules:
  - { name: r1, source: a, destination: b }
  - { name: r2, source: b, destination: c, destination_namespace: acme }
`,
      'r.yaml',
    );
    expect(diagnostics).toEqual([]);
    expect(config?.registries.get('c')?.options).toEqual({ namespace: 'acme', rate_limit_reserve: 10 });
  });

  test('two names of one option: a warning when they agree, an error naming both when they differ', () => {
    expect(
      run(`  a: { type: ghcr, options: { owner: acme, organization: acme } }
  b: { type: dockerhub, options: { organization: acme, namespace: other } }
  c: { type: ghcr, options: { org: acme, user: octocat } }
`),
    ).toEqual([
      'r.yaml:3:58: warning: registries.a.options.organization: owner and organization are two names for one option, both "acme": keep one',
      `r.yaml:4:50: registries.b.options.organization: namespace ("other") and organization ("acme") are two names for one option, set to different values: ferry would use namespace's "other" and ignore organization; keep one`,
      `r.yaml:5:48: registries.c.options.user: org ("acme") and user ("octocat") are two names for one option, set to different values: ferry would use org's "acme" and ignore user; keep one`,
    ]);
  });

  test('the names of one option, in the order the providers read them (the first one set is used)', () => {
    expect(Object.fromEntries(optionAliases())).toEqual({
      dockerhub: [['namespace', 'organization']],
      ghcr: [['owner', 'organization', 'org', 'user']],
    });
  });
});
