import { readFile } from 'node:fs/promises';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { describe, expect, test } from 'vitest';
import { replicationSchema } from '../../../src/config/index.js';

type Node = Record<string, unknown>;

/** Every property a user can write, with its path. */
function properties(node: Node, path: string, out: [string, Node][], defs: Node): void {
  const props = node.properties as Record<string, Node> | undefined;
  for (const [k, v] of Object.entries(props ?? {})) {
    out.push([`${path}.${k}`, v]);
    const target = typeof v.$ref === 'string' ? (defs[v.$ref.replace('#/$defs/', '')] as Node) : v;
    if (target !== node) properties(target, `${path}.${k}`, out, defs);
    for (const branch of ['then', 'else'] as const) {
      const b = target[branch] as Node | undefined;
      if (b?.properties) properties(b, `${path}.${k}`, out, defs);
    }
  }
}

describe('the JSON Schema helps editors', () => {
  const defs = replicationSchema.$defs as Node;
  const all: [string, Node][] = [];
  properties(replicationSchema, '', all, defs);
  all.push(['registries.*', defs.registry as Node], ['rules[]', defs.rule as Node]);

  test('it is draft 2020-12', () => {
    expect(replicationSchema.$schema).toBe('https://json-schema.org/draft/2020-12/schema');
  });

  test('every field has a description', () => {
    const missing = all.filter(([, node]) => {
      const target = typeof node.$ref === 'string' ? (defs[node.$ref.replace('#/$defs/', '')] as Node) : node;
      return !node.description && !target.description;
    });
    expect(missing.map(([p]) => p)).toEqual([]);
  });

  test('every rule option has examples', () => {
    const rule = (defs.rule as Node).properties as Record<string, Node>;
    const without = Object.entries(rule).filter(([, v]) => {
      const target = typeof v.$ref === 'string' ? (defs[v.$ref.replace('#/$defs/', '')] as Node) : v;
      return !v.examples && !target.examples;
    });
    expect(without.map(([k]) => k)).toEqual([]);
  });
});

/** Every `properties` entry anywhere in the schema (branches, items, $defs included), with its path. */
function everyProperty(node: unknown, path: string, out: [string, Node][]): void {
  if (Array.isArray(node)) return node.forEach((n, i) => everyProperty(n, `${path}[${i}]`, out));
  if (node === null || typeof node !== 'object') return;
  for (const [key, value] of Object.entries(node as Node)) {
    if (key === 'properties' && value && typeof value === 'object')
      for (const [name, prop] of Object.entries(value as Record<string, Node>)) {
        out.push([`${path}.${name}`, prop]);
        everyProperty(prop, `${path}.${name}`, out);
      }
    else if (key !== 'examples' && key !== 'default' && key !== 'const' && key !== 'enum')
      everyProperty(value, `${path}.${key}`, out);
  }
}

describe('the schema as a rules repository sees it', () => {
  const defs = replicationSchema.$defs as Node;
  const resolved = (node: Node) =>
    typeof node.$ref === 'string' ? (defs[node.$ref.replace('#/$defs/', '')] as Node) : node;
  const all: [string, Node][] = [];
  everyProperty(replicationSchema, '#', all);

  test('finds the properties inside branches and $defs too', () => {
    expect(all.map(([p]) => p)).toEqual(
      expect.arrayContaining(['#.$defs.registry.tls', '#.$defs.tls.ca.else.file', '#.$defs.deleteRemote.then.max']),
    );
  });

  test('every property, wherever it sits, has a description and examples an editor can show', () => {
    expect(all.filter(([, n]) => !n.description && !resolved(n).description).map(([p]) => p)).toEqual([]);
    expect(all.filter(([, n]) => !n.examples && !resolved(n).examples).map(([p]) => p)).toEqual([]);
  });

  test('$id is the raw URL of the file at the v1 tag, as the README modeline and the SchemaStore entry use it', async () => {
    const id = replicationSchema.$id as string;
    expect(id).toMatch(
      /^https:\/\/raw\.githubusercontent\.com\/[\w.-]+\/[\w.-]+\/v1\/schema\/replication\.schema\.json$/,
    );
    const root = new URL('../../../', import.meta.url);
    const readme = await readFile(new URL('README.md', root), 'utf8');
    expect(readme).toContain(`# yaml-language-server: $schema=${id}`);
    const entry = JSON.parse(await readFile(new URL('docs/schemastore-catalog.json', root), 'utf8')) as Node;
    expect(entry).toMatchObject({ url: id, fileMatch: ['replication.yaml', 'replication.yml'] });
    expect(entry.name).toEqual(expect.any(String));
    expect(entry.description).toEqual(expect.any(String));
  });

  test('a plain ajv (as editors and CI tools load it, unknown keywords allowed) compiles it by its $id', () => {
    const ajv = new Ajv2020({ strict: false });
    ajv.addSchema(replicationSchema);
    const validate = ajv.getSchema(replicationSchema.$id as string)!;
    expect(
      validate({ version: 1, registries: { a: { type: 'registry', url: 'https://a.example.com' } }, rules: [] }),
    ).toBe(true);
    expect(validate({ version: 2, registries: {}, rules: [] })).toBe(false);
  });
});
