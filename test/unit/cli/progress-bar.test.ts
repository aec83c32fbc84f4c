import { Writable } from 'node:stream';
import { describe, expect, test } from 'vitest';
import { progressBar } from '../../../src/cli/progress-bar.js';
import { type RunProgress, runLog } from '../../../src/report/console.js';
import type { Result } from '../../../src/replicate/result.js';

/** A terminal 100 columns wide that keeps what was written to it. */
function terminal(): NodeJS.WriteStream & { text: () => string; raw: () => string } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer | string, _enc, done) {
      chunks.push(String(chunk));
      done();
    },
  });
  const raw = () => chunks.join('');
  return Object.assign(stream, {
    isTTY: true,
    columns: 100,
    raw,
    // What a person reads: escape sequences (colours, cursor moves) left out.
    text: () => raw().replace(/\x1b(?:\[[0-9;?]*[A-Za-z]|[78])/g, ''),
  }) as never;
}

const progress = (done: number, extra: Partial<RunProgress> = {}): RunProgress => ({
  tags: 40,
  done,
  writes: 40,
  written: done,
  bytes: done * 1024 * 1024,
  elapsedMs: 4000,
  index: 1,
  of: 2,
  ...extra,
});

describe('the CLI progress bar on a terminal', () => {
  test('draws tags done of planned with bytes, rate and ETA; log lines print above it; the cursor comes back', () => {
    const tty = terminal();
    const bar = progressBar(tty);
    bar.write('rule web: harbor → hub (1 of 2)');
    bar.update(progress(10));
    bar.write('  ✔ copied    harbor/team/app:v1 → hub/acme/app:v1');
    bar.update(progress(30));
    bar.stop();
    bar.write('Total: 30 copied');
    const text = tty.text();
    expect(text).toContain(
      '█'.repeat(18) + '░'.repeat(6) + ' 30 / 40 tags, 30.0 MiB, 7.5 MiB/s, ETA 2 s (rule 1 of 2)',
    );
    const order = ['rule web: harbor → hub', '✔ copied    harbor/team/app:v1', 'Total: 30 copied'].map((l) =>
      text.indexOf(l),
    );
    expect(order.every((i) => i >= 0)).toBe(true);
    expect([...order].sort((a, b) => a - b)).toEqual(order);
    // The cursor is hidden while the bar is drawn and shown again, and the bar is cleared at the end.
    expect(tty.raw()).toContain('\x1b[?25l');
    expect(tty.raw().lastIndexOf('\x1b[?25h')).toBeGreaterThan(tty.raw().lastIndexOf('\x1b[?25l'));
    expect(text.trimEnd().endsWith('Total: 30 copied')).toBe(true);
  });

  test('a run that never plans a write draws no bar', () => {
    const tty = terminal();
    const bar = progressBar(tty);
    bar.write('rule web: nothing selected');
    bar.stop();
    expect(tty.raw()).toBe('rule web: nothing selected\n');
  });
});

describe('runLog with a live bar', () => {
  const result: Result = {
    rule: 'web',
    source: 'harbor/team/app:v1',
    destination: 'hub/acme/app:v1',
    tag: 'v1',
    status: 'copied',
    bytes: 2048,
    blobs: { copied: 1, mounted: 0, present: 0 },
    durationMs: 5,
    retries: 0,
  };

  test('the bar gets every change and the 10 s progress lines are not printed', () => {
    let t = 0;
    const lines: string[] = [];
    const seen: RunProgress[] = [];
    const log = runLog({ write: (l) => lines.push(l), live: (p) => seen.push(p), now: () => t, progressEveryMs: 10 });
    log.onProgress({ kind: 'rule-start', rule: 'web', source: 'harbor', destination: 'hub', index: 1, of: 1 });
    log.onProgress({ kind: 'planned', rule: 'web', tags: 5, writes: 2 });
    t = 60_000;
    log.onProgress({ kind: 'blob', ref: 'hub/acme/app', digest: 'sha256:aa', bytes: 2048, total: 2048, elapsedMs: 5 });
    log.onProgress({ kind: 'result', result });
    expect(seen.at(-1)).toMatchObject({ tags: 5, done: 4, writes: 2, written: 1, bytes: 2048 });
    expect(lines.filter((l) => l.startsWith('…'))).toEqual([]);
    expect(lines.some((l) => l.includes('✔'))).toBe(true);
  });
});
