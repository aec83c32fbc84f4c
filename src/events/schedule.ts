/**
 * Scheduled rules: a rule's `trigger: { schedule: cron }` runs when the workflow fires for that
 * cron. (Validation warns about crons no workflow schedules: src/config/workflows.ts.)
 */
import type { Config } from '../config/types.js';
import { normalizeCron } from '../config/workflows.js';

/** Enabled rules with a schedule trigger equal to `cron` (the event payload's `schedule`). */
export function rulesForCron(config: Config, cron: string): string[] {
  return config.rules
    .filter(
      (r) =>
        r.enabled && r.triggers.some((t) => t.kind === 'schedule' && normalizeCron(t.cron) === normalizeCron(cron)),
    )
    .map((r) => r.name);
}
