#!/usr/bin/env node
/**
 * `secrets-server`: the secrets service. `secrets-server --dev` starts a
 * local server with no setup; `secrets-server init` prepares a production
 * state folder; `secrets-server rotate-kek` rotates the key-encryption
 * key. See `--help` for every flag and its env twin.
 */
import { Command } from "commander";
import { addServerOptions, buildServerConfig } from "../server/config.js";
import { initGuide, initState } from "../server/init-state.js";
import { rotateKek } from "../server/rotate-kek.js";
import { logStartFailure, runServer } from "../server/run.js";
import { SecretsError } from "../shared/errors.js";
import { createLogger } from "../shared/logger.js";
import { printableLine } from "../shared/mask-credentials.js";
import {
  reportUsageErrorsOnOneLine,
  USAGE_EXIT_CODE,
  usageExitCode,
} from "../shared/usage-errors.js";

/**
 * One line naming the problem. An error we did not write (a folder we may
 * not create, say) shows only its errno code, since its text may carry
 * data we did not choose to print.
 */
function fail(error: unknown): never {
  // Commander has printed its one line (or the asked-for help) already.
  const usageCode = usageExitCode(error);
  if (usageCode !== undefined) process.exit(usageCode);
  const safe = SecretsError.from(error);
  const errno = (safe.cause as NodeJS.ErrnoException | undefined)?.code;
  const detail = safe === error || !errno ? "" : ` (${errno})`;
  const isUsage = safe.code === "INVALID_ARGUMENT";
  const hint = isUsage ? " (see secrets-server --help)" : "";
  // The message may quote a value given on the command line.
  const message = printableLine(safe.message);
  process.stderr.write(`secrets-server: ${message}${detail}${hint}\n`);
  process.exit(isUsage ? USAGE_EXIT_CODE : 1);
}

const program = addServerOptions(
  new Command("secrets-server")
    .description("Serves algorithm secrets to agents and admins over gRPC.")
    // Options after `rotate-kek` belong to it, not to the server.
    .enablePositionalOptions(),
).action(async (flags: Record<string, unknown>) => {
  const config = buildServerConfig(flags);
  const logger = createLogger({
    name: "secrets-server",
    level: config.logLevel,
  });
  try {
    await runServer(config, logger);
  } catch (error) {
    // Once the logger exists, a failure is a log line like any other.
    logStartFailure(logger, config, error);
    process.exit(1);
  }
});

addServerOptions(
  program
    .command("init")
    .description(
      "Creates a state folder's KEK and token signing keys (no certificates).",
    )
    .option(
      "--admin-token-out <file>",
      "also write an admin token for all algorithms here (mode 0600)",
    ),
  ["state-dir"],
).action(async (flags: Record<string, unknown>) => {
  const config = buildServerConfig(flags);
  const adminTokenOut = flags.adminTokenOut as string | undefined;
  const report = await initState({ stateDir: config.stateDir, adminTokenOut });
  process.stdout.write(initGuide(report));
});

addServerOptions(
  program
    .command("rotate-kek")
    .description("Adds a new KEK and re-wraps every data key under it."),
  ["state-dir", "kek-file"],
).action((flags: Record<string, unknown>) => {
  const config = buildServerConfig(flags);
  const report = rotateKek(config);
  process.stdout.write(
    `rotated KEK ${report.previousKekId} -> ${report.activeKekId}; ` +
      `re-wrapped ${report.rewrapped} data keys\n` +
      `secrets per KEK: ${JSON.stringify(report.byKek)}\n`,
  );
});

reportUsageErrorsOnOneLine(program).parseAsync(process.argv).catch(fail);
