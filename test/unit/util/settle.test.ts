import { expect, test } from 'vitest';
import { allWritten } from '../../../src/util/settle.js';

test('rejects with the failure that came first, once every write has settled', async () => {
  let cancelLater!: (e: Error) => void;
  const later = new Promise<never>((_, reject) => (cancelLater = reject));
  let done = false;
  const slow = new Promise<string>((resolve) => setImmediate(() => ((done = true), resolve('written'))));
  const cause = Promise.reject(new Error('the source lost the layer'));
  const all = allWritten([later, slow, cause]);
  // The first listed write fails only after the real cause (a transfer cancelled by the stop).
  await cause.catch(() => {});
  cancelLater(new Error('cancelled'));
  await expect(all).rejects.toThrow('the source lost the layer');
  expect(done).toBe(true);
});
