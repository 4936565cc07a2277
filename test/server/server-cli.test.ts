/**
 * The `secrets-server` command line as a user meets it (run
 * `npm run build` first; `npm test` does): usage errors, a busy port, a
 * second server on the same state folder, `init`.
 */
import { existsSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { type CliRun, runNodeBin } from "../cli/run-secretsctl.js";
import {
  serverBinPath,
  startServerProcess,
} from "../helpers/server-process.js";
import { tmpfsDir } from "../helpers/tmpfs.js";

/** Runs `secrets-server args…` to its end. */
function runServerBin(args: string[], env: Record<string, string> = {}) {
  return runNodeBin(serverBinPath(), args, { env });
}

function expectUsageError(run: CliRun, flag: string, help: string): void {
  expect(run.code).toBe(2);
  expect(run.stdout).toBe("");
  expect(run.stderr.trimEnd().split("\n")).toHaveLength(1);
  expect(run.stderr).toContain(flag);
  expect(run.stderr).toContain(`${help} --help`);
}

describe("secrets-server command line", () => {
  describe("given an unknown flag", () => {
    it("says one line naming it, points at --help and exits 2", async () => {
      const run = await runServerBin(["--bogus"]);
      expectUsageError(run, "'--bogus'", "secrets-server");
    });

    it("does the same under rotate-kek, without echoing a value", async () => {
      const run = await runServerBin(["rotate-kek", "--kek=hunter2"]);
      expectUsageError(run, "'--kek=…'", "secrets-server rotate-kek");
      expect(run.stderr).not.toContain("hunter2");
    });
  });

  describe("given a bad value", () => {
    it("names the setting and exits 2", async () => {
      const run = await runServerBin(["--listen", "nowhere"]);
      expectUsageError(run, "listen:", "secrets-server");
    });
  });

  describe("when the port is taken", () => {
    it("logs one JSON error naming the address and EADDRINUSE, exits 1, makes no state folder", async () => {
      const squatter = createServer();
      await new Promise<void>((resolve) =>
        squatter.listen(0, "127.0.0.1", resolve),
      );
      const { port } = squatter.address() as { port: number };
      const listen = `127.0.0.1:${port}`;
      const stateDir = join(tmpfsDir("as-busy-"), "state");
      try {
        const run = await runServerBin([
          "--dev",
          "--state-dir",
          stateDir,
          "--listen",
          listen,
        ]);
        expect(existsSync(stateDir)).toBe(false);
        expect(run.code).toBe(1);
        const lines = run.stderr.trimEnd().split("\n");
        // Every line is pino's JSON: no raw grpc-js line, no plain text.
        const entries = lines.map((line) => JSON.parse(line));
        const errors = entries.filter((entry) => entry.level === "error");
        expect(errors).toHaveLength(1);
        expect(errors[0]).toMatchObject({ msg: "cannot start", listen });
        expect(errors[0].problem).toContain("EADDRINUSE");
      } finally {
        squatter.close();
      }
    });
  });

  describe("when a server already runs on the state folder", () => {
    it("refuses a second one, naming the folder and the holder's pid", async () => {
      const first = await startServerProcess();
      try {
        const holderPid = JSON.parse(
          first
            .logs()
            .split("\n")
            .find((line) => line.startsWith("{")) ?? "",
        ).pid;
        const run = await runServerBin([
          "--dev",
          "--state-dir",
          first.stateDir,
          "--listen",
          "127.0.0.1:0",
        ]);
        expect(run.code).toBe(1);
        const [entry, ...rest] = run.stderr.trimEnd().split("\n");
        expect(rest).toEqual([]);
        const logged = JSON.parse(entry ?? "");
        expect(logged).toMatchObject({
          level: "error",
          code: "FAILED_PRECONDITION",
          field: "state-dir",
        });
        expect(logged.problem).toContain(first.paths.dir);
        expect(logged.problem).toContain(`pid ${holderPid}`);
      } finally {
        await first.stop();
      }
    });

    it("lets a new server in once the first was killed outright", async () => {
      const first = await startServerProcess();
      await first.stop("SIGKILL");
      await first.restart();
      expect(await first.stop()).toBe(0);
    });
  });
});
