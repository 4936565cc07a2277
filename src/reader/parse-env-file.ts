/**
 * Turns the text of an agent env file into names and values, in the `sh`
 * or `json` dialect, chosen by the caller or told apart by content.
 */
import { SecretsError } from "../shared/errors.js";
import { parseShEnvFile } from "./parse-sh.js";

/** The dialects the reader reads. */
export type ReaderFormat = "sh" | "json";

const NAME_PATTERN = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * Parses `text`. Without `format`, a file whose first non-blank character
 * is `{` is JSON and anything else is `sh` (which starts with `#` or
 * `export`). Throws INVALID_ARGUMENT for a file that is neither.
 */
export function parseEnvFile(
  text: string,
  format?: ReaderFormat,
): Map<string, string> {
  const chosen = format ?? detectFormat(text);
  return chosen === "json" ? parseJsonEnvFile(text) : parseShEnvFile(text);
}

/** `json` when the text looks like a JSON object, else `sh`. */
export function detectFormat(text: string): ReaderFormat {
  return text.trimStart().startsWith("{") ? "json" : "sh";
}

/** One JSON object of name to string value, as the agent writes it. */
export function parseJsonEnvFile(text: string): Map<string, string> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    // The parser's message can quote the text around the fault, which
    // may be a value, so neither it nor the error travels on.
    throw notOurJson("the file is not valid JSON");
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    throw notOurJson("the file is not one JSON object");
  }

  const secrets = new Map<string, string>();
  for (const [name, value] of Object.entries(parsed)) {
    if (!NAME_PATTERN.test(name)) {
      throw notOurJson("a key is not an environment variable name");
    }
    if (typeof value !== "string") {
      throw notOurJson(`the value of ${name} is not a string`, name);
    }
    secrets.set(name, value);
  }
  return secrets;
}

function notOurJson(problem: string, field = "file"): SecretsError {
  return new SecretsError(
    "INVALID_ARGUMENT",
    `not a json env file written by secrets-agent: ${problem}`,
    { field },
  );
}
