/**
 * Why the shell names in src/shared/reserved-env-names.ts are reserved:
 * for a few representative ones, the real shells sourcing the agent's `sh`
 * line `export NAME='value'` run code, end, stop sourcing, change user or
 * lose the value, while the same line with an ordinary name is inert.
 * Remove a name from the list only after this no longer happens.
 */
import { spawnSync } from "node:child_process";
import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseEnv } from "node:util";
import dotenv from "dotenv";
import { describe, expect, it } from "vitest";
import { quoteForShell } from "../../src/agent/dialects/sh.js";
import { isReservedEnvName } from "../../src/shared/names.js";
import { tmpfsDir } from "../helpers/tmpfs.js";

/** Each shell on a `-c` script, start-up files off. */
const SHELLS = {
  bash: ["bash", "--norc", "--noprofile", "-c"],
  dash: ["dash", "-c"],
  mksh: ["mksh", "-c"],
  zsh: ["zsh", "-f", "-c"],
} as const;

/** A line that must still be sourced after the one under test. */
const LAST_LINE = "export LAST_LINE='reached'";

interface Sourced {
  status: number | null;
  stdout: string;
  dir: string;
}

/**
 * Writes `export NAME='value'` and LAST_LINE to a file, as the agent's sh
 * dialect would, then has `shell` source it and run `after`.
 */
function source(
  shell: keyof typeof SHELLS,
  entry: { name: string; value: string },
  after: string,
): Sourced {
  const dir = tmpfsDir("as-shell-names-");
  const file = join(dir, "secrets.env");
  const line = `export ${entry.name}=${quoteForShell(entry.value)}`;
  writeFileSync(file, `${line}\n${LAST_LINE}\n`);
  const [command, ...args] = SHELLS[shell];
  const run = spawnSync(command, [...args, `. ${file}\n${after}`], {
    cwd: dir,
    encoding: "utf8",
    env: { PATH: process.env.PATH ?? "" },
    timeout: 5_000,
  });
  return { status: run.status, stdout: run.stdout, dir };
}

/** `$(touch RAN)` in an array subscript, for shells that do arithmetic. */
const RUNS_TOUCH = "a[$(touch RAN)]";

describe("shell names reserved for secrets", () => {
  describe.each([
    ["bash", "RANDOM"],
    ["bash", "OPTIND"],
    ["mksh", "SECONDS"],
  ] as const)("when %s sources %s='a[$(touch RAN)]'", (shell, name) => {
    it("runs the command; an ordinary name does not", () => {
      expect(isReservedEnvName(name)).toBe(true);
      const value = RUNS_TOUCH;
      const reserved = source(shell, { name, value }, "true");
      expect(existsSync(join(reserved.dir, "RAN"))).toBe(true);
      const ordinary = source(shell, { name: "DB_PASSWORD", value }, "true");
      expect(existsSync(join(ordinary.dir, "RAN"))).toBe(false);
    });
  });

  describe("when dash sources OPTIND='x'", () => {
    it("exits before the next line", () => {
      expect(isReservedEnvName("OPTIND")).toBe(true);
      const after = 'echo "$LAST_LINE"';
      const sourced = source("dash", { name: "OPTIND", value: "x" }, after);
      expect(sourced.status).not.toBe(0);
      expect(sourced.stdout).toBe("");
      const ordinary = source("dash", { name: "DB_HOST", value: "x" }, after);
      expect(ordinary.stdout).toBe("reached\n");
    });
  });

  describe.each([
    ["zsh", "LINENO"],
    ["zsh", "signals"],
    ["mksh", "HISTSIZE"],
  ] as const)("when %s sources %s='x'", (shell, name) => {
    it("stops sourcing there: later secrets are missing", () => {
      expect(isReservedEnvName(name)).toBe(true);
      const after = 'echo "[$LAST_LINE]"';
      const sourced = source(shell, { name, value: "x" }, after);
      expect(sourced.stdout).toBe("[]\n");
    });
  });

  describe("when bash sources SECONDS='hunter2'", () => {
    it("hands the algorithm its own count instead", () => {
      expect(isReservedEnvName("SECONDS")).toBe(true);
      const after = "printenv SECONDS";
      const entry = { name: "SECONDS", value: "hunter2" };
      expect(source("bash", entry, after).stdout).toBe("0\n");
    });
  });

  describe("when bash sources POSIXLY_CORRECT='1'", () => {
    it("switches itself to POSIX mode", () => {
      expect(isReservedEnvName("POSIXLY_CORRECT")).toBe(true);
      const after = "shopt -qo posix && echo posix";
      const entry = { name: "POSIXLY_CORRECT", value: "1" };
      expect(source("bash", entry, after).stdout).toBe("posix\n");
    });
  });

  describe("when dash sources SHELLOPTS='xtrace'", () => {
    it("makes every child bash print its commands", () => {
      expect(isReservedEnvName("SHELLOPTS")).toBe(true);
      const after = "bash --norc -c 'echo child' 2>&1";
      const entry = { name: "SHELLOPTS", value: "xtrace" };
      expect(source("dash", entry, after).stdout).toBe("+ echo child\nchild\n");
    });
  });

  describe.runIf(process.getuid?.() === 0)(
    "when zsh running as root sources UID='65534'",
    () => {
      it("becomes that user", () => {
        expect(isReservedEnvName("UID")).toBe(true);
        const entry = { name: "UID", value: "65534" };
        expect(source("zsh", entry, "id -u").stdout).toBe("65534\n");
      });
    },
  );

  describe("when a JavaScript reader meets __proto__", () => {
    it("drops it without a word", () => {
      expect(isReservedEnvName("__proto__")).toBe(true);
      const text = "__proto__=x\nDB_PASSWORD=y\n";
      expect(Object.keys(parseEnv(text))).toEqual(["DB_PASSWORD"]);
      expect(Object.keys(dotenv.parse(text))).toEqual(["DB_PASSWORD"]);
    });
  });

  describe("when a Python process starts with SSLKEYLOGFILE from the file", () => {
    const script = 'python3 -c "import ssl; ssl.create_default_context()"';

    it("opens a log for every TLS session's keys; an ordinary name does not", () => {
      expect(isReservedEnvName("SSLKEYLOGFILE")).toBe(true);
      const reserved = source(
        "dash",
        { name: "SSLKEYLOGFILE", value: "keys.log" },
        script,
      );
      expect(existsSync(join(reserved.dir, "keys.log"))).toBe(true);
      const ordinary = source(
        "dash",
        { name: "KEY_LOG_NAME", value: "keys.log" },
        script,
      );
      expect(existsSync(join(ordinary.dir, "keys.log"))).toBe(false);
    });
  });

  describe("names that load code or move trust in other runtimes", () => {
    it.each([
      "OPENSSL_CONF",
      "OPENSSL_MODULES",
      "REQUESTS_CA_BUNDLE",
      "CURL_CA_BUNDLE",
      "GRPC_DEFAULT_SSL_ROOTS_FILE_PATH",
      "PERLLIB",
      "JDK_JAVA_OPTIONS",
      "CLASSPATH",
      "LUA_INIT",
      "PHPRC",
      "GIT_SSH_COMMAND",
    ])("reserves %s", (name) => {
      expect(isReservedEnvName(name)).toBe(true);
    });
  });
});
