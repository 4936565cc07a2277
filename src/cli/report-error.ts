/**
 * How a failure reaches the user: one line on standard error that names
 * the problem, and an exit code that tells scripts which kind it was.
 * Messages come from SecretsError, which never carries a value or token.
 */
import {
  type ErrorCode,
  isIdentityRefusal,
  SecretsError,
} from "../shared/errors.js";
import { printableLine } from "../shared/mask-credentials.js";
import {
  describeTransportMismatch,
  type TransportTrouble,
  tidyTransportReason,
  transportTrouble,
} from "../shared/transport-mismatch.js";

/**
 * Exit codes of `secretsctl`, by kind of failure. The rule: 2 means the
 * command as typed is wrong and editing it fixes it (a flag, an argument,
 * the value, or a file that a flag or its environment twin names and
 * that cannot be read, cannot be written or holds the wrong thing); 1
 * means the setup or the service failed (no token or signing key found,
 * an unusable file found in the dev state folder, a server-side error
 * without a more specific code); 3 to 6 name the outcomes a script
 * branches on.
 */
export const EXIT_CODES = {
  /** Success. */
  ok: 0,
  /** Setup or service failure: no token or key found; INTERNAL. */
  failure: 1,
  /** Bad command line, argument, value, or a file a setting names. */
  usage: 2,
  /** The secret does not exist. */
  notFound: 3,
  /** The secret exists already. */
  alreadyExists: 4,
  /** The token is missing, invalid, expired or lacks the scope. */
  denied: 5,
  /** The server could not be reached or did not answer in time. */
  unavailable: 6,
} as const;

const EXIT_BY_CODE: Partial<Record<ErrorCode, number>> = {
  INVALID_ARGUMENT: EXIT_CODES.usage,
  NOT_FOUND: EXIT_CODES.notFound,
  ALREADY_EXISTS: EXIT_CODES.alreadyExists,
  UNAUTHENTICATED: EXIT_CODES.denied,
  PERMISSION_DENIED: EXIT_CODES.denied,
  UNAVAILABLE: EXIT_CODES.unavailable,
  DEADLINE_EXCEEDED: EXIT_CODES.unavailable,
};

/** The exit code for a failure with `code`. */
export function exitCodeFor(code: ErrorCode): number {
  return EXIT_BY_CODE[code] ?? EXIT_CODES.failure;
}

export interface ErrorContext {
  /** The server address, named when it cannot be reached. */
  addr?: string | undefined;
  /** The per-call deadline, named when it passes. */
  timeoutMs?: number | undefined;
  /** True when the CLI talked plaintext (`--insecure-plaintext`). */
  isPlaintext?: boolean | undefined;
  /** True when the CLI presented a client certificate. */
  hasClientCertificate?: boolean | undefined;
}

/**
 * The one line to print for `error`, without the program prefix. The
 * server's or the transport's words go through {@link printableLine}: a
 * peer must not be able to move the cursor or clear the user's terminal.
 */
export function describeError(error: unknown, context: ErrorContext): string {
  const safe = SecretsError.from(error);
  const addr = context.addr ?? "the server";
  if (safe.code === "UNAVAILABLE") {
    const reason = transportReason(safe.message);
    const mismatch = describeTransportMismatch(reason, {
      addr,
      isPlaintext: context.isPlaintext === true,
    });
    if (mismatch) return `${mismatch} (UNAVAILABLE)`;
    const hint = transportHint(transportTrouble(reason), context);
    return `cannot reach ${addr} (UNAVAILABLE: ${tidyTransportReason(reason)}) — ${hint}`;
  }
  if (safe.code === "DEADLINE_EXCEEDED") {
    return `no answer from ${addr} within ${context.timeoutMs ?? "?"} ms (DEADLINE_EXCEEDED)`;
  }
  if (isIdentityRefusal(safe.code)) {
    return `${printableLine(safe.message)} (${safe.code}; check --token-file)`;
  }
  return printableLine(safe.message);
}

/**
 * The useful part of grpc-js's "No connection established. Last error:
 * Error: connect ECONNREFUSED …. Resolution note: …" text.
 */
function transportReason(message: string): string {
  const match =
    /Last error: (?:Error: )?(.*?)\.?(?: Resolution note:.*)?$/s.exec(
      printableLine(message),
    );
  return match?.[1] || printableLine(message);
}

/** What to check, for the setup mistake a transport error points at. */
function transportHint(
  trouble: TransportTrouble | undefined,
  context: ErrorContext,
): string {
  const host = context.addr?.slice(0, context.addr.lastIndexOf(":"));
  switch (trouble) {
    case "client-certificate-required":
      return "the server demands a client certificate: pass --client-cert and --client-key";
    case "certificate-untrusted":
      return `is --ca-file the CA that signed the server's certificate, and does that certificate name ${host ?? "the host dialled"}?`;
    case "connection-reset":
      return context.hasClientCertificate
        ? "the server dropped the handshake: is --client-cert signed by its --tls-client-ca, and still valid?"
        : "is secrets-server running?";
    default:
      return "is secrets-server running?";
  }
}
