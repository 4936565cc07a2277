/**
 * `secretsctl` reads at most one byte past the value limit: an endless
 * value file or pipe is refused at once as a usage error naming where the
 * value came from, without reading the rest (run `npm run build` first).
 */
import { createReadStream } from "node:fs";
import { describe, expect, it } from "vitest";
import { EXIT_CODES } from "../../src/cli/report-error.js";
import { MAX_VALUE_BYTES } from "../../src/shared/names.js";
import { tmpfsDir } from "../helpers/tmpfs.js";
import { type CliRun, runSecretsctl } from "./run-secretsctl.js";

/** Far less than reading gigabytes takes; the run is killed after it. */
const DEADLINE_MS = 10_000;

/** No token and a closed port: a value that got through would exit 1. */
const ENV = {
  SECRETS_STATE_DIR: tmpfsDir("as-cli-limit-"),
  SECRETS_ADDR: "127.0.0.1:1",
};

function expectRefusal(run: CliRun, source: string): void {
  expect(run.code).toBe(EXIT_CODES.usage);
  expect(run.stdout).toBe("");
  const lines = run.stderr.trimEnd().split("\n");
  expect(lines).toHaveLength(1);
  expect(lines[0]).toContain(source);
  expect(lines[0]).toContain(String(MAX_VALUE_BYTES));
}

describe("secretsctl value size", () => {
  describe("given --value-file /dev/zero", () => {
    it("refuses at once with a usage error naming value-file", async () => {
      const run = await runSecretsctl(
        ["create", "demo/limit", "BIG", "--display-name", "x"].concat([
          "--value-file",
          "/dev/zero",
        ]),
        { env: ENV, timeoutMs: DEADLINE_MS },
      );
      expectRefusal(run, "value-file:");
    });
  });

  describe("given an endless pipe on standard input", () => {
    it("refuses at once with a usage error naming stdin", async () => {
      const run = await runSecretsctl(
        ["update", "demo/limit", "BIG", "--value-stdin"],
        {
          env: ENV,
          stdin: createReadStream("/dev/zero"),
          timeoutMs: DEADLINE_MS,
        },
      );
      expectRefusal(run, "stdin:");
    });
  });
});
