/**
 * Starts the service inside the test process on port 0 with real TLS and
 * a dev state folder on tmpfs, and captures every log line at trace level.
 */
import { readFileSync } from "node:fs";
import { ensureDevState } from "../../src/server/dev/dev-state-setup.js";
import { type RunningServer, startServer } from "../../src/server/server.js";
import type { StatePaths } from "../../src/shared/dev-state.js";
import { readSigningKey } from "../../src/shared/key-files.js";
import { createLogger } from "../../src/shared/logger.js";
import { issueToken } from "../../src/shared/tokens.js";
import { tmpfsDir } from "../helpers/tmpfs.js";

export interface InProcessServer {
  addr: string;
  caPem: Buffer;
  paths: StatePaths;
  adminToken: string;
  running: RunningServer;
  issueAgentToken(algorithm: string, ttlMs?: number): Promise<string>;
  issueAdminToken(algorithms: string[]): Promise<string>;
  logs(): string;
  stop(): Promise<void>;
  /** Stops and starts again on the same folder (new port). */
  restart(): Promise<void>;
}

export interface InProcessOptions {
  heartbeatMs?: number;
  stateDir?: string;
  /** CA whose client certificates the server demands (`--tls-client-ca`). */
  clientCaFile?: string;
}

export async function startInProcess(
  options: InProcessOptions = {},
): Promise<InProcessServer> {
  const { paths } = await ensureDevState(
    options.stateDir ?? tmpfsDir("as-inproc-"),
  );
  let output = "";
  const logger = createLogger({
    name: "secrets-server",
    level: "trace",
    destination: {
      write: (line: string) => {
        output += line;
      },
    },
  });
  const launch = () =>
    startServer({
      listen: "127.0.0.1:0",
      databasePath: paths.database,
      kekFile: paths.kekFile,
      tokenKeyFile: paths.tokenVerifyKey,
      tls: {
        certFile: paths.serverCert,
        keyFile: paths.serverKey,
        clientCaFile: options.clientCaFile,
      },
      heartbeatMs: options.heartbeatMs,
      logger,
    });
  const signingKey = readSigningKey(paths.tokenSigningKey, "test");
  const handle: InProcessServer = {
    addr: "",
    caPem: readFileSync(paths.caCert),
    paths,
    adminToken: readFileSync(paths.adminToken, "utf8").trim(),
    running: await launch(),
    issueAgentToken: (algorithm, ttlMs = 3_600_000) =>
      issueToken({
        signingKey,
        identity: { kind: "agent", algorithm, subject: "test-agent" },
        ttlMs,
      }),
    issueAdminToken: (algorithms) =>
      issueToken({
        signingKey,
        identity: { kind: "admin", algorithms, subject: "test-admin" },
        ttlMs: 3_600_000,
      }),
    logs: () => output,
    stop: () => handle.running.stop(1_000),
    restart: async () => {
      await handle.running.stop(1_000);
      handle.running = await launch();
      handle.addr = handle.running.addr;
    },
  };
  handle.addr = handle.running.addr;
  return handle;
}
