/**
 * ferry's node flags (src/launch.ts, issue 14 item 1): a process that keeps a steady set of
 * objects while requests and listings come and go must not let its heap grow to a multiple of what
 * it keeps; the heap is most of a large run's peak memory.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { expect, test } from 'vitest';
import { NODE_FLAGS } from '../../src/launch.js';

const run = promisify(execFile);

/** About 20 MiB kept, and a stream of garbage that outlives the young generation. */
const CHURN = `
const kept = Array.from({ length: 20000 }, (_, i) => ({ i, s: 'x'.repeat(1000) + i }));
let window = [];
let peak = 0;
for (let round = 0; round < 400; round++) {
  for (let k = 0; k < 1000; k++) window.push({ k, s: (round + '-' + k).repeat(20) });
  if (window.length > 20000) window = window.slice(-5000);
  if (round % 10 === 0) await new Promise((r) => setImmediate(r));
  peak = Math.max(peak, process.memoryUsage().heapTotal);
}
console.log(JSON.stringify({ kept: kept.length, peakMiB: peak / 2 ** 20 }));
`;

test(
  'with ferry’s node flags the heap stays near what the process keeps, not a multiple of it',
  { timeout: 60_000 },
  async () => {
    const { stdout } = await run(process.execPath, [...NODE_FLAGS, '--input-type=module', '-e', CHURN], {
      timeout: 60_000,
    });
    const { kept, peakMiB } = JSON.parse(stdout) as { kept: number; peakMiB: number };
    expect(kept).toBe(20000);
    // Kept: ~22 MiB. With V8's defaults this heap reaches 90–100 MiB; with the flags 28–52 MiB (the
    // upper end on a loaded machine, where concurrent marking falls behind: 45 failed there once).
    expect(peakMiB).toBeLessThan(65);
  },
);
