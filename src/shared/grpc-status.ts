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

/** A gRPC status object for the server to send; never carries `cause`. */
export function toGrpcError(error: unknown): Partial<ServiceError> {
  const safe = SecretsError.from(error);
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
