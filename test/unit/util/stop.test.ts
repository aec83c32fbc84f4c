import { expect, test } from 'vitest';
import { stopOnSignalsOrTimeout } from '../../../src/util/stop.js';

test('a closed terminal (SIGHUP) stops the run in order, as SIGTERM and Ctrl-C do, and each signal is heard', () => {
  const heard: [string, number][] = [];
  const stop = stopOnSignalsOrTimeout(undefined, { onSignal: (name, count) => heard.push([name, count]) });
  try {
    process.emit('SIGHUP', 'SIGHUP');
    expect(stop.signal.aborted).toBe(true);
    expect(stop.signal.reason).toBe('the run was cancelled (SIGHUP)');
    process.emit('SIGINT', 'SIGINT');
    expect(heard).toEqual([
      ['SIGHUP', 1],
      ['SIGINT', 2],
    ]);
  } finally {
    stop.dispose();
  }
});
