/**
 * The dialect named in the header comment the agent writes at the top of
 * its line-oriented files (`src/agent/dialects/header-lines.ts`):
 *
 * ```
 * # Written by secrets-agent. Do not edit: changes are replaced.
 * # algorithm=acme/model revision=12 format=sh
 * ```
 *
 * Comments are all an empty `dotenv` or `docker` file holds, so without
 * this the `sh` parser would read one as an empty `sh` file.
 *
 * Limitation: files from agents older than the `format` field have no
 * format to check; an empty `dotenv` or `docker` file of theirs still
 * reads as no secrets.
 */
import { SecretsError } from "../shared/errors.js";

const HEADER_FORMAT =
  /^# [^\n]*\n# algorithm=\S+ revision=\d+ format=(\S+)(?: [^\n]*)?\n/;

/** The format the agent's header names, or undefined when there is none. */
export function formatInHeader(text: string): string | undefined {
  return HEADER_FORMAT.exec(text)?.[1];
}

/**
 * Throws INVALID_ARGUMENT, naming the format, when `text` starts with the
 * agent's header and the header names a format other than `expected`.
 */
export function requireHeaderFormat(text: string, expected: string): void {
  const format = formatInHeader(text);
  if (format === undefined || format === expected) return;
  throw new SecretsError(
    "INVALID_ARGUMENT",
    `file: written in the ${format} format, which this reader does not ` +
      "read (it reads sh and json; run the agent with --format sh or json)",
    { field: "file" },
  );
}
