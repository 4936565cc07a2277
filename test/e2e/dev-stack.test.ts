/**
 * `npm start`'s program, run for real: it starts the dev server and an
 * agent, prints two lines to try, and both lines work as printed.
 */
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { mkdirSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";
import { packageRoot } from "../../src/shared/package-root.js";
import { tmpfsDir } from "../helpers/tmpfs.js";
import { waitUntil } from "./agent-harness.js";

const execFileAsync = promisify(execFile);

// Made before the afterAll below, whose stops therefore run first
// (after-hooks run in reverse): no agent is left to restore files into it.
const dir = tmpfsDir("as-e2e-devstack-");
let stack: ChildProcess | undefined;
afterAll(() => {
  if (stack?.exitCode === null) stack.kill("SIGKILL");
});

describe("dev-stack (npm start)", () => {
  it("runs server and agent; the printed lines create and read a secret; SIGINT stops both", async () => {
    const file = join(dir, "run", "secrets.env");
    // A token file left by an older run, with a looser mode.
    const tokenFile = join(dir, "state", "agent-demo-hello.token");
    mkdirSync(join(dir, "state"), { mode: 0o700 });
    writeFileSync(tokenFile, "stale\n", { mode: 0o644 });
    stack = spawn(
      process.execPath,
      [
        join(packageRoot(), "dist/src/bin/dev-stack.js"),
        "--state-dir",
        join(dir, "state"),
        "--listen",
        "127.0.0.1:0",
        "--health-addr",
        "127.0.0.1:0",
        "--file",
        file,
      ],
      { cwd: packageRoot(), stdio: ["ignore", "pipe", "pipe"] },
    );
    let stdout = "";
    stack.stdout?.setEncoding("utf8").on("data", (text: string) => {
      stdout += text;
    });
    stack.stderr?.resume();
    expect(await waitUntil(() => stdout.includes("Ctrl-C"), 20_000)).toBe(true);
    expect(statSync(tokenFile).mode & 0o777).toBe(0o600);

    const lines = stdout.split("\n").map((line) => line.trim());
    const create = lines.find((line) => line.includes(" create demo/hello "));
    const source = lines.find((line) => line.startsWith("set -a;"));
    expect(create).toBeDefined();
    expect(source).toBeDefined();
    await execFileAsync("sh", ["-c", create as string], { cwd: packageRoot() });
    const readBack = async () =>
      (
        await execFileAsync("sh", ["-c", source as string]).catch(() => ({
          stdout: "",
        }))
      ).stdout;
    expect(
      await waitUntil(async () => (await readBack()) === "s3cr3t\n", 3000),
    ).toBe(true);

    const exited = new Promise((resolve) => stack?.once("exit", resolve));
    stack.kill("SIGINT");
    expect(await exited).toBe(0);
  }, 60_000);
});
