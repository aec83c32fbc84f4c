import { join, relative } from 'node:path';
import { ConfigError, findWorkflowsRoot, formatDiagnostic, loadConfig, workflowCrons, counted } from '../../index.js';

/**
 * The same checks as the action's validate, including rule schedules against the workflows'
 * crons when a `.github/workflows/` folder is found (findWorkflowsRoot says where it looks).
 */
export async function validateCommand(opts: { config: string }): Promise<number> {
  const root = await findWorkflowsRoot(opts.config);
  const crons = root ? await workflowCrons(root) : undefined;
  try {
    const { config, warnings } = await loadConfig(opts.config, crons ? { workflowCrons: crons } : {});
    for (const w of warnings) console.error(formatDiagnostic(w));
    const rules = counted(config.rules.length, 'rule');
    const registries = counted(config.registries.size, 'registry', 'registries');
    // Which workflows the schedules were compared with, or that they were not (only when there are any).
    const scheduled = config.rules.some((r) => r.triggers.some((t) => t.kind === 'schedule'));
    const workflows = !scheduled
      ? ''
      : root
        ? `; schedules checked against ${join(relative(process.cwd(), root), '.github', 'workflows')}`
        : '; schedules not checked: no .github/workflows found';
    const warned = warnings.length ? `; ${counted(warnings.length, 'warning')} above` : '';
    console.log(`${opts.config}: valid (${rules}, ${registries}${workflows}${warned})`);
    return 0;
  } catch (e) {
    if (e instanceof ConfigError) {
      for (const d of e.diagnostics) console.error(formatDiagnostic(d));
      // The last line counts what is above, as the action's summary does: a long list has an end.
      const errors = e.diagnostics.filter((d) => d.severity === 'error').length;
      const warnings = e.diagnostics.length - errors;
      console.error(
        `${opts.config}: not valid: ${counted(errors, 'error')}${warnings ? `, ${counted(warnings, 'warning')}` : ''}`,
      );
      return 1;
    }
    throw e;
  }
}
