/**
 * Where a secret value comes from: standard input or a file, never the
 * command line (where process listings and shell history would show it).
 * The bytes are taken exactly as given: `tok` and `tok\n` differ.
 */
import { closeSync, openSync, readSync } from "node:fs";
import { invalidArgument, SecretsError } from "../shared/errors.js";
import { checkValue, MAX_VALUE_BYTES } from "../shared/names.js";
import { Redacted } from "../shared/redacted.js";

/** Where to read a value from. */
export type ValueSource =
  | { kind: "stdin"; input?: NodeJS.ReadableStream & { isTTY?: boolean } }
  | { kind: "file"; path: string };

/** Bytes read at most: one past the limit tells a value is too large. */
const READ_LIMIT_BYTES = MAX_VALUE_BYTES + 1;

/**
 * The value's bytes, checked against the value rules (size, NUL, UTF-8)
 * so that a bad value is refused before anything is sent. At most
 * {@link READ_LIMIT_BYTES} are read: a larger value (`/dev/zero`, a
 * runaway pipe) is refused at once without reading the rest.
 *
 * Limitation: a terminal on standard input is refused rather than
 * prompted for without echo, so interactive users pipe the value in
 * (`printf %s "$VALUE" | secretsctl …`) or use `--value-file`.
 */
export async function readValue(
  source: ValueSource,
): Promise<Redacted<Buffer>> {
  const bytes =
    source.kind === "file"
      ? readValueFile(source.path)
      : await readStdin(source.input ?? process.stdin);
  checkValue(bytes);
  return new Redacted(bytes);
}

/**
 * The file's first bytes. A file that cannot be read is a usage error
 * (INVALID_ARGUMENT, exit 2) like any other bad argument: the value is
 * the command's input, not part of its setup.
 */
function readValueFile(path: string): Buffer {
  let bytes: Buffer;
  try {
    bytes = readFileHead(path, READ_LIMIT_BYTES);
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code ?? "unreadable";
    throw new SecretsError(
      "INVALID_ARGUMENT",
      `value-file: cannot read ${path} (${reason})`,
      { field: "value-file", cause: error },
    );
  }
  if (bytes.byteLength > MAX_VALUE_BYTES) {
    throw tooLarge("value-file", `${path} holds`);
  }
  return bytes;
}

/** Up to `limitBytes` from the start of the file at `path`. */
function readFileHead(path: string, limitBytes: number): Buffer {
  const buffer = Buffer.alloc(limitBytes);
  const fd = openSync(path, "r");
  try {
    let filled = 0;
    while (filled < limitBytes) {
      const count = readSync(fd, buffer, filled, limitBytes - filled, null);
      if (count === 0) break;
      filled += count;
    }
    return buffer.subarray(0, filled);
  } finally {
    closeSync(fd);
  }
}

async function readStdin(
  input: NodeJS.ReadableStream & { isTTY?: boolean },
): Promise<Buffer> {
  if (input.isTTY) {
    throw new SecretsError(
      "INVALID_ARGUMENT",
      "value: standard input is a terminal; pipe the value on standard " +
        "input or use --value-file PATH",
      { field: "value" },
    );
  }
  const chunks: Buffer[] = [];
  let totalBytes = 0;
  // Leaving the loop early (the throw) destroys the stream: the rest is
  // never read, and the writer gets EPIPE instead of filling memory.
  for await (const chunk of input) {
    const buffer = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk);
    chunks.push(buffer);
    totalBytes += buffer.byteLength;
    if (totalBytes > MAX_VALUE_BYTES) {
      throw tooLarge("stdin", "standard input holds");
    }
  }
  return Buffer.concat(chunks);
}

/** The usage error for a value over the limit, naming where it came from. */
function tooLarge(field: string, subject: string): SecretsError {
  return invalidArgument(
    field,
    `${subject} more than ${MAX_VALUE_BYTES} bytes, the limit of a value`,
  );
}
