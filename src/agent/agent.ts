/**
 * The agent, wired: token, service client, sync loop, cache, file
 * publisher, file guard, reload notifier and health server. `runAgent`
 * resolves with the process exit code once `stop` aborts (or, with
 * `--once`, once the file is written or the time is up).
 */
import { dirname } from "node:path";
import { readCaBundle } from "../shared/ca-bundle.js";
import { readClientCertificate } from "../shared/certificate-pair.js";
import { SecretsError } from "../shared/errors.js";
import type { Logger } from "../shared/logger.js";
import { createAgentMetrics } from "./agent-metrics.js";
import { AgentStatus, type LastError } from "./agent-status.js";
import { type Clock, systemClock } from "./clock.js";
import type { AgentConfig } from "./config.js";
import { DeliveryClient } from "./delivery-client.js";
import { DIALECTS } from "./dialects/index.js";
import { EnvFileWriter } from "./env-file-writer.js";
import { FileGuard } from "./file-guard.js";
import { FilePublisher } from "./file-publisher.js";
import { startHealthServer } from "./health-server.js";
import { watchOnce } from "./once-run.js";
import { ReloadNotifier } from "./reload-notifier.js";
import { SnapshotCache } from "./snapshot-cache.js";
import { runSyncLoop } from "./sync-loop.js";
import { makeSyncReports } from "./sync-reports.js";
import { requireMemoryFs } from "./tmpfs-check.js";
import { type TokenProblem, TokenSource } from "./token-source.js";

export interface RunAgentOptions {
  config: Readonly<AgentConfig>;
  logger: Logger;
  /** Aborting stops the agent; it then resolves with 0. */
  stop: AbortSignal;
  clock?: Clock;
}

/** Runs the agent; resolves with an exit code, throws on bad setup. */
export async function runAgent(options: RunAgentOptions): Promise<number> {
  const { config, logger } = options;
  const clock = options.clock ?? systemClock;
  await checkFolder(config, logger);
  warnIfPlaintext(config, logger);

  const parts = assemble(config, logger, clock);
  const tokens = await openTokens(config, logger, parts);
  const caPem = config.caFile
    ? readCaBundle(config.caFile, "ca-file")
    : undefined;
  const clientCertificate = readClientCertificate({
    certFile: config.clientCertFile,
    keyFile: config.clientKeyFile,
  });
  const delivery = new DeliveryClient({
    addr: config.addr,
    caPem,
    ...(clientCertificate && { clientCertificate }),
    isPlaintext: config.isPlaintext,
    tokenSource: () => tokens.token(),
  });

  parts.status.algorithm = tokens.algorithm();
  await startWriter(parts.writer, logger);
  const loopStop = new AbortController();
  const onOuterStop = () => loopStop.abort();
  options.stop.addEventListener("abort", onOuterStop, { once: true });

  const started = await startServing(config, logger, parts);
  if (!config.isOnce) await tokens.watch();
  logger.info(
    {
      algorithm: tokens.algorithm(),
      addr: config.addr,
      file: config.file,
      isWatchEnabled: config.isWatchEnabled,
      isPlaintext: config.isPlaintext,
    },
    "agent started",
  );

  const onceResult = config.isOnce
    ? watchOnce({
        timeoutMs: config.onceTimeoutMs,
        logger,
        status: parts.status,
        publisher: parts.publisher,
        loopStop,
      })
    : undefined;
  const loop = runSyncLoop({
    delivery,
    clock,
    stop: loopStop.signal,
    reports: makeSyncReports({
      ...parts,
      logger,
      clock,
      algorithm: () => tokens.algorithm(),
      onRefused: () => void tokens.reload(),
    }),
    knownRevision: () => parts.cache.knownRevision(),
    refreshMs: config.refreshMs,
    isWatchEnabled: config.isWatchEnabled,
    onTokenChange: (listener) => tokens.onChange(listener),
  }).catch((error: unknown) => {
    parts.isLoopAlive = false;
    logger.error({ code: SecretsError.from(error).code }, "sync loop failed");
  });

  await loop;
  const loopExitCode = parts.isLoopAlive ? 0 : 1;
  const exitCode = onceResult ? await onceResult : loopExitCode;
  parts.publisher.stop();
  options.stop.removeEventListener("abort", onOuterStop);
  await Promise.all([started.close(), tokens.close()]);
  delivery.close();
  logger.info({ exitCode }, "agent stopped");
  return exitCode;
}

