/**
 * Stopping a run in an orderly way: a cancelled workflow sends SIGTERM, and a scheduled job may
 * set a time limit. Either one aborts the signal with a sentence saying why; the engine then
 * starts nothing new and the caller still writes its report.
 */

/** `90s`, `30m`, `2h`, `1h30m`; a bare number is minutes, as GitHub's `timeout-minutes`. */
export function parseDuration(text: string): number {
  const t = text.trim();
  if (/^\d+(\.\d+)?$/.test(t)) return bounded(text, Number(t) * 60_000);
  const m = /^(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$/.exec(t);
  if (!t || !m || (!m[1] && !m[2] && !m[3]))
    throw new Error(
      `invalid duration ${JSON.stringify(text)}: expected e.g. 90s, 30m, 2h or 1h30m (a bare number is minutes)`,
    );
  const ms = ((Number(m[1] ?? 0) * 60 + Number(m[2] ?? 0)) * 60 + Number(m[3] ?? 0)) * 1000;
  return bounded(text, ms);
}

/** A timer cannot wait longer (Node fires a longer one after 1 ms, and the run stops at once). */
const MAX_TIMEOUT_MS = 2 ** 31 - 1;

function bounded(text: string, ms: number): number {
  if (ms <= 0) throw new Error(`invalid duration ${JSON.stringify(text)}: a timeout must be longer than 0`);
  if (ms > MAX_TIMEOUT_MS)
    throw new Error(`invalid duration ${JSON.stringify(text)}: at most 596h (24 days); leave it out for no limit`);
  return ms;
}

export function formatDuration(ms: number): string {
  const s = Math.round(ms / 1000);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  return [h ? `${h}h` : '', m ? `${m}m` : '', s % 60 || (!h && !m) ? `${s % 60}s` : ''].join('');
}

export interface Stop {
  signal: AbortSignal;
  /**
   * A second signal: transfers in flight are cancelled at once and the report written. A cancelled
   * GitHub job sends SIGINT, SIGTERM 7.5 s later and kills 2.5 s after that.
   */
  hurry: AbortSignal;
  /** Removes the signal handlers and the timer. */
  dispose(): void;
}

/**
 * Aborts on SIGTERM, SIGINT or SIGHUP (a closed terminal: the report is still written), or once
 * `timeoutMs` has passed. `onSignal` hears each signal with how many have come (the CLI tells the
 * user what happens next, and lets a second Ctrl-C end it at once).
 */
export function stopOnSignalsOrTimeout(
  timeoutMs?: number,
  o: { onSignal?: (name: NodeJS.Signals, count: number) => void } = {},
): Stop {
  const controller = new AbortController();
  const hurry = new AbortController();
  let count = 0;
  const onSignal = (name: NodeJS.Signals) => () => {
    count++;
    if (!controller.signal.aborted) controller.abort(`the run was cancelled (${name})`);
    else if (!hurry.signal.aborted) hurry.abort(`the run was cancelled (${name})`);
    o.onSignal?.(name, count);
  };
  const handlers = (['SIGTERM', 'SIGINT', 'SIGHUP'] as const).map((name) => {
    const h = onSignal(name);
    process.on(name, h);
    return [name, h] as const;
  });
  const timer =
    timeoutMs === undefined
      ? undefined
      : setTimeout(() => controller.abort(`the run reached its timeout of ${formatDuration(timeoutMs)}`), timeoutMs);
  timer?.unref();
  return {
    signal: controller.signal,
    hurry: hurry.signal,
    dispose() {
      clearTimeout(timer);
      for (const [name, h] of handlers) process.off(name, h);
    },
  };
}
