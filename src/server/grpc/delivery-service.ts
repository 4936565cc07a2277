/**
 * SecretDelivery: an agent's snapshot on request, and a stream that sends
 * a snapshot whenever the agent's algorithm changes, with heartbeats while
 * idle. The algorithm always comes from the caller's token.
 */
import type { UntypedServiceImplementation } from "@grpc/grpc-js";
import type { Logger } from "../../shared/logger.js";
import type {
  GetSnapshotRequest,
  GetSnapshotResponse,
} from "../../shared/messages.js";
import type { Authenticator } from "../auth.js";
import type { SnapshotCache } from "../snapshot-cache.js";
import type { WatchHub } from "../watch-hub.js";
import { snapshotReply } from "./snapshot-reply.js";
import { unaryHandler } from "./unary.js";
import { failWatch, runWatchStream, type WatchCall } from "./watch-stream.js";

/** Default idle time between heartbeats, in milliseconds (as the issue). */
export const DEFAULT_HEARTBEAT_MS = 20_000;

export interface DeliveryServiceOptions {
  snapshots: SnapshotCache;
  hub: WatchHub;
  auth: Authenticator;
  logger: Logger;
  /** Idle time between heartbeats, ms; default {@link DEFAULT_HEARTBEAT_MS}. */
  heartbeatMs?: number;
}

/** The SecretDelivery handlers. */
export function deliveryService(
  options: DeliveryServiceOptions,
): UntypedServiceImplementation {
  const logger = options.logger.child({ component: "delivery" });
  const getSnapshot = unaryHandler<GetSnapshotRequest, GetSnapshotResponse>(
    logger,
    "GetSnapshot",
    async ({ request, metadata }) => {
      const { algorithm } = await options.auth.requireAgent(metadata);
      // Compare revisions first: "unchanged" needs no decryption.
      const revision = options.snapshots.revision(algorithm);
      if (request.knownRevision === revision) {
        return { unchanged: { algorithm, revision } };
      }
      return snapshotReply(options.snapshots.current(algorithm));
    },
  );
  const watchSnapshots = (call: WatchCall) => {
    options.auth.requireAgent(call.metadata).then(
      ({ algorithm, expiresAtMs }) =>
        runWatchStream({
          call,
          algorithm,
          expiresAtMs: expiresAtMs ?? Number.POSITIVE_INFINITY,
          snapshots: options.snapshots,
          hub: options.hub,
          heartbeatMs: options.heartbeatMs ?? DEFAULT_HEARTBEAT_MS,
          logger,
        }),
      (error: unknown) => failWatch(call, logger, error),
    );
  };
  return { GetSnapshot: getSnapshot, WatchSnapshots: watchSnapshots };
}
