/**
 * Wraps an async handler as a grpc-js unary handler: the one place where
 * errors become gRPC statuses, and where each call is logged by method
 * and outcome (never by request content).
 */
import type {
  handleUnaryCall,
  ServerUnaryCall,
  sendUnaryData,
} from "@grpc/grpc-js";
import { isIdentityRefusal, SecretsError } from "../../shared/errors.js";
import { isServiceFailure, toGrpcError } from "../../shared/grpc-status.js";
import type { Logger } from "../../shared/logger.js";

/** An async unary handler that throws SecretsError to refuse. */
export type AsyncUnary<Request, Response> = (
  call: ServerUnaryCall<Request, Response>,
) => Promise<Response>;

/** `handler` as grpc-js wants it, logging `method` at debug level. */
export function unaryHandler<Request, Response>(
  logger: Logger,
  method: string,
  handler: AsyncUnary<Request, Response>,
): handleUnaryCall<Request, Response> {
  return (call, callback: sendUnaryData<Response>) => {
    const startedMs = Date.now();
    handler(call).then(
      (response) => {
        logger.debug({ method, durationMs: Date.now() - startedMs }, "call");
        callback(null, response);
      },
      (error: unknown) => {
        logCallError(logger, method, error);
        callback(toGrpcError(error));
      },
    );
  };
}

/**
 * Logs a refused or failed call. A token refused (UNAUTHENTICATED,
 * PERMISSION_DENIED) goes to info, as an audit trail; other refusals are
 * the caller's problem and go to debug; a failure of the service's own (INTERNAL, or one of its files)
 * goes to error with its words and its cause's class, since the caller
 * is sent neither.
 */
export function logCallError(
  logger: Logger,
  method: string,
  error: unknown,
): void {
  const safe = SecretsError.from(error);
  const fields = { method, code: safe.code, field: safe.field };
  if (isServiceFailure(safe)) {
    const causeName = (safe.cause as Error | undefined)?.name;
    logger.error({ ...fields, reason: safe.message, causeName }, "call failed");
  } else if (isIdentityRefusal(safe.code)) {
    // The audit trail of refused tokens; the token itself is never logged.
    logger.info(fields, "call refused: token not accepted");
  } else {
    logger.debug(fields, "call refused");
  }
}
