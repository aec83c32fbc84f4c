/**
 * JSON Schema validation of replication.yaml (schema/replication.schema.json, draft 2020-12, ajv),
 * with ajv's errors turned into the sentences a person reads.
 *
 * The schema avoids oneOf/anyOf (whose failures are a pile of errors from every branch) in favour of
 * `type: [...]` + if/then/else, so each failure is one precise error. Nodes may carry `x-error`: a
 * message (or a map keyword → message) that replaces the generic wording for failures of that value.
 */
import type { ErrorObject } from 'ajv/dist/2020.js';
import schemaJson from '../../schema/replication.schema.json' with { type: 'json' };
import { oneOfList, suggest } from './errors.js';
import { type StandaloneValidate, validate as precompiled } from './schema-validator.generated.js';

export type Segment = string | number;

/** A schema failure, positioned by instance path; load.ts turns it into a ConfigDiagnostic. */
export interface SchemaIssue {
  path: Segment[];
  /** key: point at the key (unknown key); value: at the value; object: at the mapping itself (missing key). */
  at: 'key' | 'value';
  message: string;
  /**
   * A number or boolean where only a string (or a list or map) fits: what YAML made of an unquoted
   * value like 1.10, which load.ts words with the text as written.
   */
  scalarForString?: boolean;
}

type SchemaNode = Record<string, unknown>;

export const replicationSchema = schemaJson as unknown as SchemaNode;

/** The keys the schema gives a `$defs` entry (`rule`, `registry`, `filters`): read from it, never listed by hand. */
export const schemaKeys = (def: string): string[] =>
  Object.keys(((replicationSchema.$defs as Record<string, unknown>)[def] as { properties: object }).properties);

let indexed = false;

/**
 * The validator, compiled ahead of time by ajv's standalone code generation (compiling the schema at
 * start-up cost every run about 0.2 s of CPU): src/config/schema-validator.generated.js, written by
 * scripts/schema-validator.mjs (`npm run schema:gen`) with the options this file used to compile with.
 * Its errors' `schema`/`parentSchema` are objects of `replicationSchema` itself, as before.
 */
function validator(): StandaloneValidate {
  if (!indexed) {
    indexSchema(replicationSchema);
    indexed = true;
  }
  return precompiled;
}

function decodePointer(pointer: string): string[] {
  if (pointer === '' || pointer === '#') return [];
  return pointer
    .replace(/^#/, '')
    .split('/')
    .slice(1)
    .map((s) => decodeURIComponent(s).replace(/~1/g, '/').replace(/~0/g, '~'));
}

function instanceSegments(instancePath: string, data: unknown): Segment[] {
  const out: Segment[] = [];
  let cur: unknown = data;
  for (const raw of decodePointer(instancePath)) {
    const seg: Segment = Array.isArray(cur) && /^\d+$/.test(raw) ? Number(raw) : raw;
    out.push(seg);
    cur = cur !== null && typeof cur === 'object' ? (cur as Record<string, unknown>)[seg as string] : undefined;
  }
  return out;
}

function valueAt(data: unknown, path: Segment[]): unknown {
  let cur = data;
  for (const seg of path) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string, unknown>)[seg as string];
  }
  return cur;
}

const SCHEMA_MAPS = ['$defs', 'properties', 'patternProperties', 'dependentSchemas'];
const SCHEMA_LISTS = ['allOf', 'anyOf', 'oneOf', 'prefixItems'];
const SCHEMA_ONE = ['items', 'additionalProperties', 'propertyNames', 'if', 'then', 'else', 'not', 'contains'];
/** Keywords whose sub-schema applies to a child of the instance, not the instance itself. */
const INSTANCE_STEP = new Set(['properties', 'patternProperties', 'items', 'prefixItems', 'additionalProperties']);

/** For every schema object: the schema that contains it, unless that link moves to another value. */
const sameValueParent = new WeakMap<object, SchemaNode>();

function indexSchema(node: SchemaNode): void {
  const link = (child: unknown, keyword: string) => {
    if (!child || typeof child !== 'object' || Array.isArray(child)) return;
    if (!INSTANCE_STEP.has(keyword) && keyword !== '$defs') sameValueParent.set(child, node);
    indexSchema(child as SchemaNode);
  };
  for (const k of SCHEMA_MAPS) {
    const m = node[k];
    if (m && typeof m === 'object') for (const child of Object.values(m)) link(child, k);
  }
  for (const k of SCHEMA_LISTS) {
    const l = node[k];
    if (Array.isArray(l)) for (const child of l) link(child, k);
  }
  for (const k of SCHEMA_ONE) link(node[k], k);
}

