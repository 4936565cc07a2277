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
import { isIdentityRefusal } from "../shared/errors.js";
import type { Logger } from "../shared/logger.js";
import {
  type AgentStatus,
  describeError,
  type KnownProblem,
} from "./agent-status.js";
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
      if (status.isReady) return finish(0);
      const givingUp = lastingFailure(status, publisher);
      if (!givingUp) return;
      options.logger.error(givingUp.fields, "no file written under --once");
      process.stderr.write(
        `secrets-agent: --once: no file written${givingUp.line}\n`,
      );
      finish(1);
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

/** Why the run gives up at once: log fields and the end of the line. */
interface GivingUp {
  fields: Record<string, unknown>;
  line: string;
}

/**
 * A failure that waiting does not clear, if there is one: a secret the
 * file cannot hold or a file that cannot be written (our own messages,
 * naming a variable or a path and errno, never a value), a refused token,
 * or a TLS setup mistake.
 */
function lastingFailure(
  status: AgentStatus,
  publisher: FilePublisher,
): GivingUp | undefined {
  const fileFailure = publisher.refusal ?? publisher.writeFailure;
  if (fileFailure) {
    const { code, field, message } = fileFailure;
    return { fields: { code, field }, line: `: ${message}` };
  }
  const failure = status.lastFailure;
  if (!failure) return undefined;
  const isLasting =
    isIdentityRefusal(failure.code) ||
    (failure.problem !== undefined && LASTING_PROBLEMS.has(failure.problem));
  if (!isLasting) return undefined;
  return {
    fields: { code: failure.code, source: failure.source },
    line: ` (${failure.code}: ${describeError(failure)})`,
  };
}
