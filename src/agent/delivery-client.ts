/**
 * The agent's only gRPC module: the two SecretDelivery calls, with errors
 * turned into {@link SecretsError} so the rest of the agent never sees a
 * gRPC type.
 */
import type { Client, ClientReadableStream } from "@grpc/grpc-js";
import { connectClient } from "../shared/client-connection.js";
import { loadContract } from "../shared/contract.js";
import type { SecretsError } from "../shared/errors.js";
import { fromGrpcError } from "../shared/grpc-status.js";
import type {
  GetSnapshotRequest,
  GetSnapshotResponse,
  Snapshot,
  Unchanged,
  WatchEvent,
  WatchSnapshotsRequest,
} from "../shared/messages.js";
import type { Redacted } from "../shared/redacted.js";

/**
 * Channel options. Keepalive: a ping every 30 s (the server permits down
 * to 10 s) finds a dead connection under a quiet stream. Reconnect
 * backoff: grpc-js's own defaults grow to 120 s, and while the channel
 * waits it fails our calls without trying, which would break the promise
 * that the stream is back within 30 s of the service; 25 s plus its 20 %
 * jitter stays under 30 s.
 */
const CHANNEL_OPTIONS = {
  "grpc.keepalive_time_ms": 30_000,
  "grpc.keepalive_timeout_ms": 10_000,
  "grpc.keepalive_permit_without_calls": 1,
  "grpc.initial_reconnect_backoff_ms": 500,
  "grpc.max_reconnect_backoff_ms": 25_000,
};

/** Deadline of one unary refresh, in milliseconds. */
export const UNARY_DEADLINE_MS = 15_000;

export interface DeliveryClientOptions {
  addr: string;
  caPem?: Buffer;
  isPlaintext: boolean;
  tokenSource: () => Redacted<string>;
}

/** The answer of a unary refresh. */
export type RefreshResult =
  | { kind: "snapshot"; snapshot: Snapshot }
  | { kind: "unchanged"; revision: number };

/** What a watch stream reports. */
export interface WatchHandlers {
  onEvent(event: WatchEvent): void;
  /** Called once: with an error, or without when the server ended it. */
  onEnd(error?: SecretsError): void;
}

/** An open watch; `cancel` ends it without calling `onEnd` with an error. */
export interface WatchHandle {
  cancel(): void;
}

type GrpcDelivery = Client & {
  getSnapshot(
    request: GetSnapshotRequest,
    options: { deadline: Date },
    callback: (error: unknown, response?: GetSnapshotResponse) => void,
  ): void;
  watchSnapshots(
    request: WatchSnapshotsRequest,
  ): ClientReadableStream<WatchEvent>;
};

export class DeliveryClient {
  readonly #client: GrpcDelivery;

  constructor(options: DeliveryClientOptions) {
    this.#client = connectClient<GrpcDelivery>(loadContract().DeliveryClient, {
      addr: options.addr,
      caPem: options.caPem,
      isPlaintext: options.isPlaintext,
      tokenSource: options.tokenSource,
      channelOptions: CHANNEL_OPTIONS,
    });
    // Start the TCP and TLS handshakes now, so they overlap the rest of
    // the agent's start (health server, file and token watches) instead
    // of waiting for the first call.
    this.#client.getChannel().getConnectivityState(true);
  }

  /** One GetSnapshot call; rejects with a SecretsError. */
  getSnapshot(knownRevision: number): Promise<RefreshResult> {
    const deadline = new Date(Date.now() + UNARY_DEADLINE_MS);
    return new Promise((resolve, reject) => {
      this.#client.getSnapshot(
        { knownRevision },
        { deadline },
        (error, response) => {
          if (error) return reject(fromGrpcError(error));
          if (response?.result === "snapshot" && response.snapshot) {
            return resolve({ kind: "snapshot", snapshot: response.snapshot });
          }
          resolve(fromUnchanged(response?.unchanged, knownRevision));
        },
      );
    });
  }

  /** Opens WatchSnapshots from `knownRevision`. */
  watch(knownRevision: number, handlers: WatchHandlers): WatchHandle {
    const call = this.#client.watchSnapshots({ knownRevision });
    let isDone = false;
    const finish = (error?: SecretsError) => {
      if (isDone) return;
      isDone = true;
      handlers.onEnd(error);
    };
    call.on("data", (event: WatchEvent) => {
      if (!isDone) handlers.onEvent(event);
    });
    call.on("error", (error) => finish(fromGrpcError(error)));
    call.on("end", () => finish());
    return {
      cancel: () => {
        isDone = true;
        call.cancel();
      },
    };
  }

  close(): void {
    this.#client.close();
  }
}

/**
 * An algorithm without secrets sits at revision 0, and the service answers
 * `unchanged` to a caller that knows 0. For an agent holding nothing that
 * answer is a snapshot: no secrets, so the file can be written (header
 * only) and the agent becomes ready.
 */
function fromUnchanged(
  unchanged: Unchanged | null | undefined,
  knownRevision: number,
): RefreshResult {
  const revision = unchanged?.revision ?? knownRevision;
  if (revision === 0 && unchanged?.algorithm) {
    const snapshot = { algorithm: unchanged.algorithm, revision, secrets: [] };
    return { kind: "snapshot", snapshot };
  }
  return { kind: "unchanged", revision };
}
