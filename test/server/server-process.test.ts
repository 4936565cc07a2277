/**
 * The real `secrets-server` binary (run `npm run build` first; `npm test`
 * does): restarts, KEK rotation by a second process, tampering, logs.
 */
import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { Client } from "@grpc/grpc-js";
import Database from "better-sqlite3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { SecretsError } from "../../src/shared/errors.js";
import type { GetSnapshotResponse } from "../../src/shared/messages.js";
import {
  callUnary,
  connectAdmin,
  connectDelivery,
  type ServerProcess,
  serverBinPath,
  startServerProcess,
} from "../helpers/server-process.js";

const CANARY = "canary-process-2d7f88";
const ALG = "proc/alpha";
const NAMES = ["API_TOKEN", "DB_PASSWORD", "SMTP_PASSWORD"];

async function snapshotValues(server: ServerProcess): Promise<string[]> {
  const client = connectDelivery(server, await server.issueAgentToken(ALG));
  try {
    const response = await callUnary<GetSnapshotResponse>(
      client,
      "getSnapshot",
      { knownRevision: 0 },
    );
    return (response.snapshot?.secrets ?? []).map((s) => `${s.value}`);
  } finally {
    client.close();
  }
}

/** The last "key-encryption keys reloaded" log line, parsed. */
function reloadLogLine(logs: string): unknown {
  const lines = logs
    .split("\n")
    .filter((line) => line.includes('"key-encryption keys reloaded"'));
  const last = lines.at(-1);
  return last === undefined ? undefined : JSON.parse(last);
}

describe("secrets-server process", () => {
  let server: ServerProcess;
  let admin: Client;

  beforeAll(async () => {
    server = await startServerProcess({
      extraArgs: ["--log-level", "trace"],
      // grpc-js's own tracers write to the same stderr: they must not
      // print a value or a token either.
      env: { GRPC_TRACE: "all", GRPC_VERBOSITY: "DEBUG" },
    });
    admin = connectAdmin(server, server.adminToken);
    for (const envName of NAMES) {
      await callUnary(admin, "createSecret", {
        algorithm: ALG,
        envName,
        displayName: envName,
        value: Buffer.from(`${CANARY}-${envName}`),
      });
    }
  });

  afterAll(async () => {
    admin?.close();
    await server?.stop();
  });

  describe("when secrets are stored", () => {
    it("keeps values out of the database files, WAL included", () => {
      const files = readdirSync(server.stateDir).filter((name) =>
        name.startsWith("secrets.db"),
      );
      expect(files).toContain("secrets.db-wal");
      for (const file of files) {
        const bytes = readFileSync(join(server.stateDir, file));
        expect(bytes.includes(Buffer.from(CANARY))).toBe(false);
      }
    });

    it("never logs a value or a token at trace level", async () => {
      await snapshotValues(server);
      expect(server.logs()).toContain("secret created");
      expect(server.logs()).toMatch(/\| server_call \|/);
      expect(server.logs()).not.toContain(CANARY);
      expect(server.logs()).not.toContain(server.adminToken);
    });
  });

  describe("when the KEK is rotated by another process while running", () => {
    it("re-wraps every data key and every value stays readable", async () => {
      const before = await snapshotValues(server);
      const output = execFileSync(process.execPath, [
        serverBinPath(),
        "rotate-kek",
        "--state-dir",
        server.stateDir,
      ]).toString();
      expect(output).toContain("re-wrapped 3 data keys");
      expect(output).not.toContain(CANARY);
      expect(await snapshotValues(server)).toEqual(before);
      await callUnary(admin, "updateSecret", {
        algorithm: ALG,
        envName: "API_TOKEN",
        value: Buffer.from(`${CANARY}-API_TOKEN`),
      });
      expect(await snapshotValues(server)).toEqual(before);
      const activeKekId = /-> (\S+);/.exec(output)?.[1];
      await expect
        .poll(() => reloadLogLine(server.logs()), { timeout: 5_000 })
        .toMatchObject({ activeKekId });
    });

    it("logs key ids only, never key bytes", () => {
      const kekFile = JSON.parse(readFileSync(server.paths.kekFile, "utf8"));
      for (const key of Object.values(kekFile.keys as Record<string, string>)) {
        expect(server.logs()).not.toContain(key);
      }
    });
  });

  describe("when the server restarts", () => {
    it("serves the same values on the same port", async () => {
      const before = await snapshotValues(server);
      const addr = server.addr;
      await server.restart();
      expect(server.addr).toBe(addr);
      admin.close();
      admin = connectAdmin(server, server.adminToken);
      expect(await snapshotValues(server)).toEqual(before);
      expect(before).toHaveLength(3);
    });
  });

  describe("when a stored ciphertext is tampered with", () => {
    it("fails the snapshot with INTERNAL, never garbage", async () => {
      // Stopped first, so that no cached snapshot hides the tampering.
      await server.stop();
      const db = new Database(server.paths.database);
      const row = db
        .prepare("SELECT sealed_value FROM secrets WHERE env_name = ?")
        .get("DB_PASSWORD") as { sealed_value: Buffer };
      row.sealed_value[30] = (row.sealed_value[30] ?? 0) ^ 0x01;
      db.prepare("UPDATE secrets SET sealed_value = ? WHERE env_name = ?").run(
        row.sealed_value,
        "DB_PASSWORD",
      );
      db.close();
      await server.restart();
      const code = await snapshotValues(server).then(
        () => "no error",
        (error: unknown) => (error as SecretsError).code,
      );
      expect(code).toBe("INTERNAL");
      // The log line and the reply travel on different pipes: wait for it.
      await expect
        .poll(() => server.logs(), { timeout: 5_000 })
        .toContain("failed authentication");
    });
  });

  describe("when it gets SIGTERM", () => {
    it("drains and exits 0", async () => {
      expect(await server.stop("SIGTERM")).toBe(0);
      expect(server.logs()).toContain('"msg":"stopped"');
    });
  });
});
