/**
 * Runs the built `secretsctl` binary as a real process, for tests that
 * check exactly what a user sees: exit code, stdout and stderr.
 */
import { spawn } from "node:child_process";
import { join } from "node:path";
import type { Readable } from "node:stream";
import { packageRoot } from "../../src/shared/package-root.js";

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  /**
   * Standard input: these bytes, or a stream piped in until the program
   * stops reading; closed at once when absent.
   */
  stdin?: Buffer | string | Readable;
  /** Killed (SIGKILL) after this long, in milliseconds; default never. */
  timeoutMs?: number;
  /** Working folder; the dev state fallback is relative to it. */
  cwd?: string;
  /** Environment beyond PATH; no SECRETS_* variable leaks in otherwise. */
  env?: Record<string, string>;
}

/** Path of the built CLI binary. */
export function cliBinPath(): string {
  return join(packageRoot(), "dist/src/bin/secretsctl.js");
}

/** Runs `secretsctl args…` and resolves with what it did. */
export function runSecretsctl(
  args: string[],
  options: RunOptions = {},
): Promise<CliRun> {
  return runNodeBin(cliBinPath(), args, options);
}

/** Runs the built script at `binPath` with `args` to its end. */
export function runNodeBin(
  binPath: string,
  args: string[],
  options: RunOptions = {},
): Promise<CliRun> {
  const child = spawn(process.execPath, [binPath, ...args], {
    cwd: options.cwd ?? packageRoot(),
    env: { PATH: process.env.PATH ?? "", ...options.env },
    stdio: ["pipe", "pipe", "pipe"],
    ...(options.timeoutMs !== undefined && {
      timeout: options.timeoutMs,
      killSignal: "SIGKILL",
    }),
  });
  let stdout = "";
  let stderr = "";
  child.stdout.setEncoding("utf8").on("data", (text: string) => {
    stdout += text;
  });
  child.stderr.setEncoding("utf8").on("data", (text: string) => {
    stderr += text;
  });
  feedStdin(child.stdin, options.stdin);
  return new Promise((resolve, reject) => {
    child.once("error", reject);
    child.once("close", (code) => resolve({ code, stdout, stderr }));
  });
}

function feedStdin(
  stdin: NodeJS.WritableStream,
  input: RunOptions["stdin"],
): void {
  // The program may stop reading and close its end: that is no failure.
  stdin.on("error", () => {});
  if (
    input === undefined ||
    typeof input === "string" ||
    Buffer.isBuffer(input)
  ) {
    stdin.end(input ?? "");
    return;
  }
  input.pipe(stdin);
  // Stop the source once the program is done with it (an endless one
  // would otherwise keep the test process busy).
  stdin.on("close", () => input.destroy());
}
