/**
 * The vendor fakes are held to the vendors' published API descriptions (test/fixtures/vendor-api/):
 * these tests show the check catches what it must (undocumented paths, methods and query
 * parameters, fields a description lacks, bad request bodies), and that every field the providers
 * read from a vendor answer is one the description has.
 */
import { readFileSync } from 'node:fs';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import {
  type Exchange,
  startGitHubApi,
  startHarborApi,
  startHubApi,
  type Vendor,
  vendorDescription,
} from '../../support/vendor-apis.js';

const D1 = `sha256:${'1'.repeat(64)}`;
const exchange = (x: Partial<Exchange> & Pick<Exchange, 'method' | 'path'>): Exchange => ({
  query: new URLSearchParams(),
  body: undefined,
  status: 200,
  responseBody: undefined,
  serverIssued: false,
  ...x,
});
const artifact = { digest: D1, media_type: 'application/vnd.oci.image.config.v1+json', tags: [{ name: 'v1' }] };
const ghPackage = {
  id: 1,
  name: 'web',
  package_type: 'container',
  visibility: 'private',
  url: 'https://api.github.com/orgs/acme/packages/container/web',
  html_url: 'https://github.com/orgs/acme/packages/container/package/web',
  version_count: 1,
  created_at: '2024-05-01T00:00:00Z',
  updated_at: '2024-05-01T00:00:00Z',
};

