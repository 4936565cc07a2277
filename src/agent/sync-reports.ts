/**
 * What the agent does with the sync loop's reports: successes and
 * failures go to status and metrics, and a newer snapshot goes to the
 * cache and on to the file. A failure reaches `/status` as its code and
 * source only; the service's or the transport's own words go to the
 * debug log.
 *
 * A report whose revision is lower than the one held means the service
 * went backwards (its data was reset, say): that is no success. The
 * status goes stale, a warning naming both revisions is logged once, and
 * the file is kept; lower snapshots are not applied. A lower revision
 * that arrives soon after the held snapshot may instead be a slow answer
 * overtaken by a newer one, and is ignored.
 *
 * Limitation: a reset is therefore noticed only once the held snapshot
 * is older than {@link RACE_WINDOW_MS}, and the agent keeps its newer
 * file until it is restarted or the service's revision passes it.
 */
import { isIdentityRefusal, SecretsError } from "../shared/errors.js";
import type { Logger } from "../shared/logger.js";
import type { Snapshot } from "../shared/messages.js";
import { transportTrouble } from "../shared/transport-mismatch.js";
import type { AgentMetrics } from "./agent-metrics.js";
import type { AgentStatus, KnownProblem } from "./agent-status.js";
import type { Clock } from "./clock.js";
import { UNARY_DEADLINE_MS } from "./delivery-client.js";
import type { FilePublisher } from "./file-publisher.js";
import { decodeSnapshot, type SnapshotCache } from "./snapshot-cache.js";
import type { SyncReports, SyncSource } from "./sync-loop.js";

/**
 * How long after the held snapshot arrived a lower revision may still be
 * an honest race, in milliseconds: a call made before it arrived answers
 * within its deadline.
 */
export const RACE_WINDOW_MS = UNARY_DEADLINE_MS;

export interface ReportTargets {
  status: AgentStatus;
  metrics: AgentMetrics;
  cache: SnapshotCache;
  publisher: FilePublisher;
  logger: Logger;
  clock: Clock;
  /**
   * The algorithm this agent serves (its token's claim), once known; a
   * snapshot for any other is refused.
   */
  algorithm?: () => string | undefined;
  /**
   * Called when the service refuses the agent, e.g. to re-read the token
   * file in case a change to it went unnoticed.
   */
  onRefused?: () => void;
}

/** How a reported revision stands against the one held. */
type Standing = "current" | "late" | "behind";

export function makeSyncReports(targets: ReportTargets): SyncReports {
  return new SyncReporter(targets);
}

class SyncReporter implements SyncReports {
  readonly #targets: ReportTargets;
  readonly #log: Logger;
  /** The warning for a service gone backwards was logged. */
  #isBehindWarned = false;

  constructor(targets: ReportTargets) {
    this.#targets = targets;
    this.#log = targets.logger.child({ component: "sync-loop" });
  }

  onSnapshot(snapshot: Snapshot, source: SyncSource): void {
    if (!this.#isCurrent(source, snapshot.revision)) return;
    this.#noteSuccess(source);
    // Before decoding: a snapshot refused there leaves the file behind.
    this.#targets.status.noteLatestRevision(snapshot.revision);
    this.#log.trace(
      { source, revision: snapshot.revision },
      "snapshot received",
    );
    this.#apply(snapshot, source);
  }

  onContact(source: SyncSource, revision: number): void {
    if (!this.#isCurrent(source, revision)) return;
    this.#noteSuccess(source);
    this.#log.debug({ source, revision }, "service contacted");
    // A file behind the cache means its last write failed: try again.
    const held = this.#targets.cache.current();
    if (held && held.revision !== this.#targets.status.revision) {
      this.#targets.publisher.changed();
    }
  }

  onFailure(error: SecretsError, source: SyncSource): void {
    const { status, metrics, clock } = this.#targets;
    const { code } = error;
    const problem = transportProblem(error);
    status.noteError({
      code,
      source,
      atMs: clock.now(),
      ...(problem && { problem }),
    });
    status.noteAttempt(clock.now());
    metrics.failures.inc({ code });
    // The service's or the transport's words: never in /status.
    this.#log.debug(
      { source, code, detail: error.message },
      "sync error detail",
    );
    const fields = { source, code, ...(problem && { problem }) };
    if (isIdentityRefusal(code)) {
      this.#log.error(fields, "service refused the agent; keeping the file");
      this.#targets.onRefused?.();
    } else if (status.isReady) {
      this.#log.warn(fields, "sync failed; serving the last good file");
    } else this.#log.warn(fields, "sync failed; no file yet");
  }

  onStreamState(state: AgentStatus["streamState"]): void {
    this.#targets.status.streamState = state;
    this.#log.debug({ streamState: state }, "stream state");
  }

  onReconnect(): void {
    this.#targets.metrics.reconnects.inc();
  }

  /**
   * False for a revision below the one held: noted as the service gone
   * backwards, or dropped as a late answer (see the module comment).
   */
  #isCurrent(source: SyncSource, revision: number): boolean {
    const standing = this.#standing(revision);
    if (standing === "behind") this.#noteBehind(source, revision);
    return standing === "current";
  }

  #standing(revision: number): Standing {
    const held = this.#targets.cache.current();
    if (!held || revision >= held.revision) return "current";
    const heldForMs = this.#targets.clock.now() - held.receivedAtMs;
    return heldForMs < RACE_WINDOW_MS ? "late" : "behind";
  }

  #noteSuccess(source: SyncSource): void {
    const { status, metrics, clock } = this.#targets;
    const nowMs = clock.now();
    status.noteSuccess(nowMs);
    metrics.syncs.inc({ source });
    metrics.lastSuccessSeconds.set(nowMs / 1000);
    this.#isBehindWarned = false;
  }

  #noteBehind(source: SyncSource, revision: number): void {
    const { status, cache, clock } = this.#targets;
    const nowMs = clock.now();
    status.noteError({
      code: "FAILED_PRECONDITION",
      source,
      problem: "revision-behind",
      atMs: nowMs,
    });
    status.noteAttempt(nowMs);
    if (this.#isBehindWarned) return;
    this.#isBehindWarned = true;
    this.#log.warn(
      { source, revision, heldRevision: cache.knownRevision() },
      "the service's revision went backwards; keeping the newer file",
    );
  }

  #apply(snapshot: Snapshot, source: SyncSource): void {
    const { cache, status, publisher, clock, algorithm } = this.#targets;
    let isNewer = false;
    try {
      const decoded = decodeSnapshot(snapshot, clock.now(), algorithm?.());
      isNewer = cache.offer(decoded);
    } catch (thrown) {
      const { code, field } = SecretsError.from(thrown);
      status.noteError({ code, source, field, atMs: clock.now() });
      this.#log.error({ code, field }, "snapshot refused");
      return;
    }
    if (!isNewer) return;
    this.#log.info(
      { source, revision: snapshot.revision, algorithm: snapshot.algorithm },
      "snapshot applied",
    );
    publisher.changed();
  }
}

/**
 * The setup mistake an UNAVAILABLE points at, when its transport text
 * names one: the CA, a client certificate the service demands, or a
 * service without TLS. Without this, each reads in `/status` like a
 * service that is down.
 */
function transportProblem(error: SecretsError): KnownProblem | undefined {
  if (error.code !== "UNAVAILABLE") return undefined;
  const trouble = transportTrouble(error.message);
  return trouble === "connection-reset" ? undefined : trouble;
}
