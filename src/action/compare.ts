/**
 * Comparing replication.yaml across commits: the rules a push changed, and the registries whose
 * endpoint a pull request changed (RELIABILITY.md G2). Old versions come from `git show` (execFile,
 * no shell); a SHA from the event payload is checked before it reaches git.
 */
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { relative, resolve } from 'node:path';
import { promisify } from 'node:util';
import { type Config, type Filters, parseConfig, type RegistryConfig, identityOf, type Rule } from '../index.js';

const run = promisify(execFile);
const SHA_RE = /^[0-9a-f]{40}([0-9a-f]{24})?$/;

/** The config as it was at `sha`, or undefined (no such commit in the clone, file absent, invalid then). */
export async function configAt(sha: unknown, file: string, workspace: string): Promise<Config | undefined> {
  const text = await fileAt(sha, file, workspace);
  return text === undefined ? undefined : parseConfig(text, resolve(workspace, file)).config;
}

/**
 * A file of the repository as it was at `sha`, or undefined (no such commit in the clone, the
 * file absent then, or a path outside the workspace).
 */
export async function fileAt(sha: unknown, file: string, workspace: string): Promise<string | undefined> {
  if (typeof sha !== 'string' || !SHA_RE.test(sha) || /^0+$/.test(sha)) return undefined;
  const path = relative(workspace, resolve(workspace, file)).split('\\').join('/');
  if (path.startsWith('..')) return undefined;
  const known = await run('git', ['cat-file', '-e', `${sha}^{commit}`], { cwd: workspace }).then(
    () => true,
    () => false,
  );
  try {
    // A shallow checkout (actions/checkout's default depth 1) lacks the base: fetch that one
    // commit, once; a file the base does not have is no reason to fetch it again.
    if (!known)
      await run('git', ['fetch', '--no-tags', '--depth=1', 'origin', sha], { cwd: workspace, timeout: 60_000 });
    return (await run('git', ['show', `${sha}:${path}`], { cwd: workspace, maxBuffer: 16 * 1024 * 1024 })).stdout;
  } catch {
    return undefined;
  }
}

/**
 * A CA file (tls.ca) as it was at the base commit: inside the workspace, its text there (fileAt);
 * outside, the runner's own file, which no pull request edits (its text now). So is a file in
 * the workspace that the repository does not hold (a step wrote it from a secret); one the
 * pull request adds is in neither, and reads as undefined (untrusted).
 */
export function caAtBase(sha: unknown, workspace: string): (file: string) => Promise<string | undefined> {
  const now = (file: string) => readFile(file, 'utf8').catch(() => undefined);
  return async (file) => {
    const path = relative(workspace, resolve(workspace, file));
    if (path.startsWith('..')) return now(file);
    const then = await fileAt(sha, file, workspace);
    if (then !== undefined) return then;
    const tracked = await run('git', ['ls-files', '--error-unmatch', '--', path], { cwd: workspace }).then(
      () => true,
      () => false,
    );
    return tracked ? undefined : now(file);
  };
}

function same(a: unknown, b: unknown): boolean {
  return (
    JSON.stringify(a, (k, v) => (k === 'line' ? undefined : v)) ===
    JSON.stringify(b, (k, v) => (k === 'line' ? undefined : v))
  );
}

function endpoint(reg: RegistryConfig) {
  // `options` too: a vendor API URL (options.api_url) receives credentials as much as `url` does.
  return {
    type: reg.type,
    url: reg.url,
    path: reg.path,
    tls: reg.tls,
    credentials: reg.credentials,
    options: reg.options,
  };
}

/**
 * Names of rules that differ between `before` and `after` (new or edited, or using a registry whose
 * definition changed), and the deleting rules whose destination registry another rule that changed,
 * was disabled or was removed writes: what that rule wrote there may now be their extras (the
 * other-writers guard, src/replicate/writers.ts). Undefined `before` = every enabled rule.
 */
export function changedRules(before: Config | undefined, after: Config): string[] {
  const enabled = after.rules.filter((r) => r.enabled);
  if (!before) return enabled.map((r) => r.name);
  const old = new Map(before.rules.map((r) => [r.name, r]));
  const now = new Map(after.rules.map((r) => [r.name, r]));
  const regChanged = (name: string) => {
    const a = after.registries.get(name);
    const b = before.registries.get(name);
    return !a || !b || !same(a, b);
  };
  const edited = (r: Rule) => {
    const was = old.get(r.name);
    return !was || !same(was, r) || regChanged(r.source) || regChanged(r.destination);
  };
  const changed = new Set(enabled.filter(edited).map((r) => r.name));
  // Where the rules of either version wrote that no longer write the same: their destinations.
  const moved = new Set([
    ...before.rules
      .filter((r) => r.enabled && (!now.get(r.name)?.enabled || changed.has(r.name)))
      .map((r) => identityOf(before, r.destination)),
    ...enabled.filter((r) => changed.has(r.name)).map((r) => identityOf(after, r.destination)),
  ]);
  return enabled
    .filter(
      (r) =>
        changed.has(r.name) ||
        (r.deleteRemote.enabled && moved.has(identityOf(after, r.destination)) && !!old.get(r.name)),
    )
    .map((r) => r.name);
}

/**
 * Each rule of both versions whose filters changed, and nothing else of where it reads and
 * writes: its filters before (RunOptions.formerFilters). What those selected and these do not
 * stays at the destination, and its plan says so.
 */
export function formerFilters(before: Config | undefined, after: Config): Map<string, Filters> {
  const out = new Map<string, Filters>();
  if (!before) return out;
  const old = new Map(before.rules.map((r) => [r.name, r]));
  // By address: a registry entry whose URL changed is another place under the same name.
  const places = (c: Config, r: Rule) => [
    identityOf(c, r.source),
    identityOf(c, r.destination),
    r.destinationNamespace,
    r.flattening,
  ];
  for (const r of after.rules) {
    const was = old.get(r.name);
    if (r.enabled && was?.enabled && !same(was.filters, r.filters) && same(places(before, was), places(after, r)))
      out.set(r.name, was.filters);
  }
  return out;
}

/**
 * Registries that must be used without credentials in a pull request: new ones, and ones whose
 * URL, type, TLS settings or credential references differ from the base branch. Undefined `base`
 * (the file is new, or the base commit is not in the clone) = every registry. A CA file is
 * compared by its text (`caThen` reads it at the base): one swapped under the same path would
 * have the credentials sent to whoever the new CA vouches for.
 */
export async function untrustedRegistries(
  base: Config | undefined,
  head: Config,
  caThen: (file: string) => Promise<string | undefined>,
): Promise<Set<string>> {
  const out = new Set<string>();
  await Promise.all(
    [...head.registries].map(async ([name, reg]) => {
      const was = base?.registries.get(name);
      if (!was || !same(endpoint(was), endpoint(reg))) out.add(name);
      else if (reg.tls.caFile) {
        const [then, now] = await Promise.all([
          caThen(reg.tls.caFile),
          readFile(reg.tls.caFile, 'utf8').catch(() => undefined),
        ]);
        if (then === undefined || then !== now) out.add(name);
      }
    }),
  );
  return out;
}
