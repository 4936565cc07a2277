/**
 * The `sh` dialect: `export NAME='value'` for any POSIX shell (bash, dash,
 * busybox sh, zsh in sh emulation, mksh). Inside single quotes a shell
 * takes every byte literally, including line feeds and carriage returns,
 * so only `'` itself needs care: it closes the quote, adds an escaped
 * quote and reopens (`'\''`). Sourcing the file therefore never expands or
 * runs anything: `$(…)`, backticks and `'; cmd; '` stay text.
 */
import type { Dialect } from "./dialect.js";
import { headerLines, joinLines } from "./header-lines.js";

export const shDialect: Dialect = {
  name: "sh",

  // Any UTF-8 text without NUL survives single quotes; renderEnvFile has
  // already refused NUL and text that is not UTF-8.
  refusalReason: () => undefined,

  renderFile(header, entries) {
    const lines = headerLines(header);
    for (const [name, value] of entries) {
      lines.push(`export ${name}=${quoteForShell(value)}`);
    }
    return joinLines(lines);
  },
};

/** `value` in POSIX single quotes, `'` written as `'\''`. */
export function quoteForShell(value: string): string {
  return `'${value.replaceAll("'", `'\\''`)}'`;
}
