/**
 * Runs the real `secrets-server` binary in `--dev` mode on a tmpfs state
 * folder and port 0, for tests that need a separate process (e2e, agent,
 * CLI). Tests using it need a build first: `npm run build` (which
 * `npm test` runs before vitest).
 */
import { type ChildProcess, spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { Client } from "@grpc/grpc-js";
import { connectClient } from "../../src/shared/client-connection.js";
import { loadContract } from "../../src/shared/contract.js";
import { type StatePaths, statePaths } from "../../src/shared/dev-state.js";
import { fromGrpcError } from "../../src/shared/grpc-status.js";
import { readSigningKey } from "../../src/shared/key-files.js";
import { packageRoot } from "../../src/shared/package-root.js";
import { Redacted } from "../../src/shared/redacted.js";
import { issueToken } from "../../src/shared/tokens.js";
import { tmpfsDir } from "./tmpfs.js";

/** How long to wait for the "listening" log line, in milliseconds. */
const START_TIMEOUT_MS = 15_000;

/** How long `stop()` waits before sending SIGKILL, in milliseconds. */
const STOP_TIMEOUT_MS = 10_000;

export interface StartServerProcessOptions {
  /** State folder; a fresh tmpfs folder when absent. */
  stateDir?: string;
  /** Extra flags after the defaults (`--heartbeat 200ms`, for example). */
  extraArgs?: string[];
  /** Extra environment variables for the child. */
  env?: Record<string, string>;
}

export interface ServerProcess {
  /** `127.0.0.1:PORT`, the address the server reported. */
  readonly addr: string;
  readonly stateDir: string;
  readonly paths: StatePaths;
  /** The dev CA certificate (PEM) that signed the server certificate. */
  readonly caPem: Buffer;
  /** The dev admin token (scope `*`). */
  readonly adminToken: string;
  /** An agent token for `algorithm`, signed with the dev signing key. */
  issueAgentToken(algorithm: string, ttlMs?: number): Promise<string>;
  /** Everything the process wrote to stdout and stderr so far. */
  logs(): string;
  /** Sends `signal` and resolves with the exit code (null if killed). */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
  /** Stops (if running) and starts again on the same folder and port. */
  restart(): Promise<void>;
}

/** Path of the built server binary. */
export function serverBinPath(): string {
  return join(packageRoot(), "dist/src/bin/secrets-server.js");
}

/** Starts `secrets-server --dev` and waits until it listens. */
export async function startServerProcess(
  options: StartServerProcessOptions = {},
): Promise<ServerProcess> {
  const stateDir = options.stateDir ?? tmpfsDir("as-server-");
  const paths = statePaths(stateDir);
  let output = "";
  let child: ChildProcess;
  let addr = "";

  const launch = async (listen: string): Promise<void> => {
    const args = [
      serverBinPath(),
      "--dev",
      "--state-dir",
      stateDir,
      "--listen",
      listen,
      ...(options.extraArgs ?? []),
    ];
    child = spawn(process.execPath, args, {
      env: { ...process.env, ...options.env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    addr = await waitForListening(child, (text) => {
      output += text;
    });
  };

  await launch("127.0.0.1:0");
  const stop = (signal: NodeJS.Signals = "SIGTERM") => stopChild(child, signal);
  const server: ServerProcess = {
    get addr() {
      return addr;
    },
    stateDir,
    paths,
    get caPem() {
      return readFileSync(paths.caCert);
    },
    get adminToken() {
      return readFileSync(paths.adminToken, "utf8").trim();
    },
    issueAgentToken: (algorithm, ttlMs = 3_600_000) =>
      issueToken({
        signingKey: readSigningKey(paths.tokenSigningKey, "test"),
        identity: { kind: "agent", algorithm, subject: "test-agent" },
        ttlMs,
      }),
    logs: () => output,
    stop,
    restart: async () => {
      if (child.exitCode === null && child.signalCode === null) await stop();
      await launch(addr);
    },
  };
  return server;
}

function waitForListening(
  child: ChildProcess,
  onText: (text: string) => void,
): Promise<string> {
  return new Promise((resolve, reject) => {
    let pending = "";
    const timer = setTimeout(() => {
      reject(new Error("secrets-server did not log listening in time"));
    }, START_TIMEOUT_MS);
    child.stdout?.setEncoding("utf8").on("data", onText);
    child.stderr?.setEncoding("utf8").on("data", (text: string) => {
      onText(text);
      pending += text;
      const lines = pending.split("\n");
      pending = lines.pop() ?? "";
      for (const line of lines) {
        const found = listeningAddr(line);
        if (found) {
          clearTimeout(timer);
          resolve(found);
        }
      }
    });
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`secrets-server exited with ${code} before listening`));
    });
  });
}

function listeningAddr(line: string): string | undefined {
  if (!line.startsWith("{")) return undefined;
  try {
    const parsed = JSON.parse(line) as { msg?: string; addr?: string };
    return parsed.msg === "listening" ? parsed.addr : undefined;
  } catch {
    return undefined;
  }
}

function stopChild(
  child: ChildProcess,
  signal: NodeJS.Signals,
): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) {
    return Promise.resolve(child.exitCode);
  }
  return new Promise((resolve) => {
    const killer = setTimeout(() => child.kill("SIGKILL"), STOP_TIMEOUT_MS);
    child.once("exit", (code) => {
      clearTimeout(killer);
      resolve(code);
    });
    child.kill(signal);
  });
}

/** Anything with an address and a CA: a server process or in-process. */
export interface ServerEndpoint {
  addr: string;
  caPem: Buffer;
}

/** A raw SecretAdmin client authenticated with `token`. */
export function connectAdmin(server: ServerEndpoint, token: string): Client {
  return connectClient(loadContract().AdminClient, {
    addr: server.addr,
    caPem: server.caPem,
    tokenSource: () => new Redacted(token),
  });
}

/** A raw SecretDelivery client authenticated with `token`. */
export function connectDelivery(server: ServerEndpoint, token: string): Client {
  return connectClient(loadContract().DeliveryClient, {
    addr: server.addr,
    caPem: server.caPem,
    tokenSource: () => new Redacted(token),
  });
}

type UnaryMethod = (
  request: unknown,
  callback: (error: unknown, response: unknown) => void,
) => void;

/**
 * Calls unary `method` on `client` (for example `"createSecret"`) and
 * resolves with the response; rejects with a SecretsError.
 */
export function callUnary<Response>(
  client: Client,
  method: string,
  request: unknown,
): Promise<Response> {
  const fn = (client as unknown as Record<string, UnaryMethod>)[method];
  if (typeof fn !== "function") throw new Error(`no method ${method}`);
  return new Promise((resolve, reject) => {
    fn.call(client, request, (error, response) => {
      if (error) reject(fromGrpcError(error));
      else resolve(response as Response);
    });
  });
}
