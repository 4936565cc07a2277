/**
 * The `secretsctl` program: global options, one-line errors and exit
 * codes around the commands of command-definitions.ts.
 */
import { Command } from "commander";
import { SecretsError } from "../shared/errors.js";
import {
  reportUsageErrorsOnOneLine,
  usageExitCode,
} from "../shared/usage-errors.js";
import {
  addSecretCommands,
  addTokenCommands,
  type CliIo,
  type CommandContext,
  type ConfigSink,
} from "./command-definitions.js";
import type { CliConfig } from "./config.js";
import { describeError, EXIT_CODES, exitCodeFor } from "./report-error.js";

/** Program name, used as the prefix of every error line. */
export const PROGRAM_NAME = "secretsctl";

const PROCESS_IO: CliIo = {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
};

/** Runs `secretsctl` with `argv` (node, script, args…); resolves the exit code. */
export async function runCli(
  argv: string[],
  io: CliIo = PROCESS_IO,
): Promise<number> {
  let config: CliConfig | undefined;
  const program = buildProgram(io, (resolved) => {
    config = resolved;
  });
  try {
    await program.parseAsync(argv);
    return EXIT_CODES.ok;
  } catch (error) {
    // Commander has printed its own line (or the help) already.
    const usageCode = usageExitCode(error);
    if (usageCode !== undefined) return usageCode;
    const context = {
      addr: config?.addr,
      timeoutMs: config?.timeoutMs,
      isPlaintext: config?.isPlaintext,
      hasClientCertificate: config?.clientCertFile !== undefined,
    };
    io.stderr(`${PROGRAM_NAME}: ${describeError(error, context)}\n`);
    return exitCodeFor(SecretsError.from(error).code);
  }
}

function buildProgram(io: CliIo, onConfig: ConfigSink): Command {
  const program = new Command(PROGRAM_NAME)
    .description("Manage algorithm secrets held by secrets-server.")
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr })
    .option(
      "--addr <host:port>",
      "server address [env SECRETS_ADDR] (default 127.0.0.1:7443)",
    )
    .option("--token-file <path>", "admin token file [env SECRETS_TOKEN_FILE]")
    .option(
      "--ca-file <path>",
      "CA bundle (PEM) to trust [env SECRETS_CA_FILE]",
    )
    .option(
      "--client-cert <path>",
      "client certificate (PEM), for a server with --tls-client-ca [env SECRETS_CLIENT_CERT]",
    )
    .option(
      "--client-key <path>",
      "private key (PEM) of --client-cert [env SECRETS_CLIENT_KEY]",
    )
    .option(
      "--insecure-plaintext",
      "no TLS, for a plaintext server [env SECRETS_INSECURE_PLAINTEXT]",
    )
    .option(
      "--state-dir <path>",
      "dev state folder for fallbacks [env SECRETS_STATE_DIR] (default .algorithm-secrets)",
    )
    .option(
      "--timeout <duration>",
      "deadline of each call [env SECRETSCTL_TIMEOUT] (default 10s)",
    );

  const context: CommandContext = { io, onConfig };
  addSecretCommands(program, context);
  addTokenCommands(program, context);
  return reportUsageErrorsOnOneLine(program, io.stderr);
}