/**
 * The `x-error` that speaks for a failing keyword: on the schema holding the keyword or the nearest
 * enclosing schema that still describes the same value (if/then/else, allOf...: not properties/items).
 */
function customMessage(parentSchema: unknown, keyword: string): string | undefined {
  let node = parentSchema as SchemaNode | undefined;
  while (node) {
    const x = node['x-error'];
    if (typeof x === 'string') return x;
    if (x && typeof x === 'object') {
      const m = (x as Record<string, unknown>)[keyword];
      if (typeof m === 'string') return m;
    }
    node = sameValueParent.get(node);
  }
  return undefined;
}

const TYPE_WORDS: Record<string, string> = {
  string: 'a string',
  integer: 'a whole number',
  number: 'a number',
  boolean: 'true or false',
  object: 'a map',
  array: 'a list',
  null: 'nothing',
};

function describe(value: unknown): string {
  if (value === null || value === undefined) return 'nothing (an empty value)';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a map';
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (typeof value === 'number' && !Number.isFinite(value))
    return 'a number too large to hold (YAML reads it as infinity)';
  if (typeof value === 'number') return Number.isInteger(value) ? 'a whole number' : 'a number';
  return 'a string';
}

/** Message for a literal where a secret reference belongs; never repeats the value. */
export function literalSecretMessage(value: unknown): string {
  const base =
    'a literal secret is not allowed here; reference it with { env: NAME }, { file: path } or { docker_config: true }';
  if (typeof value === 'string') {
    if (/\$\{\{/.test(value)) {
      return 'GitHub expressions are not evaluated in this file; pass the secret to the step in `env:` and reference it with { env: NAME }';
    }
    const m = /^\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?$/.exec(value.trim());
    if (m) return `environment variables are not expanded in this file; write { env: ${m[1]} }`;
    return base;
  }
  return `expected a reference like { env: NAME }, { file: path } or { docker_config: true }, got ${describe(value)}`;
}

/** YAML 1.1 booleans, which YAML 1.2 (and this file) reads as strings. */
const YAML11_BOOLEANS: Record<string, boolean> = { yes: true, no: false, on: true, off: false, y: true, n: false };

/** What users of other tools call the registry types, and the type ferry calls them. */
const TYPE_SYNONYMS: Record<string, string> = {
  'docker-registry': 'registry',
  distribution: 'registry',
  docker: 'registry',
  registry2: 'registry',
  'docker-distribution': 'registry',
  acr: 'aliyun-acr',
  aliyun: 'aliyun-acr',
  'alibaba-acr': 'aliyun-acr',
  hub: 'dockerhub',
  'docker-hub': 'dockerhub',
  'docker.io': 'dockerhub',
  github: 'ghcr',
  'ghcr.io': 'ghcr',
  'github-ghcr': 'ghcr',
  gcr: 'gar',
  'artifact-registry': 'gar',
  'google-gcr': 'gar',
  'aws-ecr': 'ecr',
  aws: 'ecr',
  'quay.io': 'quay',
  oci: 'oci-layout',
  local: 'oci-layout',
};

function humanise(e: ErrorObject, value: unknown): string {
  const custom = customMessage(e.parentSchema, e.keyword);
  if (custom === '@literal-secret') return literalSecretMessage(value);
  const p = e.params as Record<string, unknown>;
  const booleanExpected =
    (e.keyword === 'type' && String(p.type).split(',').includes('boolean')) ||
    (e.keyword === 'enum' && (p.allowedValues as unknown[]).includes(true));
  // `version: "1"`, `concurrency: "4"`: a number in quotes.
  if (typeof value === 'string' && /^\s*-?[0-9]+(\.[0-9]+)?\s*$/.test(value)) {
    const types = e.keyword === 'type' ? String(p.type).split(',') : [];
    const number = Number(value);
    if (
      (e.keyword === 'const' && p.allowedValue === number) ||
      types.includes('number') ||
      (types.includes('integer') && Number.isInteger(number))
    )
      return `"${value}" is a string here, in quotes; write ${value.trim()} without the quotes`;
  }
  if (booleanExpected && typeof value === 'string') {
    const b = YAML11_BOOLEANS[value.trim().toLowerCase()];
    if (b !== undefined) return `"${value}" is a string here (YAML 1.2 has no yes/no/on/off booleans); write ${b}`;
  }
  if (e.keyword === 'enum' && typeof value === 'string') {
    const allowed = (p.allowedValues as unknown[]).map(String);
    const same = TYPE_SYNONYMS[value.trim().toLowerCase()];
    if (same && allowed.includes(same) && allowed.includes('oci-layout')) {
      return `expected one of: ${allowed.join(', ')}; "${value}" is called "${same}" here: write type: ${same}`;
    }
  }
  // `bandwidth: "1024"`: the bare number in quotes is as ambiguous as without them.
  if (
    e.keyword === 'pattern' &&
    /\/bandwidth$/.test(e.instancePath) &&
    typeof value === 'string' &&
    /^\s*[0-9]+(\.[0-9]+)?\s*$/.test(value)
  )
    return `"${value}" has no unit, and a bare number is ambiguous (Harbor counts Kbps): write a unit, like 500KiB/s or 50MiB/s, or -1 for unlimited`;
  // `resource: chart`: Harbor's UI lists Helm charts apart; in a registry they are OCI artifacts.
  if (
    e.keyword === 'enum' &&
    /\/resource$/.test(e.instancePath) &&
    typeof value === 'string' &&
    /^(helm[-_ ]?)?charts?$|^helm$/i.test(value.trim())
  )
    return `expected one of: ${(p.allowedValues as unknown[]).map(String).join(', ')}; Helm charts in a registry are OCI artifacts: write artifact (or all)`;
  // `tls: false`, `tls: disabled` (regsync's tls setting, skopeo's --tls-verify=false).
  if (e.keyword === 'type' && /^\/registries\/[^/]+\/tls$/.test(e.instancePath) && typeof value !== 'object')
    return `expected a map, got ${describe(value)}: to skip certificate checks write tls: { verify: false }; to trust a private CA, tls: { ca: ./ca.pem }`;
  // `credentials: ${{ secrets.X }}` or a token: one string where the parts of a login belong.
  if (e.keyword === 'type' && /^\/registries\/[^/]+\/credentials$/.test(e.instancePath) && typeof value === 'string')
    return /\$\{\{/.test(value)
      ? literalSecretMessage(value)
      : 'expected a map like credentials: { username: robot, password: { env: REGISTRY_PASSWORD } }, got a string';
  if (custom && e.keyword === 'type') return `${custom}, got ${describe(value)}`;
  if (custom && e.keyword === 'enum' && typeof value === 'string') {
    if (/^schedul/i.test(value.trim())) return `${custom}; a schedule is written { schedule: "0 2 * * *" }`;
    const hint = suggest(value, (p.allowedValues as unknown[]).map(String));
    return hint ? `${custom} (did you mean "${hint}"?)` : custom;
  }
  if (custom) return custom;
  switch (e.keyword) {
    case 'type': {
      const types = String(p.type).split(',');
      const words = types.map((t) => TYPE_WORDS[t] ?? t);
      return `expected ${oneOfList(words)}, got ${describe(value)}`;
    }
    case 'enum': {
      const allowed = (p.allowedValues as unknown[]).map(String);
      const hint = typeof value === 'string' ? suggest(value, allowed) : undefined;
      return `expected one of: ${allowed.join(', ')}${hint ? ` (did you mean "${hint}"?)` : ''}`;
    }
    case 'const':
      return `expected ${JSON.stringify(p.allowedValue)}`;
    case 'minimum':
      return `expected ${p.limit} or more`;
    case 'maximum':
      return `expected ${p.limit} or less`;
    case 'minLength':
      return 'must not be empty';
    case 'minItems':
      return p.limit === 1 ? 'must not be an empty list' : `expected at least ${p.limit} items`;
    case 'minProperties':
      return 'must not be empty';
    case 'maxProperties':
      return `expected at most ${p.limit} keys`;
    case 'pattern':
      return `does not match ${String(p.pattern)}`;
    default:
      return e.message ?? 'is not valid';
  }
}

function allowedKeys(parentSchema: unknown): string[] {
  const props = (parentSchema as SchemaNode | undefined)?.properties;
  return props && typeof props === 'object' ? Object.keys(props).filter((k) => k !== '$schema') : [];
}

/** Keys a rule has that `defaults` cannot default. */
const RULE_ONLY = new Set(['name', 'source', 'destination', 'description']);

/** A schema node with its `$ref` followed (local refs only: the schema has no others). */
function deref(node: unknown): SchemaNode | undefined {
  let n = node as SchemaNode | undefined;
  for (let i = 0; i < 8 && n && typeof n.$ref === 'string'; i++) {
    n = decodePointer(n.$ref).reduce<unknown>(
      (acc, seg) => (acc as SchemaNode | undefined)?.[seg],
      replicationSchema,
    ) as SchemaNode | undefined;
  }
  return n;
}

/** The keys the schema allows in the map under `parent`'s property `key` (`filters` → name, tag...). */
function keysUnder(parentSchema: unknown, key: string): string[] {
  const props = (deref(parentSchema)?.properties ?? {}) as Record<string, unknown>;
  const keys: string[] = [];
  // The map form may sit in a branch (`true` or `{ enabled: ... }`): look in then/else/allOf too.
  const collect = (node: unknown, depth: number) => {
    const n = deref(node);
    if (!n || depth > 3) return;
    if (n.properties && typeof n.properties === 'object') keys.push(...Object.keys(n.properties));
    for (const k of ['then', 'else']) collect(n[k], depth + 1);
    if (Array.isArray(n.allOf)) for (const x of n.allOf) collect(x, depth + 1);
  };
  collect(props[key], 0);
  return keys;
}

/** The sibling key `key` belongs under (`tag` → filters), when it is not a key of its own map. */
function ownerSibling(parentSchema: unknown, key: string): string | undefined {
  return allowedKeys(parentSchema).find((sibling) => keysUnder(parentSchema, sibling).includes(key));
}

/** The schema of the map at an instance path (rules[0], rules[0].filters...), or undefined. */
function schemaOfMap(path: readonly Segment[]): SchemaNode | undefined {
  let node = deref(replicationSchema);
  for (const seg of path) {
    if (!node) return undefined;
    if (typeof seg === 'number') node = deref(node.items);
    else {
      const props = node.properties as Record<string, unknown> | undefined;
      node = deref(props?.[seg] ?? node.additionalProperties);
    }
  }
  return node;
}

/**
 * For a key written twice in the map at `mapPath` where an earlier sibling has no value: the
 * sibling it was meant to be indented under (`filters:` left empty, then `name:` at its level).
 */
export function misindentedUnder(
  mapPath: readonly Segment[],
  key: string,
  emptySiblings: string[],
): string | undefined {
  const schema = schemaOfMap(mapPath);
  return emptySiblings.find((sibling) => keysUnder(schema, sibling).includes(key));
}

/** Registry type → the schema of its options, from the registry's `allOf` branches in the schema. */
function optionSchemas(): Map<string, SchemaNode | undefined> {
  const out = new Map<string, SchemaNode | undefined>();
  const branches = (deref(replicationSchema.$defs && (replicationSchema.$defs as SchemaNode).registry)?.allOf ??
    []) as SchemaNode[];
  for (const b of branches) {
    const type = ((b.if as SchemaNode | undefined)?.properties as Record<string, SchemaNode> | undefined)?.type?.const;
    const options = ((b.then as SchemaNode | undefined)?.properties as Record<string, unknown> | undefined)?.options;
    if (typeof type === 'string') out.set(type, deref(options));
  }
  return out;
}

/** Registry type → the options it takes. */
function optionsByType(): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const [type, options] of optionSchemas()) {
    const keys = allowedKeys(options);
    if (keys.length > 0) out.set(type, keys);
  }
  return out;
}

/**
 * Registry type → its options that have other names, each as the list of its names: the option
 * first, then the options whose description is "Same as `option`.", in the schema's order. That is
 * the order the providers read them in (src/providers/index.ts): the first one set is used.
 */
export function optionAliases(): Map<string, string[][]> {
  const out = new Map<string, string[][]>();
  for (const [type, options] of optionSchemas()) {
    const props = (options?.properties ?? {}) as Record<string, SchemaNode>;
    const groups = new Map<string, string[]>();
    for (const [key, prop] of Object.entries(props)) {
      const of = /^Same as `([A-Za-z0-9_]+)`\.$/.exec(String(prop.description ?? ''))?.[1];
      if (of && Object.hasOwn(props, of)) (groups.get(of) ?? groups.set(of, [of]).get(of)!).push(key);
    }
    if (groups.size > 0) out.set(type, [...groups.values()]);
  }
  return out;
}

/** `rate_limit_reserve` on a harbor registry: the types that take it, when it is not misspelt. */
function otherTypesOption(key: string, allowed: string[]): string | undefined {
  if (suggest(key, allowed)) return undefined;
  const types = [...optionsByType()].filter(([, keys]) => keys.includes(key)).map(([type]) => type);
  if (types.length === 0) return undefined;
  return `"${key}" is an option of ${oneOfList(types)} registries; this one takes ${oneOfList(allowed)}`;
}

/** `insecure`, `skip_tls_verify`, `insecure_skip_verify`, `tls_verify`, `skipVerify`. */
const INSECURE_KEYS = /^(insecure|skip[-_]?(tls[-_]?)?verify|insecure[-_]?skip[-_]?verify|tls[-_]?verify)$/i;

export function unknownKeyMessage(
  key: string,
  allowed: string[],
  parentPath: Segment[],
  parentSchema?: unknown,
  present?: (sibling: string) => boolean,
): string {
  // `X-common:`, `x_common:`: meant as a key ferry ignores (the schema's patternProperties `^x-`).
  if (parentPath.length === 0 && /^x[-_]./i.test(key)) {
    return `unknown key "${key}"; a top-level key ferry ignores starts with "x-", in lower case: write x-${key.slice(2)}`;
  }
  if (parentPath.length === 1 && parentPath[0] === 'defaults' && RULE_ONLY.has(key)) {
    return `"${key}" cannot be set in defaults; set it on each rule`;
  }
  // Docker's, regsync's and Go's names for skipping certificate checks.
  if (parentPath.length === 2 && parentPath[0] === 'registries' && INSECURE_KEYS.test(key)) {
    return `unknown key "${key}"; to skip certificate checks write tls: { verify: false }, or for plain HTTP an http:// url`;
  }
  if (parentPath.length === 3 && parentPath[0] === 'registries' && parentPath[2] === 'options') {
    const other = otherTypesOption(key, allowed);
    if (other) return other;
  }
  const owner = parentSchema === undefined ? undefined : ownerSibling(parentSchema, key);
  if (owner) {
    return present?.(owner)
      ? `unknown key "${key}" here; indent \`${key}:\` under \`${owner}:\``
      : `unknown key "${key}" here; it belongs under \`${owner}:\`, like ${owner}: { ${key}: ... }`;
  }
  // A key the map does not have yet first (`namespace:` beside `name:` meant another); then any.
  const hint =
    suggest(
      key,
      allowed.filter((k) => !present?.(k)),
    ) ?? suggest(key, allowed);
  if (hint) return `unknown key "${key}", did you mean "${hint}"?`;
  // A top-level map of values to reuse (`common: &c …`), as docker compose writes `x-` keys.
  if (parentPath.length === 0)
    return `unknown key "${key}"; expected one of: ${allowed.join(', ')}, or a key starting with "x-" for values to reuse (x-${key}: &${key} …)`;
  if (allowed.length === 1) return `unknown key "${key}"; expected ${allowed[0]}`;
  return `unknown key "${key}"; expected one of: ${allowed.join(', ')}`;
}

/**
 * Registries or rules validated at once. ajv gathers the errors of each `$ref`'d entry by copying
 * the errors so far (`concat`), which is quadratic in the number of errors: a file with thousands of
 * bad entries is validated in slices of this many, each in a copy of the file that holds only it.
 */
const SLICE = 200;

const isRecord = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

/** Validate plain data (from YAML) against the schema. Issues come in ajv's order; the caller sorts by position. */
export function validateSchema(data: unknown): SchemaIssue[] {
  if (!isRecord(data)) return issuesOf(data);
  const registries = isRecord(data.registries) ? Object.entries(data.registries) : [];
  const rules = Array.isArray(data.rules) ? (data.rules as unknown[]) : [];
  if (registries.length <= SLICE && rules.length <= SLICE) return issuesOf(data);
  const head = { ...data };
  if (isRecord(data.registries)) head.registries = Object.fromEntries(registries.slice(0, SLICE));
  if (Array.isArray(data.rules)) head.rules = rules.slice(0, SLICE);
  const out = issuesOf(head);
  for (let i = SLICE; i < registries.length; i += SLICE) {
    const slice = Object.fromEntries(registries.slice(i, i + SLICE));
    const issues = issuesOf({ ...head, registries: slice, rules: [] });
    out.push(
      ...issues.filter(
        (x) => x.path[0] === 'registries' && x.path.length > 1 && Object.hasOwn(slice, String(x.path[1])),
      ),
    );
  }
  for (let i = SLICE; i < rules.length; i += SLICE) {
    const issues = issuesOf({ ...head, registries: {}, rules: rules.slice(i, i + SLICE) });
    for (const x of issues) {
      if (x.path[0] === 'rules' && typeof x.path[1] === 'number') {
        out.push({ ...x, path: ['rules', x.path[1] + i, ...x.path.slice(2)] });
      }
    }
  }
  return out;
}

/**
 * Whether `written`, as a string, would pass the schema at `path` (where YAML read a number or
 * boolean). Checks only the registry, rule or defaults that holds it, so it costs one small
 * validation.
 */
export function fitsAsString(data: unknown, path: readonly Segment[], written: string): boolean {
  if (!isRecord(data) || path.length < 2) return false;
  const [top, name] = path;
  const doc: Record<string, unknown> = { version: 1, registries: {}, rules: [] };
  let rel: Segment[];
  if (top === 'rules' && typeof name === 'number' && Array.isArray(data.rules)) {
    doc.rules = [structuredClone(data.rules[name])];
    rel = ['rules', 0, ...path.slice(2)];
  } else if (top === 'registries' && isRecord(data.registries)) {
    doc.registries = { [String(name)]: structuredClone(data.registries[String(name)]) };
    rel = [...path];
  } else if (top === 'defaults') {
    doc.defaults = structuredClone(data.defaults);
    rel = [...path];
  } else return false;
  let cur: unknown = doc;
  for (const seg of rel.slice(0, -1)) cur = (cur as Record<string, unknown>)[seg as string];
  if (!cur || typeof cur !== 'object') return false;
  (cur as Record<string, unknown>)[rel.at(-1) as string] = written;
  const at = rel.join('\u0000');
  return !issuesOf(doc).some((i) => i.path.join('\u0000') === at);
}

function issuesOf(data: unknown): SchemaIssue[] {
  const validate = validator();
  if (validate(data)) return [];
  const issues: SchemaIssue[] = [];
  const valueDone = new Set<string>();
  const errors = validate.errors ?? [];
  // A misspelt required key shows up twice: as unknown and as missing. Say it once, as unknown.
  const explained = new Set<string>();
  const missing = new Map<string, { keys: string[]; issue: SchemaIssue }>();
  for (const e of errors) {
    if (e.keyword !== 'additionalProperties') continue;
    const allowed = allowedKeys(e.parentSchema);
    const key = String((e.params as Record<string, unknown>).additionalProperty);
    const hint = allowed.length === 1 ? allowed[0] : suggest(key, allowed);
    if (hint) explained.add(`${e.instancePath}|${hint}`);
  }
  for (const e of errors) {
    if (e.keyword === 'if') continue; // the branch's own error says what is wrong
    const path = instanceSegments(e.instancePath, data);
    const p = e.params as Record<string, unknown>;
    if (e.keyword === 'additionalProperties') {
      const key = String(p.additionalProperty);
      const here = valueAt(data, path);
      issues.push({
        path: [...path, key],
        at: 'key',
        message: unknownKeyMessage(key, allowedKeys(e.parentSchema), path, e.parentSchema, (sibling) =>
          isRecord(here) ? Object.hasOwn(here, sibling) : false,
        ),
      });
      continue;
    }
    if (e.keyword === 'required') {
      const key = String(p.missingProperty);
      if (explained.has(`${e.instancePath}|${key}`)) continue;
      const prev = missing.get(e.instancePath);
      if (prev) {
        prev.keys.push(key);
        prev.issue.message = `missing required keys ${oneOfList(prev.keys.map((k) => `"${k}"`)).replace(/ or /, ' and ')}`;
      } else {
        const issue: SchemaIssue = { path, at: 'value', message: `missing required key "${key}"` };
        missing.set(e.instancePath, { keys: [key], issue });
        issues.push(issue);
      }
      continue;
    }
    if (e.keyword === 'propertyNames') continue; // reported through the nested pattern error below
    if (e.propertyName !== undefined) {
      const key = e.propertyName;
      const msg = customMessage(e.parentSchema, e.keyword) ?? `invalid key "${key}"`;
      issues.push({ path: [...path, key], at: 'key', message: `${msg}, got "${key}"` });
      continue;
    }
    const id = path.join('\u0000');
    if (valueDone.has(id)) continue; // one message per value is enough
    valueDone.add(id);
    const value = valueAt(data, path);
    const issue: SchemaIssue = { path, at: 'value', message: humanise(e, value) };
    if (e.keyword === 'type' && (typeof value === 'number' || typeof value === 'boolean')) {
      const types = String(p.type).split(',');
      if (types.includes('string') && !types.some((t) => t === 'number' || t === 'integer' || t === 'boolean'))
        issue.scalarForString = true;
    }
    issues.push(issue);
  }
  return issues;
}
