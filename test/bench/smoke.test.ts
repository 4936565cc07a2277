/**
 * Keeps `npm run bench` from rotting: runs it at the smoke size as a real
 * process and checks the table and the results file have every section.
 * Asserts no times: a smoke run's figures mean nothing. Needs
 * `npm run build` first.
 */
import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { packageRoot } from "../../src/shared/package-root.js";
import { tmpfsDir } from "../helpers/tmpfs.js";

const execFileAsync = promisify(execFile);

function numbersIn(value: unknown): boolean {
  if (typeof value === "number") return Number.isFinite(value);
  if (value && typeof value === "object") {
    return Object.values(value).every(numbersIn);
  }
  return true;
}

describe("npm run bench", () => {
  describe("at the smoke size", () => {
    const dir = tmpfsDir("as-bench-test-");

    it("prints the table and writes every section with numbers", async () => {
      const resultsFile = join(dir, "results.json");
      const { stdout } = await execFileAsync(
        process.execPath,
        [join(packageRoot(), "dist/bench/run.js")],
        {
          env: {
            ...process.env,
            BENCH_SIZE: "smoke",
            BENCH_RESULTS: resultsFile,
          },
          timeout: 170_000,
        },
      );

      expect(stdout).toContain("figure");
      for (const section of ["1", "2", "3", "4", "5"]) {
        expect(stdout).toMatch(new RegExp(`^\\| ${section} `, "m"));
      }
      const results = JSON.parse(readFileSync(resultsFile, "utf8"));
      expect(results.errors).toEqual({});
      expect(results.machine.cpus).toBeGreaterThan(0);
      expect(results.machine.node).toBe(process.version);
      expect(results.sizes.name).toBe("smoke");
      for (const section of ["propagation", "unary", "footprint", "fanout"]) {
        expect(results[section]).toBeTypeOf("object");
        expect(numbersIn(results[section])).toBe(true);
      }
      expect(results.fanout.storm.resubscribed).toBe(results.fanout.streams);
      expect(results.table.length).toBeGreaterThanOrEqual(10);
      for (const row of results.table) {
        // A row without a floor says so with null, never by leaving it out.
        expect(row.floor === null || Number.isFinite(row.floor)).toBe(true);
        if (row.floor === null) expect(row.ratio).toBeNull();
      }
    }, 180_000);
  });
});
