import { describe, expect, it } from "vitest";
import { WatchHub } from "../../src/server/watch-hub.js";

const ALG = "hub/alpha";

describe("WatchHub", () => {
  describe("when a commit is published", () => {
    it("tells the algorithm's subscribers and no others", () => {
      const hub = new WatchHub();
      const heard: string[] = [];
      hub.subscribe(ALG, (revision) => heard.push(`a${revision}`), noop);
      hub.subscribe("hub/beta", (revision) => heard.push(`b${revision}`), noop);
      hub.publish(ALG, 7);
      expect(heard).toEqual(["a7"]);
    });
  });

  describe("when a stream unsubscribes more than once", () => {
    it("keeps a later subscriber of the same algorithm", () => {
      const hub = new WatchHub();
      const heard: number[] = [];
      const unsubscribeOld = hub.subscribe(ALG, noop, noop);
      unsubscribeOld();
      hub.subscribe(ALG, (revision) => heard.push(revision), noop);
      // A stream finishes on cancel, close and error: the second call
      // comes after a new stream of the same algorithm subscribed.
      unsubscribeOld();
      hub.publish(ALG, 3);
      expect(heard).toEqual([3]);
      expect(hub.size()).toBe(1);
    });
  });

  describe("when a stream subscribes after the hub closed", () => {
    it("closes it at once and does not keep it", () => {
      const hub = new WatchHub();
      hub.closeAll();
      let closed = 0;
      hub.subscribe(ALG, noop, () => closed++);
      expect(closed).toBe(1);
      expect(hub.size()).toBe(0);
    });
  });

  describe("when the hub closes", () => {
    it("closes every subscriber and forgets them", () => {
      const hub = new WatchHub();
      let closed = 0;
      hub.subscribe(ALG, noop, () => closed++);
      hub.subscribe("hub/beta", noop, () => closed++);
      hub.closeAll();
      expect(closed).toBe(2);
      expect(hub.size()).toBe(0);
    });
  });
});

function noop(): void {}
