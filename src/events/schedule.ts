/**
 * Scheduled rules: a rule's `trigger: { schedule: cron }` runs when the workflow fires for that
 * cron, and `validate` warns about crons no workflow schedules.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse } from 'yaml';
import type { Config } from '../config/types.js';

const norm = (cron: string) => cron.trim().replace(/\s+/g, ' ');

/** Enabled rules with a schedule trigger equal to `cron` (the event payload's `schedule`). */
export function rulesForCron(config: Config, cron: string): string[] {
  return config.rules
    .filter((r) => r.enabled && r.triggers.some((t) => t.kind === 'schedule' && norm(t.cron) === norm(cron)))
    .map((r) => r.name);
}

/** Every `on.schedule[].cron` in `<root>/.github/workflows/*.y*ml`. */
export async function workflowCrons(root: string): Promise<Set<string>> {
  const dir = join(root, '.github', 'workflows');
  const crons = new Set<string>();
  const files = await readdir(dir).catch(() => [] as string[]);
  for (const f of files.filter((f) => /\.ya?ml$/.test(f))) {
    try {
      const doc = parse(await readFile(join(dir, f), 'utf8')) as { on?: { schedule?: { cron?: unknown }[] } } | null;
      const schedule = doc?.on && typeof doc.on === 'object' ? doc.on.schedule : undefined;
      for (const s of Array.isArray(schedule) ? schedule : []) if (typeof s?.cron === 'string') crons.add(norm(s.cron));
    } catch {
      // Not our file to validate.
    }
  }
  return crons;
}

/** Warnings for rules whose cron no workflow schedules: such a rule never runs on its own. */
export function unscheduled(
  config: Config,
  crons: Set<string>,
): { rule: string; index: number; cron: string; line?: number }[] {
  const out: { rule: string; index: number; cron: string; line?: number }[] = [];
  for (const [index, r] of config.rules.entries()) {
    if (!r.enabled) continue;
    for (const t of r.triggers) {
      if (t.kind === 'schedule' && !crons.has(norm(t.cron)))
        out.push({ rule: r.name, index, cron: t.cron, ...(r.line ? { line: r.line } : {}) });
    }
  }
  return out;
}
