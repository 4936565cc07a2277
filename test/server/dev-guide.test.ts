/**
 * The lines `secrets-server --dev` prints to try next, pasted into a
 * shell in the folder the server started from (run `npm run build`
 * first; `npm test` does).
 */
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { packageRoot } from "../../src/shared/package-root.js";
import {
  type ServerProcess,
  startServerProcess,
} from "../helpers/server-process.js";

const execFileAsync = promisify(execFile);

/** The indented lines under the last "Try next". */
function tryLines(guide: string): string[] {
  const after = guide.split("Try next").at(-1) ?? "";
  return after
    .split("\n")
    .filter((line) => line.startsWith("  "))
    .map((line) => line.trim());
}

describe("secrets-server --dev guide", () => {
  let server: ServerProcess;

  beforeAll(async () => {
    server = await startServerProcess();
  });

  afterAll(async () => {
    await server?.stop();
  });

  /** Runs the lines of the `run`th guide (from 1) as pasted; their outputs. */
  async function runGuideLines(run: number): Promise<string[]> {
    // The guide follows the "listening" line that startServerProcess awaits.
    await expect
      .poll(() => server.logs().split("Try next").length - 1, {
        timeout: 5_000,
      })
      .toBe(run);
    expect(tryLines(server.logs())).toHaveLength(2);
    const outputs: string[] = [];
    for (const line of tryLines(server.logs())) {
      expect(line).toMatch(/(^|\| )npx secretsctl /);
      const { stdout } = await execFileAsync("sh", ["-c", line], {
        cwd: packageRoot(),
        env: { PATH: process.env.PATH ?? "" },
      });
      outputs.push(stdout);
    }
    return outputs;
  }

  it("prints npx secretsctl lines that work as pasted", async () => {
    const outputs = await runGuideLines(1);
    expect(outputs[0]).toMatch(/^created demo\/hello DB_PASSWORD/);
    expect(outputs[1]).toContain("Database password");
  });

  it("prints lines that work again after a restart on the same state", async () => {
    await server.restart();
    const outputs = await runGuideLines(2);
    expect(outputs[0]).toMatch(/^updated demo\/hello DB_PASSWORD/);
  });
});
