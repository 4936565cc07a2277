/**
 * The one error type of the project. Its code set mirrors the gRPC status
 * codes that callers act on; the message is always safe to show a client,
 * while internal detail stays in `cause` and never crosses the wire.
 */

/** The codes a {@link SecretsError} can carry. */
export const ERROR_CODES = [
  "INVALID_ARGUMENT",
  "NOT_FOUND",
  "ALREADY_EXISTS",
  "PERMISSION_DENIED",
  "UNAUTHENTICATED",
  "UNAVAILABLE",
  "DEADLINE_EXCEEDED",
  "FAILED_PRECONDITION",
  "RESOURCE_EXHAUSTED",
  "INTERNAL",
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

export interface SecretsErrorOptions {
  /** The field or setting at fault, named in the message already. */
  field?: string;
  /** Internal detail for logs; never sent to a client. */
  cause?: unknown;
}

export class SecretsError extends Error {
  readonly code: ErrorCode;
  readonly field: string | undefined;

  constructor(code: ErrorCode, message: string, options?: SecretsErrorOptions) {
    super(message, { cause: options?.cause });
    this.name = "SecretsError";
    this.code = code;
    this.field = options?.field;
  }

  /**
   * Wraps anything thrown into a SecretsError. Unknown errors become
   * INTERNAL with a fixed message, because their text may carry data we
   * did not write (a path, a query, a value).
   */
  static from(error: unknown): SecretsError {
    if (error instanceof SecretsError) return error;
    return new SecretsError("INTERNAL", "internal error", { cause: error });
  }
}

/**
 * True for the codes by which the service refuses the caller's identity:
 * a decision, not an outage, that only a new token can change, so a
 * client retries it slowly rather than on its outage backoff.
 */
export function isIdentityRefusal(code: ErrorCode): boolean {
  return code === "PERMISSION_DENIED" || code === "UNAUTHENTICATED";
}

/** Shorthand for the most common refusal: a named field is wrong. */
export function invalidArgument(field: string, problem: string): SecretsError {
  return new SecretsError("INVALID_ARGUMENT", `${field}: ${problem}`, {
    field,
  });
}
