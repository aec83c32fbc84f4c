/**
 * Each registry's repository listing, asked once per run by every rule that reads it (its own
 * source's, other rules' sources in writers.ts), and forgotten when a rule has written into that
 * registry: a later rule reading it as its source sees the repositories the run created there.
 */
import { identityOf } from '../config/semantic.js';
import type { Config } from '../config/types.js';
import type { Store } from '../providers/store.js';

export class Catalogs {
  readonly #config: Config;
  readonly #open: (registry: string) => Promise<Store>;
  readonly #listed = new Map<string, Promise<string[]>>();

  constructor(config: Config, open: (registry: string) => Promise<Store>) {
    this.#config = config;
    this.#open = open;
  }

  /** The repositories `registry` (a registry's name in the rules file) lists. */
  of(registry: string): Promise<string[]> {
    // By name: two entries for one registry with other credentials may each see other repositories.
    let listed = this.#listed.get(registry);
    if (!listed) {
      listed = this.#open(registry).then((s) => s.listRepositories());
      this.#listed.set(registry, listed);
      // A failed listing is not kept: the next rule asks again (its reader reports the failure).
      listed.catch(() => {
        if (this.#listed.get(registry) === listed) this.#listed.delete(registry);
      });
    }
    return listed;
  }

  /** A rule wrote into `registry`: its listing is asked again by the next rule that needs it. */
  written(registry: string): void {
    // Every entry for that registry, by address: another name for one URL or path is written too.
    const written = identityOf(this.#config, registry);
    for (const name of [...this.#listed.keys()])
      if (identityOf(this.#config, name) === written) this.#listed.delete(name);
  }
}
