/**
 * What the agent does with the sync loop's reports: successes and
 * failures go to status and metrics (failures with their message
 * scrubbed), and a newer snapshot goes to the cache and on to the file.
 */
import { SecretsError } from "../shared/errors.js";
import type { Logger } from "../shared/logger.js";
import type { Snapshot } from "../shared/messages.js";
import type { AgentMetrics } from "./agent-metrics.js";
import type { AgentStatus } from "./agent-status.js";
import type { Clock } from "./clock.js";
import type { FilePublisher } from "./file-publisher.js";
import { decodeSnapshot, type SnapshotCache } from "./snapshot-cache.js";
import type { SyncReports, SyncSource } from "./sync-loop.js";

export interface ReportTargets {
  status: AgentStatus;
  metrics: AgentMetrics;
  cache: SnapshotCache;
  publisher: FilePublisher;
  logger: Logger;
  clock: Clock;
  /**
   * Called when the service refuses the agent, e.g. to re-read the token
   * file in case a change to it went unnoticed.
   */
  onRefused?: () => void;
}

export function makeSyncReports(parts: ReportTargets): SyncReports {
  const { logger, clock } = parts;
  const log = logger.child({ component: "sync-loop" });
  const { status, metrics } = parts;
  const noteSuccess = (source: SyncSource) => {
    const nowMs = clock.now();
    status.noteSuccess(nowMs);
    metrics.syncs.inc({ source });
    metrics.lastSuccessSeconds.set(nowMs / 1000);
  };
  return {
    onSnapshot(snapshot: Snapshot, source) {
      noteSuccess(source);
      log.trace(
        {
          source,
          revision: snapshot.revision,
          envNames: snapshot.secrets.map((secret) => secret.envName),
        },
        "snapshot received",
      );
      applySnapshot(parts, snapshot, source, log, clock);
    },
    onContact(source, revision) {
      noteSuccess(source);
      log.debug({ source, revision }, "service contacted");
      // A file behind the cache means its last write failed: try again.
      const held = parts.cache.current();
      if (held && held.revision !== parts.status.revision) {
        parts.publisher.changed();
      }
    },
    onFailure(error, source) {
      status.noteError(
        { code: error.code, message: error.message, atMs: clock.now() },
        (parts.cache.current()?.secrets ?? []).map((secret) =>
          secret.value.reveal(),
        ),
      );
      status.noteAttempt(clock.now());
      metrics.failures.inc({ code: error.code });
      const isDecision =
        error.code === "PERMISSION_DENIED" || error.code === "UNAUTHENTICATED";
      const fields = {
        source,
        code: error.code,
        message: status.lastError?.message,
      };
      if (isDecision) {
        log.error(fields, "service refused the agent; keeping the file");
        parts.onRefused?.();
      } else if (status.isReady)
        log.warn(fields, "sync failed; serving the last good file");
      else log.warn(fields, "sync failed; no file yet");
    },
    onStreamState(state) {
      status.streamState = state;
      log.debug({ streamState: state }, "stream state");
    },
    onReconnect() {
      metrics.reconnects.inc();
    },
  };
}

function applySnapshot(
  parts: ReportTargets,
  snapshot: Snapshot,
  source: SyncSource,
  log: Logger,
  clock: Clock,
): void {
  let isNewer = false;
  try {
    isNewer = parts.cache.offer(decodeSnapshot(snapshot, clock.now()));
  } catch (thrown) {
    const error = SecretsError.from(thrown);
    parts.status.noteError({
      code: error.code,
      message: error.message,
      atMs: clock.now(),
    });
    log.error({ code: error.code, field: error.field }, "snapshot refused");
    return;
  }
  if (!isNewer) return;
  log.info(
    { source, revision: snapshot.revision, algorithm: snapshot.algorithm },
    "snapshot applied",
  );
  parts.publisher.changed();
}
