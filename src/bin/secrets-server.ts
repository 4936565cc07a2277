#!/usr/bin/env node
/**
 * `secrets-server`: the secrets service. `secrets-server --dev` starts a
 * local server with no setup; `secrets-server rotate-kek` rotates the
 * key-encryption key. See `--help` for every flag and its env twin.
 */
import { Command } from "commander";
import { addServerOptions, buildServerConfig } from "../server/config.js";
import { rotateKek } from "../server/rotate-kek.js";
import { runServer } from "../server/run.js";
import { SecretsError } from "../shared/errors.js";
import { createLogger } from "../shared/logger.js";

/**
 * One line naming the problem. An error we did not write (a folder we may
 * not create, say) shows only its errno code, since its text may carry
 * data we did not choose to print.
 */
function fail(error: unknown): never {
  const safe = SecretsError.from(error);
  const errno = (safe.cause as NodeJS.ErrnoException | undefined)?.code;
  const detail = safe === error || !errno ? "" : ` (${errno})`;
  process.stderr.write(`secrets-server: ${safe.message}${detail}\n`);
  process.exit(safe.code === "INVALID_ARGUMENT" ? 2 : 1);
}

const program = addServerOptions(
  new Command("secrets-server")
    .description("Serves algorithm secrets to agents and admins over gRPC.")
    .showHelpAfterError()
    // Options after `rotate-kek` belong to it, not to the server.
    .enablePositionalOptions(),
).action(async (flags: Record<string, unknown>) => {
  const config = buildServerConfig(flags);
  const logger = createLogger({
    name: "secrets-server",
    level: config.logLevel,
  });
  await runServer(config, logger);
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

program.parseAsync(process.argv).catch(fail);
