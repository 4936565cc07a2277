/**
 * Assembles and runs the secrets service: keyring, store, watch hub,
 * authentication, the two gRPC services plus health, on one port.
 */
import { Server, ServerCredentials } from "@grpc/grpc-js";
import { HealthImplementation } from "grpc-health-check";
import {
  ADMIN_SERVICE,
  DELIVERY_SERVICE,
  loadContract,
} from "../shared/contract.js";
import { SecretsError } from "../shared/errors.js";
import { routeGrpcLogs } from "../shared/grpc-logging.js";
import { readVerifyKey } from "../shared/key-files.js";
import type { Logger } from "../shared/logger.js";
import { Authenticator } from "./auth.js";
import { Keyring } from "./crypto/keyring.js";
import { adminService } from "./grpc/admin-service.js";
import { deliveryService } from "./grpc/delivery-service.js";
import { withEncodeOnce } from "./grpc/encode-once.js";
import { InFlightCalls } from "./grpc/in-flight-calls.js";
import { SnapshotCache } from "./snapshot-cache.js";
import { SecretStore } from "./store/secret-store.js";
import { readTlsMaterial } from "./tls-files.js";
import { WatchHub } from "./watch-hub.js";

/**
 * Keepalive settings. The server pings an idle connection every minute so
 * dead peers are noticed; grpc-js servers do not police client pings, so
 * an agent may ping as often as every 10 s (the minimum we promise).
 *
 * Channelz is off: the service does not expose it, and grpc-js would
 * otherwise keep a record, with the peer's certificate, of every one of
 * thousands of agent connections and count each call.
 *
 * Bounds on what one connection can make the server hold: the largest
 * request is a create with a 64 KiB value and its labels (under 80 KiB),
 * so a message above 256 KiB is refused before it is buffered whole; an
 * agent needs one watch stream and a unary call at a time, so 100
 * concurrent streams per connection is ample.
 *
 * Limitation: a client may still open many connections, each buffering
 * an unread snapshot per watch stream (up to 1 MiB each) and each
 * waiting up to Node's 120 s TLS handshake timeout; the service relies
 * on the platform's network limits in front of it for that.
 */
export const SERVER_CHANNEL_OPTIONS = {
  "grpc.enable_channelz": 0,
  "grpc.keepalive_time_ms": 60_000,
  "grpc.keepalive_timeout_ms": 20_000,
  "grpc.keepalive_permit_without_calls": 1,
  "grpc.http2.min_ping_interval_without_data_ms": 10_000,
  "grpc.max_receive_message_length": 256 * 1024,
  "grpc.max_concurrent_streams": 100,
} as const;

/** Default time a graceful stop waits for calls, in milliseconds. */
export const DEFAULT_DRAIN_MS = 5_000;

/** TLS files; `clientCaFile` turns on client certificate checks. */
export interface TlsFiles {
  certFile: string;
  keyFile: string;
  clientCaFile?: string;
}

export interface StartServerOptions {
  /** `host:port` to bind; port 0 picks a free port. */
  listen: string;
  databasePath: string;
  kekFile: string;
  /** PEM public (or private) Ed25519 key that verifies tokens. */
  tokenKeyFile: string;
  /** TLS files, or `"plaintext"` for `--insecure-plaintext`. */
  tls: TlsFiles | "plaintext";
  /** Idle time between watch heartbeats, ms; default 20000. */
  heartbeatMs?: number;
  logger: Logger;
}

export interface RunningServer {
  /** `host:port` actually bound (the real port when 0 was asked). */
  addr: string;
  store: SecretStore;
  /**
   * Ends every watch stream, waits up to `drainMs` for unary calls in
   * flight to answer, then closes every connection and the store.
   */
  stop(drainMs?: number): Promise<void>;
}

