/**
 * The last good snapshot, held in memory so that the file can be kept,
 * restored and re-rendered while the service is unreachable. Values stay
 * in {@link Redacted} boxes from the moment they are decoded.
 */
import { LRUCache } from "lru-cache";
import { SecretsError } from "../shared/errors.js";
import type { Snapshot } from "../shared/messages.js";
import { Redacted } from "../shared/redacted.js";

/** One secret as the agent keeps it. */
export interface CachedSecret {
  envName: string;
  value: Redacted<string>;
}

/** A decoded snapshot. */
export interface CachedSnapshot {
  algorithm: string;
  revision: number;
  secrets: readonly CachedSecret[];
  receivedAtMs: number;
}

const UTF8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

/** Decodes a snapshot; a value that is not UTF-8 is refused by name. */
export function decodeSnapshot(
  snapshot: Snapshot,
  receivedAtMs: number,
): CachedSnapshot {
  const secrets = snapshot.secrets.map((secret) => {
    try {
      return {
        envName: secret.envName,
        value: new Redacted(UTF8.decode(secret.value)),
      };
    } catch {
      throw new SecretsError(
        "INTERNAL",
        `${secret.envName}: the delivered value is not UTF-8`,
        { field: secret.envName },
      );
    }
  });
  return {
    algorithm: snapshot.algorithm,
    revision: snapshot.revision,
    secrets,
    receivedAtMs,
  };
}

/**
 * Keeps the newest snapshot per algorithm. An agent serves one algorithm,
 * so one entry is in use; the bound stops a token naming a new algorithm
 * from keeping the old one's values alive.
 */
export class SnapshotCache {
  readonly #cache = new LRUCache<string, CachedSnapshot>({ max: 1 });
  #algorithm: string | undefined;

  /** The snapshot in use, if any. */
  current(): CachedSnapshot | undefined {
    if (this.#algorithm === undefined) return undefined;
    return this.#cache.get(this.#algorithm);
  }

  /** Revision in use, or 0 when nothing is held yet. */
  knownRevision(): number {
    return this.current()?.revision ?? 0;
  }

  /**
   * Takes `snapshot` if it is newer than the one held (or for another
   * algorithm); returns whether it was taken. Older snapshots come from a
   * slow unary answer racing the stream and are dropped.
   */
  offer(snapshot: CachedSnapshot): boolean {
    const held = this.current();
    const isSameAlgorithm = held?.algorithm === snapshot.algorithm;
    if (held && isSameAlgorithm && snapshot.revision <= held.revision) {
      return false;
    }
    this.#algorithm = snapshot.algorithm;
    this.#cache.set(snapshot.algorithm, snapshot);
    return true;
  }
}
