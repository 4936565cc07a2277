/**
 * Durations in flags and environment variables: a whole number followed by
 * a unit (`500ms`, `60s`, `15m`, `24h`, `7d`). A bare number is refused so
 * that nobody has to guess the unit.
 */
import { invalidArgument } from "./errors.js";

const UNIT_MS: Record<string, number> = {
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
};

/** Milliseconds in `text`; throws INVALID_ARGUMENT naming `field`. */
export function parseDurationMs(text: string, field: string): number {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)$/.exec(text.trim());
  const amount = match?.[1];
  const unit = match?.[2];
  if (amount === undefined || unit === undefined) {
    throw invalidArgument(
      field,
      `"${text}" is not a duration such as 500ms, 60s, 15m, 24h or 7d`,
    );
  }
  return Math.round(Number(amount) * (UNIT_MS[unit] ?? 1));
}

/**
 * Longest wait a Node timer holds, in milliseconds (2^31 - 1, about 24.8
 * days). A longer one fires after 1 ms instead, with only a warning, so
 * `--refresh 30d` would call the service hundreds of times a second.
 */
export const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * Milliseconds in `text` for a setting that becomes a timer or a call
 * deadline; throws INVALID_ARGUMENT naming `field` when it is malformed
 * or longer than {@link MAX_TIMER_MS}.
 */
export function parseTimerMs(text: string, field: string): number {
  const ms = parseDurationMs(text, field);
  if (ms > MAX_TIMER_MS) {
    throw invalidArgument(
      field,
      `"${text}" is longer than 24d, the most a timer holds`,
    );
  }
  return ms;
}
