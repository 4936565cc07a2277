import { describe, expect, it } from "vitest";
import { loadAgentConfig } from "../../src/agent/config.js";

const base = ["--token-file", "/dev/shm/t.token"];

describe("loadAgentConfig", () => {
  describe("with only the token file", () => {
    it("takes the documented defaults", () => {
      const config = loadAgentConfig(base, {});
      expect(config).toMatchObject({
        addr: "127.0.0.1:7443",
        file: "/run/algorithm-secrets/secrets.env",
        format: "sh",
        fileMode: 0o440,
        refreshMs: 60_000,
        debounceMs: 1000,
        healthHost: "127.0.0.1",
        healthPort: 8099,
        isWatchEnabled: true,
        isOnce: false,
        onceTimeoutMs: 60_000,
        reloadSignal: undefined,
      });
      expect(Object.isFrozen(config)).toBe(true);
    });
  });

  describe("when a flag and its environment twin disagree", () => {
    it("lets the flag win", () => {
      const config = loadAgentConfig([...base, "--refresh", "5s"], {
        SECRETS_AGENT_REFRESH: "30s",
        SECRETS_AGENT_FILE_MODE: "0400",
      });
      expect(config.refreshMs).toBe(5000);
      expect(config.fileMode).toBe(0o400);
    });
  });

  describe("when a setting is wrong", () => {
    it.each([
      [["--bogus"], {}],
      [[...base, "--refresh", "60"], {}],
      [[...base, "--file-mode", "0644"], {}],
      [[...base, "--reload-signal", "SIGHUP"], {}],
      [[...base, "--format", "yaml"], {}],
      [base, { SECRETS_AGENT_TYPO: "1" }],
      [base, { SECRETS_AGENT_ONCE: "maybe" }],
      [[], {}],
    ])("refuses %j %j with INVALID_ARGUMENT", (argv, env) => {
      expect(() => loadAgentConfig(argv, env)).toThrow(
        expect.objectContaining({ code: "INVALID_ARGUMENT" }),
      );
    });

    it("names the setting", () => {
      expect(() => loadAgentConfig([...base, "--refresh", "x"], {})).toThrow(
        expect.objectContaining({ field: "refresh" }),
      );
    });
  });

  describe("with a reload pidfile and no signal", () => {
    it("sends SIGHUP", () => {
      const config = loadAgentConfig(
        [...base, "--reload-pidfile", "/x.pid"],
        {},
      );
      expect(config.reloadSignal).toBe("SIGHUP");
    });
  });

  describe("with --no-watch", () => {
    it("turns the stream off", () => {
      expect(loadAgentConfig([...base, "--no-watch"], {}).isWatchEnabled).toBe(
        false,
      );
    });
  });
});
