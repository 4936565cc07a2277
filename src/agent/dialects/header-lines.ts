/**
 * The header comment shared by the line-oriented dialects (`sh`, `dotenv`,
 * `docker`). Every reader of those formats skips a line starting with `#`,
 * so the header is safe to write; it carries no secret, only the
 * algorithm, the revision, the format and the names left out:
 *
 * ```
 * # Written by secrets-agent. Do not edit: changes are replaced.
 * # algorithm=acme/model revision=12 format=sh
 * # skipped=A,B
 * ```
 *
 * `algorithm-secrets/reader` reads the format (see `src/reader/
 * env-file-header.ts`) to refuse a file in a dialect it does not read.
 *
 * Limitation: an agent upgraded from a version without `format=` in the
 * header rewrites an unchanged file once (and sends one reload), since
 * the header it would write differs.
 */
import type { EnvFileHeader } from "./dialect.js";

/** The header as comment lines, without line ends. */
export function headerLines(header: EnvFileHeader): string[] {
  const lines = [
    "# Written by secrets-agent. Do not edit: changes are replaced.",
    `# algorithm=${header.algorithm} revision=${header.revision} format=${header.format}`,
  ];
  if (header.skippedNames.length > 0) {
    lines.push(`# skipped=${header.skippedNames.join(",")}`);
  }
  return lines;
}

/** Joins lines into a file that ends with exactly one line feed. */
export function joinLines(lines: readonly string[]): string {
  return `${lines.join("\n")}\n`;
}

/**
 * The revision a header written by {@link headerLines} names, or
 * undefined when `text` does not start with such a header. Fields after
 * the revision are optional: earlier agents wrote no `format`, and a
 * file of theirs must still be taken over at start, not misread.
 */
export function revisionInHeader(text: string): number | undefined {
  const match = /^# [^\n]*\n# algorithm=\S+ revision=(\d+)(?: [^\n]*)?\n/.exec(
    text,
  );
  return match?.[1] === undefined ? undefined : Number(match[1]);
}
