/**
 * One `WatchSnapshots` stream after its token has been checked: a
 * snapshot now if the agent is behind (a heartbeat now if it is current,
 * so it knows at once that the stream is up), one per change of its
 * algorithm, and a heartbeat after each idle interval, until the agent
 * goes away, its token expires or the server stops.
 */
import type { ServerWritableStream } from "@grpc/grpc-js";
import { SecretsError } from "../../shared/errors.js";
import { toGrpcError } from "../../shared/grpc-status.js";
import type { Logger } from "../../shared/logger.js";
import type {
  WatchEvent,
  WatchSnapshotsRequest,
} from "../../shared/messages.js";
import type { SnapshotCache } from "../snapshot-cache.js";
import type { WatchHub } from "../watch-hub.js";
import { snapshotReply } from "./snapshot-reply.js";
import { logCallError } from "./unary.js";

/** The server side of a `WatchSnapshots` call. */
export type WatchCall = ServerWritableStream<WatchSnapshotsRequest, WatchEvent>;

export interface WatchStreamOptions {
  call: WatchCall;
  /** The algorithm from the caller's token, never from the request. */
  algorithm: string;
  /**
   * When the caller's token expires, in milliseconds since the epoch: the
   * stream ends then with UNAUTHENTICATED, as a new call with that token
   * would, so a token stays good for exactly as long on a stream as on
   * any other call. An agent with a rotated token opens a new stream.
   */
  expiresAtMs: number;
  snapshots: SnapshotCache;
  hub: WatchHub;
  /** Idle time between heartbeats, in milliseconds. */
  heartbeatMs: number;
  logger: Logger;
}

/**
 * Serves the stream in `options` until it ends.
 *
 * Limitation: a slow reader's writes are buffered rather than coalesced;
 * with a snapshot per change that costs memory only under a burst of
 * changes to one algorithm while its agent cannot read.
 */
export function runWatchStream(options: WatchStreamOptions): void {
  // The token check is asynchronous: a client that gave up meanwhile has
  // had its "cancelled" event already, and would never unsubscribe.
  if (options.call.cancelled) return;
  new WatchStream(options).start();
}

/** Ends `call` with the gRPC status for `error`, logged like a unary. */
export function failWatch(call: WatchCall, logger: Logger, error: unknown) {
  logCallError(logger, "WatchSnapshots", error);
  // grpc-js turns an "error" event into the stream's final status.
  call.emit("error", toGrpcError(error));
}

class WatchStream {
  readonly #options: WatchStreamOptions;
  #sentRevision: number;
  #timer: NodeJS.Timeout | undefined;
  #isOpen = true;
  #unsubscribe: () => void = () => {};

  constructor(options: WatchStreamOptions) {
    this.#options = options;
    this.#sentRevision = options.call.request.knownRevision;
  }

  /**
   * Subscribes before the first read, so that a commit between the two
   * is seen by the subscription rather than missed.
   */
  start(): void {
    const { call, hub, algorithm, logger } = this.#options;
    this.#unsubscribe = hub.subscribe(
      algorithm,
      () => this.#step(() => this.#sendIfBehind()),
      () => {
        this.#finish();
        call.end();
      },
    );
    const finish = () => this.#finish();
    call.on("cancelled", finish);
    call.on("close", finish);
    call.on("error", finish);
    logger.debug({ algorithm, knownRevision: this.#sentRevision }, "watch");
    this.#step(() => this.#sendIfBehind() || this.#sendHeartbeat());
  }

  /**
   * Compares revisions first, so an agent that is current costs no
   * decryption. True when a snapshot was sent.
   */
  #sendIfBehind(): boolean {
    const { call, snapshots, algorithm, logger } = this.#options;
    if (snapshots.revision(algorithm) === this.#sentRevision) return false;
    const snapshot = snapshots.current(algorithm);
    this.#sentRevision = snapshot.revision;
    call.write(snapshotReply(snapshot));
    logger.debug({ algorithm, revision: snapshot.revision }, "snapshot sent");
    return true;
  }

  /** A heartbeat needs only the revision, so it never decrypts. */
  #sendHeartbeat(): true {
    const { call, snapshots, algorithm, heartbeatMs } = this.#options;
    const revision = snapshots.revision(algorithm);
    call.write({ heartbeat: { revision, intervalMs: heartbeatMs } });
    return true;
  }

  /**
   * Runs one send and re-arms the heartbeat. A failure (a ciphertext that
   * fails authentication, a closed store) ends this stream with its
   * status; thrown from a timer it would take the whole server down.
   */
  #step(send: () => void): void {
    if (!this.#isOpen) return;
    try {
      // Past the token's expiry nothing more is sent: the stream ends.
      if (Date.now() >= this.#options.expiresAtMs) {
        throw new SecretsError("UNAUTHENTICATED", "token: expired");
      }
      send();
    } catch (error) {
      this.#finish();
      failWatch(this.#options.call, this.#options.logger, error);
      return;
    }
    // One timer serves both the heartbeat and the token's expiry, so a
    // stream costs the server one timer however long its token lives.
    const untilExpiryMs = this.#options.expiresAtMs - Date.now();
    clearTimeout(this.#timer);
    this.#timer = setTimeout(
      () => this.#step(() => this.#sendHeartbeat()),
      Math.max(0, Math.min(this.#options.heartbeatMs, untilExpiryMs)),
    );
  }

  #finish(): void {
    this.#isOpen = false;
    clearTimeout(this.#timer);
    this.#unsubscribe();
  }
}
