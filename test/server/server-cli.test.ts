/**
 * The `secrets-server` command line as a user meets it (run
 * `npm run build` first; `npm test` does): usage errors, a busy port, a
 * second server on the same state folder, `init`.
 */
import { describe, expect, it } from "vitest";
import { type CliRun, runNodeBin } from "../cli/run-secretsctl.js";
import { serverBinPath } from "../helpers/server-process.js";

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
});
