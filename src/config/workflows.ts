/**
 * The workflows that fire scheduled rules: a rule's `trigger: { schedule: cron }` runs only when
 * some workflow's `on.schedule` has the same cron, so validation (the action's and the CLI's alike)
 * warns about a cron no workflow schedules. Here: finding the workflows and reading their crons.
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { parse } from 'yaml';

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
const DAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];

/**
 * A cron as compared: fields separated by single spaces, month and weekday names as numbers, and a
 * Sunday written 7 as 0. A rule's `0 2 * * SUN` and a workflow's `0 2 * * 0` fire at the same times:
 * the rule runs when that workflow fires, and validation does not call it unscheduled.
 */
export function normalizeCron(cron: string): string {
  const fields = cron.trim().split(/\s+/);
  if (fields.length !== 5) return fields.join(' ');
  const named = (field: string, names: string[], base: number) =>
    field.replace(/[a-z]{3}/gi, (w) => {
      const i = names.indexOf(w.toLowerCase());
      return i < 0 ? w : String(i + base);
    });
  fields[3] = named(fields[3]!, MONTHS, 1);
  // A lone 7 in a list (not a range's end: 1-7 is Monday to Sunday) is Sunday.
  fields[4] = named(fields[4]!, DAYS, 0)
    .split(',')
    .map((item) => (item === '7' ? '0' : item))
    .join(',');
  return fields.join(' ');
}

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
