/** Shared pieces of the engine's unit tests: a complete rule, a directory per test, a store with some calls replaced. */
import { afterEach, beforeEach } from 'vitest';
import type { Filters, Rule } from '../../src/config/types.js';
import type { Store } from '../../src/providers/store.js';
import { createTempDir, type TempDir } from './tmp.js';

/**
 * A rule with every field set as replication.yaml's defaults would (filters select everything,
 * no deletions, override on), changed by `over`; `filters` are merged into the defaults.
 */
export function testRule(over: Omit<Partial<Rule>, 'filters'> & { filters?: Partial<Filters> } = {}): Rule {
  const { filters, ...rest } = over;
  return {
    name: 'r',
    enabled: true,
    source: 'src',
    destination: 'dst',
    flattening: 0,
    override: true,
    deleteRemote: { enabled: false, max: 10, acknowledgeMatchAll: false },
    triggers: [{ kind: 'manual' }],
    concurrency: 2,
    platforms: [],
    referrers: false,
    maxBlobSize: 1 << 30,
    ...rest,
    filters: { name: [], tag: [], labels: {}, resource: 'all', ...filters },
  };
}

/** A fresh directory for each test of the file, removed after it: `dir()` is its path. */
export function dirPerTest(prefix: string): () => string {
  let current: TempDir | undefined;
  beforeEach(async () => {
    current = await createTempDir(prefix);
  });
  afterEach(async () => {
    await current?.remove();
  });
  return () => current!.path;
}

/** `store` with the calls in `calls` replaced; the others are the store's own. */
export function intercept(store: Store, calls: Partial<Record<keyof Store, unknown>>): Store {
  return new Proxy(store, {
    get: (target, prop) => {
      if (Object.hasOwn(calls, prop)) return calls[prop as keyof Store];
      const v = Reflect.get(target, prop);
      return typeof v === 'function' ? v.bind(target) : v;
    },
  });
}
