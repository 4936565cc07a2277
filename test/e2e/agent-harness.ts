/**
 * Runs the built `secrets-agent` binary as a real process next to a real
 * `secrets-server --dev`, and gives e2e tests what they look at: the env
 * file, the health endpoints, the logs, and a shell that sources the file.
 * Tests using it need `npm run build` first.
 */
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { packageRoot } from "../../src/shared/package-root.js";
import { runSecretsctl } from "../cli/run-secretsctl.js";
import type { ServerProcess } from "../helpers/server-process.js";

const execFileAsync = promisify(execFile);

/** How long to wait for the agent's "health listening" line, in ms. */
const START_TIMEOUT_MS = 15_000;

export interface AgentProcess {
  readonly file: string;
  readonly healthAddr: string;
  readonly child: ChildProcess;
  logs(): string;
  /** GET on the health server. */
  get(path: string): Promise<{ status: number; body: string }>;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
  exited: Promise<number | null>;
}

export interface StartAgentOptions {
  /** Address of the service (a stopped server's address works too). */
  addr: string;
  caFile: string;
  tokenFile: string;
  /** The env file; its folder must exist. */
  file: string;
  extraArgs?: string[];
  env?: Record<string, string>;
  /** Resolve at spawn instead of waiting for the health line. */
  isNotWaiting?: boolean;
}

export function agentBinPath(): string {
  return join(packageRoot(), "dist/src/bin/secrets-agent.js");
}

/** Writes an agent token for `algorithm` to `dir` and returns its path. */
export async function writeAgentToken(
  server: ServerProcess,
  algorithm: string,
  dir: string,
): Promise<string> {
  const path = join(dir, "agent.token");
  writeFileSync(path, `${await server.issueAgentToken(algorithm)}\n`, {
    mode: 0o600,
  });
  return path;
}

/** Starts the agent and waits for its health server. */
export async function startAgent(
  options: StartAgentOptions,
): Promise<AgentProcess> {
  const args = [
    agentBinPath(),
    "--addr",
    options.addr,
    "--ca-file",
    options.caFile,
    "--token-file",
    options.tokenFile,
    "--file",
    options.file,
    "--health-addr",
    "127.0.0.1:0",
    "--log-level",
    "trace",
    ...(options.extraArgs ?? []),
  ];
  const child = spawn(process.execPath, args, {
    env: { PATH: process.env.PATH ?? "", ...options.env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  const exited = new Promise<number | null>((resolve) => {
    child.once("exit", (code) => resolve(code));
  });
  const healthAddr = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`agent did not start:\n${output}`)),
      START_TIMEOUT_MS,
    );
    const onText = (text: string) => {
      output += text;
      const match = /"addr":"([^"]+)","msg":"health listening"/.exec(output);
      if (match?.[1]) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    };
    child.stdout.setEncoding("utf8").on("data", onText);
    child.stderr.setEncoding("utf8").on("data", onText);
    if (options.isNotWaiting) {
      clearTimeout(timer);
      resolve("");
    }
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`agent exited with ${code}:\n${output}`));
    });
  });
  return {
    file: options.file,
    healthAddr,
    child,
    logs: () => output,
    get: async (path) => {
      const response = await fetch(`http://${healthAddr}${path}`);
      return { status: response.status, body: await response.text() };
    },
    stop: async (signal = "SIGTERM") => {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill(signal);
      }
      return exited;
    },
    exited,
  };
}

/** Runs secretsctl against `server` with its admin token and CA. */
export function adminCli(
  server: ServerProcess,
  args: string[],
  stdin?: string,
) {
  return runSecretsctl(
    [
      "--addr",
      server.addr,
      "--token-file",
      server.paths.adminToken,
      "--ca-file",
      server.paths.caCert,
      ...args,
    ],
    { stdin },
  );
}

/** Runs one secretsctl command and throws if it fails. */
async function mustCli(
  server: ServerProcess,
  args: string[],
  stdin?: string,
): Promise<void> {
  const run = await adminCli(server, args, stdin);
  if (run.code !== 0) throw new Error(`secretsctl failed: ${run.stderr}`);
}

export const createSecret = (
  server: ServerProcess,
  algorithm: string,
  envName: string,
  value: string,
) =>
  mustCli(
    server,
    ["create", algorithm, envName, "--display-name", envName],
    value,
  );

export const updateSecret = (
  server: ServerProcess,
  algorithm: string,
  envName: string,
  value: string,
) => mustCli(server, ["update", algorithm, envName, "--value-stdin"], value);

export const deleteSecret = (
  server: ServerProcess,
  algorithm: string,
  envName: string,
) => mustCli(server, ["delete", algorithm, envName]);

/**
 * `name`'s value after `shell` sources `file` with `set -a`, exactly as
 * the shell holds it (printf %s keeps trailing newlines).
 */
export async function sourcedValue(
  shell: "bash" | "dash",
  file: string,
  name: string,
): Promise<string | undefined> {
  const script = `set -a; . "$1"; set +a; if [ -n "\${${name}+x}" ]; then printf 'set:%s' "$${name}"; fi`;
  const { stdout } = await execFileAsync(shell, ["-c", script, "sh", file], {
    env: { PATH: process.env.PATH ?? "" },
  });
  return stdout.startsWith("set:") ? stdout.slice(4) : undefined;
}

/** Polls `check` every 10 ms until it returns true or `timeoutMs` passes. */
export async function waitUntil(
  check: () => boolean | Promise<boolean>,
  timeoutMs: number,
): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return true;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  return check();
}

/** Counts lines in a file, 0 when it does not exist. */
export function countLines(text: string | undefined): number {
  return text ? text.split("\n").filter(Boolean).length : 0;
}
