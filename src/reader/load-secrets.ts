/**
 * Loads the agent's env file into a record and, when asked, into
 * `process.env`.
 */
import { readFileSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { SecretsError } from "../shared/errors.js";
import { isReservedEnvName } from "../shared/names.js";
import { parseEnvFile, type ReaderFormat } from "./parse-env-file.js";

/** Where the agent writes by default. */
export const DEFAULT_SECRETS_PATH = "/run/algorithm-secrets/secrets.env";

/** Names to values; no prototype, so a secret named `__proto__` is safe. */
export type SecretRecord = Readonly<Record<string, string>>;

/** What {@link loadSecrets} and {@link loadSecretsSync} take. */
export interface LoadSecretsOptions {
  /** The agent's file. Default {@link DEFAULT_SECRETS_PATH}. */
  path?: string;
  /** The file's dialect. Default: told apart by content. */
  format?: ReaderFormat;
  /**
   * Also set each secret in `process.env`. Default false. A file holding
   * a reserved name (PATH, LD_PRELOAD, NODE_OPTIONS, …; see the service's
   * name rules) is then refused whole with FAILED_PRECONDITION naming
   * the variable, and nothing is set: such a name could take over the
   * process. Without this option the record returns every name.
   */
  intoProcessEnv?: boolean;
  /**
   * With `intoProcessEnv`, replace variables that are already set.
   * Default true: the file is the source of truth, and a reload must
   * replace what the previous load set.
   */
  override?: boolean;
}

/**
 * Reads and parses the file. Throws NOT_FOUND when it does not exist
 * (the agent has not written its first snapshot yet), INVALID_ARGUMENT
 * when it is not the agent's output or is in a dialect the reader does
 * not read (`dotenv`, `docker`), and, with `intoProcessEnv`,
 * FAILED_PRECONDITION when it holds a reserved name.
 *
 * Limitation: a secret removed from the file stays in `process.env`
 * until the process restarts; only the returned record drops it.
 */
export async function loadSecrets(
  options: LoadSecretsOptions = {},
): Promise<SecretRecord> {
  const path = options.path ?? DEFAULT_SECRETS_PATH;
  const bytes = await readFile(path).catch((error) => {
    throw readError(error);
  });
  return applySecrets(bytes, options);
}

/** {@link loadSecrets} for start-up code that cannot await. */
export function loadSecretsSync(
  options: LoadSecretsOptions = {},
): SecretRecord {
  const path = options.path ?? DEFAULT_SECRETS_PATH;
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (error) {
    throw readError(error);
  }
  return applySecrets(bytes, options);
}

/** Parses file bytes and applies them as the options say. */
export function applySecrets(
  bytes: Uint8Array,
  options: LoadSecretsOptions,
): SecretRecord {
  const secrets = parseEnvFile(decodeUtf8(bytes), options.format);
  const record: Record<string, string> = Object.create(null);
  for (const [name, value] of secrets) record[name] = value;

  if (options.intoProcessEnv) {
    // Checked before any variable is set, so a refusal changes nothing.
    refuseReservedNames(secrets.keys());
    const isOverriding = options.override ?? true;
    for (const [name, value] of secrets) {
      if (isOverriding || process.env[name] === undefined) {
        process.env[name] = value;
      }
    }
  }
  return Object.freeze(record);
}

/**
 * The agent leaves reserved names out, and the service refuses them at
 * creation; a file from an older agent, or a row stored before a name
 * joined the list, can still hold one.
 */
function refuseReservedNames(names: Iterable<string>): void {
  for (const name of names) {
    if (!isReservedEnvName(name)) continue;
    throw new SecretsError(
      "FAILED_PRECONDITION",
      `${name}: the name is reserved (it could take over the process); ` +
        "nothing was set in process.env",
      { field: name },
    );
  }
}

const strictUtf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

function decodeUtf8(bytes: Uint8Array): string {
  try {
    return strictUtf8.decode(bytes);
  } catch {
    throw new SecretsError("INVALID_ARGUMENT", "file: is not UTF-8 text", {
      field: "file",
    });
  }
}

/** A failed file read as a SecretsError; the OS error stays in `cause`. */
export function readError(error: unknown): SecretsError {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (code === "ENOENT") {
    return new SecretsError(
      "NOT_FOUND",
      "path: the secrets file does not exist",
      {
        field: "path",
        cause: error,
      },
    );
  }
  return new SecretsError(
    "UNAVAILABLE",
    "path: the secrets file cannot be read",
    {
      field: "path",
      cause: error,
    },
  );
}
