#!/usr/bin/env -S node --lite-mode --no-expose-wasm
/**
 * `secrets-agent`: keeps one algorithm's secrets in a tmpfs env file.
 * Flags and their environment twins are in `src/agent/config.ts`.
 *
 * V8 runs in lite mode (the shebang's flags): no optimizing compilers
 * and a heap tuned for size. The agent is a small daemon that mostly
 * waits; lite mode cuts its idle RSS from ~74 to ~60 MiB (measured, Node
 * 20) at no visible cost to start time, since its work (TLS, file I/O)
 * is native. `--no-expose-wasm` only silences V8's warning that lite
 * mode turns WebAssembly off; nothing in the agent uses it.
 *
 * Limitation: the flags apply when the file is run as a program (the
 * `secrets-agent` bin, the image); `node secrets-agent.js` ignores them,
 * so the agent then takes its usual, larger heap.
 */
import { CommanderError } from "commander";
import { runAgent } from "../agent/agent.js";
import { loadAgentConfig } from "../agent/config.js";
import { SecretsError } from "../shared/errors.js";
import { createLogger } from "../shared/logger.js";
import { printableLine } from "../shared/mask-credentials.js";

async function main(): Promise<number> {
  let config: ReturnType<typeof loadAgentConfig>;
  try {
    config = loadAgentConfig(process.argv.slice(2), process.env);
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode;
    return reportStartFailure(error);
  }

  const logger = createLogger({
    name: "secrets-agent",
    level: config.logLevel,
  });
  const stop = new AbortController();
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    process.once(signal, () => {
      logger.info({ signal }, "stopping");
      stop.abort();
    });
  }
  try {
    return await runAgent({ config, logger, stop: stop.signal });
  } catch (error) {
    const safe = SecretsError.from(error);
    logger.error(
      { code: safe.code, field: safe.field },
      "agent failed to start",
    );
    return reportStartFailure(error);
  }
}

/**
 * One clear line on stderr; the message names the setting at fault. It
 * may quote what was given (a duration, say), so a token pasted into the
 * wrong flag is masked.
 */
function reportStartFailure(error: unknown): number {
  const safe = SecretsError.from(error);
  process.stderr.write(`secrets-agent: ${printableLine(safe.message)}\n`);
  return 2;
}

/**
 * How long the process may linger after the agent has stopped. The agent
 * closes everything it opened, but a TLS connect to a service that never
 * answers outlives `client.close()` in grpc-js; without this bound such a
 * socket would keep a stopped agent (or a timed-out `--once`) running.
 * Logs are written synchronously, so exiting loses no line.
 */
const EXIT_GRACE_MS = 1_000;

process.exitCode = await main();
setTimeout(() => process.exit(), EXIT_GRACE_MS).unref();
