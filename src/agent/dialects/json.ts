/**
 * The `json` dialect: one JSON object of name to value, for programs that
 * parse JSON. JSON escapes carry every Unicode string exactly, so nothing
 * is refused.
 *
 * The file has no header: a reserved key would make the object more than
 * "name to value" and break `Object.assign(process.env, parsed)`. The
 * names left out under `--skip-unrepresentable` can never be left out by
 * this dialect anyway (only a bad name is), and the agent lists skipped
 * names in `/status`.
 */
import type { Dialect } from "./dialect.js";

export const jsonDialect: Dialect = {
  name: "json",

  refusalReason: () => undefined,

  renderFile(_header, entries) {
    // Object.fromEntries defines own properties, so a secret named
    // `__proto__` stays a plain key.
    const object = Object.fromEntries(entries);
    return `${JSON.stringify(object, null, 2)}\n`;
  },
};
