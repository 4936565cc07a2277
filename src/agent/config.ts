/**
 * The agent's configuration: defaults, then environment variables, then
 * flags (flags win), validated once and frozen. An unknown flag, an
 * unknown `SECRETS_AGENT_*` variable or a bad value stops the agent at
 * start with a message naming the setting.
 */
import { readFileSync } from "node:fs";
import { constants as osConstants } from "node:os";
import { isAbsolute, resolve } from "node:path";
import { Command, CommanderError, Option } from "commander";
import { z } from "zod";
import { DEFAULT_ADDR } from "../shared/dev-state.js";
import { parseDurationMs } from "../shared/durations.js";
import { invalidArgument, SecretsError } from "../shared/errors.js";
import { DIALECT_NAMES } from "./dialects/index.js";

/** Where the env file goes by default: a tmpfs under /run in containers. */
export const DEFAULT_FILE = "/run/algorithm-secrets/secrets.env";

/** Health address by default; containers set 0.0.0.0:8099. */
export const DEFAULT_HEALTH_ADDR = "127.0.0.1:8099";

export interface AgentConfig {
  addr: string;
  tokenFile: string;
  caFile: string | undefined;
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

type Kind = "text" | "flag" | "duration";

interface Setting {
  /** Flag name without dashes; also the name in error messages. */
  name: string;
  env: string;
  kind: Kind;
  description: string;
  default?: string;
}

/** Every setting, its env twin and its default, in `--help` order. */
export const SETTINGS: readonly Setting[] = [
  {
    name: "addr",
    env: "SECRETS_ADDR",
    kind: "text",
    default: DEFAULT_ADDR,
    description: "host:port of the secrets service",
  },
  {
    name: "token-file",
    env: "SECRETS_TOKEN_FILE",
    kind: "text",
    description: "file holding the agent token (required; re-read on change)",
  },
  {
    name: "ca-file",
    env: "SECRETS_CA_FILE",
    kind: "text",
    description: "PEM CA bundle to trust (default: system roots)",
  },
  {
    name: "insecure-plaintext",
    env: "SECRETS_INSECURE_PLAINTEXT",
    kind: "flag",
    description: "talk plaintext gRPC (local testing only)",
  },
  {
    name: "file",
    env: "SECRETS_AGENT_FILE",
    kind: "text",
    default: DEFAULT_FILE,
    description: "env file to write",
  },
  {
    name: "format",
    env: "SECRETS_AGENT_FORMAT",
    kind: "text",
    default: "sh",
    description: `env file dialect (${DIALECT_NAMES.join(", ")})`,
  },
  {
    name: "skip-unrepresentable",
    env: "SECRETS_AGENT_SKIP_UNREPRESENTABLE",
    kind: "flag",
    description: "leave out values the format cannot carry instead of refusing",
  },
  {
    name: "file-mode",
    env: "SECRETS_AGENT_FILE_MODE",
    kind: "text",
    default: "0440",
    description: "octal permission bits of the env file",
  },
  {
    name: "file-group",
    env: "SECRETS_AGENT_FILE_GROUP",
    kind: "text",
    description: "group name or id to give the env file",
  },
  {
    name: "refresh",
    env: "SECRETS_AGENT_REFRESH",
    kind: "duration",
    default: "60s",
    description: "full refresh interval (±10 % jitter)",
  },
  {
    name: "debounce",
    env: "SECRETS_AGENT_DEBOUNCE",
    kind: "duration",
    default: "1s",
    description: "longest a change waits for the rest of its burst",
  },
  {
    name: "health-addr",
    env: "SECRETS_AGENT_HEALTH_ADDR",
    kind: "text",
    default: DEFAULT_HEALTH_ADDR,
    description: "host:port of the health server (port 0: any)",
  },
  {
    name: "reload-signal",
    env: "SECRETS_AGENT_RELOAD_SIGNAL",
    kind: "text",
    description:
      "signal for the pid in --reload-pidfile (default SIGHUP when a pidfile is set)",
  },
  {
    name: "reload-pidfile",
    env: "SECRETS_AGENT_RELOAD_PIDFILE",
    kind: "text",
    description: "file holding the pid to signal on change",
  },
  {
    name: "reload-command",
    env: "SECRETS_AGENT_RELOAD_COMMAND",
    kind: "text",
    description: "shell command to run on change",
  },
  {
    name: "reload-timeout",
    env: "SECRETS_AGENT_RELOAD_TIMEOUT",
    kind: "duration",
    default: "10s",
    description: "how long the reload command may run",
  },
  {
    name: "allow-non-tmpfs",
    env: "SECRETS_AGENT_ALLOW_NON_TMPFS",
    kind: "flag",
    description: "write even if the folder is not tmpfs/ramfs (warns)",
  },
  {
    name: "no-watch",
    env: "SECRETS_AGENT_NO_WATCH",
    kind: "flag",
    description: "debugging/fallback: no watch stream, refresh only",
  },
  {
    name: "once",
    env: "SECRETS_AGENT_ONCE",
    kind: "flag",
    description: "write the file once and exit (init containers)",
  },
  {
    name: "once-timeout",
    env: "SECRETS_AGENT_ONCE_TIMEOUT",
    kind: "duration",
    default: "60s",
    description: "with --once: give up after this long",
  },
  {
    name: "log-level",
    env: "SECRETS_LOG_LEVEL",
    kind: "text",
    default: "info",
    description: "trace, debug, info, warn, error",
  },
];

const LOG_LEVELS = [
  "trace",
  "debug",
  "info",
  "warn",
  "error",
  "fatal",
  "silent",
];

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
    const message = error instanceof Error ? error.message : "bad arguments";
    throw new SecretsError("INVALID_ARGUMENT", message.replace(/^error: /, ""));
  }
  return program.opts();
}

