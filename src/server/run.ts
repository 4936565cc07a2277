/**
 * Runs the server as a process: dev state when asked, the plaintext
 * warning, the dev guide on stdout, and a graceful stop on SIGTERM or
 * SIGINT that drains calls and exits 0.
 */

import { existsSync, mkdirSync } from "node:fs";
import { SecretsError } from "../shared/errors.js";
import type { Logger } from "../shared/logger.js";
import type { ServerConfig } from "./config.js";
import { DEV_SAMPLE, devGuide } from "./dev/dev-guide.js";
import { ensureDevState } from "./dev/dev-state-setup.js";
import { checkListenFree } from "./port-probe.js";
import { type RunningServer, startServer } from "./server.js";
import { lockStateDir, type StateLock } from "./state-lock.js";

/** Time SIGTERM gives running calls to finish, in milliseconds. */
const SHUTDOWN_DRAIN_MS = 5_000;

/** Starts the server per `config` and stops it on SIGTERM or SIGINT. */
export async function runServer(
  config: ServerConfig,
  logger: Logger,
): Promise<RunningServer> {
  if (config.isDev) {
    // A new folder is checked for first: made for a server that then
    // cannot bind, it would stay behind full of keys. An existing folder
    // takes its lock first, which names the pid of a server already on it.
    if (!existsSync(config.stateDir)) await checkListenFree(config.listen);
    mkdirSync(config.stateDir, { recursive: true, mode: 0o700 });
  }
  // Before dev setup, so two dev servers started at once do not both
  // write keys.
  const lock = lockStateDir(config.stateDir);
  const stopTarget = stopOnSignals(lock, logger.child({ component: "main" }));
  try {
    const running = await serve(config, logger);
    stopTarget(running);
    return running;
  } catch (error) {
    lock.release();
    throw error;
  }
}

async function serve(
  config: ServerConfig,
  logger: Logger,
): Promise<RunningServer> {
  const log = logger.child({ component: "main" });
  const dev = config.isDev ? await ensureDevState(config.stateDir) : undefined;
  if (config.isPlaintext) {
    log.warn(
      { listen: config.listen },
      "insecure plaintext: TLS is off, tokens and values travel in clear",
    );
  }
  const running = await startServer({
    listen: config.listen,
    databasePath: config.databasePath,
    kekFile: config.kekFile,
    tokenKeyFile: config.tokenKeyFile,
    tls: config.isPlaintext
      ? "plaintext"
      : {
          certFile: config.tlsCert,
          keyFile: config.tlsKey,
          clientCaFile: config.tlsClientCa,
        },
    heartbeatMs: config.heartbeatMs,
    logger,
  });
  if (dev) {
    const { paths, created, notes, sampleEnvNames } = dev;
    process.stdout.write(
      devGuide({
        paths,
        addr: running.addr,
        created,
        notes,
        isSampleStored: sampleEnvNames.includes(DEV_SAMPLE.envName),
        isTls: !config.isPlaintext,
      }),
    );
  }
  return running;
}

/**
 * Logs why the server could not start as one error line: the code, the
 * setting at fault, the safe message and the errno (`EADDRINUSE`), plus
 * the listen address.
 */
export function logStartFailure(
  logger: Logger,
  config: ServerConfig,
  error: unknown,
): void {
  const safe = SecretsError.from(error);
  const errno = (safe.cause as NodeJS.ErrnoException | undefined)?.code;
  logger.child({ component: "main" }).error(
    {
      listen: config.listen,
      code: safe.code,
      field: safe.field,
      problem: safe.message,
      ...(typeof errno === "string" && { errno }),
    },
    "cannot start",
  );
}

/** Hands the started server to the signal handlers. */
type StopTarget = (running: RunningServer) => void;

/**
 * Listens for SIGTERM and SIGINT from the very start: a signal that
 * arrives while the server is still starting (right after its
 * "listening" line, say) would otherwise meet the default action and
 * kill the process without a drain. Such a signal stops the server as
 * soon as it has started.
 */
function stopOnSignals(lock: StateLock, log: Logger): StopTarget {
  let running: RunningServer | undefined;
  let signal: NodeJS.Signals | undefined;
  const stopIfAsked = () => {
    if (!running || !signal) return;
    log.info({ signal }, "stopping");
    running.stop(SHUTDOWN_DRAIN_MS).then(
      () => {
        lock.release();
        process.exit(0);
      },
      (error: unknown) => {
        log.error({ causeName: (error as Error)?.name }, "stop failed");
        process.exit(1);
      },
    );
  };
  const onSignal = (received: NodeJS.Signals) => {
    if (signal) return;
    signal = received;
    stopIfAsked();
  };
  process.once("SIGTERM", onSignal);
  process.once("SIGINT", onSignal);
  return (started) => {
    running = started;
    stopIfAsked();
  };
}
