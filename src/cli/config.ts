/**
 * The settings of `secretsctl`: defaults, then environment variables, then
 * flags (flags win), validated once and frozen. When no setting names a
 * token, CA or signing key, the dev state folder's files are used if they
 * exist, so the README walkthrough needs no flags after
 * `secrets-server --dev`.
 */
import { existsSync } from "node:fs";
import {
  checkSetting,
  envBoolean,
  hostPortSchema,
} from "../shared/check-setting.js";
import {
  DEFAULT_ADDR,
  DEV_STATE_DIR,
  statePaths,
} from "../shared/dev-state.js";
import { parseTimerMs } from "../shared/durations.js";
import { invalidArgument } from "../shared/errors.js";

/** How long one call may take before it fails, as the flag spells it. */
export const DEFAULT_TIMEOUT = "10s";

/** Environment twins of the flags, by setting name. */
export const ENV_TWINS = {
  addr: "SECRETS_ADDR",
  tokenFile: "SECRETS_TOKEN_FILE",
  caFile: "SECRETS_CA_FILE",
  clientCert: "SECRETS_CLIENT_CERT",
  clientKey: "SECRETS_CLIENT_KEY",
  insecurePlaintext: "SECRETS_INSECURE_PLAINTEXT",
  stateDir: "SECRETS_STATE_DIR",
  timeout: "SECRETSCTL_TIMEOUT",
  signingKeyFile: "SECRETS_TOKEN_SIGNING_KEY_FILE",
} as const;

export type SettingName = keyof typeof ENV_TWINS;

/** The settings that name a file the CLI reads. */
export type FileSetting = "tokenFile" | "caFile" | "signingKeyFile";

/** Flags as commander hands them over; absent when not given. */
export type CliFlags = Partial<Record<SettingName, string | boolean>>;

export interface CliConfig {
  /** `host:port` of secrets-server; default 127.0.0.1:7443. */
  readonly addr: string;
  /** Token file; default the dev state folder's admin.token if present. */
  readonly tokenFile: string | undefined;
  /** CA bundle (PEM); default the dev state folder's ca.crt if present. */
  readonly caFile: string | undefined;
  /**
   * Client certificate and its key (PEM), both or neither, for a server
   * started with `--tls-client-ca`; never found in the dev state folder.
   */
  readonly clientCertFile: string | undefined;
  readonly clientKeyFile: string | undefined;
  /** Talk plaintext to an `--insecure-plaintext` server; default false. */
  readonly isPlaintext: boolean;
  /** State folder for dev fallbacks; default `.algorithm-secrets`. */
  readonly stateDir: string;
  /** Deadline of each call, in milliseconds; default 10 s. */
  readonly timeoutMs: number;
  /**
   * Ed25519 private key (PEM) that signs tokens; default the dev state
   * folder's token-signing.key if present.
   */
  readonly signingKeyFile: string | undefined;
  /**
   * The file settings that a flag or its environment twin named, as
   * opposed to files found in the dev state folder. A named file that
   * cannot be read is a usage error (exit 2); a found one, a setup
   * failure (exit 1).
   */
  readonly givenFiles: ReadonlySet<FileSetting>;
}

/** The frozen config from `flags` over `env` over the defaults. */
export function buildCliConfig(
  flags: CliFlags,
  env: NodeJS.ProcessEnv = process.env,
): CliConfig {
  const raw = {
    addr: checkSetting(
      "addr",
      hostPortSchema,
      pickString("addr", flags, env) ?? DEFAULT_ADDR,
    ),
    tokenFile: pickString("tokenFile", flags, env),
    caFile: pickString("caFile", flags, env),
    clientCert: pickString("clientCert", flags, env),
    clientKey: pickString("clientKey", flags, env),
    insecurePlaintext: pickBoolean("insecurePlaintext", flags, env),
    stateDir: pickString("stateDir", flags, env) ?? DEV_STATE_DIR,
    timeout: pickString("timeout", flags, env) ?? DEFAULT_TIMEOUT,
    signingKeyFile: pickString("signingKeyFile", flags, env),
  };
  const dev = statePaths(raw.stateDir);
  const givenFiles = new Set<FileSetting>(
    (["tokenFile", "caFile", "signingKeyFile"] as const).filter(
      (name) => raw[name] !== undefined,
    ),
  );
  if (raw.insecurePlaintext) givenFiles.delete("caFile");
  const timeoutMs = parseTimerMs(raw.timeout, "timeout");
  if (timeoutMs <= 0) throw invalidArgument("timeout", "must be above zero");
  return Object.freeze({
    addr: raw.addr,
    tokenFile: raw.tokenFile ?? ifExists(dev.adminToken),
    caFile: raw.insecurePlaintext
      ? undefined
      : (raw.caFile ?? ifExists(dev.caCert)),
    clientCertFile: raw.clientCert,
    clientKeyFile: raw.clientKey,
    isPlaintext: raw.insecurePlaintext,
    stateDir: dev.dir,
    timeoutMs,
    signingKeyFile: raw.signingKeyFile ?? ifExists(dev.tokenSigningKey),
    givenFiles,
  });
}

/** `tokenFile` → `token-file`, the way the flag is spelled. */
function toFlagName(setting: string): string {
  return setting.replace(/[A-Z]/g, (letter) => `-${letter.toLowerCase()}`);
}

function pickString(
  name: SettingName,
  flags: CliFlags,
  env: NodeJS.ProcessEnv,
): string | undefined {
  const flag = flags[name];
  if (flag === "") throw invalidArgument(toFlagName(name), "must not be empty");
  if (typeof flag === "string") return flag;
  const fromEnv = env[ENV_TWINS[name]];
  return fromEnv === undefined || fromEnv === "" ? undefined : fromEnv;
}

function pickBoolean(
  name: SettingName,
  flags: CliFlags,
  env: NodeJS.ProcessEnv,
): boolean {
  if (flags[name] === true) return true;
  return envBoolean(ENV_TWINS[name], env[ENV_TWINS[name]]);
}

function ifExists(path: string): string | undefined {
  return existsSync(path) ? path : undefined;
}
