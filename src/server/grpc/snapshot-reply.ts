/**
 * The `{ snapshot }` reply for a store snapshot, built once per snapshot
 * object and frozen, so that `withEncodeOnce` encodes it once for every
 * stream and refresh that sends it.
 */
import type { Snapshot } from "../../shared/messages.js";
import type { StoreSnapshot } from "../store/secret-store.js";

/** A reply carrying a snapshot: fits GetSnapshotResponse and WatchEvent. */
export type SnapshotReply = Readonly<{ snapshot: Readonly<Snapshot> }>;

// Keyed weakly: a reply lives as long as the snapshot cache keeps its
// snapshot, which is what makes the change's encoding shared.
const replies = new WeakMap<StoreSnapshot, SnapshotReply>();

/** The frozen reply for `snapshot`; the same object on every call. */
export function snapshotReply(snapshot: StoreSnapshot): SnapshotReply {
  let reply = replies.get(snapshot);
  if (!reply) {
    reply = Object.freeze({
      snapshot: Object.freeze(toSnapshotMessage(snapshot)),
    });
    replies.set(snapshot, reply);
  }
  return reply;
}

/** A store snapshot as the contract's `Snapshot` message. */
export function toSnapshotMessage(snapshot: StoreSnapshot): Snapshot {
  return {
    algorithm: snapshot.algorithm,
    revision: snapshot.revision,
    secrets: snapshot.secrets.map((secret) => ({
      envName: secret.envName,
      value: secret.value,
      version: secret.version,
    })),
  };
}
