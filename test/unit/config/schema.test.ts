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
