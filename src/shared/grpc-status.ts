/**
 * Translation between {@link SecretsError} and gRPC status, in one place
 * for both directions.
 */
import { Metadata, type ServiceError, status } from "@grpc/grpc-js";
import { type ErrorCode, SecretsError } from "./errors.js";

const TO_GRPC: Record<ErrorCode, status> = {
  INVALID_ARGUMENT: status.INVALID_ARGUMENT,
  NOT_FOUND: status.NOT_FOUND,
  ALREADY_EXISTS: status.ALREADY_EXISTS,
  PERMISSION_DENIED: status.PERMISSION_DENIED,
  UNAUTHENTICATED: status.UNAUTHENTICATED,
  UNAVAILABLE: status.UNAVAILABLE,
  DEADLINE_EXCEEDED: status.DEADLINE_EXCEEDED,
  FAILED_PRECONDITION: status.FAILED_PRECONDITION,
  RESOURCE_EXHAUSTED: status.RESOURCE_EXHAUSTED,
  INTERNAL: status.INTERNAL,
};

const FROM_GRPC = new Map<number, ErrorCode>(
  Object.entries(TO_GRPC).map(([code, grpcCode]) => [
    grpcCode,
    code as ErrorCode,
  ]),
);

/**
 * Settings of the service itself. An error about one of them (a KEK file
 * that cannot be read, say) is the operator's to fix, and its text names
 * server paths, so a client is told only that the service failed.
 */
const SERVICE_SETTINGS: ReadonlySet<string> = new Set([
  "kek-file",
  "state-dir",
  "token-key-file",
]);

/** True when `error` is the service's own failure, not the caller's. */
export function isServiceFailure(error: SecretsError): boolean {
  if (error.code === "INTERNAL") return true;
  return error.field !== undefined && SERVICE_SETTINGS.has(error.field);
}

/** What a client reads instead of an error that is the service's own. */
const SERVICE_FAILURE =
  "the service failed to handle the call; the detail is in its log";

/**
 * A gRPC status object for the server to send; never carries `cause`.
 * INTERNAL errors and errors about the service's own settings go out as
 * {@link SERVICE_FAILURE}, code INTERNAL: their words (paths, key ids)
 * are for the service's log, where the caller logs them.
 */
export function toGrpcError(error: unknown): Partial<ServiceError> {
  const safe = SecretsError.from(error);
  if (isServiceFailure(safe)) {
    return { code: TO_GRPC.INTERNAL, details: SERVICE_FAILURE };
  }
  const metadata = new Metadata();
  if (safe.field) metadata.set("x-secrets-field", safe.field);
  return { code: TO_GRPC[safe.code], details: safe.message, metadata };
}

/**
 * A SecretsError for a failed client call. Codes we do not model (for
 * example CANCELLED or UNKNOWN) count as UNAVAILABLE so that callers retry
 * them, since they come from the transport rather than from a decision.
 */
export function fromGrpcError(error: unknown): SecretsError {
  if (error instanceof SecretsError) return error;
  const grpcError = error as Partial<ServiceError> | undefined;
  const code =
    grpcError?.code === undefined
      ? "INTERNAL"
      : (FROM_GRPC.get(grpcError.code) ?? "UNAVAILABLE");
  const details = grpcError?.details || "call failed";
  const fieldValue = grpcError?.metadata?.get("x-secrets-field")[0];
  const field = typeof fieldValue === "string" ? fieldValue : undefined;
  return new SecretsError(code, details, { field, cause: error });
}
