/**
 * Snapshots shared between the streams of one algorithm: one decryption
 * per (algorithm, revision) however many agents watch it.
 */
import { LRUCache } from "lru-cache";
import type { SecretStore, StoreSnapshot } from "./store/secret-store.js";

/** Most snapshots held at once; a few per active algorithm is enough. */
const MAX_SNAPSHOTS = 64;

/**
 * How long a snapshot stays, in milliseconds: long enough for the fan-out
 * of one change to every stream, short enough to drop plaintext soon.
 */
const SNAPSHOT_TTL_MS = 5_000;

/**
 * A small, short-lived cache of decrypted snapshots keyed by algorithm
 * and revision. A revision's snapshot never changes, so a hit is never
 * stale; the current revision is read from the store on every call.
 *
 * Limitation: cached snapshots hold decrypted values in process memory for
 * up to {@link SNAPSHOT_TTL_MS}. That is the price of decrypting once per
 * change instead of once per stream; the values are in memory while being
 * sent anyway, and the process memory is as trusted as the KEK it holds.
 */
export class SnapshotCache {
  readonly #store: SecretStore;
  readonly #cache = new LRUCache<string, StoreSnapshot>({
    max: MAX_SNAPSHOTS,
    ttl: SNAPSHOT_TTL_MS,
  });

  constructor(store: SecretStore) {
    this.#store = store;
  }

  /** The algorithm's current revision, read without decrypting. */
  revision(algorithm: string): number {
    return this.#store.revision(algorithm);
  }

  /** The algorithm's snapshot at its current revision. */
  current(algorithm: string): StoreSnapshot {
    const revision = this.#store.revision(algorithm);
    const hit = this.#cache.get(cacheKey(algorithm, revision));
    if (hit) return hit;
    const snapshot = this.#store.snapshot(algorithm);
    this.#cache.set(cacheKey(algorithm, snapshot.revision), snapshot);
    return snapshot;
  }

  /** Drops every cached snapshot (after a KEK rotation or on shutdown). */
  clear(): void {
    this.#cache.clear();
  }
}

function cacheKey(algorithm: string, revision: number): string {
  return `${algorithm}@${revision}`;
}
