/**
 * Small statistics and clock helpers shared by the bench sections.
 */
import { performance } from "node:perf_hooks";

/**
 * Wall-clock milliseconds with sub-millisecond resolution. Every bench
 * process uses it, so timestamps from different processes compare.
 */
export function nowMs(): number {
  return performance.timeOrigin + performance.now();
}

/** The `fraction` quantile (0..1) of `values`, nearest rank; NaN if empty. */
export function quantile(values: readonly number[], fraction: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.ceil(fraction * sorted.length) - 1;
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank))] as number;
}

/** p50, p99 and max of `values`, in their unit. */
export function summarize(values: readonly number[]): {
  p50: number;
  p99: number;
  max: number;
  count: number;
} {
  return {
    p50: quantile(values, 0.5),
    p99: quantile(values, 0.99),
    max: values.length ? Math.max(...values) : Number.NaN,
    count: values.length,
  };
}

/** Most timestamps (ms) inside any window of `windowMs`. */
export function maxInWindow(
  times: readonly number[],
  windowMs: number,
): number {
  const sorted = [...times].sort((a, b) => a - b);
  let best = 0;
  let start = 0;
  for (let end = 0; end < sorted.length; end++) {
    while ((sorted[end] as number) - (sorted[start] as number) >= windowMs) {
      start++;
    }
    best = Math.max(best, end - start + 1);
  }
  return best;
}

/** Median of `values`. */
export function median(values: readonly number[]): number {
  return quantile(values, 0.5);
}

/** Resolves after `delayMs`. */
export function sleep(delayMs: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, delayMs));
}

/**
 * Polls `isDone` every `pollMs` until it holds or `timeoutMs` passes;
 * resolves with whether it held. Every wait in the bench is bounded.
 */
export async function waitFor(
  isDone: () => boolean,
  options: { timeoutMs: number; pollMs?: number },
): Promise<boolean> {
  const deadline = Date.now() + options.timeoutMs;
  while (!isDone()) {
    if (Date.now() > deadline) return false;
    await sleep(options.pollMs ?? 10);
  }
  return true;
}

/** Latencies of one series, in milliseconds, and updates never seen. */
export interface LatencySummary {
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  count: number;
  lost: number;
}

/** Summarizes `latencies` (ms) with the count of `lost` updates. */
export function summarizeLatencies(
  latencies: readonly number[],
  lost: number,
): LatencySummary {
  const summary = summarize(latencies);
  return {
    p50Ms: summary.p50,
    p99Ms: summary.p99,
    maxMs: summary.max,
    count: summary.count,
    lost,
  };
}
