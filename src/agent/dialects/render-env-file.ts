/**
 * Turns a snapshot into the bytes of an env file in one dialect. A value
 * the dialect cannot carry exactly is refused with an error naming the
 * variable, or, when the operator chose to skip such values, left out and
 * listed in the header. Nothing is ever altered to make it fit.
 *
 * A reserved name (PATH, LD_PRELOAD, NODE_OPTIONS, …) is refused the same
 * way. The service refuses such names when a secret is created, but a
 * row stored before a name joined the list, or by an older server, still
 * reaches the agent, and sourcing it would hand the process over.
 */
import { SecretsError } from "../../shared/errors.js";
import { ENV_NAME_PATTERN, isReservedEnvName } from "../../shared/names.js";
import type { Dialect } from "./dialect.js";

/** One secret as the snapshot holds it. */
export interface EnvEntrySource {
  envName: string;
  value: string;
}

/** What {@link renderEnvFile} needs. */
export interface RenderOptions {
  dialect: Dialect;
  algorithm: string;
  revision: number;
  secrets: readonly EnvEntrySource[];
  /** Leave out what the dialect cannot carry instead of refusing. */
  isSkippingUnrepresentable: boolean;
}

/** The file's text and the names left out of it. */
export interface RenderedEnvFile {
  content: string;
  skippedNames: string[];
}

/**
 * Renders `secrets` sorted by name. Throws FAILED_PRECONDITION with
 * `field` set to the variable's name for the first value the dialect
 * cannot carry or reserved name, unless `isSkippingUnrepresentable` is
 * set.
 */
export function renderEnvFile(options: RenderOptions): RenderedEnvFile {
  const entries: Array<readonly [string, string]> = [];
  const skippedNames: string[] = [];
  const sorted = [...options.secrets].sort((a, b) =>
    a.envName < b.envName ? -1 : a.envName > b.envName ? 1 : 0,
  );

  for (const { envName, value } of sorted) {
    const refusal = refusalOf(options.dialect, envName, value);
    if (refusal === undefined) {
      entries.push([envName, value]);
      continue;
    }
    if (!options.isSkippingUnrepresentable) {
      throw new SecretsError("FAILED_PRECONDITION", `${envName}: ${refusal}`, {
        field: envName,
      });
    }
    skippedNames.push(envName);
  }

  const header = {
    algorithm: options.algorithm,
    revision: options.revision,
    format: options.dialect.name,
    skippedNames,
  };
  return {
    content: options.dialect.renderFile(header, entries),
    skippedNames,
  };
}

/** Lone UTF-16 surrogates: text that has no UTF-8 form. */
const LONE_SURROGATE = /\p{Cs}/u;

/** Why `envName` is left out of the file, or undefined when it is not. */
function refusalOf(
  dialect: Dialect,
  envName: string,
  value: string,
): string | undefined {
  if (isReservedEnvName(envName)) {
    return "the name is reserved: it could take over the process or the shell";
  }
  const reason = valueRefusalReason(dialect, envName, value);
  if (reason === undefined) return undefined;
  return `the ${dialect.name} format cannot carry this value exactly (${reason})`;
}

// Checks shared by every dialect come first, so a dialect only judges
// UTF-8 text without NUL under a portable name.
function valueRefusalReason(
  dialect: Dialect,
  envName: string,
  value: string,
): string | undefined {
  if (!ENV_NAME_PATTERN.test(envName)) {
    return "the name is not a portable environment variable name";
  }
  if (value.includes("\0") || LONE_SURROGATE.test(value)) {
    return "it is not UTF-8 text without NUL";
  }
  return dialect.refusalReason(value);
}
