/**
 * `npm start`'s program, run for real: it starts the dev server and an
 * agent, prints two lines to try, and both lines work as printed, on the
 * first run and on a re-run with the same state. A stop signal (Ctrl-C,
 * SIGTERM through npm, SIGHUP) leaves no server or agent behind.
 */
import { type ChildProcess, execFile, spawn } from "node:child_process";
import {
  cpSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterEach, describe, expect, it } from "vitest";
import { packageRoot } from "../../src/shared/package-root.js";
import { tmpfsDir } from "../helpers/tmpfs.js";
import { waitUntil } from "./agent-harness.js";

const execFileAsync = promisify(execFile);

const dir = tmpfsDir("as-e2e-devstack-");
const stateDir = join(dir, "state");
const envFile = join(dir, "run", "secrets.env");

/** dev-stack's flags: everything on port 0 and in this test's folder. */
const STACK_ARGS = [
  "--state-dir",
  stateDir,
  "--listen",
  "127.0.0.1:0",
  "--health-addr",
  "127.0.0.1:0",
  "--file",
  envFile,
];

/**
 * Pids of every process whose command line names this test's folder:
 * dev-stack, its server and its agent (never this test process).
 */
function stackPids(): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync("/proc")) {
    const pid = Number(entry);
    if (!Number.isInteger(pid) || pid === process.pid) continue;
    try {
      if (readFileSync(`/proc/${entry}/cmdline`, "utf8").includes(dir)) {
        pids.push(pid);
      }
    } catch {
      // Gone since the listing, or not ours to read.
    }
  }
  return pids;
}

// A stack a test failed to stop is killed right after that test, so it
// cannot fail the next one nor write into the folder once it is removed.
afterEach(() => {
  for (const pid of stackPids()) {
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      // Exited meanwhile.
    }
  }
});

/**
 * A copy of the package (sources, contract, build settings; the same
 * node_modules) in this test's folder. `npm start` builds before it
 * starts, and building the shared dist/ would rewrite the binaries that
 * other test files run at the same moment.
 */
function packageCopy(): string {
  const copy = join(dir, "package");
  for (const entry of ["package.json", "tsconfig.json", "src", "proto"]) {
    cpSync(join(packageRoot(), entry), join(copy, entry), { recursive: true });
  }
  symlinkSync(join(packageRoot(), "node_modules"), join(copy, "node_modules"));
  return copy;
}

interface Stack {
  process: ChildProcess;
  stdout: () => string;
}

function startStack(
  command: string,
  args: string[],
  cwd: string = packageRoot(),
): Stack {
  const child = spawn(command, args, {
    cwd,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  child.stdout?.setEncoding("utf8").on("data", (text: string) => {
    stdout += text;
  });
  child.stderr?.resume();
  return { process: child, stdout: () => stdout };
}

/** Waits for the lines to try, runs them as printed; true once hunter2 reads back. */
async function runPrintedLines(stack: Stack): Promise<boolean> {
  expect(await waitUntil(() => stack.stdout().includes("Ctrl-C"), 60_000)).toBe(
    true,
  );
  const lines = stack
    .stdout()
    .split("\n")
    .map((line) => line.trim());
  const write = lines.find((line) => line.includes(" demo/hello DB_PASSWORD"));
  const source = lines.find((line) => line.startsWith("set -a;"));
  expect(write).toBeDefined();
  expect(source).toBeDefined();
  // Rejects, failing the test, unless the line exits 0.
  await execFileAsync("sh", ["-c", write as string], { cwd: packageRoot() });
  const readBack = async () =>
    (
      await execFileAsync("sh", ["-c", source as string]).catch(() => ({
        stdout: "",
      }))
    ).stdout;
  return waitUntil(async () => (await readBack()) === "hunter2\n", 3000);
}

/** Sends `signal` to `target`; true once no stack process is left. */
async function stopsEverything(
  target: ChildProcess,
  signal: NodeJS.Signals,
): Promise<boolean> {
  // The check below could not fail if it found nothing to begin with.
  expect(stackPids().length).toBeGreaterThanOrEqual(3);
  target.kill(signal);
  return waitUntil(() => stackPids().length === 0, 15_000);
}

describe("dev-stack (npm start)", () => {
  it("runs server and agent; the printed lines create and read a secret; SIGINT stops both", async () => {
    // A token file left by an older run, with a looser mode.
    const tokenFile = join(stateDir, "agent-demo-hello.token");
    mkdirSync(stateDir, { mode: 0o700 });
    writeFileSync(tokenFile, "stale\n", { mode: 0o644 });
    const stack = startStack(process.execPath, [
      join(packageRoot(), "dist/src/bin/dev-stack.js"),
      ...STACK_ARGS,
    ]);
    expect(await runPrintedLines(stack)).toBe(true);
    expect(statSync(tokenFile).mode & 0o777).toBe(0o600);

    const exited = new Promise((resolve) =>
      stack.process.once("exit", resolve),
    );
    expect(await stopsEverything(stack.process, "SIGINT")).toBe(true);
    expect(await exited).toBe(0);
  }, 60_000);

  it("as npm start on the same state: the printed lines work again; SIGTERM to npm stops everything", async () => {
    const npm = startStack(
      "npm",
      ["start", "--", ...STACK_ARGS],
      packageCopy(),
    );
    expect(await runPrintedLines(npm)).toBe(true);
    expect(await stopsEverything(npm.process, "SIGTERM")).toBe(true);
  }, 120_000);

  it("stops server and agent on SIGHUP (a closed terminal)", async () => {
    const stack = startStack(process.execPath, [
      join(packageRoot(), "dist/src/bin/dev-stack.js"),
      ...STACK_ARGS,
    ]);
    expect(
      await waitUntil(() => stack.stdout().includes("Ctrl-C"), 20_000),
    ).toBe(true);
    expect(await stopsEverything(stack.process, "SIGHUP")).toBe(true);
  }, 60_000);
});
