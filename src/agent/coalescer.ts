/**
 * Debouncing of env file writes: a burst of changes gives one write. The
 * write runs once changes have been quiet for a short gap, or at the
 * latest `maxWaitMs` after the first change of the burst, so a lone
 * change still lands fast while a burst is gathered into one write.
 * Runs never overlap: a change during a run schedules one more run.
 */

/** Quiet gap that ends a burst, in milliseconds, unless maxWait is shorter. */
export const QUIET_GAP_MS = 150;

/** Timer functions, replaceable by fake timers in tests. */
export interface Timers {
  setTimeout(run: () => void, delayMs: number): unknown;
  clearTimeout(handle: unknown): void;
}

export interface CoalescerOptions {
  /** Longest a change waits for the rest of its burst, in milliseconds. */
  maxWaitMs: number;
  /** Gap that ends a burst, in milliseconds; default min(150, maxWaitMs). */
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
      options.quietGapMs ?? QUIET_GAP_MS,
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
