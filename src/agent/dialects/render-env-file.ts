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
import type { Dialect } from "./dialect.js";
import { EnvFileRefusal, refusalOf } from "./env-refusal.js";

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

/** The file's text, the names in it and the names left out of it. */
export interface RenderedEnvFile {
  content: string;
  /** The names the file holds, sorted. */
  envNames: string[];
  skippedNames: string[];
}

/**
 * Renders `secrets` sorted by name. Throws an {@link EnvFileRefusal}
 * (FAILED_PRECONDITION, `field` the variable's name) for the first value
 * the dialect cannot carry or reserved name, unless
 * `isSkippingUnrepresentable` is set.
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
      throw new EnvFileRefusal(envName, refusal);
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
    envNames: entries.map(([envName]) => envName),
    skippedNames,
  };
}
