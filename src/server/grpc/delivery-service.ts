/**
 * SecretDelivery: an agent's snapshot on request, and a stream that sends
 * a snapshot whenever the agent's algorithm changes, with heartbeats while
 * idle. The algorithm always comes from the caller's token.
 */
import type {
  ServerWritableStream,
  UntypedServiceImplementation,
} from "@grpc/grpc-js";
import { toGrpcError } from "../../shared/grpc-status.js";
import type { Logger } from "../../shared/logger.js";
import type {
  GetSnapshotRequest,
  GetSnapshotResponse,
  Snapshot,
  WatchEvent,
  WatchSnapshotsRequest,
} from "../../shared/messages.js";
import type { Authenticator } from "../auth.js";
import type { SnapshotCache } from "../snapshot-cache.js";
import type { StoreSnapshot } from "../store/secret-store.js";
import type { WatchHub } from "../watch-hub.js";
import { logCallError, unaryHandler } from "./unary.js";

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

type WatchCall = ServerWritableStream<WatchSnapshotsRequest, WatchEvent>;

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
      const snapshot = options.snapshots.current(algorithm);
      if (request.knownRevision === snapshot.revision) {
        return { unchanged: { algorithm, revision: snapshot.revision } };
      }
      return { snapshot: toMessage(snapshot) };
    },
  );
  const watchSnapshots = (call: WatchCall) => {
    options.auth.requireAgent(call.metadata).then(
      ({ algorithm }) => runWatch(call, algorithm, { ...options, logger }),
      (error: unknown) => failWatch(call, logger, error),
    );
  };
  return { GetSnapshot: getSnapshot, WatchSnapshots: watchSnapshots };
}

/**
 * One stream's life: subscribe first (so no commit slips between the
 * first read and the subscription), send a snapshot if the caller is
 * behind, then one per change, and a heartbeat after each idle interval.
 *
 * Limitation: a slow reader's writes are buffered rather than coalesced;
 * with a snapshot per change that costs memory only under a burst of
 * changes to one algorithm while its agent cannot read.
 */
function runWatch(
  call: WatchCall,
  algorithm: string,
  options: DeliveryServiceOptions,
): void {
  const heartbeatMs = options.heartbeatMs ?? DEFAULT_HEARTBEAT_MS;
  const logger = options.logger;
  let sentRevision = call.request.knownRevision;
  let timer: NodeJS.Timeout | undefined;
  let isOpen = true;

  const armHeartbeat = () => {
    clearTimeout(timer);
    timer = setTimeout(sendHeartbeat, heartbeatMs);
  };
  const sendHeartbeat = () => {
    if (!isOpen) return;
    const revision = options.snapshots.current(algorithm).revision;
    call.write({ heartbeat: { revision, intervalMs: heartbeatMs } });
    armHeartbeat();
  };
  const sendIfBehind = () => {
    if (!isOpen) return;
    try {
      const snapshot = options.snapshots.current(algorithm);
      if (snapshot.revision !== sentRevision) {
        sentRevision = snapshot.revision;
        call.write({ snapshot: toMessage(snapshot) });
        logger.debug({ algorithm, revision: sentRevision }, "snapshot sent");
      }
      armHeartbeat();
    } catch (error) {
      finish();
      failWatch(call, logger, error);
    }
  };
  const finish = () => {
    isOpen = false;
    clearTimeout(timer);
    unsubscribe();
  };
  const unsubscribe = options.hub.subscribe(algorithm, sendIfBehind, () => {
    finish();
    call.end();
  });

  call.on("cancelled", finish);
  call.on("close", finish);
  call.on("error", finish);
  logger.debug({ algorithm, knownRevision: sentRevision }, "watch started");
  sendIfBehind();
}

function failWatch(call: WatchCall, logger: Logger, error: unknown): void {
  logCallError(logger, "WatchSnapshots", error);
  // grpc-js turns an "error" event into the stream's final status.
  call.emit("error", toGrpcError(error));
}

function toMessage(snapshot: StoreSnapshot): Snapshot {
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
