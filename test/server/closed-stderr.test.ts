/**
 * A server whose standard error has no reader any more (its log pipe's
 * other end closed) still stops on SIGTERM: a log line that meets EPIPE
 * is dropped, never retried for ever.
 */
import { spawn } from "node:child_process";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { serverBinPath } from "../helpers/server-process.js";
import { tmpfsDir } from "../helpers/tmpfs.js";

const dir = tmpfsDir("as-closed-stderr-");

describe("secrets-server", () => {
  describe("when nothing reads its standard error any more", () => {
    it("still exits 0 on SIGTERM", async () => {
      const child = spawn(
        process.execPath,
        [
          serverBinPath(),
          "--dev",
          "--state-dir",
          join(dir, "state"),
          "--listen",
          "127.0.0.1:0",
          "--log-level",
          "debug",
        ],
        { stdio: ["ignore", "ignore", "pipe"] },
      );
      const exited = new Promise<number | null>((resolve) =>
        child.once("exit", (code) => resolve(code)),
      );
      await new Promise<void>((resolve) => {
        let text = "";
        child.stderr?.on("data", (chunk: Buffer) => {
          text += chunk.toString("utf8");
          if (text.includes('"msg":"listening"')) resolve();
        });
      });
      child.stderr?.destroy();

      child.kill("SIGTERM");
      const timeout = new Promise<string>((resolve) =>
        setTimeout(() => resolve("still running"), 5_000),
      );
      const outcome = await Promise.race([exited, timeout]);
      if (outcome === "still running") child.kill("SIGKILL");
      expect(outcome).toBe(0);
    });
  });
});
