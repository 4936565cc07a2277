/**
 * Commander definitions of the `secretsctl` commands, wired to the command
 * modules. There is deliberately no option that takes a secret value:
 * values come from standard input or a file.
 */
import { type Command, Option, type OptionValues } from "commander";
import { openAdmin } from "./admin-client.js";
import { buildCliConfig, type CliConfig, type CliFlags } from "./config.js";
import type { ValueSource } from "./read-value.js";
import {
  createSecret,
  deleteSecret,
  getSecret,
  listSecrets,
  type SecretTarget,
  updateSecret,
} from "./secret-commands.js";
import { createToken, DEFAULT_TOKEN_TTL } from "./token-command.js";

/** Where the program writes; the real streams unless a test swaps them. */
export interface CliIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
}

/** Told the config once a command has built it, for error context. */
export type ConfigSink = (config: CliConfig) => void;

export interface CommandContext {
  io: CliIo;
  onConfig: ConfigSink;
}

type TargetHandler = (
  target: SecretTarget,
  options: OptionValues,
  config: CliConfig,
) => Promise<string>;

/** The config from this command's flags and the global ones. */
function configOf(command: Command, context: CommandContext): CliConfig {
  const config = buildCliConfig(command.optsWithGlobals<CliFlags>());
  context.onConfig(config);
  return config;
}

/** An action for `<algorithm> <env-name>` commands that prints the result. */
function targetAction(context: CommandContext, handler: TargetHandler) {
  return async (
    algorithm: string,
    envName: string,
    _options: unknown,
    command: Command,
  ): Promise<void> => {
    const config = configOf(command, context);
    const text = await handler({ algorithm, envName }, command.opts(), config);
    context.io.stdout(`${text}\n`);
  };
}

function valueSourceOf(options: OptionValues): ValueSource | undefined {
  if (options.valueFile) return { kind: "file", path: options.valueFile };
  return options.valueStdin ? { kind: "stdin" } : undefined;
}

function withTarget(command: Command): Command {
  return command
    .argument("<algorithm>", "OWNER/NAME")
    .argument("<env-name>", "environment variable name");
}

/** Adds create, update, delete, list and get to `program`. */
export function addSecretCommands(
  program: Command,
  context: CommandContext,
): void {
  withTarget(program.command("create"))
    .description("create a secret; the value comes from stdin or --value-file")
    .requiredOption("--display-name <text>", "name shown to people")
    .option("--description <text>", "what the secret is for")
    .option("--value-file <path>", "read the value from this file, not stdin")
    .action(
      targetAction(context, (target, options, config) =>
        createSecret(() => openAdmin(config), {
          ...target,
          displayName: options.displayName,
          description: options.description,
          valueSource: valueSourceOf(options) ?? { kind: "stdin" },
        }),
      ),
    );

  withTarget(program.command("update"))
    .description("change a secret's display name, description and/or value")
    .option("--display-name <text>", "new display name")
    .option("--description <text>", 'new description ("" clears it)')
    .addOption(
      new Option("--value-file <path>", "new value from this file").conflicts(
        "valueStdin",
      ),
    )
    .option("--value-stdin", "new value from standard input")
    .action(
      targetAction(context, (target, options, config) =>
        updateSecret(() => openAdmin(config), {
          ...target,
          displayName: options.displayName,
          description: options.description,
          valueSource: valueSourceOf(options),
        }),
      ),
    );

  withTarget(program.command("delete"))
    .description("delete a secret")
    .action(
      targetAction(context, (target, _options, config) =>
        deleteSecret(() => openAdmin(config), target),
      ),
    );

  withTarget(program.command("get"))
    .description("show one secret's metadata (never its value)")
    .option("--json", "machine-readable output")
    .action(
      targetAction(context, (target, options, config) =>
        getSecret(() => openAdmin(config), {
          ...target,
          isJson: options.json === true,
        }),
      ),
    );

  program
    .command("list")
    .description("list an algorithm's secrets (metadata only)")
    .argument("<algorithm>", "OWNER/NAME")
    .option("--json", "machine-readable output")
    .action(async (algorithm: string, _options: unknown, command: Command) => {
      const config = configOf(command, context);
      const isJson = command.opts().json === true;
      const text = await listSecrets(() => openAdmin(config), {
        algorithm,
        isJson,
      });
      context.io.stdout(`${text}\n`);
    });
}

/** Adds `token create` to `program`. */
export function addTokenCommands(
  program: Command,
  context: CommandContext,
): void {
  program
    .command("token")
    .description("issue tokens")
    .command("create")
    .description("sign an agent token (or an admin token, with --admin)")
    .option(
      "--algorithm <owner/name>",
      "algorithm the token is for; repeat for admin tokens, or 'all'",
      (value: string, previous: string[] = []) => [...previous, value],
    )
    .option("--admin", "issue an admin token instead of an agent token")
    .option("--ttl <duration>", "lifetime", DEFAULT_TOKEN_TTL)
    .option("--subject <text>", "who the token is for", "secretsctl")
    .option(
      "--signing-key-file <path>",
      "Ed25519 private key (PEM) [env SECRETS_TOKEN_SIGNING_KEY_FILE] " +
        "(default: the state folder's token-signing.key)",
    )
    .option("--out <path>", "write the token to this file (mode 0600)")
    .action(async (_options: unknown, command: Command) => {
      const options = command.opts();
      const config = configOf(command, context);
      const result = await createToken({
        algorithms: options.algorithm ?? [],
        isAdmin: options.admin === true,
        ttl: options.ttl,
        subject: options.subject,
        signingKeyFile: config.signingKeyFile,
        isSigningKeyFileGiven: config.givenFiles.has("signingKeyFile"),
        outFile: options.out,
      });
      context.io.stdout(`${result.output}\n`);
    });
}