describe('checking exchanges against the descriptions', () => {
  const harbor = vendorDescription('harbor');
  const github = vendorDescription('github');
  const hub = vendorDescription('dockerhub');
  const artifacts = '/api/v2.0/projects/library/repositories/team%252Fapi/artifacts';

  it('accepts documented requests and answers, matching templates on raw segments', () => {
    expect(
      harbor.check(
        exchange({
          method: 'GET',
          path: artifacts,
          query: new URLSearchParams('with_tag=true&with_label=true&page=1&page_size=100'),
          responseBody: [artifact],
        }),
      ),
    ).toEqual({
      operation: 'GET /projects/{project_name}/repositories/{repository_name}/artifacts',
      undocumented: false,
      violations: [],
    });
    const hubPage = { count: 1, next: null, previous: null, results: [{ name: 'web', namespace: 'acme' }] };
    expect(
      hub.check(exchange({ method: 'GET', path: '/v2/namespaces/acme/repositories', responseBody: hubPage }))
        .violations,
    ).toEqual([]);
  });

  it('refuses paths, methods and query parameters the description does not have', () => {
    expect(github.check(exchange({ method: 'GET', path: '/orgs/acme/packages/container/web' })).violations).toEqual([
      'no operation in the github API description matches GET /orgs/acme/packages/container/web',
    ]);
    expect(github.check(exchange({ method: 'DELETE', path: '/orgs/acme/packages' })).violations).toEqual([
      'DELETE is not documented for /orgs/{org}/packages (only GET)',
    ]);
    const q = new URLSearchParams('package_type=container&sort=name');
    expect(
      github.check(exchange({ method: 'GET', path: '/orgs/acme/packages', query: q, responseBody: [] })).violations,
    ).toEqual(['query parameter sort is not documented']);
    // A URL the server handed out (Link, next) carries the server's own parameters.
    expect(
      github.check(
        exchange({ method: 'GET', path: '/orgs/acme/packages', query: q, responseBody: [], serverIssued: true }),
      ).violations,
    ).toEqual([]);
    expect(github.check(exchange({ method: 'GET', path: '/orgs/acme/packages', responseBody: [] })).violations).toEqual(
      ['required query parameter package_type is missing'],
    );
    expect(
      github.check(
        exchange({ method: 'DELETE', path: '/orgs/acme/packages/container/web/versions/latest', status: 204 }),
      ).violations,
    ).toEqual(['{package_version_id} must be integer']);
  });

  it('refuses answers with fields the description lacks, or without the ones it requires', () => {
    const path = '/orgs/acme/packages';
    const query = new URLSearchParams('package_type=container');
    const answer = (body: unknown) =>
      github.check(exchange({ method: 'GET', path, query, responseBody: body })).violations;
    expect(answer([ghPackage])).toEqual([]);
    expect(answer([{ ...ghPackage, digest: D1 }])).toEqual([
      '200 response /0 must NOT have additional properties (digest)',
    ]);
    const { html_url: _dropped, ...partial } = ghPackage;
    expect(answer([partial])).toEqual(["200 response /0 must have required property 'html_url'"]);
    // A part of the description that was not copied matches nothing.
    expect(answer([{ ...ghPackage, owner: { login: 'acme' } }])).toEqual([
      '200 response /0/owner boolean schema is false',
    ]);
    expect(
      harbor.check(exchange({ method: 'GET', path: artifacts, responseBody: [{ ...artifact, tags: null }] }))
        .violations,
    ).toEqual(['200 response /0/tags must be array']);
  });

  it('checks request bodies and error answers', () => {
    expect(
      harbor.check(
        exchange({
          method: 'POST',
          path: '/api/v2.0/projects',
          body: { project_name: 'p', metadata: { public: false } },
          status: 201,
        }),
      ).violations,
    ).toEqual(['request body /metadata/public must be string']);
    expect(
      hub.check(exchange({ method: 'POST', path: '/v2/auth/token', body: { identifier: 'acme' }, status: 401 }))
        .violations,
    ).toEqual([
      "request body (root) must have required property 'secret'",
      '401: the description documents a body; the fake sent none',
    ]);
    // Errors a vendor answers anywhere take its documented error shape.
    expect(
      harbor.check(
        exchange({ method: 'GET', path: '/api/v2.0/projects', status: 429, responseBody: { message: 'slow down' } }),
      ).violations,
    ).toEqual(['429 error (root) must NOT have additional properties (message)']);
    expect(
      github.check(
        exchange({
          method: 'DELETE',
          path: '/orgs/acme/packages/container/web/versions/1',
          status: 204,
          responseBody: {},
        }),
      ).violations,
    ).toEqual(['204: the fake sent a body; the description documents none']);
  });

  it('makes a fake fail when it is asked for something the vendor does not document', async () => {
    const gh = await startGitHubApi({ tokens: { t: 'octocat' }, owners: { acme: { kind: 'org', packages: {} } } });
    const r = await fetch(`${gh.url}/orgs/acme/packages?package_type=container&sort=name`, {
      headers: { authorization: 'Bearer t' },
    });
    expect(r.status).toBe(200);
    expect(gh.violations).toEqual([
      'GET /orgs/acme/packages?package_type=container&sort=name: query parameter sort is not documented',
    ]);
    await expect(gh.stop()).rejects.toThrow(/the github fake and the vendor's API description disagree/);
  });

  it('keeps undocumented operations to the evidenced ones', () => {
    const extra = JSON.parse(
      readFileSync(new URL('../../fixtures/vendor-api/dockerhub/undocumented.json', import.meta.url), 'utf8'),
    ) as { paths: Record<string, Record<string, { 'x-evidence'?: string[] }>> };
    const ops = Object.entries(extra.paths).flatMap(([path, item]) =>
      Object.entries(item)
        .filter(([m]) => m !== 'parameters')
        .map(([m, op]) => ({ key: `${m.toUpperCase()} ${path}`, evidence: op['x-evidence'] ?? [] })),
    );
    expect(ops.map((o) => o.key)).toEqual(['DELETE /v2/repositories/{namespace}/{repository}/tags/{tag}/']);
    for (const o of ops) expect(o.evidence.length).toBeGreaterThan(0);
    expect(vendorDescription('harbor').operations.some((o) => o.undocumented)).toBe(false);
    expect(vendorDescription('github').operations.some((o) => o.undocumented)).toBe(false);
  });
});

/**
 * Field paths a provider reads from vendor answers, from its source: the types it casts a
 * response body to (`r.body as {…}`) and the item types of its paged lists (`#pages<T>`, a
 * top-level array: `[]`; `api.pages<T>`, under its `items` property, with its `next` field). `[].tags[].name` is `name` in the items of `tags` in each list item.
 */
function bodyReads(file: string): string[] {
  const src = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.ES2022, true);
  const interfaces = new Map<string, ts.InterfaceDeclaration>();
  const collect = (n: ts.Node): void => {
    if (ts.isInterfaceDeclaration(n)) interfaces.set(n.name.text, n);
    ts.forEachChild(n, collect);
  };
  collect(src);
  const out = new Set<string>();
  const members = (ms: ts.NodeArray<ts.TypeElement>, prefix: string, seen: Set<string>): void => {
    for (const m of ms) {
      if (!ts.isPropertySignature(m) || !(ts.isIdentifier(m.name) || ts.isStringLiteral(m.name))) continue;
      const path = prefix ? `${prefix}.${m.name.text}` : m.name.text;
      out.add(path);
      fromType(m.type, path, seen);
    }
  };
  const fromType = (t: ts.TypeNode | undefined, prefix: string, seen: Set<string>): void => {
    if (!t) return;
    if (ts.isParenthesizedTypeNode(t)) return fromType(t.type, prefix, seen);
    if (ts.isUnionTypeNode(t)) return t.types.forEach((x) => fromType(x, prefix, seen));
    if (ts.isArrayTypeNode(t)) return fromType(t.elementType, `${prefix}[]`, seen);
    if (ts.isTypeLiteralNode(t)) return members(t.members, prefix, seen);
    if (ts.isTypeReferenceNode(t) && ts.isIdentifier(t.typeName)) {
      const i = interfaces.get(t.typeName.text);
      if (i && !seen.has(i.name.text)) members(i.members, prefix, new Set([...seen, i.name.text]));
    }
  };
  const strip = (e: ts.Expression): ts.Expression => {
    if (ts.isParenthesizedExpression(e)) return strip(e.expression);
    if (ts.isBinaryExpression(e) && e.operatorToken.kind === ts.SyntaxKind.QuestionQuestionToken) return strip(e.left);
    return e;
  };
  const visit = (n: ts.Node): void => {
    if (ts.isAsExpression(n) && /\.body$/.test(strip(n.expression).getText(src))) fromType(n.type, '', new Set());
    if (
      ts.isCallExpression(n) &&
      ts.isPropertyAccessExpression(n.expression) &&
      n.expression.name.getText(src) === '#pages'
    )
      fromType(n.typeArguments?.[0], '[]', new Set());
    // `api.pages<T>({ items: 'results', next: { style: 'body', field: 'next' } })`: the page is an
    // object, its items of type T under `items`, the next page's URL under `field`.
    if (
      ts.isCallExpression(n) &&
      ts.isPropertyAccessExpression(n.expression) &&
      n.expression.name.getText(src) === 'pages' &&
      n.arguments[0] &&
      ts.isObjectLiteralExpression(n.arguments[0])
    ) {
      const text = (o: ts.ObjectLiteralExpression, name: string) => {
        const p = o.properties.find((x) => ts.isPropertyAssignment(x) && x.name.getText(src) === name);
        return p && ts.isPropertyAssignment(p) ? p.initializer : undefined;
      };
      const items = text(n.arguments[0], 'items');
      const next = text(n.arguments[0], 'next');
      const field = next && ts.isObjectLiteralExpression(next) ? text(next, 'field') : undefined;
      if (field && ts.isStringLiteral(field)) out.add(field.text);
      if (items && ts.isStringLiteral(items)) out.add(items.text);
      fromType(n.typeArguments?.[0], items && ts.isStringLiteral(items) ? `${items.text}[]` : '[]', new Set());
    }
    ts.forEachChild(n, visit);
  };
  visit(src);
  return [...out].sort();
}

