/**
 * The last good snapshot, held in memory so that the file can be kept,
 * restored and re-rendered while the service is unreachable. Values stay
 * in {@link Redacted} boxes from the moment they are decoded.
 */
import { LRUCache } from "lru-cache";
import { SecretsError } from "../shared/errors.js";
import type { Snapshot } from "../shared/messages.js";
import { ENV_NAME_PATTERN, isAlgorithmName } from "../shared/names.js";
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

/**
 * Decodes a snapshot, refusing one the agent must not act on: one for an
 * algorithm other than `expectedAlgorithm` (the agent's, when known), a
 * name that is not an environment variable name, or a value that is not
 * UTF-8. The algorithm and the names go into the file's header, the
 * status and the logs, so a service (or anything posing as one) must not
 * be able to slip a line break or shell text in through them; refusals
 * therefore name the field, never the text delivered.
 */
export function decodeSnapshot(
  snapshot: Snapshot,
  receivedAtMs: number,
  expectedAlgorithm?: string,
): CachedSnapshot {
  const { algorithm } = snapshot;
  const isOtherAlgorithm =
    expectedAlgorithm !== undefined && algorithm !== expectedAlgorithm;
  if (!isAlgorithmName(algorithm) || isOtherAlgorithm) {
    throw new SecretsError(
      "INTERNAL",
      "the service delivered a snapshot for another algorithm",
      { field: "algorithm" },
    );
  }
  for (const { envName } of snapshot.secrets) {
    if (!ENV_NAME_PATTERN.test(envName)) {
      throw new SecretsError(
        "INTERNAL",
        "the service delivered a name that is not an environment variable name",
        { field: "env_name" },
      );
    }
  }
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
    algorithm,
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
