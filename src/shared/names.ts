/**
 * The naming and size rules from the design's "Identity and names", shared
 * by the service (which enforces them) and the clients (which check early
 * to give a better message).
 */
import { invalidArgument } from "./errors.js";
import { holdsToken } from "./mask-credentials.js";
import { isReservedEnvName } from "./reserved-env-names.js";

export { isReservedEnvName } from "./reserved-env-names.js";

/** One part of `owner/name`. */
const ALGORITHM_PART = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;

/** An environment variable name as every shell and dotenv reader takes it. */
export const ENV_NAME_PATTERN = /^[A-Za-z_][A-Za-z0-9_]{0,127}$/;

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

/** Throws INVALID_ARGUMENT unless `envName` may name a secret. */
export function checkEnvName(envName: string, field = "env_name"): void {
  checkEnvNameSyntax(envName, field);
  if (isReservedEnvName(envName)) {
    throw invalidArgument(
      field,
      `${envName} is reserved: the process, the shell or a reader of ` +
        "the env file treats it specially",
    );
  }
}

/**
 * Throws INVALID_ARGUMENT unless `envName` has the form of a name. For
 * calls that must reach a stored secret whatever its name (get, delete):
 * a secret stored before its name was reserved can still be removed.
 */
export function checkEnvNameSyntax(envName: string, field = "env_name"): void {
  if (!ENV_NAME_PATTERN.test(envName)) {
    throw invalidArgument(field, "must match [A-Za-z_][A-Za-z0-9_]{0,127}");
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

/**
 * Control characters a label may never hold: C0 (tab and newline
 * included), DEL, C1, the Unicode line and paragraph separators, and the
 * bidirectional marks, embeddings, overrides and isolates. Each of them
 * breaks a one-line-per-row table, moves a terminal's cursor, or makes
 * text show in another order than it is stored (a name that reads as
 * another secret's).
 */
const LABEL_CONTROL =
  // biome-ignore lint/suspicious/noControlCharactersInRegex: the point is to refuse them
  /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u200e\u200f\u202a-\u202e\u2066-\u2069]/;

/**
 * The same for a description, except newline and tab: a description may
 * run over several lines, and `secretsctl` prints both escaped (`\n`,
 * `\t`) so its output keeps one line per field.
 */
const DESCRIPTION_CONTROL =
  // biome-ignore lint/suspicious/noControlCharactersInRegex: the point is to refuse them
  /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u2028\u2029\u200e\u200f\u202a-\u202e\u2066-\u2069]/;

/** Throws INVALID_ARGUMENT unless `text` is a short single-line label. */
export function checkDisplayName(text: string, field = "display_name"): void {
  if (text.trim().length === 0) {
    throw invalidArgument(field, "must not be empty");
  }
  checkLabel(text, field, MAX_DISPLAY_NAME_CHARS);
  if (LABEL_CONTROL.test(text)) {
    throw invalidArgument(
      field,
      "must be one line without control characters (newline, tab, " +
        "direction overrides, …)",
    );
  }
}

/** Throws INVALID_ARGUMENT unless `text` is an acceptable description. */
export function checkDescription(text: string, field = "description"): void {
  checkLabel(text, field, MAX_DESCRIPTION_CHARS);
  if (DESCRIPTION_CONTROL.test(text)) {
    throw invalidArgument(
      field,
      "must not contain control characters (direction overrides, …) " +
        "other than newline and tab",
    );
  }
}

/**
 * Length, and no token: labels are shown to everyone who may list the
 * algorithm's secrets, so a token pasted into one (easily done when
 * copying a create command) would be on show. Refused rather than
 * masked, so the mistake is noticed.
 */
function checkLabel(text: string, field: string, maxChars: number): void {
  if ([...text].length > maxChars) {
    throw invalidArgument(field, `must be at most ${maxChars} characters`);
  }
  if (holdsToken(text)) {
    throw invalidArgument(
      field,
      "must not hold a token: a credential goes in the value, which is never shown",
    );
  }
}
