/**
 * The header comment shared by the line-oriented dialects (`sh`, `dotenv`,
 * `docker`). Every reader of those formats skips a line starting with `#`,
 * so the header is safe to write; it carries no secret, only the
 * algorithm, the revision and the names left out.
 */
import type { EnvFileHeader } from "./dialect.js";

/** The header as comment lines, without line ends. */
export function headerLines(header: EnvFileHeader): string[] {
  const lines = [
    "# Written by secrets-agent. Do not edit: changes are replaced.",
    `# algorithm=${header.algorithm} revision=${header.revision}`,
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
 * undefined when `text` does not start with such a header.
 */
export function revisionInHeader(text: string): number | undefined {
  const match = /^# [^\n]*\n# algorithm=\S+ revision=(\d+)\n/.exec(text);
  return match?.[1] === undefined ? undefined : Number(match[1]);
}
