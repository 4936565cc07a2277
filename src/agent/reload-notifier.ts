/**
 * Tells the algorithm that the env file changed: a signal to the pid in a
 * pidfile, a command, or both. A failed reload is a warning and a metric;
 * it never delays or blocks the next write.
 *
 * Notices run one at a time: a notice asked for while one runs is folded,
 * with any others, into one more run after it (with the newest revision),
 * so a slow reload command never runs twice at once.
 *
 * The command runs in a process group of its own, so the timeout kills
 * whatever it started, not only `/bin/sh`. It gets a minimal environment:
 * `PATH` and `HOME` (when the agent has them), nothing else of the
 * agent's, so the agent's settings (the token file's path among them)
 * do not reach a script that might print its environment.
 *
 * Limitation: a command that needs more variables must set them itself
 * (`env NAME=value cmd`, or a wrapper script). A signal reaches the
 * algorithm only when agent and algorithm share a process namespace
 * (in Kubernetes, `shareProcessNamespace: true`); the pid is read from
 * the pidfile at each reload.
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

/** Log `code` of a pidfile naming the agent itself or init. */
export const REFUSED_PID_CODE = "REFUSED_PID";

export class ReloadNotifier {
  readonly #options: ReloadNotifierOptions;
  #running: Promise<void> | undefined;
  /** The run that will follow the one running, if one was asked for. */
  #followUp: Promise<void> | undefined;
  #latestRevision = 0;

  constructor(options: ReloadNotifierOptions) {
    this.#options = options;
  }

  /** True when some way of notifying is configured. */
  get isConfigured(): boolean {
    const { signal, pidfile, command } = this.#options;
    return (signal !== undefined && pidfile !== undefined) || !!command;
  }

  /**
   * Notifies by every configured way; never throws. Resolves once a run
   * that started after this call has finished.
   */
  notify(revision: number): Promise<void> {
    if (!this.isConfigured) return Promise.resolve();
    this.#latestRevision = Math.max(this.#latestRevision, revision);
    if (!this.#running) return this.#startRun();
    this.#followUp ??= this.#running.then(() => this.#startRun());
    return this.#followUp;
  }

  #startRun(): Promise<void> {
    this.#followUp = undefined;
    const run = this.#notifyOnce(this.#latestRevision).finally(() => {
      if (this.#running === run) this.#running = undefined;
    });
    this.#running = run;
    return run;
  }

  async #notifyOnce(revision: number): Promise<void> {
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
      // Init or the agent itself: a stale or planted pidfile, never meant.
      if (pid === 1 || pid === process.pid) {
        const fields = { pidfile, targetPid: pid, signal, revision };
        logger.warn(
          { ...fields, code: REFUSED_PID_CODE },
          "reload signal refused: the pidfile names init or the agent",
        );
        return false;
      }
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
      const child = spawn("/bin/sh", ["-c", command], {
        stdio: "ignore",
        detached: true,
        env: commandEnv(),
      });
      const timer = setTimeout(() => killGroup(child.pid), commandTimeoutMs);
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

/** The reload command's environment: PATH and HOME, when set. */
function commandEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const name of ["PATH", "HOME"]) {
    const value = process.env[name];
    if (value !== undefined) env[name] = value;
  }
  return env;
}

/** SIGKILL to the command's whole process group (it leads the group). */
function killGroup(pid: number | undefined): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, "SIGKILL");
  } catch {
    // The group is already gone.
  }
}
