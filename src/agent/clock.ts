/**
 * Time as the sync loop sees it, passed in so that a test can drive the
 * loop with its own clock.
 */

export interface Clock {
  /** Milliseconds since the Unix epoch. */
  now(): number;
  /** Runs `run` after `delayMs`; the returned function cancels it. */
  setTimeout(run: () => void, delayMs: number): () => void;
}

/** The real clock. */
export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (run, delayMs) => {
    const handle = setTimeout(run, delayMs);
    return () => clearTimeout(handle);
  },
};

/**
 * Resolves after `delayMs`, when `stop` aborts, or when `wake` is called
 * on the returned sleeper, whichever comes first.
 */
export class Sleeper {
  readonly #clock: Clock;
  readonly #stop: AbortSignal;
  #wakeCurrent: (() => void) | undefined;
  #isWakePending = false;

  constructor(clock: Clock, stop: AbortSignal) {
    this.#clock = clock;
    this.#stop = stop;
  }

  sleep(delayMs: number): Promise<void> {
    if (this.#stop.aborted) return Promise.resolve();
    if (this.#isWakePending) {
      this.#isWakePending = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const done = () => {
        cancel();
        this.#stop.removeEventListener("abort", done);
        this.#wakeCurrent = undefined;
        resolve();
      };
      const cancel = this.#clock.setTimeout(done, delayMs);
      this.#stop.addEventListener("abort", done, { once: true });
      this.#wakeCurrent = done;
    });
  }

  /** Ends the current sleep now, or the next one if none is running. */
  wake(): void {
    if (this.#wakeCurrent) this.#wakeCurrent();
    else this.#isWakePending = true;
  }
}
