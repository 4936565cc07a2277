import { describe, expect, it } from "vitest";
import { withEncodeOnce } from "../../src/server/grpc/encode-once.js";
import { snapshotReply } from "../../src/server/grpc/snapshot-reply.js";
import type { StoreSnapshot } from "../../src/server/store/secret-store.js";
import { loadContract } from "../../src/shared/contract.js";

const contract = loadContract();
const watch = withEncodeOnce(contract.delivery).WatchSnapshots;
const plainWatch = contract.delivery.WatchSnapshots;

function storeSnapshot(revision: number): StoreSnapshot {
  return {
    algorithm: "demo/alpha",
    revision,
    secrets: [{ envName: "A", value: Buffer.from("one"), version: 1 }],
  };
}

describe("withEncodeOnce", () => {
  describe("when one snapshot reply is sent on many streams", () => {
    it("encodes it once and hands out the same bytes", () => {
      const reply = snapshotReply(storeSnapshot(3));
      const first = watch?.responseSerialize(reply);
      const second = watch?.responseSerialize(reply);
      expect(second).toBe(first);
    });

    it("produces the bytes the plain encoder does", () => {
      const reply = snapshotReply(storeSnapshot(4));
      const bytes = watch?.responseSerialize(reply);
      expect(bytes).toEqual(plainWatch?.responseSerialize(reply));
      const decoded = watch?.responseDeserialize(bytes as Buffer);
      expect(decoded.snapshot.revision).toBe(4);
    });
  });

  describe("when a reply object is not frozen", () => {
    it("encodes it again each time, so later changes are sent", () => {
      const event = { heartbeat: { revision: 1, intervalMs: 1000 } };
      const before = watch?.responseSerialize(event);
      event.heartbeat.revision = 2;
      const after = watch?.responseSerialize(event);
      expect(
        watch?.responseDeserialize(after as Buffer).heartbeat.revision,
      ).toBe(2);
      expect(after).not.toEqual(before);
    });
  });
});

describe("snapshotReply", () => {
  describe("when asked twice for one snapshot", () => {
    it("returns the same frozen object", () => {
      const snapshot = storeSnapshot(5);
      const reply = snapshotReply(snapshot);
      expect(snapshotReply(snapshot)).toBe(reply);
      expect(Object.isFrozen(reply)).toBe(true);
    });
  });
});
