/**
 * The reload notifier with real processes: a real /bin/sh command, real
 * process groups, real signals.
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import {
  REFUSED_PID_CODE,
  ReloadNotifier,
  type ReloadNotifierOptions,
} from "../../src/agent/reload-notifier.js";
import { tmpfsDir } from "../helpers/tmpfs.js";
import { memoryLogger } from "./memory-logger.js";

const root = tmpfsDir("as-reload-");

/** A notifier logging into memory, with what it reported. */
function newNotifier(options: Partial<ReloadNotifierOptions>) {
  const { logger, lines } = memoryLogger();
  const results: boolean[] = [];
  const notifier = new ReloadNotifier({
    commandTimeoutMs: 10_000,
    logger,
    onResult: (isOk) => results.push(isOk),
    ...options,
  });
  return { notifier, results, lines };
}

const read = (path: string) =>
  existsSync(path) ? readFileSync(path, "utf8") : "";

/** True while `pid` runs (a zombie counts as gone). */
function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  const stat = read(`/proc/${pid}/stat`);
  return !/^\d+ \(.*\) Z/.test(stat);
}

describe("ReloadNotifier", () => {
  describe("when notices come while a slow command runs", () => {
    it("runs one at a time, folding the waiting ones into one more run", async () => {
      const log = join(root, "serial.log");
      const { notifier, results } = newNotifier({
        command: `echo start >> ${log}; sleep 0.3; echo end >> ${log}`,
      });
      const first = notifier.notify(1);
      await new Promise((resolve) => setTimeout(resolve, 50));
      const waiting = [notifier.notify(2), notifier.notify(3)];
      await Promise.all([first, ...waiting]);
      expect(read(log).split("\n").filter(Boolean)).toEqual([
        "start",
        "end",
        "start",
        "end",
      ]);
      expect(results).toEqual([true, true]);
    });

    it("gives the folded run the newest revision", async () => {
      const { notifier, lines } = newNotifier({ command: "sleep 0.2" });
      const first = notifier.notify(1);
      await Promise.all([first, notifier.notify(2), notifier.notify(3)]);
      const finished = lines().filter(
        (line) => line.msg === "reload command finished",
      );
      expect(finished.map((line) => line.revision)).toEqual([1, 3]);
    });
  });

  describe("when the command outlives its timeout", () => {
    it("kills everything the command started, not only the shell", async () => {
      const pidfile = join(root, "background.pid");
      const { notifier, results } = newNotifier({
        command: `sleep 30 & echo $! > ${pidfile}; wait`,
        commandTimeoutMs: 300,
      });
      await notifier.notify(1);
      expect(results).toEqual([false]);
      const pid = Number(read(pidfile));
      expect(pid).toBeGreaterThan(1);
      const deadline = Date.now() + 2000;
      while (isRunning(pid) && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      expect(isRunning(pid)).toBe(false);
    });
  });

  describe("the command's environment", () => {
    const canary = "SECRETS_TEST_CANARY";
    afterEach(() => {
      delete process.env[canary];
    });

    it("holds PATH and HOME, and nothing else of the agent's", async () => {
      process.env[canary] = "agent-only";
      const out = join(root, "env.out");
      const { notifier } = newNotifier({ command: `env > ${out}` });
      await notifier.notify(1);
      const names = read(out)
        .split("\n")
        .filter(Boolean)
        .map((line) => line.slice(0, line.indexOf("=")));
      expect(names).toContain("PATH");
      expect(names).not.toContain(canary);
      // The shell adds PWD, and some shells SHLVL and _; nothing more.
      const shellOwn = ["PATH", "HOME", "PWD", "SHLVL", "_", "OLDPWD"];
      expect(names.filter((name) => !shellOwn.includes(name))).toEqual([]);
    });
  });

  describe("when the pidfile names the agent itself or init", () => {
    it.each([
      ["the agent", () => process.pid],
      ["init", () => 1],
    ])("refuses to signal %s, with a warning", async (_, pid) => {
      const pidfile = join(root, `refused-${pid()}.pid`);
      writeFileSync(pidfile, `${pid()}\n`);
      let received = 0;
      const onSignal = () => {
        received += 1;
      };
      process.on("SIGCONT", onSignal);
      try {
        const { notifier, results, lines } = newNotifier({
          signal: "SIGCONT",
          pidfile,
        });
        await notifier.notify(1);
        await new Promise((resolve) => setTimeout(resolve, 50));
        expect(received).toBe(0);
        expect(results).toEqual([false]);
        const warning = lines().find((line) => line.level === "warn");
        expect(warning?.code).toBe(REFUSED_PID_CODE);
      } finally {
        process.off("SIGCONT", onSignal);
      }
    });
  });
});
