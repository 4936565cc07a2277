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

/** The indented lines under "Try next". */
function tryLines(guide: string): string[] {
  const after = guide.split("Try next")[1] ?? "";
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

  it("prints npx secretsctl lines that work as pasted", async () => {
    // The guide follows the "listening" line that startServerProcess awaits.
    await expect
      .poll(() => tryLines(server.logs()), { timeout: 5_000 })
      .toHaveLength(2);
    const lines = tryLines(server.logs());
    const outputs: string[] = [];
    for (const line of lines) {
      expect(line).toMatch(/(^|\| )npx secretsctl /);
      const { stdout } = await execFileAsync("sh", ["-c", line], {
        cwd: packageRoot(),
        env: { PATH: process.env.PATH ?? "" },
      });
      outputs.push(stdout);
    }
    expect(outputs[0]).toMatch(/^created demo\/hello DB_PASSWORD/);
    expect(outputs[1]).toContain("Database password");
  });
});
