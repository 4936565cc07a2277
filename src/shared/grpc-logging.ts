/**
 * grpc-js writes its own diagnostics (switched on with `GRPC_TRACE` and
 * `GRPC_VERBOSITY`) straight to standard error, and its `server_call`
 * tracer prints every request's headers, the bearer token included. This
 * module routes those lines through a filter that masks credentials, so
 * an operator who turns tracing on to debug does not spill tokens. A
 * process with a pino logger (the server) routes them into it instead,
 * so that standard error carries JSON lines only.
 *
 * Limitation: only credentials are masked; other request metadata is
 * printed as grpc-js writes it.
 */
import { format } from "node:util";
import { setLogger } from "@grpc/grpc-js";
import type { Logger } from "./logger.js";
import { maskCredentials } from "./mask-credentials.js";

/**
 * grpc-js's own line when `bindAsync` fails. The server reports that
 * failure itself, with the address and the errno, so the line is dropped
 * rather than printed twice.
 */
const BIND_FAILURE_LINE = /^No address added out of total \d+ resolved/;

let isInstalled = false;

/**
 * Points grpc-js's logger at a writer that masks credentials, unless
 * {@link routeGrpcLogs} did already. Safe to call many times; every
 * client connection calls it.
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

/**
 * Sends grpc-js's lines, masked, through `logger` as `grpc-js` lines with
 * the text in `detail`: its errors at warn, the rest at debug (tracing
 * with `GRPC_TRACE` also needs `--log-level debug` then). The last call
 * wins; grpc-js has one logger per process.
 */
export function routeGrpcLogs(logger: Logger): void {
  isInstalled = true;
  const log = logger.child({ component: "grpc-js" });
  const writer =
    (level: "warn" | "debug") =>
    (message?: unknown, ...rest: unknown[]) => {
      const detail = maskCredentials(format(message, ...rest));
      if (BIND_FAILURE_LINE.test(detail)) return;
      log[level]({ detail }, "grpc-js diagnostic");
    };
  setLogger({
    error: writer("warn"),
    info: writer("debug"),
    debug: writer("debug"),
  });
}
