/**
 * Reconnect delays: exponential growth with full jitter, so that many
 * agents cut off by the same outage do not come back in lockstep.
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
