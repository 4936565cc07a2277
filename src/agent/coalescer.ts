/**
 * Gathering of changes into runs: a burst of changes gives few runs,
 * never overlapping.
 *
 * A lone change (none in the last {@link SETTLE_MS} and no run in that
 * time) runs after `leadingDelayMs` only, so it lands at once: that is
 * the env file's propagation time. A change that follows another within
 * the settle is part of a burst and waits until changes have been quiet
 * for the settle, and at most `maxWaitMs` (`--debounce`, 1 s) from the
 * burst's first change. Changes that arrive while a run is in progress
 * are gathered into one run after it.
 *
 * Why a settle at all: secrets changed "at once" (three `secretsctl`
 * calls in parallel, a settings page saving a form) reach the agent as
 * separate revisions, because the service commits each change on its
 * own. On an idle 2-core machine they arrive 1 to 5 ms apart; under load
 * we measured gaps up to ~20 ms (and ~50 ms on a cold service).
 *
 * Limitation: changes that arrive together (in one read from the
 * service) make one run; a burst whose changes arrive a few milliseconds
 * apart makes two, the first change at once and the rest after the
 * settle. The agent's reload coalescer, which has no leading edge, turns
 * such a burst into one reload.
 */

/**
 * Quiet time that ends a burst, in milliseconds (unless maxWait is
 * shorter): 25 ms covers the gaps between changes committed together on
 * a loaded machine.
 */
export const SETTLE_MS = 25;

/**
 * Delay before the run of a lone change, in milliseconds: long enough to
 * gather the messages of one read from the service, which grpc-js may
 * hand over across a few event-loop turns.
 */
export const LEADING_DELAY_MS = 2;

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
  /**
   * Delay before the run of a lone change, in milliseconds; default the
   * quiet gap (no leading edge). Capped at the quiet gap.
   */
  leadingDelayMs?: number;
  /** The work to do once per burst. Errors are the caller's to handle. */
  run: () => Promise<void>;
  /** Default: the global timers. */
  timers?: Timers;
}

export class Coalescer {
  readonly #options: CoalescerOptions;
  readonly #timers: Timers;
  readonly #quietGapMs: number;
  readonly #leadingDelayMs: number;
  #timer: unknown;
  #burstStartMs: number | undefined;
  /** When the last change was noted or the last run ended. */
  #lastActivityMs = Number.NEGATIVE_INFINITY;
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
    this.#leadingDelayMs = Math.min(
      options.leadingDelayMs ?? this.#quietGapMs,
      this.#quietGapMs,
    );
  }

  /** Notes a change; the run follows after the burst settles. */
  schedule(nowMs: number = Date.now()): void {
    const isLone = nowMs - this.#lastActivityMs > this.#quietGapMs;
    this.#lastActivityMs = nowMs;
    if (this.#running) {
      this.#isPendingAfterRun = true;
      return;
    }
    this.#burstStartMs ??= nowMs;
    const deadlineMs = this.#burstStartMs + this.#options.maxWaitMs;
    const gapMs = isLone ? this.#leadingDelayMs : this.#quietGapMs;
    const delayMs = Math.max(0, Math.min(gapMs, deadlineMs - nowMs));
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
      this.#lastActivityMs = Date.now();
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
