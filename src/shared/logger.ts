/**
 * Logger setup: one pino root logger per process, made at the entry point;
 * each component takes a child with a fixed `component` field. Messages
 * are fixed strings and variable data goes in fields.
 */
import { type DestinationStream, type Logger, pino } from "pino";

export type { Logger } from "pino";

/**
 * A backstop behind {@link Redacted}: fields that must never hold a secret
 * in clear, wherever they appear in a log object.
 */
const REDACT_PATHS = [
  "value",
  "token",
  "authorization",
  "password",
  "secret",
  "*.value",
  "*.token",
  "*.authorization",
  "*.password",
  "*.secret",
  "*.*.value",
  "*.*.token",
  "secrets[*].value",
  "*.secrets[*].value",
  "metadata.authorization",
  "req.headers.authorization",
];

export interface LoggerOptions {
  /** Program name, logged as `name`. */
  name: string;
  /** pino level; default `info`, or `SECRETS_LOG_LEVEL` when set. */
  level?: string;
  /** Where lines go; default standard error, so stdout stays for output. */
  destination?: DestinationStream;
}

/** The root logger of a process. */
export function createLogger(options: LoggerOptions): Logger {
  const level = options.level ?? process.env.SECRETS_LOG_LEVEL ?? "info";
  const destination = options.destination ?? standardError();
  return pino(
    {
      name: options.name,
      level,
      redact: { paths: REDACT_PATHS, censor: "[redacted]" },
      base: { pid: process.pid },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
    },
    destination,
  );
}

/**
 * Standard error, written synchronously. An asynchronous destination is
 * flushed at exit by a loop that retries a failed write for as long as it
 * fails: with the reader of standard error gone (EPIPE), a process asked
 * to stop never exited. A synchronous write meets EPIPE at once, and pino
 * then drops further lines instead.
 */
function standardError(): DestinationStream {
  return pino.destination({ dest: 2, sync: true });
}

/** A logger that drops everything, for library callers that pass none. */
export function silentLogger(): Logger {
  return pino({ level: "silent" });
}
