/** A shared byte budget (token bucket) so all transfers of a rule together stay under `bandwidth:`. */
import { Transform } from 'node:stream';
import { setTimeout as delay } from 'node:timers/promises';

export class Bandwidth {
  readonly #rate: number;
  #available: number;
  #last = Date.now();
  #queue: Promise<void> = Promise.resolve();

  constructor(bytesPerSecond: number) {
    this.#rate = bytesPerSecond;
    this.#available = bytesPerSecond / 4;
  }

  /** Resolves when `n` bytes may be sent. Waiters are served in order. */
  take(n: number): Promise<void> {
    const turn = this.#queue.then(async () => {
      for (;;) {
        const now = Date.now();
        this.#available = Math.min(this.#rate, this.#available + ((now - this.#last) * this.#rate) / 1000);
        this.#last = now;
        if (this.#available >= n || this.#available >= this.#rate) {
          this.#available -= n;
          return;
        }
        await delay(Math.ceil(((n - this.#available) * 1000) / this.#rate));
      }
    });
    this.#queue = turn;
    return turn;
  }

  /** A pass-through stream that spends this budget. */
  stream(): Transform {
    return new Transform({
      transform: (chunk: Buffer, _e, cb) => {
        this.take(chunk.length).then(() => cb(null, chunk), cb);
      },
    });
  }
}
