/**
 * The agent's only gRPC module: the two SecretDelivery calls, with errors
 * turned into {@link SecretsError} so the rest of the agent never sees a
 * gRPC type.
 */
import {
  type Client,
  type ClientReadableStream,
  connectivityState,
} from "@grpc/grpc-js";
import type { CertificatePair } from "../shared/certificate-pair.js";
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
 * to 10 s) finds a dead connection under a quiet stream. A local
 * subchannel pool: a fresh channel (see {@link DeliveryClient}) must get a
 * fresh connection, not grpc-js's shared one still waiting out its own
 * reconnect backoff.
 */
const CHANNEL_OPTIONS = {
  "grpc.keepalive_time_ms": 30_000,
  "grpc.keepalive_timeout_ms": 10_000,
  "grpc.keepalive_permit_without_calls": 1,
  "grpc.use_local_subchannel_pool": 1,
};

/** Deadline of one unary refresh, in milliseconds. */
export const UNARY_DEADLINE_MS = 15_000;

export interface DeliveryClientOptions {
  addr: string;
  caPem?: Buffer;
  clientCertificate?: CertificatePair;
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

/**
 * The SecretDelivery calls over one channel at a time.
 *
 * A channel that failed to connect is closed, and the next call opens a
 * new one. grpc-js would otherwise keep the failed channel reconnecting
 * on its own backoff (1 s growing to 120 s by default) and, in between,
 * fail every call at once without trying: its waits stack on top of the
 * sync loop's, and a returning service was seen up to a minute late. Now
 * each call the loop makes is a real attempt, so the loop's backoff alone
 * says when a returning service is seen, and a failed channel does not
 * go on knocking at a service on its own.
 */
export class DeliveryClient {
  readonly #options: DeliveryClientOptions;
  #client: GrpcDelivery | undefined;

  constructor(options: DeliveryClientOptions) {
    this.#options = options;
    // Start the TCP and TLS handshakes now, so they overlap the rest of
    // the agent's start (health server, file and token watches) instead
    // of waiting for the first call.
    this.#channel().getChannel().getConnectivityState(true);
  }

  /** The open channel, or a new one if the last failed to connect. */
  #channel(): GrpcDelivery {
    this.#dropIfFailed();
    this.#client ??= connectClient<GrpcDelivery>(
      loadContract().DeliveryClient,
      { ...this.#options, channelOptions: CHANNEL_OPTIONS },
    );
    return this.#client;
  }

  /**
   * Closes the channel if it is in TRANSIENT_FAILURE. No call can be
   * running on it then: grpc-js fails every call of such a channel.
   */
  #dropIfFailed(): void {
    const state = this.#client?.getChannel().getConnectivityState(false);
    if (state !== connectivityState.TRANSIENT_FAILURE) return;
    this.#client?.close();
    this.#client = undefined;
  }

  /** One GetSnapshot call; rejects with a SecretsError. */
  getSnapshot(knownRevision: number): Promise<RefreshResult> {
    const deadline = new Date(Date.now() + UNARY_DEADLINE_MS);
    return new Promise((resolve, reject) => {
      this.#channel().getSnapshot(
        { knownRevision },
        { deadline },
        (error, response) => {
          if (error) {
            this.#dropIfFailed();
            return reject(fromGrpcError(error));
          }
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
    const call = this.#channel().watchSnapshots({ knownRevision });
    let isDone = false;
    const finish = (error?: SecretsError) => {
      if (isDone) return;
      isDone = true;
      handlers.onEnd(error);
    };
    call.on("data", (event: WatchEvent) => {
      if (!isDone) handlers.onEvent(event);
    });
    call.on("error", (error) => {
      this.#dropIfFailed();
      finish(fromGrpcError(error));
    });
    call.on("end", () => finish());
    return {
      cancel: () => {
        isDone = true;
        call.cancel();
      },
    };
  }

  close(): void {
    this.#client?.close();
    this.#client = undefined;
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
