/**
 * The configuration of `secrets-server`: defaults, then environment
 * variables, then flags (flags win), validated with valibot into a frozen,
 * typed object. A bad value fails at start with a message naming the
 * setting.
 */
import { join } from "node:path";
import { type Command, Option } from "commander";
import {
  checkSetting,
  envBoolean,
  hostPortSchema,
  oneOf,
  optionKey,
} from "../shared/check-setting.js";
import { DEFAULT_ADDR, DEV_STATE_DIR } from "../shared/dev-state.js";
import { parseDurationMs } from "../shared/durations.js";
import { invalidArgument } from "../shared/errors.js";

/** Default idle time between watch heartbeats, as the contract promises. */
const DEFAULT_HEARTBEAT = "20s";

const LOG_LEVELS = ["trace", "debug", "info", "warn", "error", "fatal"];

/** Each flag, its environment twin and its help text. */
const SETTINGS = [
  ["listen", "SECRETS_SERVER_LISTEN", "host:port to listen on"],
  ["state-dir", "SECRETS_SERVER_STATE_DIR", "folder of the database"],
  ["tls-cert", "SECRETS_SERVER_TLS_CERT", "server certificate (PEM)"],
  ["tls-key", "SECRETS_SERVER_TLS_KEY", "server private key (PEM)"],
  ["tls-client-ca", "SECRETS_SERVER_TLS_CLIENT_CA", "CA to verify clients"],
  ["kek-file", "SECRETS_SERVER_KEK_FILE", "key-encryption key file"],
  ["token-key-file", "SECRETS_SERVER_TOKEN_KEY_FILE", "token verify key"],
  ["heartbeat", "SECRETS_SERVER_HEARTBEAT", "watch heartbeat interval"],
  ["log-level", "SECRETS_SERVER_LOG_LEVEL", "trace … fatal"],
] as const;

const BOOLEAN_SETTINGS = [
  ["insecure-plaintext", "SECRETS_SERVER_INSECURE_PLAINTEXT", "no TLS"],
  ["dev", "SECRETS_SERVER_DEV", "create and use a local dev state folder"],
] as const;

/** The server's settings after defaults, environment and flags. */
export interface ServerConfig {
  readonly listen: string;
  readonly stateDir: string;
  readonly databasePath: string;
  readonly tlsCert: string;
  readonly tlsKey: string;
  readonly tlsClientCa: string | undefined;
  readonly kekFile: string;
  readonly tokenKeyFile: string;
  readonly isPlaintext: boolean;
  readonly isDev: boolean;
  readonly heartbeatMs: number;
  readonly logLevel: string;
}

/** Raw text settings keyed by flag name. */
type RawSettings = Record<string, string | boolean | undefined>;

/**
 * Adds the server's flags to `command`, or only those named in `only`.
 * No defaults here: the environment is read first, in
 * {@link buildServerConfig}.
 */
export function addServerOptions(command: Command, only?: string[]): Command {
  const isWanted = (flag: string) => !only || only.includes(flag);
  for (const [flag, env, help] of SETTINGS) {
    if (!isWanted(flag)) continue;
    command.addOption(new Option(`--${flag} <value>`, `${help} (${env})`));
  }
  for (const [flag, env, help] of BOOLEAN_SETTINGS) {
    if (!isWanted(flag)) continue;
    command.addOption(new Option(`--${flag}`, `${help} (${env})`));
  }
  return command;
}

/** The config from commander's parsed `flags` and `env`. */
export function buildServerConfig(
  flags: Record<string, unknown>,
  env: NodeJS.ProcessEnv = process.env,
): ServerConfig {
  const raw = mergeSettings(flags, env);
  const text = (flag: string) => raw[flag] as string | undefined;
  const stateDir = text("state-dir") ?? DEV_STATE_DIR;
  const config: ServerConfig = {
    listen: checkSetting(
      "listen",
      hostPortSchema,
      text("listen") ?? DEFAULT_ADDR,
    ),
    stateDir,
    databasePath: join(stateDir, "secrets.db"),
    tlsCert: text("tls-cert") ?? join(stateDir, "server.crt"),
    tlsKey: text("tls-key") ?? join(stateDir, "server.key"),
    tlsClientCa: text("tls-client-ca"),
    kekFile: text("kek-file") ?? join(stateDir, "kek.json"),
    tokenKeyFile: text("token-key-file") ?? join(stateDir, "token-signing.pub"),
    isPlaintext: raw["insecure-plaintext"] === true,
    isDev: raw.dev === true,
    heartbeatMs: heartbeatMsOf(text("heartbeat") ?? DEFAULT_HEARTBEAT),
    logLevel: checkSetting(
      "log-level",
      oneOf(LOG_LEVELS),
      text("log-level") ?? process.env.SECRETS_LOG_LEVEL ?? "info",
    ),
  };
  return Object.freeze(config);
}

/** Environment first, then flags on top. */
function mergeSettings(
  flags: Record<string, unknown>,
  env: NodeJS.ProcessEnv,
): RawSettings {
  const raw: RawSettings = {};
  for (const [flag, envName] of SETTINGS) {
    const fromFlag = flags[optionKey(flag)];
    raw[flag] = typeof fromFlag === "string" ? fromFlag : env[envName];
  }
  for (const [flag, envName] of BOOLEAN_SETTINGS) {
    raw[flag] =
      flags[optionKey(flag)] === true || envBoolean(envName, env[envName]);
  }
  return raw;
}

function heartbeatMsOf(text: string): number {
  const ms = parseDurationMs(text, "heartbeat");
  if (ms < 50 || ms > 3_600_000) {
    throw invalidArgument("heartbeat", "must be between 50ms and 1h");
  }
  return ms;
}
