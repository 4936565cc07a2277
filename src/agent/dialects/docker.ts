/**
 * The `docker` dialect: `NAME=value` exactly as `docker run --env-file`
 * reads it. Docker takes the rest of the line after the first `=` as the
 * value with no quote, escape or `$` processing, and keeps leading and
 * trailing spaces of the value (it only trims the start of the line,
 * which begins with the name). So almost any value is written raw; what
 * Docker would change is refused:
 *
 * - a line feed or carriage return (one value per line; Docker's line
 *   scanner also drops a carriage return before the line feed);
 * - a value that starts and ends with the same quote character, `'…'` or
 *   `"…"`: Docker CLI 28.2 keeps the quotes, newer releases strip them, so
 *   no file reads the same under both;
 * - a line longer than Docker's 64 KiB line buffer, which fails the file.
 *
 * Limitation: this is `docker run --env-file` (and `docker create`).
 * `docker compose` reads `env_file` with a different parser that expands
 * `$VAR` and processes quotes; use the `dotenv` dialect for Compose.
 */
import type { Dialect } from "./dialect.js";
import { headerLines, joinLines } from "./header-lines.js";

/**
 * Longest value in bytes Docker reads: its line buffer is 64 KiB
 * including the line feed, less the longest name (128) and the `=`.
 */
export const DOCKER_MAX_VALUE_BYTES = 64 * 1024 - 1 - 128 - 1;

export const dockerDialect: Dialect = {
  name: "docker",

  refusalReason(value) {
    if (/[\n\r]/.test(value)) {
      return "it holds a line feed or carriage return, and Docker reads one line per variable";
    }
    if (isQuotePair(value)) {
      return "it starts and ends with the same quote character, which newer Docker releases strip";
    }
    if (Buffer.byteLength(value, "utf8") > DOCKER_MAX_VALUE_BYTES) {
      return `it is longer than ${DOCKER_MAX_VALUE_BYTES} bytes, the most a Docker env file line holds`;
    }
    return undefined;
  },

  renderFile(header, entries) {
    const lines = headerLines(header);
    for (const [name, value] of entries) {
      lines.push(`${name}=${value}`);
    }
    return joinLines(lines);
  },
};

function isQuotePair(value: string): boolean {
  if (value.length < 2) return false;
  const first = value[0];
  return (first === "'" || first === '"') && value.at(-1) === first;
}
