/**
 * The `dotenv` dialect: `NAME='value'`, `NAME="value"` or `NAME=value`,
 * chosen per value so that every dotenv reader below reads it exactly:
 *
 * - Node's built-in parser (`node --env-file`, `process.loadEnvFile`,
 *   `util.parseEnv`);
 * - the `dotenv` npm package (`dotenv.config`, `dotenv.parse`);
 * - `python-dotenv` (`load_dotenv`, `dotenv_values`, with its default
 *   `${VAR}` interpolation on).
 *
 * These readers disagree: the npm package and python-dotenv turn `\r` and
 * `\n` inside double quotes into control characters, python-dotenv also
 * undoes `\\` and `\'` inside single quotes and expands `${VAR}` in any
 * value, all of them trim unquoted values and cut them at `#`, and Node
 * drops a carriage return wherever it stands. A value none of the three
 * quoting styles carries through all readers is refused, never bent.
 *
 * Limitation: the quoting rules were checked against Node 20.20, dotenv
 * 17 and python-dotenv 0.21, the versions this package is tested with.
 * Node 22 and later ship a rewritten parser; the dialect matrix test runs
 * whatever Node is installed, so a newer Node that reads differently
 * fails that test rather than a user's password.
 */
import type { Dialect } from "./dialect.js";
import { headerLines, joinLines } from "./header-lines.js";

/** python-dotenv's interpolation pattern: `${NAME}` or `${NAME:-default}`. */
const PYTHON_INTERPOLATION = /\$\{[^}:]*(?::-[^}]*)?\}/;

/**
 * Characters a reader may trim from the ends of an unquoted value: what
 * JavaScript's `trim` removes plus what Python's `str.isspace` adds.
 */
// biome-ignore lint/suspicious/noControlCharactersInRegex: they are the point
const TRIMMABLE = /[\s\x1c-\x1f\x85]/u;

/** First characters that make a reader treat the value as quoted. */
const QUOTE_STARTS = new Set(["'", '"', "`"]);

export const dotenvDialect: Dialect = {
  name: "dotenv",

  refusalReason(value) {
    if (value.includes("\r")) {
      return "it holds a carriage return, which dotenv readers drop or turn into a line feed";
    }
    if (PYTHON_INTERPOLATION.test(value)) {
      return "it holds a dollar sign and braces, which python-dotenv expands";
    }
    if (quoteForDotenv(value) === undefined) {
      return "no quoting style is read back exactly by Node, dotenv and python-dotenv (quotes of every kind together with backslashes, # or surrounding spaces)";
    }
    return undefined;
  },

  renderFile(header, entries) {
    const lines = headerLines(header);
    for (const [name, value] of entries) {
      // refusalReason ran first, so a quoting exists.
      lines.push(`${name}=${quoteForDotenv(value) ?? ""}`);
    }
    return joinLines(lines);
  },
};

/**
 * `value` in the first style all three readers read exactly, or undefined.
 * Assumes no carriage return and no `${…}`, which no style can carry.
 */
export function quoteForDotenv(value: string): string | undefined {
  if (isSingleQuotable(value)) return `'${value}'`;
  if (isDoubleQuotable(value)) return `"${value}"`;
  if (isBare(value)) return value;
  return undefined;
}

// No reader processes anything inside single quotes except python-dotenv,
// which undoes `\\` and `\'`. A trailing backslash would make the npm
// package and python-dotenv read `\'` as an escaped quote and run on into
// the next line.
function isSingleQuotable(value: string): boolean {
  return (
    !value.includes("'") && !value.includes("\\\\") && !value.endsWith("\\")
  );
}

// Inside double quotes every reader handles some backslash escapes, each a
// different set, so a backslash rules double quotes out.
function isDoubleQuotable(value: string): boolean {
  return !value.includes('"') && !value.includes("\\");
}

// Unquoted, readers stop at a line end or `#` and trim both ends.
function isBare(value: string): boolean {
  const first = value.at(0);
  const last = value.at(-1);
  if (first === undefined || last === undefined) return false;
  return (
    !QUOTE_STARTS.has(first) &&
    !TRIMMABLE.test(first) &&
    !TRIMMABLE.test(last) &&
    !/[#\n\r\u2028\u2029]/.test(value)
  );
}
