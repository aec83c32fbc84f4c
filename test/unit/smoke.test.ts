import { expect, test } from 'vitest';

test('runs on the node24 runtime GitHub uses', () => {
  expect(Number(process.versions.node.split('.')[0])).toBeGreaterThanOrEqual(24);
});
