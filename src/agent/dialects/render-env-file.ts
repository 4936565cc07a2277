/**
 * Turns a snapshot into the bytes of an env file in one dialect. A value
 * the dialect cannot carry exactly is refused with an error naming the
 * variable, or, when the operator chose to skip such values, left out and
 * listed in the header. Nothing is ever altered to make it fit.
 */
import { SecretsError } from "../../shared/errors.js";
import { ENV_NAME_PATTERN } from "../../shared/names.js";
import type { Dialect } from "./dialect.js";

export interface EnvEntrySource {
  envName: string;
  value: string;
}

export interface RenderOptions {
  dialect: Dialect;
  algorithm: string;
  revision: number;
  secrets: readonly EnvEntrySource[];
  /** Leave out what the dialect cannot carry instead of refusing. */
  isSkippingUnrepresentable: boolean;
}

export interface RenderedEnvFile {
  content: string;
  skippedNames: string[];
}

export function renderEnvFile(options: RenderOptions): RenderedEnvFile {
  const entries: Array<readonly [string, string]> = [];
  const skippedNames: string[] = [];
  const sorted = [...options.secrets].sort((a, b) =>
    a.envName < b.envName ? -1 : a.envName > b.envName ? 1 : 0,
  );

  for (const { envName, value } of sorted) {
    const reason = ENV_NAME_PATTERN.test(envName)
      ? options.dialect.refusalReason(value)
      : "the name is not a portable environment variable name";
    if (reason === undefined) {
      entries.push([envName, value]);
      continue;
    }
    if (!options.isSkippingUnrepresentable) {
      throw new SecretsError(
        "FAILED_PRECONDITION",
        `${envName}: the ${options.dialect.name} format cannot carry this value exactly (${reason})`,
        { field: envName },
      );
    }
    skippedNames.push(envName);
  }

  const header = {
    algorithm: options.algorithm,
    revision: options.revision,
    skippedNames,
  };
  return {
    content: options.dialect.renderFile(header, entries),
    skippedNames,
  };
}
