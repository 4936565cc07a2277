/**
 * Debouncing of env file writes: a burst of changes gives one write.
 *
 * Leading edge with a short settle: the first change of a burst is
 * written once changes have been quiet for {@link SETTLE_MS}, not after a
 * long quiet gap, so a lone change lands within a few tens of
 * milliseconds. A burst that keeps going (each change within the settle
 * of the one before) is written at the latest `maxWaitMs` (`--debounce`,
 * 1 s) after its first change. Changes that arrive while a write runs are
 * gathered into one trailing write. Runs never overlap.
 *
 * Why a settle and not a write on the very first change: secrets changed
 * "at once" (three `secretsctl` calls in parallel, a settings page saving
 * a form) reach the agent as separate revisions, because the service
 * commits each change on its own. On an idle 2-core machine they arrive
 * 1 to 5 ms apart; under load we measured gaps up to ~20 ms (and ~50 ms
 * on a cold service). A pure leading edge would write the first of them
 * at once and the rest in a second write, so the algorithm would reload
 * twice.
 *
 * Limitation: "at once" means within {@link SETTLE_MS} of each other.
 * Changes made further apart (a script calling `secretsctl` three times
 * in a row, each a new process) give one write and one reload each; the
 * settle also adds its 25 ms to every change. `--debounce 0ms` drops the
 * settle (every change written at once, no gathering).
 */

/**
 * Quiet time that ends a burst, in milliseconds (unless maxWait is
 * shorter): 25 ms covers the gaps between changes committed together on
 * a loaded machine and keeps a lone change's propagation well under the
 * 50 ms target.
 */
export const SETTLE_MS = 25;

/** Timer functions, replaceable by fake timers in tests. */
export interface Timers {
  setTimeout(run: () => void, delayMs: number): unknown;
  clearTimeout(handle: unknown): void;
}

export interface CoalescerOptions {
  /** Longest a change waits for the rest of its burst, in milliseconds. */
  maxWaitMs: number;
  /** Quiet time that ends a burst, in milliseconds; default min(SETTLE_MS, maxWaitMs). */
  quietGapMs?: number;
  /** The work to do once per burst. Errors are the caller's to handle. */
  run: () => Promise<void>;
  /** Default: the global timers. */
  timers?: Timers;
}

export class Coalescer {
  readonly #options: CoalescerOptions;
  readonly #timers: Timers;
  readonly #quietGapMs: number;
  #timer: unknown;
  #burstStartMs: number | undefined;
  #running: Promise<void> | undefined;
  #isPendingAfterRun = false;

  constructor(options: CoalescerOptions) {
    this.#options = options;
    this.#timers = options.timers ?? {
      setTimeout: (run, delayMs) => setTimeout(run, delayMs),
      clearTimeout: (handle) =>
        clearTimeout(handle as ReturnType<typeof setTimeout>),
    };
    this.#quietGapMs = Math.min(
      options.quietGapMs ?? SETTLE_MS,
      options.maxWaitMs,
    );
  }

  /** Notes a change; the run follows after the burst settles. */
  schedule(nowMs: number = Date.now()): void {
    if (this.#running) {
      this.#isPendingAfterRun = true;
      return;
    }
    this.#burstStartMs ??= nowMs;
    const deadlineMs = this.#burstStartMs + this.#options.maxWaitMs;
    const delayMs = Math.max(0, Math.min(this.#quietGapMs, deadlineMs - nowMs));
    this.#clearTimer();
    this.#timer = this.#timers.setTimeout(() => {
      void this.flush();
    }, delayMs);
  }

  /** Runs now (after any run in progress), skipping the wait. */
  async flush(): Promise<void> {
    this.#clearTimer();
    this.#burstStartMs = undefined;
    if (this.#running) {
      this.#isPendingAfterRun = true;
      return this.#running;
    }
    this.#running = this.#options.run().finally(() => {
      this.#running = undefined;
      if (this.#isPendingAfterRun) {
        this.#isPendingAfterRun = false;
        this.schedule();
      }
    });
    return this.#running;
  }

  /** Drops any scheduled run. */
  cancel(): void {
    this.#clearTimer();
    this.#burstStartMs = undefined;
    this.#isPendingAfterRun = false;
  }

  #clearTimer(): void {
    if (this.#timer !== undefined) this.#timers.clearTimeout(this.#timer);
    this.#timer = undefined;
  }
}
