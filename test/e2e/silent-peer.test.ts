/**
 * A service address that accepts TCP connections and never answers (a
 * hung proxy, a firewall that black-holes the handshake). The CLI and a
 * `--once` agent must report their deadline and then exit, not linger on
 * the stalled TLS connect.
 */
import { writeFileSync } from "node:fs";
import { createServer, type Server, type Socket } from "node:net";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runNodeBin, runSecretsctl } from "../cli/run-secretsctl.js";
import {
  type ServerProcess,
  startServerProcess,
} from "../helpers/server-process.js";
import { tmpfsDir } from "../helpers/tmpfs.js";
import { agentBinPath, writeAgentToken } from "./agent-harness.js";

/** Far above the deadlines below; a run killed here hung. */
const KILL_AFTER_MS = 20_000;

const dir = tmpfsDir("as-e2e-silent-");
let server: ServerProcess;
let silent: Server;
let silentAddr: string;
const sockets = new Set<Socket>();

beforeAll(async () => {
  // The real server only lends its CA and signing key; nothing dials it.
  server = await startServerProcess({ stateDir: join(dir, "server") });
  silent = createServer((socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
  const address = silent.address();
  if (address === null || typeof address === "string") {
    throw new Error("silent peer has no TCP address");
  }
  silentAddr = `127.0.0.1:${address.port}`;
});

afterAll(async () => {
  for (const socket of sockets) socket.destroy();
  await new Promise((resolve) => silent?.close(resolve));
  await server?.stop();
});

describe("a service that accepts and never answers", () => {
  it("secretsctl reports its deadline and exits", async () => {
    const tokenFile = join(dir, "admin.token");
    writeFileSync(tokenFile, `${server.adminToken}\n`, { mode: 0o600 });
    const run = await runSecretsctl(["--timeout", "1s", "list", "demo/x"], {
      env: {
        SECRETS_ADDR: silentAddr,
        SECRETS_CA_FILE: server.paths.caCert,
        SECRETS_TOKEN_FILE: tokenFile,
      },
      timeoutMs: KILL_AFTER_MS,
    });
    expect(run.code).not.toBeNull();
    expect(run.code).not.toBe(0);
    expect(run.stderr).toContain("DEADLINE_EXCEEDED");
  });

  it("secrets-agent --once reports its deadline and exits", async () => {
    const tokenFile = await writeAgentToken(server, "demo/x", dir);
    const run = await runNodeBin(
      agentBinPath(),
      [
        "--addr",
        silentAddr,
        "--ca-file",
        server.paths.caCert,
        "--token-file",
        tokenFile,
        "--file",
        join(dir, "silent.env"),
        "--health-addr",
        "127.0.0.1:0",
        "--once",
        "--once-timeout",
        "1s",
      ],
      { timeoutMs: KILL_AFTER_MS },
    );
    expect(run.code).not.toBeNull();
    expect(run.code).not.toBe(0);
    expect(run.stderr).toContain("--once: no snapshot within");
  });
});
