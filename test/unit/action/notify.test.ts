import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { notify, webhookRefused } from '../../../src/action/notify.js';
import { notificationMessage } from '../../../src/report/notify.js';
import { verdict } from '../../../src/report/outcome.js';
import { registerSecret } from '../../../src/util/secrets.js';
import { report, result, stdoutOf } from './run-fixtures.js';

const SECRET = 'Pa55-notify-9f3e1d';

const failedRun = () =>
  report([
    result('v1', 'copied'),
    result('v2', 'failed', {
      error: { kind: 'unauthorized', message: `basic auth ferry:${SECRET} refused <@here>`, status: 401 },
    }),
  ]);

let server: ReturnType<typeof createServer>;
let url: string;
const received: { headers: IncomingMessage['headers']; body: string }[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (d: Buffer) => (body += d.toString()));
    req.on('end', () => {
      received.push({ headers: req.headers, body });
      res.end('ok');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks/T000/B000/XXXX`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

describe('notify-webhook', () => {
  test('a failed run posts one Slack/Teams-compatible JSON message, with secrets redacted', async () => {
    registerSecret(SECRET);
    received.length = 0;
    await notify(
      { notifyWebhook: url, notifyOn: 'failure' },
      { repository: 'acme/mirrors', runUrl: 'https://github.com/acme/mirrors/actions/runs/7' },
      failedRun(),
      { file: 'replication.yaml', verdict: verdict(failedRun()) },
    );
    expect(received).toHaveLength(1);
    expect(received[0]!.headers['content-type']).toBe('application/json');
    expect(received[0]!.headers.authorization).toBeUndefined();
    const body = JSON.parse(received[0]!.body) as ReturnType<typeof notificationMessage>;
    expect(body.text.split('\n')[0]).toBe(
      '❌ ferry run failed in acme/mirrors · replication.yaml: 1 failed · 1 copied',
    );
    expect(body.text).toContain('https://github.com/acme/mirrors/actions/runs/7');
    expect(body.ferry).toMatchObject({ status: 'failed', totals: { failed: 1, copied: 1 } });
    expect(body.ferry.failures[0]!.image).toBe('harbor.example.com/team/app:v2');
    expect(received[0]!.body).not.toContain(SECRET);
    // Slack reads <…> as a mention or a link.
    expect(body.text).not.toMatch(/[<>]/);
  });

  test('a successful run posts only with notify-on: always', async () => {
    received.length = 0;
    const ok = report([result('v1', 'copied')]);
    await notify({ notifyWebhook: url, notifyOn: 'failure' }, {}, ok, { verdict: verdict(ok) });
    expect(received).toHaveLength(0);
    await notify({ notifyWebhook: url, notifyOn: 'always' }, {}, ok, { verdict: verdict(ok) });
    expect(received).toHaveLength(1);
    expect(JSON.parse(received[0]!.body).ferry.status).toBe('succeeded');
  });

  test('fail-on: never keeps the step green, but a run with failed images is still a failure, with why', async () => {
    received.length = 0;
    const run = failedRun();
    await notify({ notifyWebhook: url, notifyOn: 'failure' }, {}, run, { verdict: verdict(run, { failOn: 'never' }) });
    expect(JSON.parse(received[0]!.body).ferry).toMatchObject({ status: 'failed', reason: '1 image failed' });
  });

  test('fail-on: warning makes a run with only warnings a failure, and the message says which', async () => {
    received.length = 0;
    const run = report([
      result('v1', 'copied'),
      result('v2', 'skipped', { reason: 'credentials unavailable', source: 'docker.io/team/app:v2' }),
    ]);
    await notify({ notifyWebhook: url, notifyOn: 'failure' }, {}, run, { verdict: verdict(run) });
    expect(received).toHaveLength(0);
    await notify({ notifyWebhook: url, notifyOn: 'failure' }, {}, run, {
      verdict: verdict(run, { failOn: 'warning' }),
    });
    const body = JSON.parse(received[0]!.body) as ReturnType<typeof notificationMessage>;
    expect(body.text.split('\n')).toEqual([
      '❌ ferry run failed: 1 copied · 1 skipped',
      'warnings (1 skipped tag) and fail-on is warning',
    ]);
  });

  test('a run whose only rule failed says nothing was done and names the rule, not "nothing to do"', () => {
    const run = { ...report([]), ruleErrors: [{ rule: 'to-c', message: 'unauthorized' }] };
    expect(notificationMessage(run).text.split('\n')).toEqual([
      '❌ ferry run failed: nothing done',
      '1 rule error (rule to-c was not carried out)',
    ]);
  });

  test('a plain-http URL off loopback is refused with a warning, and nothing is sent', async () => {
    received.length = 0;
    const out = await stdoutOf(() =>
      notify({ notifyWebhook: 'http://hooks.example.com/x', notifyOn: 'always' }, {}, failedRun(), {
        verdict: verdict(failedRun()),
      }),
    );
    expect(out).toMatch(/^::warning::ferry: notify-webhook not used: only https:\/\//m);
    expect(received).toHaveLength(0);
  });

  test.each([
    ['https://hooks.slack.com/services/T/B/X', undefined],
    ['http://127.0.0.1:8080/x', undefined],
    ['http://[::1]:8080/x', undefined],
    ['http://10.0.0.1/x', 'only https'],
    ['ftp://example.com/x', 'only https'],
    ['https://user:pw@example.com/x', 'credentials'],
    ['not a url', 'not a URL'],
  ])('%s → %s', (u, why) => {
    const refused = webhookRefused(u);
    if (why === undefined) expect(refused).toBeUndefined();
    else expect(refused).toContain(why);
  });

  test('an unreachable webhook only warns: the run is not affected', async () => {
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((r) => closed.close(() => r()));
    const out = await stdoutOf(() =>
      notify({ notifyWebhook: `http://127.0.0.1:${port}/x`, notifyOn: 'always' }, {}, failedRun(), {
        verdict: verdict(failedRun()),
      }),
    );
    expect(out).toMatch(/^::warning::ferry: the notification could not be sent \(ECONNREFUSED\)/m);
    expect(out).not.toContain(`:${port}/x`);
  });
});
