import { ConfigError, formatDiagnostic, loadConfig } from '../../index.js';

export async function validateCommand(opts: { config: string }): Promise<number> {
  try {
    const { config, warnings } = await loadConfig(opts.config);
    for (const w of warnings) console.error(formatDiagnostic(w));
    console.log(
      `${opts.config}: valid (${config.rules.length} rule${config.rules.length === 1 ? '' : 's'}, ${config.registries.size} registr${config.registries.size === 1 ? 'y' : 'ies'})`,
    );
    return 0;
  } catch (e) {
    if (e instanceof ConfigError) {
      for (const d of e.diagnostics) console.error(formatDiagnostic(d));
      return 1;
    }
    throw e;
  }
}
