/**
 * grpc-js writes its own diagnostics (switched on with `GRPC_TRACE` and
 * `GRPC_VERBOSITY`) straight to standard error, and its `server_call`
 * tracer prints every request's headers, the bearer token included. This
 * module routes those lines through a filter that masks credentials, so
 * an operator who turns tracing on to debug does not spill tokens.
 */
import { format } from "node:util";
import { setLogger } from "@grpc/grpc-js";

const MASK = "[redacted]";

/** Each pattern's first group is kept, the rest of the match masked. */
const CREDENTIAL_PATTERNS = [
  // Header dumps: `"authorization":["Bearer …"]`, whatever the value.
  /("authorization":\s*\[)[^\]]*/gi,
  /(bearer\s+)[^\s",\]]+/gi,
  // A JWT anywhere else (three base64url parts, the first `{"…`).
  /()eyJ[\w-]+\.[\w-]+\.[\w-]*/g,
];

/** `text` with bearer tokens, JWTs and authorization values masked. */
export function maskCredentials(text: string): string {
  return CREDENTIAL_PATTERNS.reduce(
    (masked, pattern) => masked.replace(pattern, `$1${MASK}`),
    text,
  );
}

let isInstalled = false;

/**
 * Points grpc-js's logger at a writer that masks credentials. Safe to
 * call many times; the server and every client connection call it.
 */
export function maskGrpcLogs(): void {
  if (isInstalled) return;
  isInstalled = true;
  const writer =
    (prefix: string) =>
    (message?: unknown, ...rest: unknown[]) => {
      const line = maskCredentials(format(message, ...rest));
      process.stderr.write(`${prefix}${line}\n`);
    };
  setLogger({ error: writer("E "), info: writer("I "), debug: writer("D ") });
}