/** Starts the service and resolves once it listens. */
export async function startServer(
  options: StartServerOptions,
): Promise<RunningServer> {
  routeGrpcLogs(options.logger);
  const logger = options.logger.child({ component: "server" });
  const credentials = makeCredentials(options.tls);
  const auth = new Authenticator(
    readVerifyKey(options.tokenKeyFile, "token-key-file"),
  );
  const hub = new WatchHub();
  const keyring = Keyring.open(options.kekFile, (reload) => {
    if (reload.droppedKekIds) {
      logger.error(
        reload,
        "kek-file changed but lacks keys in use; keeping the loaded keys",
      );
    } else logger.info(reload, "key-encryption keys reloaded");
  });
  const store = new SecretStore({
    databasePath: options.databasePath,
    keyring,
    onCommit: (algorithm, revision) => hub.publish(algorithm, revision),
  });
  try {
    requireSealingKeys(store, keyring, options);
  } catch (error) {
    store.close();
    throw error;
  }
  const snapshots = new SnapshotCache(store);
  const health = new HealthImplementation({
    "": "SERVING",
    [DELIVERY_SERVICE]: "SERVING",
    [ADMIN_SERVICE]: "SERVING",
  });

  const calls = new InFlightCalls();
  const server = new Server(SERVER_CHANNEL_OPTIONS);
  const contract = loadContract();
  server.addService(
    withEncodeOnce(contract.delivery),
    calls.track(
      contract.delivery,
      deliveryService({
        snapshots,
        hub,
        auth,
        logger: options.logger,
        heartbeatMs: options.heartbeatMs,
      }),
    ),
  );
  server.addService(
    contract.admin,
    calls.track(
      contract.admin,
      adminService({ store, auth, logger: options.logger }),
    ),
  );
  health.addToServer(server);

  let port: number;
  try {
    port = await bind(server, options.listen, credentials);
  } catch (error) {
    store.close();
    throw error;
  }
  const addr = `${hostOf(options.listen)}:${port}`;
  logger.info(
    {
      addr,
      isTls: options.tls !== "plaintext",
      heartbeatMs: options.heartbeatMs,
    },
    "listening",
  );

  const stop = async (drainMs = DEFAULT_DRAIN_MS) => {
    health.setStatus("", "NOT_SERVING");
    const startedMs = Date.now();
    hub.closeAll();
    const isForced = !(await calls.whenIdle(drainMs));
    server.forceShutdown();
    snapshots.clear();
    store.close();
    const durationMs = Date.now() - startedMs;
    logger.info({ addr, durationMs, isForced }, "stopped");
  };
  return { addr, store, stop };
}

/**
 * Refuses to serve a database holding secrets sealed under a KEK that the
 * KEK file lacks (a wrong or stale file): every call on those algorithms
 * would fail, and new values would be sealed under a file that is not the
 * one the data needs.
 */
function requireSealingKeys(
  store: SecretStore,
  keyring: Keyring,
  options: StartServerOptions,
): void {
  const missing = keyring.missing(Object.keys(store.countByKek()));
  if (missing.length === 0) return;
  throw new SecretsError(
    "FAILED_PRECONDITION",
    `kek-file: ${options.kekFile} does not hold the key-encryption key ` +
      `${missing.join(", ")} that secrets in ${options.databasePath} are ` +
      "sealed under; restore the KEK file that holds it",
    { field: "kek-file" },
  );
}

/**
 * TLS credentials, demanding client certificates when a client CA is set.
 *
 * Limitation: a client certificate is checked, not used for identity;
 * what a caller may do comes from its token alone.
 */
function makeCredentials(tls: TlsFiles | "plaintext"): ServerCredentials {
  if (tls === "plaintext") return ServerCredentials.createInsecure();
  const material = readTlsMaterial(tls);
  return ServerCredentials.createSsl(
    material.clientCa,
    [{ cert_chain: material.certPem, private_key: material.keyPem }],
    material.clientCa !== null,
  );
}

function bind(
  server: Server,
  listen: string,
  credentials: ServerCredentials,
): Promise<number> {
  return new Promise((resolve, reject) => {
    server.bindAsync(listen, credentials, (error, port) => {
      if (error) {
        const errno = errnoOf(error.message);
        reject(
          new SecretsError(
            "UNAVAILABLE",
            `listen: cannot bind ${listen} (${errno})`,
            { field: "listen", cause: error },
          ),
        );
      } else {
        resolve(port);
      }
    });
  });
}

/**
 * The errno code (`EADDRINUSE`, `EACCES`, `EADDRNOTAVAIL`) in grpc-js's
 * bind failure text, which lists each address's error; `unknown cause`
 * when there is none (a name that did not resolve, say).
 */
function errnoOf(message: string): string {
  return /\b(E[A-Z]{3,})\b/.exec(message)?.[1] ?? "unknown cause";
}

/** The host part of `host:port` (brackets kept for IPv6). */
function hostOf(listen: string): string {
  return listen.slice(0, listen.lastIndexOf(":"));
}
