/**
 * Reconnect delays: exponential growth with full jitter, so that many
 * agents cut off by the same outage do not come back in lockstep, and a
 * wider uniform spread for the first reconnect after a stream that was up
 * is lost (a service restart cuts every agent off at the same instant).
 */

/** First delay ceiling, in milliseconds. */
export const BACKOFF_BASE_MS = 500;

/** Largest delay, in milliseconds; also how soon a returning service is seen. */
export const BACKOFF_MAX_MS = 30_000;

export interface BackoffOptions {
  /** Ceiling of the first delay, in milliseconds; default 500. */
  baseMs?: number;
  /** Ceiling of every delay, in milliseconds; default 30 000. */
  maxMs?: number;
  /** A number in [0, 1); default `Math.random`. */
  random?: () => number;
}

/**
 * The delay before attempt number `attempt` (0 for the first retry): a
 * uniform pick in [0, min(max, base · 2^attempt)].
 */
export function backoffDelayMs(
  attempt: number,
  options: BackoffOptions = {},
): number {
  const baseMs = options.baseMs ?? BACKOFF_BASE_MS;
  const maxMs = options.maxMs ?? BACKOFF_MAX_MS;
  const random = options.random ?? Math.random;
  // Capping the exponent keeps 2^attempt finite after a very long outage.
  const ceilingMs = Math.min(maxMs, baseMs * 2 ** Math.min(attempt, 30));
  return Math.floor(random() * ceilingMs);
}

/** Counts consecutive failures and hands out the matching delays. */
export class Backoff {
  #attempt = 0;
  readonly #options: BackoffOptions;

  constructor(options: BackoffOptions = {}) {
    this.#options = options;
  }

  /** The delay before the next try; each call counts one more failure. */
  nextDelayMs(): number {
    const delayMs = backoffDelayMs(this.#attempt, this.#options);
    this.#attempt += 1;
    return delayMs;
  }

  /** Consecutive failures so far. */
  get attempt(): number {
    return this.#attempt;
  }

  /** Starts over after a success. */
  reset(): void {
    this.#attempt = 0;
  }

  /**
   * Skips ahead to the first step whose ceiling reaches `ceilingMs` (or
   * the largest step), so the next delays are drawn from that scale on.
   */
  skipTo(ceilingMs: number): void {
    const baseMs = this.#options.baseMs ?? BACKOFF_BASE_MS;
    const steps = Math.ceil(Math.log2(Math.max(1, ceilingMs / baseMs)));
    this.#attempt = Math.max(this.#attempt, Math.min(steps, 30));
  }
}

/**
 * Window over which the first reconnect after losing an established
 * stream is spread, in milliseconds. When the service restarts, every
 * agent loses its stream at the same instant; were they all to retry
 * within the usual first backoff (0.5 s), thousands of TLS handshakes
 * would hit the new process in the same second and time out together.
 *
 * Why 28 s: spread uniformly, 10,000 agents arrive at about 360 a
 * second, what one process can take while it also serves. Measured with
 * the bench's storm (10,000 agents, server and simulated agents sharing
 * two cores): over 20 s (500 a second) the service's accept queue
 * overflowed, reset a few per cent of the handshakes and the retries fed
 * the overload (all back in 31 to 51 s over five runs); over 28 s, in
 * 31.4 and 31.6 s (30.5 to 39.7 s over three runs with a 4 s retry
 * ceiling). 28 s stays under {@link BACKOFF_MAX_MS}, so a stream is still
 * back within 30 s of the service.
 *
 * Limitation: one agent alone losing its stream (a network blip) also
 * waits up to 28 s, 14 s on average, to reopen it; the file keeps the
 * last good secrets meanwhile and the refresh still runs.
 */
export const RECONNECT_SPREAD_MS = 28_000;

/**
 * Backoff ceiling after that first reconnect fails (the service is not
 * back yet, or reset the connection under load), in milliseconds; then
 * 4 s, 8 s, … 30 s as usual. Not 0.5 s: every agent that tried too early
 * would retry within a second or two of each other when the service
 * returns, the herd the spread exists to avoid. Not the spread's scale
 * either: retrying after up to 16 s and then 30 s stretched the storm's
 * tail from ~28 s to ~50 s (4 s: 40 s in one run).
 */
export const LOST_STREAM_RETRY_CEILING_MS = 2_000;

/** The delay before reopening a stream that was up: uniform in [0, spread). */
export function reconnectSpreadMs(
  random: () => number = Math.random,
  spreadMs: number = RECONNECT_SPREAD_MS,
): number {
  return Math.floor(random() * spreadMs);
}

/** `intervalMs` moved by up to ±`fraction` of itself, uniformly. */
export function jitterMs(
  intervalMs: number,
  fraction = 0.1,
  random: () => number = Math.random,
): number {
  const spreadMs = intervalMs * fraction;
  return Math.round(intervalMs - spreadMs + random() * 2 * spreadMs);
}
