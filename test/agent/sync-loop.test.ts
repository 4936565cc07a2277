import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { systemClock } from "../../src/agent/clock.js";
import type {
  RefreshResult,
  WatchHandlers,
} from "../../src/agent/delivery-client.js";
import {
  type DeliveryPort,
  runSyncLoop,
  STREAM_SILENCE_MS,
  type SyncLoopOptions,
  type SyncReports,
} from "../../src/agent/sync-loop.js";
import { type ErrorCode, SecretsError } from "../../src/shared/errors.js";

/**
 * A scripted service: the loop is the unit under test and takes its
 * service as an argument, so these tests drive it pass by pass with fake
 * timers. The e2e tests run it against the real server.
 */
class ScriptedDelivery implements DeliveryPort {
  refreshes = 0;
  refreshAnswer: () => Promise<RefreshResult> = async () => ({
    kind: "unchanged",
    revision: 1,
  });
  watches: Array<{ handlers: WatchHandlers; isCancelled: boolean }> = [];

  getSnapshot(): Promise<RefreshResult> {
    this.refreshes += 1;
    return this.refreshAnswer();
  }

  watch(_known: number, handlers: WatchHandlers) {
    const entry = { handlers, isCancelled: false };
    this.watches.push(entry);
    return {
      cancel: () => {
        entry.isCancelled = true;
      },
    };
  }

  get lastWatch() {
    return this.watches[this.watches.length - 1];
  }
}

function recordingReports() {
  const failures: ErrorCode[] = [];
  const states: string[] = [];
  const reports: SyncReports = {
    onSnapshot: () => {},
    onContact: () => {},
    onFailure: (error) => failures.push(error.code),
    onStreamState: (state) => states.push(state),
    onReconnect: () => {},
  };
  return { reports, failures, states };
}

function start(
  delivery: ScriptedDelivery,
  refreshMs = 60_000,
  random = () => 0.5,
  extra: Partial<SyncLoopOptions> = {},
) {
  const stop = new AbortController();
  const recorded = recordingReports();
  const done = runSyncLoop({
    delivery,
    clock: systemClock,
    stop: stop.signal,
    reports: recorded.reports,
    knownRevision: () => 1,
    refreshMs,
    isWatchEnabled: true,
    // Mid-range picks by default: backoff delays are half their ceiling,
    // jitter none, the reconnect spread's pick 14 s.
    random,
    ...extra,
  });
  return { ...recorded, stop, done };
}

const heartbeat = (revision: number) => ({
  event: "heartbeat" as const,
  heartbeat: { revision, intervalMs: 20_000 },
});

