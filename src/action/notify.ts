/**
 * `notify-webhook`: posts the run's notification (see src/report/notify.ts) to a webhook URL,
 * on failure or on every run (`notify-on`). The URL is a secret (Slack's and Teams' carry their
 * token in the path): it is masked and never printed. Only https, or http to a loopback address;
 * no redirect is followed, so the message cannot be sent on somewhere else.
 */
import * as core from '@actions/core';
import { notificationMessage, redact, registerSecret, type RunReport, type Verdict } from '../index.js';
import type { GitHubContext } from './context.js';
import type { Inputs } from './inputs.js';

const TIMEOUT_MS = 10_000;

/** Why `url` may not receive the notification, or undefined when it may. */
export function webhookRefused(url: string): string | undefined {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return 'not a URL';
  }
  if (u.username || u.password) return 'a URL with credentials in it (user:password@) is not used';
  if (u.protocol === 'https:') return undefined;
  const host = u.hostname.replace(/^\[|\]$/g, '');
  const loopback = host === 'localhost' || /^127\.\d+\.\d+\.\d+$/.test(host) || host === '::1';
  if (u.protocol === 'http:' && loopback) return undefined;
  return 'only https:// URLs (or http:// to a loopback address) receive notifications';
}

export async function notify(
  inputs: Pick<Inputs, 'notifyWebhook' | 'notifyOn'>,
  ctx: Partial<Pick<GitHubContext, 'repository' | 'runUrl'>>,
  report: RunReport,
  o: { file?: string; verdict: Verdict },
): Promise<void> {
  const url = inputs.notifyWebhook;
  if (!url) return;
  registerSecret(url);
  if (inputs.notifyOn === 'failure' && o.verdict.status !== 'failed') return;
  const refused = webhookRefused(url);
  if (refused) {
    core.warning(`ferry: notify-webhook not used: ${refused}`);
    return;
  }
  const message = notificationMessage(report, {
    ...(ctx.repository ? { repository: ctx.repository } : {}),
    ...(o.file ? { file: o.file } : {}),
    ...(ctx.runUrl ? { runUrl: ctx.runUrl } : {}),
    verdict: o.verdict,
  });
  try {
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'user-agent': 'ferry' },
      body: redact(JSON.stringify(message)),
      redirect: 'error',
      signal: AbortSignal.timeout(TIMEOUT_MS),
    });
    await res.body?.cancel();
    if (!res.ok) core.warning(`ferry: the notification webhook answered HTTP ${res.status}; the run is not affected`);
    else core.info(`ferry: notification sent (${message.ferry.status})`);
  } catch (e) {
    // The URL is masked, but the message of a fetch error may name it: say only what kind of failure.
    const cause = (e as { cause?: { code?: string } }).cause?.code ?? (e as Error).name;
    core.warning(`ferry: the notification could not be sent (${cause}); the run is not affected`);
  }
}
