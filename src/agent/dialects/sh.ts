/**
 * The `sh` dialect: `export NAME='value'` for any POSIX shell. Inside
 * single quotes a shell takes every byte literally, so only `'` itself
 * needs care: it closes the quote, adds an escaped quote and reopens
 * (`'\''`). Sourcing the file therefore never expands or runs anything.
 */
import type { Dialect, EnvFileHeader } from "./dialect.js";

export const shDialect: Dialect = {
  name: "sh",

  // Any UTF-8 text without NUL survives single quotes, and NUL never
  // reaches us: the service refuses it.
  refusalReason: () => undefined,

  renderFile(header, entries) {
    const lines = headerLines(header, "#");
    for (const [name, value] of entries) {
      lines.push(`export ${name}=${quoteForShell(value)}`);
    }
    return `${lines.join("\n")}\n`;
  },
};

/** `value` in POSIX single quotes. */
export function quoteForShell(value: string): string {
  return `'${value.replaceAll("'", `'\\''`)}'`;
}

/** The header comment lines shared by the line-oriented dialects. */
export function headerLines(header: EnvFileHeader, marker: string): string[] {
  const lines = [
    `${marker} Written by secrets-agent. Do not edit: changes are replaced.`,
    `${marker} algorithm=${header.algorithm} revision=${header.revision}`,
  ];
  if (header.skippedNames.length > 0) {
    lines.push(`${marker} skipped=${header.skippedNames.join(",")}`);
  }
  return lines;
}
