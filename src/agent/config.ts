import { Command, CommanderError, Option } from "commander";
import {
  checkSetting,
  envBoolean,
  hostPortSchema,
  oneOf,
  optionKey,
} from "../shared/check-setting.js";
import { parseTimerMs } from "../shared/durations.js";
import { invalidArgument, SecretsError } from "../shared/errors.js";
import { cleanError } from "../shared/usage-errors.js";
import {
  LOG_LEVELS,
  MIN_REFRESH_MS,
  SETTINGS,
  type Setting,
} from "./config-settings.js";
import {
  absolute,
  durationAtLeast,
  optionalPath,
  parseGroup,
  parseMode,
  parseSignal,
  positiveDuration,
  splitHostPort,
} from "./config-values.js";
import { DIALECT_NAMES } from "./dialects/index.js";

export {
  DEFAULT_FILE,
  DEFAULT_HEALTH_ADDR,
  MIN_REFRESH_MS,
  SETTINGS,
} from "./config-settings.js";

export interface AgentConfig {
  addr: string;
  tokenFile: string;
  caFile: string | undefined;
  /** Client certificate and key files; both or neither. */
  clientCertFile: string | undefined;
  clientKeyFile: string | undefined;
  isPlaintext: boolean;
  file: string;
  format: string;
  isSkippingUnrepresentable: boolean;
  /** Permission bits of the env file; default 0o440. */
  fileMode: number;
  /** Group id for the env file; unchanged when absent. */
  fileGid: number | undefined;
  refreshMs: number;
  debounceMs: number;
  healthHost: string;
  healthPort: number;
  reloadSignal: NodeJS.Signals | undefined;
  reloadPidfile: string | undefined;
  reloadCommand: string | undefined;
  reloadTimeoutMs: number;
  isNonTmpfsAllowed: boolean;
  isWatchEnabled: boolean;
  isOnce: boolean;
  onceTimeoutMs: number;
  logLevel: string;
}

/** Parses argv (without node and script) and `env` into a frozen config. */
export function loadAgentConfig(
  argv: readonly string[],
  env: NodeJS.ProcessEnv,
): Readonly<AgentConfig> {
  checkUnknownEnv(env);
  const flags = parseFlags(argv);
  const raw = new Map<string, string | boolean | undefined>();
  for (const setting of SETTINGS) {
    raw.set(setting.name, pickRaw(setting, env, flags));
  }
  return Object.freeze(buildConfig(raw));
}

function checkUnknownEnv(env: NodeJS.ProcessEnv): void {
  const known = new Set(SETTINGS.map((setting) => setting.env));
  for (const name of Object.keys(env)) {
    if (name.startsWith("SECRETS_AGENT_") && !known.has(name)) {
      throw invalidArgument(name, "unknown setting");
    }
  }
}

function parseFlags(argv: readonly string[]): Record<string, unknown> {
  const program = new Command("secrets-agent")
    .description("Keeps an algorithm's secrets in a tmpfs env file.")
    .exitOverride()
    .allowExcessArguments(false)
    // Errors are reported once, by the caller, naming the setting.
    .configureOutput({ outputError: () => {} });
  for (const setting of SETTINGS) {
    const flag =
      setting.kind === "flag"
        ? `--${setting.name}`
        : `--${setting.name} <value>`;
    const help = `${setting.description} [${setting.env}${setting.default ? `, default ${setting.default}` : ""}]`;
    program.addOption(new Option(flag, help));
  }
  try {
    program.parse(argv as string[], { from: "user" });
  } catch (error) {
    if (error instanceof CommanderError && error.exitCode === 0) {
      throw error;
    }
    // Cleaned: `--token=…` must not echo the token into a log.
    const message = error instanceof Error ? error.message : "bad arguments";
    throw new SecretsError("INVALID_ARGUMENT", cleanError(message));
  }
  return program.opts();
}

function pickRaw(
  setting: Setting,
  env: NodeJS.ProcessEnv,
  flags: Record<string, unknown>,
): string | boolean | undefined {
  const key = optionKey(setting.name);
  // commander stores `--no-watch` as `watch: false`.
  const flagValue =
    setting.name === "no-watch"
      ? flags.watch === false
        ? true
        : undefined
      : flags[key];
  if (flagValue !== undefined) return flagValue as string | boolean;
  const envValue = env[setting.env];
  if (envValue !== undefined && envValue !== "") {
    return setting.kind === "flag"
      ? envBoolean(setting.env, envValue)
      : envValue;
  }
  return setting.kind === "flag" ? false : setting.default;
}

type RawSettings = Map<string, string | boolean | undefined>;

function buildConfig(raw: RawSettings): AgentConfig {
  const text = (name: string) => raw.get(name) as string | undefined;
  const isSet = (name: string) => raw.get(name) === true;
  const required = (name: string) => {
    const value = text(name);
    if (!value) {
      const env = SETTINGS.find((setting) => setting.name === name)?.env;
      throw invalidArgument(name, `required (--${name} or ${env})`);
    }
    return value;
  };

  const health = splitHostPort(
    checkSetting("health-addr", hostPortSchema, text("health-addr")),
  );
  const reloadPidfile = optionalPath(text("reload-pidfile"));
  const reloadSignal = parseSignal(text("reload-signal"), reloadPidfile);
  const config: AgentConfig = {
    addr: checkSetting("addr", hostPortSchema, text("addr")),
    tokenFile: absolute(required("token-file")),
    caFile: optionalPath(text("ca-file")),
    clientCertFile: optionalPath(text("client-cert")),
    clientKeyFile: optionalPath(text("client-key")),
    isPlaintext: isSet("insecure-plaintext"),
    file: absolute(required("file")),
    format: checkSetting("format", oneOf(DIALECT_NAMES), text("format")),
    isSkippingUnrepresentable: isSet("skip-unrepresentable"),
    fileMode: parseMode(required("file-mode")),
    fileGid: parseGroup(text("file-group")),
    refreshMs: durationAtLeast("refresh", required("refresh"), MIN_REFRESH_MS),
    debounceMs: parseTimerMs(required("debounce"), "debounce"),
    healthHost: health.host,
    healthPort: health.port,
    reloadSignal,
    reloadPidfile,
    reloadCommand: text("reload-command") || undefined,
    reloadTimeoutMs: positiveDuration(
      "reload-timeout",
      required("reload-timeout"),
    ),
    isNonTmpfsAllowed: isSet("allow-non-tmpfs"),
    isWatchEnabled: !isSet("no-watch"),
    isOnce: isSet("once"),
    onceTimeoutMs: positiveDuration("once-timeout", required("once-timeout")),
    logLevel: checkSetting("log-level", oneOf(LOG_LEVELS), text("log-level")),
  };
  if (config.isPlaintext && config.caFile) {
    throw invalidArgument(
      "ca-file",
      "cannot be used with --insecure-plaintext",
    );
  }
  return config;
}
