/**
 * How a command line that cannot be parsed is reported, the same way by
 * every program: one line on standard error that names the flag or
 * argument and points at `--help`, and exit code 2. Help itself is never
 * dumped unasked: a wall of text hides the one line that matters.
 */
import { type Command, CommanderError } from "commander";
import { printableLine } from "./mask-credentials.js";

/** Exit code of a usage error, in every program of the package. */
export const USAGE_EXIT_CODE = 2;

/** Where the error line goes; standard error unless a test swaps it. */
export type WriteError = (text: string) => void;

/**
 * Makes `program` and each of its subcommands throw a CommanderError
 * instead of exiting, and print a usage error as one line:
 * `secretsctl: unknown option '--bogus' (see secretsctl create --help)`.
 * Call it after every subcommand has been added.
 */
export function reportUsageErrorsOnOneLine(
  program: Command,
  writeError: WriteError = (text) => process.stderr.write(text),
): Command {
  for (const command of commandTree(program)) {
    const usage = [...ancestry(command)].join(" ");
    command
      .exitOverride()
      .showSuggestionAfterError(false)
      .showHelpAfterError(false)
      .configureOutput({
        writeErr: writeError,
        outputError: (text, write) =>
          write(
            `${program.name()}: ${cleanError(text)} (see ${usage} --help)\n`,
          ),
      });
  }
  return program;
}

/**
 * The exit code for a CommanderError: 0 after `--help` or `--version`,
 * otherwise {@link USAGE_EXIT_CODE}; undefined for any other error.
 */
export function usageExitCode(error: unknown): number | undefined {
  if (!(error instanceof CommanderError)) return undefined;
  return error.exitCode === 0 ? 0 : USAGE_EXIT_CODE;
}

/**
 * An unknown option's name up to its first `=`, then everything to the
 * last `'` of the message, which closes the quoted option. The value may
 * hold quotes and newlines of its own, so nothing in it marks its end;
 * Commander's text after the option (a suggestion) holds no quote.
 */
const UNKNOWN_OPTION_VALUE = /(unknown option '[^=]*)=[\s\S]*'/;

/**
 * Commander's message on one line, without its `error: ` prefix, without
 * whatever followed `=` in an unknown option, and with token-shaped text
 * masked: someone trying `--value=…`, or pasting a token where a flag's
 * value or an argument goes, must not see it echoed into a terminal log.
 */
export function cleanError(text: string): string {
  return printableLine(
    text.replace(/^error: /, "").replace(UNKNOWN_OPTION_VALUE, "$1=…'"),
  );
}

function* commandTree(command: Command): Generator<Command> {
  yield command;
  for (const child of command.commands) yield* commandTree(child);
}

/** `secretsctl token create` for the `create` under `token`. */
function ancestry(command: Command): string[] {
  const names: string[] = [];
  for (let at: Command | null = command; at; at = at.parent) {
    names.unshift(at.name());
  }
  return names;
}
