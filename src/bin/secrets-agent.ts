#!/usr/bin/env node
/**
 * `secrets-agent`: keeps one algorithm's secrets in a tmpfs env file.
 * Flags and their environment twins are in `src/agent/config.ts`.
 */
import { CommanderError } from "commander";
import { runAgent } from "../agent/agent.js";
import { loadAgentConfig } from "../agent/config.js";
import { SecretsError } from "../shared/errors.js";
import { createLogger } from "../shared/logger.js";

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

/** One clear line on stderr; the message names the setting at fault. */
function reportStartFailure(error: unknown): number {
  const safe = SecretsError.from(error);
  process.stderr.write(`secrets-agent: ${safe.message}\n`);
  return 2;
}

process.exitCode = await main();
