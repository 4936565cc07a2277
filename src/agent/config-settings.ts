/**
 * The agent's settings: each flag, its environment twin, its default and
 * its help text, in `--help` order. `config.ts` reads them.
 */
import { DEFAULT_ADDR } from "../shared/dev-state.js";
import { DIALECT_NAMES } from "./dialects/index.js";

/** Where the env file goes by default: a tmpfs under /run in containers. */
export const DEFAULT_FILE = "/run/algorithm-secrets/secrets.env";

/** Health address by default; containers set 0.0.0.0:8099. */
export const DEFAULT_HEALTH_ADDR = "127.0.0.1:8099";

/**
 * Shortest `--refresh`, in milliseconds. Each refresh is a call to the
 * service, and a refused agent retries only this often, so a typo such
 * as `1ms` would have every agent hammer the service. 250 ms still lets
 * tests run the refresh quickly (the delivery e2e test uses 300 ms).
 */
export const MIN_REFRESH_MS = 250;

export type SettingKind = "text" | "flag" | "duration";

export interface Setting {
  /** Flag name without dashes; also the name in error messages. */
  name: string;
  env: string;
  kind: SettingKind;
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
    name: "client-cert",
    env: "SECRETS_CLIENT_CERT",
    kind: "text",
    description:
      "PEM client certificate to present (a service with --tls-client-ca)",
  },
  {
    name: "client-key",
    env: "SECRETS_CLIENT_KEY",
    kind: "text",
    description: "PEM private key of --client-cert",
  },
  {
    name: "insecure-plaintext",
    env: "SECRETS_INSECURE_PLAINTEXT",
    kind: "flag",
    description:
      "talk plaintext gRPC (local testing only; warns at every start)",
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
    description: "full refresh interval (±10 % jitter; at least 250ms)",
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
    description:
      "shell command to run on change (one at a time; gets only PATH and HOME)",
  },
  {
    name: "reload-timeout",
    env: "SECRETS_AGENT_RELOAD_TIMEOUT",
    kind: "duration",
    default: "10s",
    description:
      "how long the reload command may run before its process group is killed",
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
    description:
      "with --once: give up after this long (a refused secret fails at once)",
  },
  {
    name: "log-level",
    env: "SECRETS_LOG_LEVEL",
    kind: "text",
    default: "info",
    description: "trace, debug, info, warn, error",
  },
];

export const LOG_LEVELS = [
  "trace",
  "debug",
  "info",
  "warn",
  "error",
  "fatal",
  "silent",
];
