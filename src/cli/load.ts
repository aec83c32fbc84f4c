import { ConfigError, formatDiagnostic, loadConfig } from '../index.js';

/** Loads the rules file; on invalid input prints every diagnostic and returns undefined (exit 1). */
export async function loadOrReport(file: string): Promise<Awaited<ReturnType<typeof loadConfig>> | undefined> {
  try {
    const loaded = await loadConfig(file);
    for (const w of loaded.warnings) console.error(formatDiagnostic(w));
    return loaded;
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    for (const d of e.diagnostics) console.error(formatDiagnostic(d));
    return undefined;
  }
}
