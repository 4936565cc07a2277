/**
 * Child processes of the bench: paths of the built scripts, a bounded
 * wait for a message over IPC, and a stop that always ends the child.
 */
import { type ChildProcess, fork } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { packageRoot } from "../../src/shared/package-root.js";

/** How long `stopChild` waits before SIGKILL, in milliseconds. */
const STOP_TIMEOUT_MS = 10_000;

/** Path of a built bench script (`fanout-worker.js`, for example). */
export function benchScript(name: string): string {
  return join(dirname(fileURLToPath(import.meta.url)), "..", name);
}

/** Path of a built binary of the package (`secrets-agent.js`, …). */
export function binPath(name: string): string {
  return join(packageRoot(), "dist/src/bin", name);
}

const scratchDirs: string[] = [];

/** A fresh scratch folder on tmpfs, removed by {@link removeScratchDirs}. */
export function scratchDir(prefix: string): string {
  const dir = mkdtempSync(join("/dev/shm", `as-bench-${prefix}-`));
  scratchDirs.push(dir);
  return dir;
}

/** Removes every scratch folder made so far. */
export function removeScratchDirs(): void {
  for (const dir of scratchDirs.splice(0)) {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Forks a bench script with IPC; its stderr goes to ours. */
export function forkScript(
  name: string,
  env: Record<string, string> = {},
): ChildProcess {
  return fork(benchScript(name), [], {
    env: { ...process.env, ...env },
    stdio: ["ignore", "ignore", "inherit", "ipc"],
  });
}

/** Resolves with the first IPC message whose `type` is `type`. */
export function nextMessage<T extends { type: string }>(
  child: ChildProcess,
  type: string,
  timeoutMs: number,
): Promise<T> {
  return new Promise((resolve, reject) => {
    const onMessage = (message: { type?: string }) => {
      if (message?.type !== type) return;
      cleanUp();
      resolve(message as T);
    };
    const onExit = (code: number | null) => {
      cleanUp();
      reject(new Error(`child exited (${code}) before "${type}"`));
    };
    const timer = setTimeout(() => {
      cleanUp();
      reject(new Error(`no "${type}" from child within ${timeoutMs} ms`));
    }, timeoutMs);
    const cleanUp = () => {
      clearTimeout(timer);
      child.off("message", onMessage);
      child.off("exit", onExit);
    };
    child.on("message", onMessage);
    child.once("exit", onExit);
  });
}

/** Sends `signal`, then SIGKILL after a while; resolves once it exited. */
export function stopChild(
  child: ChildProcess,
  signal: NodeJS.Signals = "SIGTERM",
): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) {
    return Promise.resolve();
  }
  return new Promise((resolve) => {
    const killer = setTimeout(() => child.kill("SIGKILL"), STOP_TIMEOUT_MS);
    child.once("exit", () => {
      clearTimeout(killer);
      resolve();
    });
    child.kill(signal);
  });
}
