/**
 * The real `secrets-server --dev` as a child process on a tmpfs state
 * folder, so its memory is its own (/proc/<pid>/status) and a restart is
 * a real restart. Also the admin client and agent tokens the sections use.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Client } from "@grpc/grpc-js";
import { connectClient } from "../../src/shared/client-connection.js";
import { loadContract } from "../../src/shared/contract.js";
import { type StatePaths, statePaths } from "../../src/shared/dev-state.js";
import { fromGrpcError } from "../../src/shared/grpc-status.js";
import { readSigningKey } from "../../src/shared/key-files.js";
import type {
  CreateSecretRequest,
  SecretMetadata,
  UpdateSecretRequest,
} from "../../src/shared/messages.js";
import { Redacted } from "../../src/shared/redacted.js";
import { issueToken } from "../../src/shared/tokens.js";
import { binPath, scratchDir, stopChild } from "./children.js";
import { nowMs } from "./stats.js";

/** How long the server may take to log "listening", in milliseconds. */
const START_TIMEOUT_MS = 30_000;

/** Agent tokens live this long, in milliseconds: longer than any run. */
const TOKEN_TTL_MS = 6 * 3_600_000;

export interface ServerChild {
  readonly addr: string;
  readonly pid: number;
  readonly paths: StatePaths;
  /** Stops (SIGTERM) and starts again on the same port; ms from SIGTERM to listening. */
  restart(options?: { extraArgs?: string[] }): Promise<number>;
  stop(): Promise<void>;
}

/** Starts `secrets-server --dev` on port 0; `extraArgs` go last. */
export async function startServerChild(
  extraArgs: string[] = [],
): Promise<ServerChild> {
  const stateDir = join(scratchDir("server"), "state");
  const paths = statePaths(stateDir);
  let child: ChildProcess;
  let addr = "";
  const launch = async (listen: string, args: string[]) => {
    child = spawn(
      process.execPath,
      [
        ...serverNodeArgs(),
        binPath("secrets-server.js"),
        "--dev",
        "--state-dir",
        stateDir,
        "--listen",
        listen,
        "--log-level",
        "info",
        ...args,
      ],
      { stdio: ["ignore", "ignore", "pipe"] },
    );
    addr = await waitForListening(child);
  };
  await launch("127.0.0.1:0", extraArgs);
  return {
    get addr() {
      return addr;
    },
    get pid() {
      return child.pid ?? 0;
    },
    paths,
    restart: async (options) => {
      const startMs = nowMs();
      await stopChild(child);
      await launch(addr, options?.extraArgs ?? extraArgs);
      return nowMs() - startMs;
    },
    stop: () => stopChild(child),
  };
}

/**
 * Node flags for the server child from `BENCH_SERVER_NODE_ARGS`
 * (space-separated), e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof` to
 * profile the server under the bench's load; none by default.
 */
function serverNodeArgs(): string[] {
  const args = process.env.BENCH_SERVER_NODE_ARGS?.trim();
  return args ? args.split(/\s+/) : [];
}

function waitForListening(child: ChildProcess): Promise<string> {
  return new Promise((resolve, reject) => {
    let pending = "";
    const timer = setTimeout(
      () => reject(new Error("secrets-server did not listen in time")),
      START_TIMEOUT_MS,
    );
    child.stderr?.setEncoding("utf8").on("data", (text: string) => {
      pending += text;
      const lines = pending.split("\n");
      pending = lines.pop() ?? "";
      for (const line of lines) {
        // How long the drain took, and whether it was cut short.
        const stopped =
          /"durationMs":(\d+),"isForced":(\w+).*"msg":"stopped"/.exec(line);
        if (stopped) {
          process.stderr.write(
            `bench: server stopped in ${stopped[1]} ms (forced: ${stopped[2]})\n`,
          );
        }
        const found = /"addr":"([^"]+)".*"msg":"listening"/.exec(line);
        if (found?.[1]) {
          clearTimeout(timer);
          resolve(found[1]);
        }
      }
    });
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`secrets-server exited (${code}) before listening`));
    });
  });
}

/** An agent token for `algorithm`, signed with the dev signing key. */
export function issueAgentToken(
  paths: StatePaths,
  algorithm: string,
): Promise<string> {
  return issueToken({
    signingKey: readSigningKey(paths.tokenSigningKey, "bench"),
    identity: { kind: "agent", algorithm, subject: "bench-agent" },
    ttlMs: TOKEN_TTL_MS,
  });
}

/** Writes an agent token file (mode 0600) and returns its path. */
export async function writeAgentToken(
  paths: StatePaths,
  algorithm: string,
  dir: string,
): Promise<string> {
  const path = join(dir, "agent.token");
  const token = await issueAgentToken(paths, algorithm);
  writeFileSync(path, `${token}\n`, { mode: 0o600 });
  return path;
}

/** SecretAdmin calls the bench needs, with the dev admin token. */
export class AdminClient {
  readonly #client: Client & Record<string, unknown>;

  constructor(addr: string, paths: StatePaths) {
    const token = readFileSync(paths.adminToken, "utf8").trim();
    this.#client = connectClient(loadContract().AdminClient, {
      addr,
      caPem: readFileSync(paths.caCert),
      tokenSource: () => new Redacted(token),
    });
  }

  create(request: CreateSecretRequest): Promise<SecretMetadata> {
    return this.#call("createSecret", request);
  }

  update(request: UpdateSecretRequest): Promise<SecretMetadata> {
    return this.#call("updateSecret", request);
  }

  close(): void {
    this.#client.close();
  }

  #call<T>(method: string, request: unknown): Promise<T> {
    const fn = this.#client[method] as (
      request: unknown,
      callback: (error: unknown, response: T) => void,
    ) => void;
    return new Promise((resolve, reject) => {
      fn.call(this.#client, request, (error, response) => {
        if (error) reject(fromGrpcError(error));
        else resolve(response);
      });
    });
  }
}
