/**
 * The workflows that fire scheduled rules: a rule's `trigger: { schedule: cron }` runs only when
 * some workflow's `on.schedule` has the same cron, so validation (the action's and the CLI's alike)
 * warns about a cron no workflow schedules. Here: finding the workflows and reading their crons.
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { parse } from 'yaml';

/** A cron as compared: fields separated by single spaces. */
export const normalizeCron = (cron: string): string => cron.trim().replace(/\s+/g, ' ');

const WORKFLOWS = join('.github', 'workflows');

const isDir = (path: string) =>
  stat(path).then(
    (s) => s.isDirectory(),
    () => false,
  );

/**
 * Every `on.schedule[].cron` in `<root>/.github/workflows/*.y*ml`, or undefined when that folder
 * does not exist (then nothing can be said about schedules).
 */
export async function workflowCrons(root: string): Promise<Set<string> | undefined> {
  const dir = join(root, WORKFLOWS);
  if (!(await isDir(dir))) return undefined;
  const crons = new Set<string>();
  const files = await readdir(dir).catch(() => [] as string[]);
  for (const f of files.filter((f) => /\.ya?ml$/.test(f)).sort()) {
    try {
      const doc = parse(await readFile(join(dir, f), 'utf8')) as { on?: { schedule?: { cron?: unknown }[] } } | null;
      const schedule = doc?.on && typeof doc.on === 'object' ? doc.on.schedule : undefined;
      for (const s of Array.isArray(schedule) ? schedule : [])
        if (typeof s?.cron === 'string') crons.add(normalizeCron(s.cron));
    } catch {
      // Not our file to validate.
    }
  }
  return crons;
}

/**
 * The folder whose `.github/workflows/` schedules the rules in `rulesFile`, for a check outside
 * GitHub (the CLI): the nearest one at or above the rules file's folder, looking no higher than
 * the repository root (the first folder with `.git`); else `cwd` when it has one; else undefined.
 */
export async function findWorkflowsRoot(rulesFile: string, cwd = process.cwd()): Promise<string | undefined> {
  let dir = resolve(cwd, dirname(rulesFile));
  for (;;) {
    if (await isDir(join(dir, WORKFLOWS))) return dir;
    const parent = dirname(dir);
    if (parent === dir || (await stat(join(dir, '.git')).then(Boolean, () => false))) break;
    dir = parent;
  }
  const here = resolve(cwd);
  return (await isDir(join(here, WORKFLOWS))) ? here : undefined;
}
