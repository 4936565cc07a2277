/**
 * `secrets-server --dev` on a state folder that lost a key (a copied or
 * half-restored folder), run as a real process (run `npm run build`
 * first; `npm test` does).
 */
import { copyFileSync, existsSync, rmSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { Keyring } from "../../src/server/crypto/keyring.js";
import { type CliRun, runNodeBin } from "../cli/run-secretsctl.js";
import {
  callUnary,
  connectAdmin,
  serverBinPath,
  startServerProcess,
} from "../helpers/server-process.js";
import { tmpfsDir } from "../helpers/tmpfs.js";

/** Starts `secrets-server --dev` on `stateDir` and runs it to its end. */
function runDevServer(stateDir: string): Promise<CliRun> {
  const args = ["--dev", "--state-dir", stateDir, "--listen", "127.0.0.1:0"];
  return runNodeBin(serverBinPath(), args, { timeoutMs: 15_000 });
}

/** The one error line a failed start logs, parsed. */
function startError(run: CliRun): Record<string, unknown> {
  const lines = run.stderr.trimEnd().split("\n");
  const errors = lines
    .map((line) => JSON.parse(line) as Record<string, unknown>)
    .filter((entry) => entry.level === "error");
  expect(errors).toHaveLength(1);
  return errors[0] ?? {};
}

describe("secrets-server --dev and its state folder", () => {
  const stateDir = join(tmpfsDir("as-dev-state-"), "state");
  const kekFile = join(stateDir, "kek.json");
  const savedKek = join(stateDir, "..", "kek.json.saved");

  beforeAll(async () => {
    const server = await startServerProcess({ stateDir });
    const admin = connectAdmin(server, server.adminToken);
    await callUnary(admin, "createSecret", {
      algorithm: "demo/copied",
      envName: "DB_PASSWORD",
      displayName: "x",
      value: Buffer.from("v"),
    });
    admin.close();
    expect(await server.stop()).toBe(0);
    copyFileSync(kekFile, savedKek);
  });

  describe("when the KEK file is missing but the database holds secrets", () => {
    it("refuses to start, naming kek-file, and makes no new KEK", async () => {
      rmSync(kekFile);
      const run = await runDevServer(stateDir);
      expect(run.code).toBe(1);
      expect(startError(run)).toMatchObject({
        code: "FAILED_PRECONDITION",
        field: "kek-file",
      });
      expect(existsSync(kekFile)).toBe(false);
    });
  });

  describe("when the KEK file holds another key", () => {
    it("refuses to start, naming kek-file", async () => {
      Keyring.create(kekFile);
      const run = await runDevServer(stateDir);
      expect(run.code).toBe(1);
      expect(startError(run)).toMatchObject({
        code: "FAILED_PRECONDITION",
        field: "kek-file",
      });
      rmSync(kekFile);
    });
  });

  describe("when only the token signing key is missing", () => {
    it("makes a new one, starts, and says old tokens no longer verify", async () => {
      copyFileSync(savedKek, kekFile);
      rmSync(join(stateDir, "token-signing.key"));
      const server = await startServerProcess({ stateDir });
      try {
        await expect
          .poll(() => server.logs(), { timeout: 5_000 })
          .toContain("Try next");
        expect(server.logs()).toMatch(/^note: new token signing key/m);
      } finally {
        expect(await server.stop()).toBe(0);
      }
    });
  });
});
