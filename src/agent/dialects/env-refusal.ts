/**
 * Why a secret cannot go into the env file: a reserved name, a name that
 * is not portable, text that is not UTF-8 without NUL, or a value the
 * chosen dialect cannot carry exactly. Each refusal has fixed words for
 * logs and status (`reason`) and a longer message naming the variable;
 * neither ever quotes the value.
 */
import { SecretsError } from "../../shared/errors.js";
import { ENV_NAME_PATTERN, isReservedEnvName } from "../../shared/names.js";
import type { Dialect } from "./dialect.js";

/** A refusal before it is thrown. */
export interface Refusal {
  /** Fixed words, e.g. `reserved name`, `value the sh format cannot carry`. */
  reason: string;
  /** The whole explanation, for the message. */
  detail: string;
}

/**
 * Thrown for a secret the file cannot hold: FAILED_PRECONDITION with
 * `field` set to the variable's name.
 */
export class EnvFileRefusal extends SecretsError {
  /** Fixed words safe for any log or status; see {@link Refusal}. */
  readonly reason: string;

  constructor(envName: string, refusal: Refusal) {
    super("FAILED_PRECONDITION", `${envName}: ${refusal.detail}`, {
      field: envName,
    });
    this.reason = refusal.reason;
  }
}

/** Lone UTF-16 surrogates: text that has no UTF-8 form. */
const LONE_SURROGATE = /\p{Cs}/u;

/**
 * Why `envName` must be left out of the file, or undefined when it can
 * go in. Checks shared by every dialect come first, so a dialect only
 * judges UTF-8 text without NUL under a portable, unreserved name.
 */
export function refusalOf(
  dialect: Dialect,
  envName: string,
  value: string,
): Refusal | undefined {
  if (isReservedEnvName(envName)) {
    return {
      reason: "reserved name",
      detail:
        "the name is reserved: it could take over the process or the shell",
    };
  }
  if (!ENV_NAME_PATTERN.test(envName)) {
    return {
      reason: "name not portable",
      detail: "the name is not a portable environment variable name",
    };
  }
  if (value.includes("\0") || LONE_SURROGATE.test(value)) {
    return {
      reason: "value not UTF-8 text without NUL",
      detail: "the value is not UTF-8 text without NUL",
    };
  }
  const why = dialect.refusalReason(value);
  if (why === undefined) return undefined;
  return {
    reason: `value the ${dialect.name} format cannot carry`,
    detail: `the ${dialect.name} format cannot carry this value exactly (${why})`,
  };
}
