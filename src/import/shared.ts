/**
 * Steps every importer shares once its rules are built: source registries that cannot list their
 * repositories get the repositories the rules name, and the result is put in its stable order.
 */
import type { Entry, ImportResult, RegistryOut, RuleOut } from './model.js';

/** Registry types without a catalog ferry can list: they need `repositories:` (or, Docker Hub, a namespace). */
const NO_CATALOG = new Set(['aliyun-acr', 'ecr', 'gar', 'dockerhub']);
/** Glob or regex syntax: a name filter with none of it names exactly one repository. */
const PATTERN = /[*?[\]{}!\\]|^regex:/;

/**
 * For each source registry of a type that cannot list repositories: when every rule reading it
 * names its repositories literally, list them under `repositories:` (sorted); for Docker Hub, when
 * the patterns share a literal namespace, set `options.namespace`; otherwise warn.
 */
export function fillRepositories(result: ImportResult, where: (registry: string) => string): void {
  for (const reg of result.registries) {
    if (!NO_CATALOG.has(reg.value.type)) continue;
    const reading = result.rules.filter((r) => r.value.source === reg.name);
    if (reading.length === 0) continue;
    const names = reading.flatMap((r) => r.value.filters?.name ?? ['**']);
    if (names.every((n) => !PATTERN.test(n))) {
      reg.value.repositories = [...new Set(names)].sort();
      reg.comments.push({
        path: ['repositories'],
        text: 'the repositories the rules name: this registry has no catalog',
      });
      continue;
    }
    const namespaces = new Set(names.map((n) => n.split('/')[0]!));
    const [ns] = namespaces;
    if (reg.value.type === 'dockerhub' && namespaces.size === 1 && ns && !PATTERN.test(ns)) {
      reg.value.options = { ...reg.value.options, namespace: ns };
      reg.comments.push({
        path: ['options'],
        text: 'Docker Hub has no catalog: its repositories are listed per namespace',
      });
      continue;
    }
    const text = `a registry of type ${reg.value.type} cannot list its repositories and the rules use patterns: list them under repositories:`;
    reg.comments.push({ path: [], text });
    result.warnings.push({ where: where(reg.name), message: text });
  }
}

export function sortEntries<T extends RegistryOut | RuleOut>(entries: Entry<T>[], first?: string): Entry<T>[] {
  return [...entries].sort((a, b) =>
    a.name === first ? -1 : b.name === first ? 1 : a.name < b.name ? -1 : a.name > b.name ? 1 : 0,
  );
}

/**
 * The destination namespace and flattening that turn `source` into `target` the way ferry maps
 * names (src/rules/mapping.ts), or undefined when no setting does (a renamed image, or levels
 * dropped with nothing in their place). The smallest flattening wins: it keeps the most structure.
 */
export function mappingFor(
  source: string,
  target: string,
): { namespace?: string; flattening?: number | 'all' } | undefined {
  if (source === target) return {};
  const s = source.split('/');
  const t = target.split('/');
  if (s[s.length - 1] !== t[t.length - 1]) return undefined;
  const sp = s.slice(0, -1);
  const tp = t.slice(0, -1);
  for (let k = 0; k <= sp.length; k++) {
    const kept = sp.slice(k);
    if (kept.length > tp.length) continue;
    const tail = tp.slice(tp.length - kept.length);
    if (tail.join('/') !== kept.join('/')) continue;
    const ns = tp.slice(0, tp.length - kept.length);
    if (ns.length === 0) {
      if (k === 0) return {};
      continue;
    }
    if (k === sp.length && k > 0) return { namespace: ns.join('/'), flattening: k <= 3 ? k : 'all' };
    if (k > 3) continue;
    return { namespace: ns.join('/'), flattening: k };
  }
  return undefined;
}

/** A Go duration (`60m`, `1h30m`, `90s`) in seconds, or undefined. */
export function goDurationSeconds(text: string): number | undefined {
  const re = /(\d+(?:\.\d+)?)(h|m|s|ms)/g;
  let total = 0;
  let consumed = '';
  for (let m = re.exec(text); m; m = re.exec(text)) {
    const n = Number(m[1]);
    total += m[2] === 'h' ? n * 3600 : m[2] === 'm' ? n * 60 : m[2] === 's' ? n : n / 1000;
    consumed += m[0];
  }
  return consumed === text.trim() && consumed !== '' ? total : undefined;
}

/** A cron that runs every `seconds`, when whole minutes or hours fit a cron step exactly. */
export function intervalCron(seconds: number): string | undefined {
  if (seconds <= 0 || seconds % 60 !== 0) return undefined;
  const minutes = seconds / 60;
  if (minutes < 60 && 60 % minutes === 0) return minutes === 1 ? '* * * * *' : `*/${minutes} * * * *`;
  if (minutes % 60 !== 0) return undefined;
  const hours = minutes / 60;
  if (hours < 24 && 24 % hours === 0) return hours === 1 ? '0 * * * *' : `0 */${hours} * * *`;
  if (hours === 24) return '0 0 * * *';
  if (hours === 168) return '0 0 * * 0';
  return undefined;
}

/**
 * A Masterminds/semver constraint (skopeo's `images-by-semver`) in the syntax of ferry's semver
 * filter (node-semver): Masterminds writes AND as `,`, node-semver as a space; `||`, `v` prefixes
 * and the operators read the same.
 */
export function mastermindsRange(constraint: string): string {
  return constraint.replace(/\s*,\s*/g, ' ').trim();
}

/**
 * What a semver filter carried over from `tool` does not select that the tool did. ferry's filter
 * reads only full versions (`3.19.0`, `v3.19.0`), and a prerelease only where the range names one
 * of the same version. Masterminds (skopeo) also reads `3.19` and `3` as `3.19.0` and `3.0.0`;
 * regclient's own parser (regsync) and blang's ParseTolerant (dregsy) do too, and their ranges
 * also hold prereleases (they compare versions, with no rule that keeps prereleases out).
 */
export function semverLeniency(tool: string, prereleases: boolean): string {
  return prereleases
    ? `${tool} also selects tags like 3.19 (two components, read as 3.19.0) and prereleases like 2.1.4-buster inside the range; ferry's semver filter selects neither: list such tags in a rule of their own if they are needed`
    : `${tool} also selects tags like 3.19 (two components, read as 3.19.0) inside the range; ferry's semver filter selects only full versions like 3.19.0: list such tags in a rule of their own if they are needed`;
}
