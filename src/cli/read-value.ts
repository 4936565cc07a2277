/**
 * Where a secret value comes from: standard input or a file, never the
 * command line (where process listings and shell history would show it).
 * The bytes are taken exactly as given: `tok` and `tok\n` differ.
 */
import { SecretsError } from "../shared/errors.js";
import { readSettingFile } from "../shared/key-files.js";
import { checkValue, MAX_VALUE_BYTES } from "../shared/names.js";
import { Redacted } from "../shared/redacted.js";

/** Where to read a value from. */
export type ValueSource =
  | { kind: "stdin"; input?: NodeJS.ReadableStream & { isTTY?: boolean } }
  | { kind: "file"; path: string };

/**
 * The value's bytes, checked against the value rules (size, NUL, UTF-8)
 * so that a bad value is refused before anything is sent.
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
 * The file's bytes. A file that cannot be read is a usage error
 * (INVALID_ARGUMENT, exit 2) like any other bad argument: the value is
 * the command's input, not part of its setup.
 */
function readValueFile(path: string): Buffer {
  try {
    return readSettingFile(path, "value-file");
  } catch (error) {
    const safe = SecretsError.from(error);
    throw new SecretsError("INVALID_ARGUMENT", safe.message, {
      field: "value-file",
      cause: safe.cause,
    });
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
  for await (const chunk of input) {
    const buffer = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk);
    chunks.push(buffer);
    totalBytes += buffer.byteLength;
    // Stop early: checkValue refuses it anyway, and memory stays bounded.
    if (totalBytes > MAX_VALUE_BYTES) break;
  }
  return Buffer.concat(chunks);
}
