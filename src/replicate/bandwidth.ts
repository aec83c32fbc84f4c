/** A shared byte budget (token bucket) so all transfers of a rule together stay under `bandwidth:`. */
import { Transform } from 'node:stream';
import { setTimeout as delay } from 'node:timers/promises';
import type { Rule } from '../config/types.js';
import type { Deadlines } from '../registry/http.js';

/** The most bytes one transfer takes from the budget at once: bounds how long the others wait behind it. */
export const PIECE_BYTES = 64 * 1024;

export class Bandwidth {
  readonly #rate: number;
  #available: number;
  #last = Date.now();
  #queue: Promise<void> = Promise.resolve();

  constructor(bytesPerSecond: number) {
    this.#rate = bytesPerSecond;
    this.#available = bytesPerSecond / 4;
  }

  /**
   * Resolves when `n` bytes may be sent. Waiters are served in order. One whose transfer has
   * ended (`gone`) leaves at its turn without spending: under a tiny cap, the pieces a cancelled
   * transfer had queued kept a stopped run's process alive for a minute after its report.
   */
  take(n: number, gone?: () => boolean): Promise<void> {
    const turn = this.#queue.then(async () => {
      for (;;) {
        if (gone?.()) return;
        const now = Date.now();
        this.#available = Math.min(this.#rate, this.#available + ((now - this.#last) * this.#rate) / 1000);
        this.#last = now;
        if (this.#available >= n || this.#available >= this.#rate) {
          this.#available -= n;
          return;
        }
        // At most a second at a time, so that a transfer that ends while waiting is let go.
        await delay(Math.min(1000, Math.ceil(((n - this.#available) * 1000) / this.#rate)));
      }
    });
    this.#queue = turn;
    return turn;
  }

  /** A pass-through stream that spends this budget, PIECE_BYTES at a time at most. */
  stream(): Transform {
    const take = (n: number, gone: () => boolean) => this.take(n, gone);
    return new Transform({
      transform(chunk: Buffer, _e, cb) {
        void (async () => {
          for (let at = 0; at < chunk.length; at += PIECE_BYTES) {
            // A failed or cancelled transfer stops spending the budget the rule's others wait for.
            if (this.destroyed) return;
            const piece = chunk.subarray(at, at + PIECE_BYTES);
            await take(piece.length, () => this.destroyed);
            this.push(piece);
          }
        })().then(() => cb(), cb);
      },
    });
  }
}

/**
 * The request deadlines of each registry the rules use (`base`, unless a capped rule uses it), for
 * `transfers` blobs moving at once.
 * A blob deadline is there to cut off a stalled registry, never a transfer ferry holds back itself:
 * under a cap of r bytes/s each transfer may get only r ÷ transfers, and each piece it sends may
 * first wait for a piece of every other transfer. A registry shared by several capped rules gets
 * the slowest rule's deadlines; the others only wait longer for a registry that really stalls.
 */
export function throttledDeadlines(
  rules: readonly Pick<Rule, 'source' | 'destination' | 'bandwidth'>[],
  transfers: number,
  base: Deadlines,
): Map<string, Deadlines> {
  const out = new Map<string, Deadlines>();
  const n = Math.max(1, transfers);
  for (const rule of rules) for (const name of [rule.source, rule.destination]) out.set(name, base);
  for (const rule of rules) {
    const rate = rule.bandwidth;
    if (rate === undefined || !Number.isFinite(rate) || rate <= 0) continue;
    for (const name of [rule.source, rule.destination]) {
      const d = out.get(name)!;
      out.set(name, {
        ...d,
        blobFloorBytesPerSecond: Math.min(d.blobFloorBytesPerSecond, rate / n),
        blobGraceMs: Math.max(d.blobGraceMs, base.blobGraceMs + Math.ceil((n * PIECE_BYTES * 1000) / rate)),
      });
    }
  }
  return out;
}
