import { expect, test, vi } from 'vitest';
import { DEFAULT_DEADLINES } from '../../../src/registry/http.js';
import { Bandwidth, PIECE_BYTES, throttledDeadlines } from '../../../src/replicate/bandwidth.js';

const KiB = 1024;
const rule = (source: string, destination: string, bandwidth?: number) => ({
  source,
  destination,
  ...(bandwidth ? { bandwidth } : {}),
});

test("every registry the rules use gets the run's deadlines; a capped rule's are widened for its cap", () => {
  const base = { ...DEFAULT_DEADLINES, blobGraceMs: 1_000 };
  const d = throttledDeadlines([rule('hub', 'ghcr'), rule('hub', 'harbor', 80 * KiB)], 8, base);
  // Uncapped: what the run asked for (a test's short deadlines reach every registry).
  expect(d.get('ghcr')).toEqual(base);
  // Capped: 8 transfers share 80 KiB/s, 10 KiB/s each at worst, and each piece may wait for a
  // 64 KiB piece of every other transfer first: 8 × 64 KiB at 80 KiB/s = 6.4 s more grace.
  const capped = {
    ...base,
    blobFloorBytesPerSecond: 10 * KiB,
    blobGraceMs: 1_000 + (8 * PIECE_BYTES * 1000) / (80 * KiB),
  };
  expect(d.get('harbor')).toEqual(capped);
  // A registry used by a capped and an uncapped rule gets the capped one's: the laxer.
  expect(d.get('hub')).toEqual(capped);
});

test('a cap fast enough for the floor leaves the floor as it is', () => {
  const d = throttledDeadlines([rule('a', 'b', 100 * 1024 * KiB)], 8, DEFAULT_DEADLINES);
  expect(d.get('b')!.blobFloorBytesPerSecond).toBe(DEFAULT_DEADLINES.blobFloorBytesPerSecond);
});

test('a transfer that fails or is cancelled stops taking from the budget the others share', async () => {
  const bw = new Bandwidth(1024 * KiB);
  const take = vi.spyOn(bw, 'take');
  const s = bw.stream();
  s.on('error', () => {});
  // One 1 MiB chunk is sent in 16 pieces of 64 KiB; the transfer fails after the first is taken.
  s.write(Buffer.alloc(1024 * KiB));
  s.destroy(new Error('the upload failed'));
  await take.mock.results[0]!.value;
  await new Promise((r) => setImmediate(r));
  // Before, the other 15 pieces were taken anyway, holding back the rule's other transfers.
  expect(take).toHaveBeenCalledTimes(1);
});

test('a piece whose transfer has ended leaves the queue without waiting for the budget', async () => {
  // 1 byte/s: a 64 KiB piece would wait 18 hours for its budget.
  const bw = new Bandwidth(1);
  let gone = false;
  const queued = bw.take(PIECE_BYTES, () => gone);
  gone = true;
  // Before: it waited its turn in full, holding a stopped run's process for as long.
  await expect(queued).resolves.toBeUndefined();
});