describe('fields the providers read', () => {
  const providers: [Vendor, string][] = [
    ['dockerhub', 'src/providers/dockerhub.ts'],
    ['harbor', 'src/providers/harbor.ts'],
    ['github', 'src/providers/ghcr.ts'],
  ];

  it.each(providers)('every field %s answers are read for is in its description', (vendor, file) => {
    const reads = bodyReads(file);
    expect(reads.length).toBeGreaterThan(0);
    const description = vendorDescription(vendor);
    expect(reads.filter((path) => !description.hasField(path))).toEqual([]);
  });

  it('finds the reads in the sources', () => {
    expect(bodyReads('src/providers/harbor.ts')).toEqual([
      '[].digest',
      '[].labels',
      '[].labels[].name',
      '[].manifest_media_type',
      '[].media_type',
      '[].name',
      '[].push_time',
      '[].tags',
      '[].tags[].name',
      '[].tags[].push_time',
    ]);
    expect(bodyReads('src/providers/ghcr.ts')).toEqual([
      '[].id',
      '[].metadata',
      '[].metadata.container',
      '[].metadata.container.tags',
      '[].name',
    ]);
    expect(bodyReads('src/providers/dockerhub.ts')).toEqual([
      'access_token',
      'next',
      'results',
      'results[].name',
      'results[].namespace',
      'token',
    ]);
    expect(vendorDescription('harbor').hasField('[].tag_list')).toBe(false);
    expect(vendorDescription('github').hasField('[].metadata.container.digest')).toBe(false);
  });
});

describe('the fakes answer only as the descriptions allow', () => {
  it('starts every fake clean', async () => {
    for (const start of [
      () => startHubApi({ users: {}, namespaces: {} }),
      () => startHarborApi({ users: {}, projects: {}, repositories: {} }),
      () => startGitHubApi({ tokens: {}, owners: {} }),
    ]) {
      const api = await start();
      expect(api.violations).toEqual([]);
      await api.stop();
    }
  });
});
