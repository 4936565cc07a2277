/**
 * Tells the algorithm that the env file changed: a signal to the pid in a
 * pidfile, a command, or both. A failed reload is a warning and a metric;
 * it never delays or blocks the next write.
 */
import { spawn } from "node:child_process";
import { readFile } from "node:fs/promises";
import type { Logger } from "../shared/logger.js";

export interface ReloadNotifierOptions {
  /** Signal to send, e.g. SIGHUP; nothing is sent when absent. */
  signal?: NodeJS.Signals;
  /** File holding the pid to signal. */
  pidfile?: string;
  /** Shell command to run (with /bin/sh -c). */
  command?: string;
  /** How long the command may run before it is killed, in milliseconds. */
  commandTimeoutMs: number;
  logger: Logger;
  /** Called once per notice with whether every configured way succeeded. */
  onResult?: (isOk: boolean) => void;
}

export class ReloadNotifier {
  readonly #options: ReloadNotifierOptions;

  constructor(options: ReloadNotifierOptions) {
    this.#options = options;
  }

  /** True when some way of notifying is configured. */
  get isConfigured(): boolean {
    const { signal, pidfile, command } = this.#options;
    return (signal !== undefined && pidfile !== undefined) || !!command;
  }

  /** Notifies by every configured way; never throws. */
  async notify(revision: number): Promise<void> {
    if (!this.isConfigured) return;
    const results = await Promise.all([
      this.#sendSignal(revision),
      this.#runCommand(revision),
    ]);
    this.#options.onResult?.(results.every(Boolean));
  }

  async #sendSignal(revision: number): Promise<boolean> {
    const { signal, pidfile, logger } = this.#options;
    if (signal === undefined || pidfile === undefined) return true;
    try {
      const pid = Number.parseInt(await readFile(pidfile, "utf8"), 10);
      if (!Number.isInteger(pid) || pid <= 0) throw new Error("bad pid");
      process.kill(pid, signal);
      // `targetPid`: every line already carries the agent's own `pid`.
      logger.info({ targetPid: pid, signal, revision }, "reload signal sent");
      return true;
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? "BAD_PIDFILE";
      logger.warn({ pidfile, signal, code, revision }, "reload signal failed");
      return false;
    }
  }

  #runCommand(revision: number): Promise<boolean> {
    const { command, commandTimeoutMs, logger } = this.#options;
    if (!command) return Promise.resolve(true);
    const startedMs = Date.now();
    return new Promise((resolve) => {
      // Output is dropped: a reload script might print the environment.
      const child = spawn("/bin/sh", ["-c", command], { stdio: "ignore" });
      const timer = setTimeout(() => child.kill("SIGKILL"), commandTimeoutMs);
      child.once("error", (error) => {
        clearTimeout(timer);
        logger.warn({ code: error.name, revision }, "reload command failed");
        resolve(false);
      });
      child.once("exit", (exitCode, signal) => {
        clearTimeout(timer);
        const fields = {
          exitCode,
          signal,
          revision,
          durationMs: Date.now() - startedMs,
        };
        if (exitCode === 0) logger.info(fields, "reload command finished");
        else logger.warn(fields, "reload command failed");
        resolve(exitCode === 0);
      });
    });
  }
}
