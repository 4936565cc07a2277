/**
 * A real pino logger (the agent's own setup, redaction included) that
 * keeps its lines in memory, for tests that read what was logged.
 */
import { createLogger, type Logger } from "../../src/shared/logger.js";

export interface MemoryLogger {
  logger: Logger;
  /** Every line so far, parsed. */
  lines(): Array<Record<string, unknown>>;
  /** Every line so far, as written. */
  text(): string;
}

export function memoryLogger(): MemoryLogger {
  let output = "";
  const logger = createLogger({
    name: "test",
    level: "trace",
    destination: {
      write: (line: string) => {
        output += line;
      },
    },
  });
  return {
    logger,
    lines: () =>
      output
        .split("\n")
        .filter(Boolean)
        .map((line) => JSON.parse(line) as Record<string, unknown>),
    text: () => output,
  };
}