function pickRaw(
  setting: Setting,
  env: NodeJS.ProcessEnv,
  flags: Record<string, unknown>,
): string | boolean | undefined {
  const key = camelCase(setting.name);
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
      ? parseEnvBoolean(envValue, setting.env)
      : envValue;
  }
  return setting.kind === "flag" ? false : setting.default;
}

function camelCase(name: string): string {
  return name.replace(/-([a-z])/g, (_, letter: string) => letter.toUpperCase());
}

function parseEnvBoolean(text: string, env: string): boolean {
  if (/^(1|true|yes|on)$/i.test(text)) return true;
  if (/^(0|false|no|off)$/i.test(text)) return false;
  throw invalidArgument(env, `"${text}" is not true or false`);
}

type RawSettings = Map<string, string | boolean | undefined>;

const hostPort = z
  .string()
  .regex(/^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+):\d{1,5}$/, "must be host:port");

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
    check("health-addr", hostPort, text("health-addr")),
  );
  const reloadPidfile = optionalPath(text("reload-pidfile"));
  const reloadSignal = parseSignal(text("reload-signal"), reloadPidfile);
  const config: AgentConfig = {
    addr: check("addr", hostPort, text("addr")),
    tokenFile: absolute(required("token-file")),
    caFile: optionalPath(text("ca-file")),
    isPlaintext: isSet("insecure-plaintext"),
    file: absolute(required("file")),
    format: check(
      "format",
      z.enum(DIALECT_NAMES as [string, ...string[]]),
      text("format"),
    ),
    isSkippingUnrepresentable: isSet("skip-unrepresentable"),
    fileMode: parseMode(required("file-mode")),
    fileGid: parseGroup(text("file-group")),
    refreshMs: positiveDuration("refresh", required("refresh")),
    debounceMs: parseDurationMs(required("debounce"), "debounce"),
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
    logLevel: check(
      "log-level",
      z.enum(LOG_LEVELS as [string, ...string[]]),
      text("log-level"),
    ),
  };
  if (config.isPlaintext && config.caFile) {
    throw invalidArgument(
      "ca-file",
      "cannot be used with --insecure-plaintext",
    );
  }
  return config;
}

function check<T>(name: string, schema: z.ZodType<T>, value: unknown): T {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const problem = parsed.error.issues[0]?.message ?? "is not valid";
  throw invalidArgument(name, problem);
}

function absolute(path: string): string {
  return isAbsolute(path) ? path : resolve(path);
}

function optionalPath(path: string | undefined): string | undefined {
  return path ? absolute(path) : undefined;
}

function positiveDuration(name: string, text: string): number {
  const ms = parseDurationMs(text, name);
  if (ms <= 0) throw invalidArgument(name, "must be longer than zero");
  return ms;
}

function splitHostPort(addr: string): { host: string; port: number } {
  const at = addr.lastIndexOf(":");
  const host = addr.slice(0, at).replace(/^\[(.*)\]$/, "$1");
  const port = Number(addr.slice(at + 1));
  if (port > 65_535) throw invalidArgument("health-addr", "port out of range");
  return { host, port };
}

function parseMode(text: string): number {
  if (!/^0?[0-7]{3}$/.test(text)) {
    throw invalidArgument(
      "file-mode",
      `"${text}" is not an octal mode such as 0440`,
    );
  }
  const mode = Number.parseInt(text, 8);
  if (mode & 0o007) {
    throw invalidArgument("file-mode", "must not give access to others");
  }
  return mode;
}

function parseSignal(
  text: string | undefined,
  pidfile: string | undefined,
): NodeJS.Signals | undefined {
  if (!text) return pidfile ? "SIGHUP" : undefined;
  const name = (text.startsWith("SIG") ? text : `SIG${text}`).toUpperCase();
  if (!(name in osConstants.signals)) {
    throw invalidArgument("reload-signal", `"${text}" is not a signal name`);
  }
  if (!pidfile) {
    throw invalidArgument("reload-signal", "needs --reload-pidfile");
  }
  return name as NodeJS.Signals;
}

/** A group id from a number or a name in /etc/group. */
function parseGroup(text: string | undefined): number | undefined {
  if (!text) return undefined;
  if (/^\d+$/.test(text)) return Number(text);
  let groups = "";
  try {
    groups = readFileSync("/etc/group", "utf8");
  } catch {
    // Fall through to "unknown group" below.
  }
  for (const line of groups.split("\n")) {
    const [name, , gid] = line.split(":");
    if (name === text && gid && /^\d+$/.test(gid)) return Number(gid);
  }
  throw invalidArgument("file-group", `no group named "${text}"`);
}
