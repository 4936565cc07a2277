/**
 * The `secretsctl` program: global options, one-line errors and exit
 * codes around the commands of command-definitions.ts.
 */
import { Command, CommanderError } from "commander";
import { SecretsError } from "../shared/errors.js";
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
    if (error instanceof CommanderError) {
      // Commander has printed its own line (or the help) already.
      return error.exitCode === 0 ? EXIT_CODES.ok : EXIT_CODES.usage;
    }
    const context = { addr: config?.addr, timeoutMs: config?.timeoutMs };
    io.stderr(`${PROGRAM_NAME}: ${describeError(error, context)}\n`);
    return exitCodeFor(SecretsError.from(error).code);
  }
}

/**
 * Commander's message without its `error: ` prefix, and without whatever
 * followed `=` in an unknown option: someone trying `--value=…` must not
 * see the value echoed into a terminal log.
 */
function cleanCommanderError(text: string): string {
  return text
    .replace(/^error: /, "")
    .replace(/(unknown option '[^'=]*)=[^']*'/, "$1=…'");
}

function buildProgram(io: CliIo, onConfig: ConfigSink): Command {
  const program = new Command(PROGRAM_NAME)
    .description("Manage algorithm secrets held by secrets-server.")
    .exitOverride()
    .showSuggestionAfterError(false)
    .configureOutput({
      writeOut: io.stdout,
      writeErr: io.stderr,
      outputError: (text, write) =>
        write(`${PROGRAM_NAME}: ${cleanCommanderError(text)}`),
    })
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
  return program;
}
