/**
 * A strict parser for the agent's `sh` dialect. The file is only ever the
 * agent's own output, so it accepts exactly what the writer emits and
 * nothing more: `#` comment lines and `export NAME='…'` lines whose value
 * is single-quoted text joined by `'\''`, each ending in a line feed. It
 * is not a shell: anything else is refused with an error naming the line
 * number (never the line's text, which may hold a value), because a file
 * that looks different was not written by the agent and guessing would
 * risk reading a secret one byte wrong. A file whose agent header names
 * another dialect is refused the same way, naming that dialect.
 */
import { SecretsError } from "../shared/errors.js";
import { requireHeaderFormat } from "./env-file-header.js";

const ASSIGNMENT_START = /export ([A-Za-z_][A-Za-z0-9_]*)='/y;
const ESCAPED_QUOTE = "'\\''";

/** The names and values of an `sh` file, in file order. */
export function parseShEnvFile(text: string): Map<string, string> {
  requireHeaderFormat(text, "sh");
  const secrets = new Map<string, string>();
  let offset = 0;
  while (offset < text.length) {
    if (text[offset] === "#") {
      offset = endOfLine(text, offset) + 1;
      continue;
    }
    const { name, value, end } = parseAssignment(text, offset);
    if (secrets.has(name)) {
      throw malformed(text, offset, `${name} is set twice`);
    }
    secrets.set(name, value);
    offset = end;
  }
  return secrets;
}

interface Assignment {
  name: string;
  value: string;
  /** Offset just past the assignment's line feed. */
  end: number;
}

function parseAssignment(text: string, start: number): Assignment {
  ASSIGNMENT_START.lastIndex = start;
  const match = ASSIGNMENT_START.exec(text);
  if (match?.[1] === undefined) {
    throw malformed(text, start, "expected export NAME='…' or a comment");
  }

  const parts: string[] = [];
  let offset = ASSIGNMENT_START.lastIndex;
  for (;;) {
    const close = text.indexOf("'", offset);
    if (close < 0) throw malformed(text, start, "the quote is not closed");
    parts.push(text.slice(offset, close));
    if (!text.startsWith(ESCAPED_QUOTE, close)) {
      offset = close + 1;
      break;
    }
    offset = close + ESCAPED_QUOTE.length;
  }

  if (text[offset] !== "\n") {
    throw malformed(text, offset, "expected a line end after the quote");
  }
  return { name: match[1], value: parts.join("'"), end: offset + 1 };
}

function endOfLine(text: string, offset: number): number {
  const end = text.indexOf("\n", offset);
  if (end < 0) throw malformed(text, offset, "the last line has no line end");
  return end;
}

function malformed(text: string, offset: number, problem: string) {
  const line = lineNumberAt(text, offset);
  return new SecretsError(
    "INVALID_ARGUMENT",
    `line ${line}: not an sh env file written by secrets-agent (${problem})`,
    { field: `line ${line}` },
  );
}

function lineNumberAt(text: string, offset: number): number {
  let line = 1;
  for (let at = text.indexOf("\n"); at >= 0 && at < offset; ) {
    line += 1;
    at = text.indexOf("\n", at + 1);
  }
  return line;
}