describe("runSyncLoop", () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  describe("when the stream goes silent", () => {
    it("cancels it after 45 s and subscribes again", async () => {
      const delivery = new ScriptedDelivery();
      const loop = start(delivery);
      await vi.advanceTimersByTimeAsync(STREAM_SILENCE_MS - 1);
      expect(delivery.watches).toHaveLength(1);
      await vi.advanceTimersByTimeAsync(1 + 250);
      expect(delivery.watches[0]?.isCancelled).toBe(true);
      expect(delivery.watches).toHaveLength(2);
      expect(loop.failures).toContain("UNAVAILABLE");
      loop.stop.abort();
      await loop.done;
    });

    it("keeps a stream that sends heartbeats", async () => {
      const delivery = new ScriptedDelivery();
      const loop = start(delivery);
      for (let i = 0; i < 4; i += 1) {
        await vi.advanceTimersByTimeAsync(30_000);
        delivery.lastWatch?.handlers.onEvent(heartbeat(1));
      }
      expect(delivery.watches).toHaveLength(1);
      expect(loop.states).toContain("up");
      loop.stop.abort();
      await loop.done;
    });
  });

  describe("when a heartbeat is ahead of the known revision", () => {
    it("refreshes at once instead of waiting for the interval", async () => {
      const delivery = new ScriptedDelivery();
      const loop = start(delivery);
      await vi.advanceTimersByTimeAsync(10);
      expect(delivery.refreshes).toBe(1);
      delivery.lastWatch?.handlers.onEvent(heartbeat(7));
      await vi.advanceTimersByTimeAsync(10);
      expect(delivery.refreshes).toBe(2);
      loop.stop.abort();
      await loop.done;
    });
  });

  describe("when the service refuses the agent", () => {
    it("retries stream and refresh only every refresh interval", async () => {
      const delivery = new ScriptedDelivery();
      const denied = new SecretsError("PERMISSION_DENIED", "denied");
      delivery.refreshAnswer = () => Promise.reject(denied);
      const loop = start(delivery, 10_000);
      await vi.advanceTimersByTimeAsync(10);
      delivery.lastWatch?.handlers.onEnd(denied);
      await vi.advanceTimersByTimeAsync(9_000);
      expect(delivery.refreshes).toBe(1);
      expect(delivery.watches).toHaveLength(1);
      expect(loop.states).toContain("slow-retry");
      await vi.advanceTimersByTimeAsync(1_100);
      expect(delivery.refreshes).toBe(2);
      expect(delivery.watches).toHaveLength(2);
      loop.stop.abort();
      await loop.done;
    });

    it("retries both at once when the token changes", async () => {
      const delivery = new ScriptedDelivery();
      const refused = new SecretsError("UNAUTHENTICATED", "expired");
      delivery.refreshAnswer = () => Promise.reject(refused);
      const listeners: Array<() => void> = [];
      const loop = start(delivery, 60_000, () => 0.5, {
        onTokenChange: (listener) => listeners.push(listener),
      });
      await vi.advanceTimersByTimeAsync(10);
      delivery.lastWatch?.handlers.onEnd(refused);
      await vi.advanceTimersByTimeAsync(1_000);
      expect(delivery.refreshes).toBe(1);
      expect(delivery.watches).toHaveLength(1);
      for (const listener of listeners) listener();
      await vi.advanceTimersByTimeAsync(10);
      expect(delivery.refreshes).toBe(2);
      expect(delivery.watches).toHaveLength(2);
      loop.stop.abort();
      await loop.done;
    });
  });

  describe("when the token changes under an open stream", () => {
    it("cancels the stream and opens a new one at once, reporting no failure", async () => {
      const delivery = new ScriptedDelivery();
      const listeners: Array<() => void> = [];
      const loop = start(delivery, 60_000, () => 0.5, {
        onTokenChange: (listener) => listeners.push(listener),
      });
      await vi.advanceTimersByTimeAsync(10);
      delivery.lastWatch?.handlers.onEvent(heartbeat(1));
      const first = delivery.lastWatch;
      for (const listener of listeners) listener();
      await vi.advanceTimersByTimeAsync(10);
      expect(first?.isCancelled).toBe(true);
      expect(delivery.watches).toHaveLength(2);
      expect(loop.failures).toEqual([]);
      // The old stream's late end must not end the new one.
      first?.handlers.onEnd(new SecretsError("UNAVAILABLE", "late"));
      await vi.advanceTimersByTimeAsync(10);
      expect(delivery.lastWatch?.isCancelled).toBe(false);
      loop.stop.abort();
      await loop.done;
    });
  });

  describe("when a stream that was up is lost", () => {
    it("reopens it at a pick spread over 28 s, not within the first backoff", async () => {
      const delivery = new ScriptedDelivery();
      const loop = start(delivery);
      await vi.advanceTimersByTimeAsync(10);
      delivery.lastWatch?.handlers.onEvent(heartbeat(1));
      delivery.lastWatch?.handlers.onEnd();
      await vi.advanceTimersByTimeAsync(13_000);
      expect(delivery.watches).toHaveLength(1);
      await vi.advanceTimersByTimeAsync(1_100);
      expect(delivery.watches).toHaveLength(2);
      loop.stop.abort();
      await loop.done;
    });

    it("backs off from a 2 s ceiling, not 0.5 s, if that reconnect fails", async () => {
      const delivery = new ScriptedDelivery();
      const loop = start(delivery, 60_000, () => 0.99);
      await vi.advanceTimersByTimeAsync(10);
      delivery.lastWatch?.handlers.onEvent(heartbeat(1));
      delivery.lastWatch?.handlers.onEnd();
      await vi.advanceTimersByTimeAsync(27_800);
      expect(delivery.watches).toHaveLength(2);
      const down = new SecretsError("UNAVAILABLE", "down");
      delivery.lastWatch?.handlers.onEnd(down);
      // A 0.99 pick of a 2 s ceiling: nothing within the old 0.5 s.
      await vi.advanceTimersByTimeAsync(1_900);
      expect(delivery.watches).toHaveLength(2);
      await vi.advanceTimersByTimeAsync(100);
      expect(delivery.watches).toHaveLength(3);
      // Then a 4 s ceiling, growing as usual.
      delivery.lastWatch?.handlers.onEnd(down);
      await vi.advanceTimersByTimeAsync(3_800);
      expect(delivery.watches).toHaveLength(3);
      await vi.advanceTimersByTimeAsync(200);
      expect(delivery.watches).toHaveLength(4);
      loop.stop.abort();
      await loop.done;
    });
  });

  describe("when the service is unreachable", () => {
    it("retries with growing backoff, not at the refresh interval", async () => {
      const delivery = new ScriptedDelivery();
      const down = new SecretsError("UNAVAILABLE", "down");
      delivery.refreshAnswer = () => Promise.reject(down);
      const loop = start(delivery, 60_000);
      await vi.advanceTimersByTimeAsync(10);
      // Half of each ceiling: 250, 500, 1000, 2000 ms.
      await vi.advanceTimersByTimeAsync(250 + 500 + 1000 + 2000);
      expect(delivery.refreshes).toBe(5);
      loop.stop.abort();
      await loop.done;
    });
  });

  describe("when stopped during a refresh the service never answers", () => {
    it("ends at once instead of waiting for the call", async () => {
      const delivery = new ScriptedDelivery();
      delivery.refreshAnswer = () => new Promise(() => {});
      const loop = start(delivery);
      await vi.advanceTimersByTimeAsync(10);
      loop.stop.abort();
      let isDone = false;
      void loop.done.then(() => {
        isDone = true;
      });
      await vi.advanceTimersByTimeAsync(1);
      expect(isDone).toBe(true);
    });
  });

  describe("when stopped", () => {
    it("ends both loops and reports the stream stopped", async () => {
      const delivery = new ScriptedDelivery();
      const loop = start(delivery);
      await vi.advanceTimersByTimeAsync(10);
      loop.stop.abort();
      await loop.done;
      expect(loop.states.at(-1)).toBe("stopped");
      expect(delivery.lastWatch?.isCancelled).toBe(true);
    });
  });
});
