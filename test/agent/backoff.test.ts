import { describe, expect, it } from "vitest";
import {
  BACKOFF_MAX_MS,
  Backoff,
  backoffDelayMs,
  jitterMs,
} from "../../src/agent/backoff.js";

describe("backoffDelayMs", () => {
  describe("when random gives its largest value", () => {
    const highest = () => 0.999_999;

    it("doubles the ceiling from 0.5 s on each attempt", () => {
      const delays = [0, 1, 2, 3].map((attempt) =>
        backoffDelayMs(attempt, { random: highest }),
      );
      expect(delays).toEqual([499, 999, 1999, 3999]);
    });

    it("never exceeds 30 s, even after a very long outage", () => {
      expect(backoffDelayMs(6, { random: highest })).toBe(BACKOFF_MAX_MS - 1);
      expect(backoffDelayMs(10_000, { random: highest })).toBe(
        BACKOFF_MAX_MS - 1,
      );
    });
  });

  describe("when random gives zero", () => {
    it("retries at once (full jitter reaches down to zero)", () => {
      expect(backoffDelayMs(5, { random: () => 0 })).toBe(0);
    });
  });
});

describe("Backoff", () => {
  describe("after a success", () => {
    it("starts again from the first ceiling", () => {
      const backoff = new Backoff({ random: () => 0.5 });
      backoff.nextDelayMs();
      backoff.nextDelayMs();
      expect(backoff.nextDelayMs()).toBe(1000);
      backoff.reset();
      expect(backoff.attempt).toBe(0);
      expect(backoff.nextDelayMs()).toBe(250);
    });
  });
});

describe("Backoff.skipTo", () => {
  it("draws the next delays from the first ceiling that reaches the scale", () => {
    const backoff = new Backoff({ random: () => 0.5 });
    backoff.skipTo(10_000);
    expect(backoff.nextDelayMs()).toBe(8_000);
    expect(backoff.nextDelayMs()).toBe(15_000);
  });

  it("never moves back to a smaller ceiling", () => {
    const backoff = new Backoff({ random: () => 0.5 });
    backoff.skipTo(30_000);
    backoff.skipTo(1_000);
    expect(backoff.nextDelayMs()).toBe(15_000);
  });
});

describe("jitterMs", () => {
  it("stays within ±10 % of the interval", () => {
    expect(jitterMs(60_000, 0.1, () => 0)).toBe(54_000);
    expect(jitterMs(60_000, 0.1, () => 0.999_999)).toBeLessThanOrEqual(66_000);
    expect(jitterMs(60_000, 0.1, () => 0.5)).toBe(60_000);
  });
});
