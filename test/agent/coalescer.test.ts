import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import {
  Coalescer,
  LEADING_DELAY_MS,
  SETTLE_MS,
} from "../../src/agent/coalescer.js";

describe("Coalescer", () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  function counting(
    maxWaitMs: number,
    quietGapMs?: number,
    leadingDelayMs?: number,
  ) {
    const runs: number[] = [];
    const coalescer = new Coalescer({
      maxWaitMs,
      quietGapMs,
      leadingDelayMs,
      run: async () => {
        runs.push(Date.now());
      },
    });
    return { coalescer, runs };
  }

  describe("when three changes come at once", () => {
    it("runs once", async () => {
      const { coalescer, runs } = counting(1000);
      coalescer.schedule();
      coalescer.schedule();
      coalescer.schedule();
      await vi.advanceTimersByTimeAsync(2000);
      expect(runs).toHaveLength(1);
    });
  });

  describe("when a lone change comes", () => {
    it("runs after the quiet gap, well before the maximum wait", async () => {
      const { coalescer, runs } = counting(1000, 150);
      coalescer.schedule();
      await vi.advanceTimersByTimeAsync(149);
      expect(runs).toHaveLength(0);
      await vi.advanceTimersByTimeAsync(1);
      expect(runs).toHaveLength(1);
    });
  });

  describe("when a lone change comes with the default settle", () => {
    it("runs once the settle has passed, long before the maximum wait", async () => {
      const { coalescer, runs } = counting(1000);
      coalescer.schedule();
      await vi.advanceTimersByTimeAsync(SETTLE_MS - 1);
      expect(runs).toHaveLength(0);
      await vi.advanceTimersByTimeAsync(1);
      expect(runs).toHaveLength(1);
    });
  });

  describe("when changes come a few milliseconds apart", () => {
    it("gathers them into one run", async () => {
      const { coalescer, runs } = counting(1000);
      for (let i = 0; i < 3; i += 1) {
        coalescer.schedule();
        await vi.advanceTimersByTimeAsync(SETTLE_MS - 5);
      }
      await vi.advanceTimersByTimeAsync(2000);
      expect(runs).toHaveLength(1);
    });
  });

  describe("when changes keep coming closer than the quiet gap", () => {
    it("runs at the maximum wait and then again for the rest", async () => {
      const { coalescer, runs } = counting(1000, 150);
      const start = Date.now();
      for (let i = 0; i < 15; i += 1) {
        coalescer.schedule();
        await vi.advanceTimersByTimeAsync(100);
      }
      await vi.advanceTimersByTimeAsync(2000);
      expect(runs[0]).toBe(start + 1000);
      expect(runs).toHaveLength(2);
    });
  });

  describe("when a change comes while a run is in progress", () => {
    it("runs once more afterwards, never overlapping", async () => {
      let active = 0;
      let maxActive = 0;
      let count = 0;
      const coalescer = new Coalescer({
        maxWaitMs: 10,
        run: async () => {
          active += 1;
          maxActive = Math.max(maxActive, active);
          count += 1;
          await new Promise((resolve) => setTimeout(resolve, 50));
          active -= 1;
        },
      });
      coalescer.schedule();
      await vi.advanceTimersByTimeAsync(20);
      coalescer.schedule();
      coalescer.schedule();
      await vi.advanceTimersByTimeAsync(500);
      expect(count).toBe(2);
      expect(maxActive).toBe(1);
    });
  });

  describe("with a leading edge", () => {
    const withLeadingEdge = () => counting(1000, SETTLE_MS, LEADING_DELAY_MS);

    it("runs a lone change after the leading delay only", async () => {
      const { coalescer, runs } = withLeadingEdge();
      const start = Date.now();
      coalescer.schedule();
      await vi.advanceTimersByTimeAsync(LEADING_DELAY_MS);
      expect(runs).toEqual([start + LEADING_DELAY_MS]);
    });

    it("gathers changes that come together into that one run", async () => {
      const { coalescer, runs } = withLeadingEdge();
      coalescer.schedule();
      coalescer.schedule();
      coalescer.schedule();
      await vi.advanceTimersByTimeAsync(2000);
      expect(runs).toHaveLength(1);
    });

    it("runs a burst a few milliseconds apart twice: at once, then after the settle", async () => {
      const { coalescer, runs } = withLeadingEdge();
      const start = Date.now();
      for (let i = 0; i < 4; i += 1) {
        coalescer.schedule();
        await vi.advanceTimersByTimeAsync(5);
      }
      await vi.advanceTimersByTimeAsync(2000);
      expect(runs).toEqual([start + LEADING_DELAY_MS, start + 15 + SETTLE_MS]);
    });

    it("treats a change long after the last one as lone again", async () => {
      const { coalescer, runs } = withLeadingEdge();
      coalescer.schedule();
      await vi.advanceTimersByTimeAsync(SETTLE_MS * 4);
      const later = Date.now();
      coalescer.schedule();
      await vi.advanceTimersByTimeAsync(LEADING_DELAY_MS);
      expect(runs.at(-1)).toBe(later + LEADING_DELAY_MS);
    });
  });

  describe("when cancelled", () => {
    it("does not run", async () => {
      const { coalescer, runs } = counting(1000);
      coalescer.schedule();
      coalescer.cancel();
      await vi.advanceTimersByTimeAsync(2000);
      expect(runs).toHaveLength(0);
    });
  });
});