async function checkFolder(config: AgentConfig, logger: Logger): Promise<void> {
  const dir = dirname(config.file);
  const check = await requireMemoryFs(dir, config.isNonTmpfsAllowed);
  if (!check.isInMemory) {
    logger.warn(
      { dir, fsType: check.fsType },
      "file folder is not tmpfs or ramfs; secrets may reach disk (--allow-non-tmpfs)",
    );
  }
}

/** At every start, as the server does: the setting must not go unnoticed. */
function warnIfPlaintext(config: AgentConfig, logger: Logger): void {
  if (!config.isPlaintext) return;
  logger.warn(
    { addr: config.addr },
    "insecure plaintext: TLS is off, the token and values travel in clear",
  );
}

/** The token file, its refused contents shown in status. */
function openTokens(
  config: AgentConfig,
  logger: Logger,
  parts: Parts,
): Promise<TokenSource> {
  return TokenSource.open({
    path: config.tokenFile,
    logger: logger.child({ component: "token-source" }),
    onProblem: (problem) =>
      parts.status.noteStandingError(
        problem ? tokenRefusal(problem, parts.clock.now()) : undefined,
      ),
  });
}

/** The `/status` entry while the token file's content is refused. */
function tokenRefusal(problem: TokenProblem, atMs: number): LastError {
  return {
    code: "FAILED_PRECONDITION",
    source: "token",
    field: "token-file",
    problem,
    atMs,
  };
}

type Parts = ReturnType<typeof assemble>;

function assemble(config: AgentConfig, logger: Logger, clock: Clock) {
  const status = new AgentStatus(config.file);
  const metrics = createAgentMetrics({
    isFileCurrent: () => status.isFileCurrent,
  });
  const cache = new SnapshotCache();
  const writer = new EnvFileWriter({
    path: config.file,
    mode: config.fileMode,
    gid: config.fileGid,
    ...(!config.isNonTmpfsAllowed && {
      checkFolder: async (dir: string) => {
        await requireMemoryFs(dir, false);
      },
    }),
  });
  const notifier = new ReloadNotifier({
    signal: config.reloadSignal,
    pidfile: config.reloadPidfile,
    command: config.reloadCommand,
    commandTimeoutMs: config.reloadTimeoutMs,
    logger: logger.child({ component: "reload-notifier" }),
    onResult: (isOk) => metrics.reloads.inc({ result: isOk ? "ok" : "failed" }),
  });
  const dialect = DIALECTS[config.format];
  if (!dialect) throw new SecretsError("INVALID_ARGUMENT", "format: unknown");
  const publisher = new FilePublisher({
    cache,
    writer,
    dialect,
    isSkippingUnrepresentable: config.isSkippingUnrepresentable,
    debounceMs: config.debounceMs,
    status,
    metrics,
    notifier,
    logger: logger.child({ component: "file-publisher" }),
    clock,
  });
  return {
    status,
    metrics,
    cache,
    writer,
    publisher,
    clock,
    isLoopAlive: true,
  };
}

/**
 * Clears what an agent killed mid-write left, and takes over the file of
 * a previous run. A failure is logged, not fatal: the next write or
 * restore tries again and reports its own error.
 */
async function startWriter(writer: EnvFileWriter, logger: Logger) {
  const log = logger.child({ component: "file-publisher" });
  try {
    const report = await writer.start();
    if (report.removedTempCount > 0) {
      log.warn(
        { path: writer.path, removedCount: report.removedTempCount },
        "removed temporary files left by an interrupted write",
      );
    }
    if (report.isAdopted) {
      log.info({ path: writer.path }, "file from a previous run found");
    }
  } catch (error) {
    const code = SecretsError.from(error).code;
    log.warn(
      { path: writer.path, code },
      "file from a previous run not repaired",
    );
  }
}

/** Health server and file guard; none of that for `--once`. */
async function startServing(config: AgentConfig, logger: Logger, parts: Parts) {
  if (config.isOnce) return { close: async () => {} };
  const health = await startHealthServer({
    host: config.healthHost,
    port: config.healthPort,
    status: parts.status,
    metrics: parts.metrics,
    isAlive: () => parts.isLoopAlive,
    now: () => parts.clock.now(),
  });
  logger
    .child({ component: "health-server" })
    .info({ addr: health.addr }, "health listening");
  const guard = new FileGuard({
    writer: parts.writer,
    logger: logger.child({ component: "file-guard" }),
    sweepMs: config.refreshMs,
    onRestored: () => parts.metrics.restores.inc(),
  });
  await guard.start();
  return {
    close: async () => {
      await Promise.all([guard.stop(), health.close()]);
    },
  };
}
