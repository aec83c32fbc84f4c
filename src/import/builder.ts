/**
 * What the peer-tool importers share: registries keyed by the host image references name them
 * with, rules named after the images they copy, and the target side of a copy turned into ferry's
 * destination namespace and flattening.
 */
import {
  type CredentialsOut,
  credentialsFor,
  type Entry,
  type FieldComment,
  type ImportResult,
  type ImportWarning,
  type RegistryOut,
  type RuleOut,
  registryForHost,
  safeName,
  uniqueName,
} from './model.js';
import { fillRepositories, mappingFor, sortEntries } from './shared.js';

export class Builder {
  readonly warnings: ImportWarning[] = [];
  readonly #registries = new Map<string, Entry<RegistryOut>>();
  readonly #rules: Entry<RuleOut>[] = [];
  readonly #regNames = new Set<string>();
  readonly #ruleNames = new Set<string>();

  /** The registry for a host (created on first use); its name in the file. */
  registry(host: string, o: { insecure?: boolean } = {}): Entry<RegistryOut> {
    const key = host.toLowerCase();
    let e = this.#registries.get(key);
    if (!e) {
      const r = registryForHost(key, o.insecure === true);
      const name = uniqueName(r.name, this.#regNames);
      e = { name, value: { type: r.type, ...(r.url ? { url: r.url } : {}) }, comments: [] };
      this.#registries.set(key, e);
    }
    return e;
  }

  /** Credential references named after the registry; `note` says where the tool kept them. */
  credentials(e: Entry<RegistryOut>, creds?: CredentialsOut, note?: string): void {
    e.value.credentials = creds ?? credentialsFor(e.value.type, e.name);
    if (note) e.comments.push({ path: ['credentials'], text: note });
  }

  rule(base: string, value: Omit<RuleOut, 'name'>, comments: FieldComment[]): Entry<RuleOut> {
    const name = uniqueName(safeName(base, 'rule'), this.#ruleNames);
    const e = { name, value: { name, ...value } as RuleOut, comments };
    this.#rules.push(e);
    return e;
  }

  result(header: string[]): ImportResult {
    const result: ImportResult = {
      header,
      registries: sortEntries([...this.#registries.values()]),
      rules: this.#rules,
      warnings: this.warnings,
    };
    fillRepositories(result, (n) => `registry "${n}"`);
    return result;
  }
}

/**
 * Destination namespace and flattening for copying `source` to `target`, or a reason it cannot be
 * expressed (ferry keeps the image's own name and adds levels only through a namespace).
 */
export function targetMapping(
  source: string,
  target: string,
): { namespace?: string; flattening?: number | 'all' } | { problem: string } {
  const m = mappingFor(source, target);
  if (m) return m;
  const s = source.split('/').pop();
  const t = target.split('/').pop();
  return {
    problem:
      s !== t
        ? `copies "${source}" to another name ("${target}"); ferry keeps each image's name`
        : `copies "${source}" to "${target}", dropping levels with no namespace in their place; ferry cannot map that`,
  };
}

/** A rule's namespace fields from a mapping. */
export function mappingFields(m: { namespace?: string; flattening?: number | 'all' }): Partial<RuleOut> {
  return {
    ...(m.namespace ? { destination_namespace: m.namespace } : {}),
    ...(m.namespace && m.flattening !== undefined ? { flattening: m.flattening } : {}),
  };
}

/** `{{env "NAME"}}` / `{{ env "NAME" }}` and `{{file "/path"}}`: regsync's templates as references. */
export function templateRef(v: unknown): { env: string } | { file: string } | undefined {
  if (typeof v !== 'string') return undefined;
  const m = /^\s*\{\{-?\s*(env|file)\s+"([^"]+)"\s*-?\}\}\s*$/.exec(v);
  if (!m) return undefined;
  return m[1] === 'env' ? { env: m[2]! } : { file: m[2]! };
}

/** `${NAME}` or `$NAME`: image-syncer's environment references. */
export function dollarRef(v: unknown): { env: string } | undefined {
  if (typeof v !== 'string') return undefined;
  const m = /^\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?$/.exec(v.trim());
  return m ? { env: m[1]! } : undefined;
}
