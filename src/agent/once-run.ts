/**
 * `--once`: the agent stops after the first file is written (exit 0), or
 * gives up with exit 1 and one line on stderr. It gives up at
 * `--once-timeout` while the service cannot be reached, and at once when
 * a secret keeps the snapshot out of the file (a reserved name, or a value
 * the format cannot carry), when the service refuses the token, when
 * TLS fails over a certificate or the service speaks no TLS, or when the
 * file cannot be written: none of those clears by itself within an init
 * container's life, so waiting out the timeout would only delay the
 * failure.
 */
import { isIdentityRefusal, type SecretsError } from "../shared/errors.js";
import type { Logger } from "../shared/logger.js";
import {
  type AgentStatus,
  describeError,
  type KnownProblem,
  type LastError,
} from "./agent-status.js";
import type { EnvFileRefusal } from "./dialects/env-refusal.js";
import type { FilePublisher } from "./file-publisher.js";

/** How often the run's outcome is looked at, in ms. */
const POLL_MS = 20;

export interface OnceRunOptions {
  /** `--once-timeout`, in milliseconds. */
  timeoutMs: number;
  logger: Logger;
  status: AgentStatus;
  publisher: FilePublisher;
  /** Aborted when the run ends; aborting it from outside ends the run. */
  loopStop: AbortController;
}

/** Resolves with the exit code once the run has an outcome. */
export function watchOnce(options: OnceRunOptions): Promise<number> {
  const { status, publisher, loopStop } = options;
  return new Promise((resolve) => {
    const finish = (exitCode: number) => {
      clearTimeout(timer);
      clearInterval(poll);
      loopStop.abort();
      resolve(exitCode);
    };
    const timer = setTimeout(() => {
      reportTimeout(options);
      finish(1);
    }, options.timeoutMs);
    const poll = setInterval(() => {
      const failure = status.lastFailure;
      if (status.isReady) finish(0);
      else if (publisher.refusal) {
        reportRefusal(options.logger, publisher.refusal);
        finish(1);
      } else if (publisher.writeFailure) {
        reportWriteFailure(options.logger, publisher.writeFailure);
        finish(1);
      } else if (failure && isLasting(failure)) {
        reportLasting(options.logger, failure);
        finish(1);
      }
    }, POLL_MS);
    loopStop.signal.addEventListener("abort", () =>
      finish(status.isReady ? 0 : 1),
    );
  });
}

function reportTimeout(options: OnceRunOptions): void {
  const lastError = options.status.lastFailure;
  options.logger.error(
    { timeoutMs: options.timeoutMs, code: lastError?.code ?? null },
    "no snapshot written within --once-timeout",
  );
  process.stderr.write(
    `secrets-agent: --once: no snapshot within ${options.timeoutMs} ms` +
      (lastError
        ? ` (last error ${lastError.code}: ${describeError(lastError)})\n`
        : "\n"),
  );
}

/** Setup mistakes that waiting does not clear, named by the transport. */
const LASTING_PROBLEMS: ReadonlySet<KnownProblem> = new Set([
  "certificate-untrusted",
  "client-certificate-required",
  "service-without-tls",
]);

/** A failure that waiting does not clear: a refused token or TLS setup. */
function isLasting(failure: LastError): boolean {
  if (isIdentityRefusal(failure.code)) return true;
  return failure.problem !== undefined && LASTING_PROBLEMS.has(failure.problem);
}

/** Our own message: the path and the errno, never file content. */
function reportWriteFailure(logger: Logger, error: SecretsError): void {
  logger.error(
    { code: error.code, field: error.field },
    "no file written under --once: the file cannot be written",
  );
  process.stderr.write(
    `secrets-agent: --once: no file written: ${error.message}\n`,
  );
}

function reportLasting(logger: Logger, failure: LastError): void {
  logger.error(
    { code: failure.code, source: failure.source },
    "no file written under --once: the failure will not clear by waiting",
  );
  process.stderr.write(
    `secrets-agent: --once: no file written (${failure.code}: ${describeError(failure)})\n`,
  );
}

/** The refusal's message names the variable and the reason, never the value. */
function reportRefusal(logger: Logger, refusal: EnvFileRefusal): void {
  logger.error(
    { code: refusal.code, field: refusal.field, reason: refusal.reason },
    "no file written under --once: a secret was refused",
  );
  process.stderr.write(
    `secrets-agent: --once: no file written: ${refusal.message}\n`,
  );
}
