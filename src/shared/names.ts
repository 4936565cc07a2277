/**
 * The naming and size rules from the design's "Identity and names", shared
 * by the service (which enforces them) and the clients (which check early
 * to give a better message).
 */
import { invalidArgument } from "./errors.js";

/** One part of `owner/name`. */
const ALGORITHM_PART = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;

/** An environment variable name as every shell and dotenv reader takes it. */
export const ENV_NAME_PATTERN = /^[A-Za-z_][A-Za-z0-9_]{0,127}$/;

/**
 * Names that would let a secret take over the process, the dynamic loader
 * or the shell that sources the env file.
 */
const RESERVED_ENV_NAMES = new Set([
  "PATH",
  "HOME",
  "SHELL",
  "IFS",
  "ENV",
  "BASH_ENV",
  "PS1",
  "PS2",
  "PS4",
  "CDPATH",
  "PWD",
  "OLDPWD",
  "USER",
  "LOGNAME",
  "SHELLOPTS",
  "BASHOPTS",
  "GLOBIGNORE",
  "PROMPT_COMMAND",
  "NODE_OPTIONS",
  "NODE_PATH",
  "NODE_EXTRA_CA_CERTS",
  "PYTHONPATH",
  "PYTHONSTARTUP",
  "PYTHONHOME",
  "PYTHONINSPECT",
  "PERL5LIB",
  "PERL5OPT",
  "RUBYLIB",
  "RUBYOPT",
  "JAVA_TOOL_OPTIONS",
  "_JAVA_OPTIONS",
]);

/** Prefixes reserved the same way: loader variables and our own. */
const RESERVED_ENV_PREFIXES = ["LD_", "DYLD_", "ALGORITHM_SECRETS_"];

/** Largest value in bytes of UTF-8. */
export const MAX_VALUE_BYTES = 64 * 1024;

/** Largest sum of an algorithm's value sizes, in bytes. */
export const MAX_ALGORITHM_BYTES = 1024 * 1024;

/** Largest display name, in characters. */
export const MAX_DISPLAY_NAME_CHARS = 200;

/** Largest description, in characters. */
export const MAX_DESCRIPTION_CHARS = 2000;

/** True when `algorithm` is `owner/name` with valid parts. */
export function isAlgorithmName(algorithm: string): boolean {
  const parts = algorithm.split("/");
  return parts.length === 2 && parts.every((part) => ALGORITHM_PART.test(part));
}

/** Throws INVALID_ARGUMENT unless `algorithm` is `owner/name`. */
export function checkAlgorithm(algorithm: string, field = "algorithm"): void {
  if (!isAlgorithmName(algorithm)) {
    throw invalidArgument(
      field,
      "must be OWNER/NAME, each part [A-Za-z0-9][A-Za-z0-9_-]{0,63}",
    );
  }
}

/**
 * True when `envName` is reserved for the platform or the shell. Compared
 * in upper case, so `path` and `ld_preload` are refused too: some shells
 * and platforms fold case, and a near-twin of PATH only confuses readers.
 */
export function isReservedEnvName(envName: string): boolean {
  const upper = envName.toUpperCase();
  return (
    RESERVED_ENV_NAMES.has(upper) ||
    RESERVED_ENV_PREFIXES.some((prefix) => upper.startsWith(prefix))
  );
}

/** Throws INVALID_ARGUMENT unless `envName` may name a secret. */
export function checkEnvName(envName: string, field = "env_name"): void {
  if (!ENV_NAME_PATTERN.test(envName)) {
    throw invalidArgument(field, "must match [A-Za-z_][A-Za-z0-9_]{0,127}");
  }
  if (isReservedEnvName(envName)) {
    throw invalidArgument(
      field,
      `${envName} is reserved: it could take over the process or the shell`,
    );
  }
}

const strictUtf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

/**
 * Checks a value's bytes and returns them as text. Values are never
 * trimmed or normalised; only their validity is checked.
 */
export function checkValue(value: Uint8Array, field = "value"): string {
  if (value.byteLength > MAX_VALUE_BYTES) {
    throw invalidArgument(
      field,
      `is ${value.byteLength} bytes; the limit is ${MAX_VALUE_BYTES}`,
    );
  }
  if (value.includes(0)) {
    throw invalidArgument(field, "must not contain a NUL byte");
  }
  try {
    return strictUtf8.decode(value);
  } catch {
    throw invalidArgument(field, "must be valid UTF-8");
  }
}

/** Throws INVALID_ARGUMENT unless `text` is a short single-line label. */
export function checkDisplayName(text: string, field = "display_name"): void {
  if (text.trim().length === 0) {
    throw invalidArgument(field, "must not be empty");
  }
  checkLabel(text, field, MAX_DISPLAY_NAME_CHARS);
}

/** Throws INVALID_ARGUMENT unless `text` is an acceptable description. */
export function checkDescription(text: string, field = "description"): void {
  checkLabel(text, field, MAX_DESCRIPTION_CHARS);
}

function checkLabel(text: string, field: string, maxChars: number): void {
  if ([...text].length > maxChars) {
    throw invalidArgument(field, `must be at most ${maxChars} characters`);
  }
  // biome-ignore lint/suspicious/noControlCharactersInRegex: the point is to refuse them
  if (/[\u0000-\u0008\u000b-\u001f\u007f]/.test(text)) {
    throw invalidArgument(field, "must not contain control characters");
  }
}
